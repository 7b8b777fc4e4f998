package td3

import "gorl/env"

// RewardTerms is implemented by environments whose reward is a sum of named terms
// (env/locomotion: progress, heading, alive, control). The metrics rows carry the mean
// per-episode sum of each term over the recently finished episodes, so that a learning
// curve can show locomotion (progress) apart from survival (the alive bonus).
type RewardTerms interface {
	RewardTermNames() []string
	// RecentEpisodeTerms adds the per-episode term sums of the recent finished episodes
	// into sum and returns their count.
	RecentEpisodeTerms(sum []float64) int
}

// putRewardTerms adds each term's recent per-episode mean, pooled over envs, to vals.
func putRewardTerms(envs []env.Env, vals map[string]float64) {
	var names []string
	var sum [8]float64
	n := 0
	for _, e := range envs {
		rt, ok := env.As[RewardTerms](e)
		if !ok || len(rt.RewardTermNames()) > len(sum) {
			return
		}
		names = rt.RewardTermNames()
		n += rt.RecentEpisodeTerms(sum[:len(names)])
	}
	if n == 0 {
		return
	}
	for k, name := range names {
		vals[name] = sum[k] / float64(n)
	}
}

package td3

import (
	"gorl/env"
	"gorl/logs"
)

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

// lastEpisodeTerms is an environment that reports the reward terms of its last finished
// episode (env/locomotion's Env and Multi).
type lastEpisodeTerms interface {
	RewardTermNames() []string
	LastEpisodeTerms(dst []float64) bool
}

// finishedEpisodeTerms returns the reward terms of the episode e finished in its last
// step (the vector env has already reset it), nil for environments without terms.
func finishedEpisodeTerms(e env.Env) *logs.RewardTerms {
	lt, ok := env.As[lastEpisodeTerms](e)
	if !ok {
		return nil
	}
	var v [8]float64
	names := lt.RewardTermNames()
	if len(names) > len(v) || !lt.LastEpisodeTerms(v[:len(names)]) {
		return nil
	}
	return logs.NewRewardTerms(names, v[:len(names)])
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

// EpisodeTermMeans returns the reward terms' mean per-episode sums over e's recent
// finished episodes (env/locomotion keeps the last 20) and their count; ok is false for
// environments without reward terms. It first closes the episode under way with a Reset
// of e (which draws from e's random stream), so call it when done with e, for example
// after an evaluation.
func EpisodeTermMeans(e env.Env) (names []string, means []float64, n int, ok bool) {
	rt, ok := env.As[RewardTerms](e)
	if !ok {
		return nil, nil, 0, false
	}
	e.Reset()
	names = rt.RewardTermNames()
	means = make([]float64, len(names))
	if n = rt.RecentEpisodeTerms(means); n > 0 {
		for k := range means {
			means[k] /= float64(n)
		}
	}
	return names, means, n, true
}

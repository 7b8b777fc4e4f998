package locomotion

// The reward is a sum of four terms (progress towards the target, velocity along the
// heading, the alive bonus and the control cost); their per-episode sums show whether a
// policy moves or only stays upright, which the return alone hides.

// NumRewardTerms is the number of reward terms, named by RewardTermNames.
const NumRewardTerms = 4

// RecentEpisodes is how many finished episodes RecentEpisodeTerms averages over.
const RecentEpisodes = 20

var rewardTermNames = []string{"progress", "heading", "alive", "control"}

// RewardTermNames names the reward terms in order: progress (|T − p_t| − |T − p_t+1|)/dt,
// heading H (p_t+1 − p_t)·(cos ψ, sin ψ)/dt, alive A and control −0.001 |a|² (negative);
// their sum is the reward.
func (e *Env) RewardTermNames() []string { return rewardTermNames }

// LastEpisodeTerms writes the reward terms summed over the last finished episode (the one
// before the latest Reset) into dst, in RewardTermNames' order, and reports whether an
// episode has finished yet.
func (e *Env) LastEpisodeTerms(dst []float64) bool {
	copy(dst, e.lastTerms[:])
	return e.hasLast
}

// CurrentEpisodeTerms writes the sums of the episode under way into dst.
func (e *Env) CurrentEpisodeTerms(dst []float64) { copy(dst, e.terms[:]) }

// RecentEpisodeTerms adds the per-episode sums of the last (up to) RecentEpisodes finished
// episodes into sum and returns how many episodes they are; sum / n is their mean.
func (e *Env) RecentEpisodeTerms(sum []float64) int {
	for _, t := range e.recentTerms {
		for k, v := range t {
			sum[k] += v
		}
	}
	return len(e.recentTerms)
}

func (e *Env) addTerms(progress, heading, alive, control float64) {
	e.terms[0] += progress
	e.terms[1] += heading
	e.terms[2] += alive
	e.terms[3] += control
	e.termSteps++
}

// endTerms closes the episode under way (at Reset): an episode of at least one step
// becomes the last finished one.
func (e *Env) endTerms() {
	if e.termSteps > 0 {
		e.lastTerms, e.hasLast = e.terms, true
		if len(e.recentTerms) == RecentEpisodes {
			e.recentTerms = append(e.recentTerms[:0], e.recentTerms[1:]...)
		}
		e.recentTerms = append(e.recentTerms, e.terms)
	}
	e.terms, e.termSteps = [NumRewardTerms]float64{}, 0
}

// termState is the reward-term bookkeeping as a snapshot part: steps, has-last, the
// current sums, the last sums, then the recent episodes' sums.
func (e *Env) termState() []float64 {
	has := 0.0
	if e.hasLast {
		has = 1
	}
	out := append([]float64{float64(e.termSteps), has}, e.terms[:]...)
	out = append(out, e.lastTerms[:]...)
	for _, t := range e.recentTerms {
		out = append(out, t[:]...)
	}
	return out
}

func (e *Env) setTermState(p []float64) bool {
	const head = 2 + 2*NumRewardTerms
	if len(p) < head || (len(p)-head)%NumRewardTerms != 0 || (len(p)-head)/NumRewardTerms > RecentEpisodes {
		return false
	}
	e.termSteps, e.hasLast = int(p[0]), p[1] != 0
	copy(e.terms[:], p[2:])
	copy(e.lastTerms[:], p[2+NumRewardTerms:])
	e.recentTerms = e.recentTerms[:0]
	for r := p[head:]; len(r) > 0; r = r[NumRewardTerms:] {
		e.recentTerms = append(e.recentTerms, [NumRewardTerms]float64(r[:NumRewardTerms]))
	}
	return true
}

// RewardTermNames names the reward terms (Env.RewardTermNames).
func (m *Multi) RewardTermNames() []string { return rewardTermNames }

// LastEpisodeTerms writes the reward terms of the last finished episode of any member.
func (m *Multi) LastEpisodeTerms(dst []float64) bool {
	copy(dst, m.lastTerms[:])
	return m.hasLast
}

// RecentEpisodeTerms pools every member's recent episodes (Env.RecentEpisodeTerms).
func (m *Multi) RecentEpisodeTerms(sum []float64) int {
	n := 0
	for _, e := range m.members {
		n += e.RecentEpisodeTerms(sum)
	}
	return n
}

// CurrentEpisodeTerms writes the sums of the current member's episode under way.
func (m *Multi) CurrentEpisodeTerms(dst []float64) { m.members[m.cur].CurrentEpisodeTerms(dst) }

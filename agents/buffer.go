package agents

import "gorl/env"

// Rollout holds Steps x Envs transitions collected by the training loop, stored time
// major (index t*Envs + i) in float32, the precision networks train in.
type Rollout struct {
	Steps, Envs    int
	ObsDim, ActDim int
	Obs            []float32 // (Steps*Envs) x ObsDim: the observation each action was taken in
	Actions        []float32 // (Steps*Envs) x ActDim
	LogProbs       []float32 // log pi_old(a|s) at collection
	Values         []float32 // V(s) at collection
	Rewards        []float32
	Terminated     []bool    // the transition ended its episode in a terminal state
	Truncated      []bool    // the transition ended its episode by a time limit
	TruncValues    []float32 // V(final observation) where Truncated (bootstrap), else 0
	LastValues     []float32 // Envs: V of the observation after the rollout's last step
	Advantages     []float32 // filled by GAE
	Returns        []float32 // Advantages + Values (value targets)
}

// NewRollout allocates a rollout for steps x envs transitions.
func NewRollout(steps, envs, obsDim, actDim int) *Rollout {
	n := steps * envs
	return &Rollout{Steps: steps, Envs: envs, ObsDim: obsDim, ActDim: actDim,
		Obs: make([]float32, n*obsDim), Actions: make([]float32, n*actDim),
		LogProbs: make([]float32, n), Values: make([]float32, n), Rewards: make([]float32, n),
		Terminated: make([]bool, n), Truncated: make([]bool, n), TruncValues: make([]float32, n),
		LastValues: make([]float32, envs), Advantages: make([]float32, n), Returns: make([]float32, n)}
}

// Len is the number of transitions, Steps*Envs.
func (r *Rollout) Len() int { return r.Steps * r.Envs }

// GAE fills Advantages and Returns with generalised advantage estimation (Schulman et
// al. 2016, eq. 11-16):
//
//	delta_t = r_t + gamma * V(s_{t+1}) - V(s_t)
//	A_t     = delta_t + gamma * lambda * A_{t+1}
//
// where the recursion stops at an episode's end. A terminated transition bootstraps with
// 0; a truncated one with V(final observation) (TruncValues), not with the value of the
// next episode's first observation that the same-step autoreset put in its place. The
// last step bootstraps from LastValues.
func (r *Rollout) GAE(gamma, lambda float64) {
	n := r.Envs
	for i := 0; i < n; i++ {
		next := float64(r.LastValues[i])
		adv := 0.0
		for t := r.Steps - 1; t >= 0; t-- {
			k := t*n + i
			v := float64(r.Values[k])
			switch {
			case r.Terminated[k]:
				next, adv = 0, 0
			case r.Truncated[k]:
				next, adv = float64(r.TruncValues[k]), 0
			}
			delta := float64(r.Rewards[k]) + gamma*next - v
			adv = delta + gamma*lambda*adv
			r.Advantages[k] = float32(adv)
			r.Returns[k] = float32(adv + v)
			next = v
		}
	}
}

// StoreStep writes the outcome of the vector step just taken into rows base..base+n of
// r: rewards, true terminations, and time-limit truncations, whose bootstrap value is
// the agent's value of the final observation (Gymnasium's truncated: the episode was
// cut, not ended). scratch holds one value per sub-environment.
func (r *Rollout) StoreStep(base int, v *env.Vector, agent Agent, scratch []float64) {
	n := v.Num()
	anyTrunc := false
	for i := 0; i < n; i++ {
		k := base + i
		term, trunc := v.Terminated[i], v.Truncated[i]
		r.Rewards[k] = float32(v.Rewards[i])
		r.Terminated[k], r.Truncated[k] = term, trunc && !term
		r.TruncValues[k] = 0
		anyTrunc = anyTrunc || (trunc && !term)
	}
	if anyTrunc {
		agent.Values(v.FinalObs, scratch)
		for i := 0; i < n; i++ {
			if k := base + i; r.Truncated[k] {
				r.TruncValues[k] = float32(scratch[i])
			}
		}
	}
}

// Package latent provides latent Markov decision processes (LMDPs): M tabular MDPs over
// shared states, actions and horizon, one of which (the context) is drawn at the start of
// each episode, hidden while acting and revealed when the episode ends.
//
// An LMDP exposes its exact model (weights, initial distributions, transitions, rewards,
// horizon) for planners and tests, generates instance families (random, deterministic,
// Cue, Hard, Shared, Noisy, LowerBound), saves to and loads from versioned JSON files, and acts as an env.Env whose
// Context method reveals the episode's context in hindsight. The ids lmdp/shared,
// lmdp/noisy, lmdp/lowerbound, lmdp/random,
// lmdp/deterministic, lmdp/cue, lmdp/hard and lmdp/file are registered with env.Register.
package latent

import (
	"errors"
	"fmt"
	"math"
)

// probTol is the tolerance for probability vectors summing to 1 and for the episode
// reward bound.
const probTol = 1e-9

// LMDP is a latent MDP with M contexts, S states, A actions and horizon H. The model is
// stored in flat row-major slices; use the index helpers or accessors to read it.
//
// Rewards are deterministic, R_m(s,a) in [0, 1], and the total reward of any episode
// in any context is at most 1 (Validate checks this with a longest-path computation).
type LMDP struct {
	Name       string    // family or file the instance came from (informational)
	M, S, A, H int       // contexts, states, actions, horizon (steps per episode)
	Weights    []float64 // len M: w_m > 0, sum 1
	Init       []float64 // len M*S: nu_m(s) at Init[m*S+s]
	P          []float64 // len M*S*A*S: P_m(s'|s,a) at P[SAS(m,s,a)+s']
	R          []float64 // len M*S*A: R_m(s,a) at R[SA(m,s,a)]
}

// SA is the index of (m, s, a) in R and in per-(m,s,a) tables.
func (l *LMDP) SA(m, s, a int) int { return (m*l.S+s)*l.A + a }

// SAS is the offset of the next-state distribution P_m(.|s,a) in P.
func (l *LMDP) SAS(m, s, a int) int { return ((m*l.S+s)*l.A + a) * l.S }

// Next returns P_m(.|s,a) (a view into P, len S).
func (l *LMDP) Next(m, s, a int) []float64 {
	o := l.SAS(m, s, a)
	return l.P[o : o+l.S : o+l.S]
}

// InitDist returns nu_m (a view into Init, len S).
func (l *LMDP) InitDist(m int) []float64 { return l.Init[m*l.S : (m+1)*l.S : (m+1)*l.S] }

// Reward returns R_m(s,a).
func (l *LMDP) Reward(m, s, a int) float64 { return l.R[l.SA(m, s, a)] }

// Gamma is the largest support size of any P_m(.|s,a).
func (l *LMDP) Gamma() int {
	g := 0
	for i := 0; i < len(l.P); i += l.S {
		n := 0
		for _, p := range l.P[i : i+l.S] {
			if p > 0 {
				n++
			}
		}
		g = max(g, n)
	}
	return g
}

// Validate checks sizes, probability vectors and the reward bounds, returning an error
// that names the first offending entry.
func (l *LMDP) Validate() error {
	if l.M < 1 || l.S < 1 || l.A < 1 || l.H < 1 {
		return fmt.Errorf("lmdp: M, S, A, H must be >= 1, got M=%d S=%d A=%d H=%d", l.M, l.S, l.A, l.H)
	}
	if len(l.Weights) != l.M {
		return fmt.Errorf("lmdp: %d weights for M=%d contexts", len(l.Weights), l.M)
	}
	if len(l.Init) != l.M*l.S {
		return fmt.Errorf("lmdp: initial distributions have %d entries, want M*S=%d", len(l.Init), l.M*l.S)
	}
	if len(l.P) != l.M*l.S*l.A*l.S {
		return fmt.Errorf("lmdp: transitions have %d entries, want M*S*A*S=%d", len(l.P), l.M*l.S*l.A*l.S)
	}
	if len(l.R) != l.M*l.S*l.A {
		return fmt.Errorf("lmdp: rewards have %d entries, want M*S*A=%d", len(l.R), l.M*l.S*l.A)
	}
	for m, w := range l.Weights {
		if !(w > 0) || math.IsInf(w, 0) {
			return fmt.Errorf("lmdp: weight of context %d is %v, must be > 0", m, w)
		}
	}
	if err := checkDist(l.Weights); err != nil {
		return fmt.Errorf("lmdp: context weights: %w", err)
	}
	for m := 0; m < l.M; m++ {
		if err := checkDist(l.InitDist(m)); err != nil {
			return fmt.Errorf("lmdp: initial distribution of context %d: %w", m, err)
		}
		for s := 0; s < l.S; s++ {
			for a := 0; a < l.A; a++ {
				if err := checkDist(l.Next(m, s, a)); err != nil {
					return fmt.Errorf("lmdp: P_%d(.|s=%d,a=%d): %w", m, s, a, err)
				}
				r := l.Reward(m, s, a)
				if !(r >= 0 && r <= 1) {
					return fmt.Errorf("lmdp: reward R_%d(s=%d,a=%d)=%v outside [0,1]", m, s, a, r)
				}
			}
		}
	}
	for m := 0; m < l.M; m++ {
		if best := l.MaxEpisodeReward(m); best > 1+probTol {
			return fmt.Errorf("lmdp: context %d allows total reward %.6g per episode, must be <= 1", m, best)
		}
	}
	return nil
}

func checkDist(p []float64) error {
	sum := 0.0
	for i, v := range p {
		if !(v >= 0) || math.IsInf(v, 0) {
			return fmt.Errorf("entry %d is %v, must be a probability", i, v)
		}
		sum += v
	}
	if math.Abs(sum-1) > probTol {
		return fmt.Errorf("sums to %.12g, not 1", sum)
	}
	return nil
}

// MaxEpisodeReward is the largest total reward an episode of context m can collect along
// any path with positive probability (a longest-path recursion over H steps).
func (l *LMDP) MaxEpisodeReward(m int) float64 {
	v := make([]float64, l.S) // best reward-to-go from step h+1
	nv := make([]float64, l.S)
	for h := l.H - 1; h >= 0; h-- {
		for s := 0; s < l.S; s++ {
			best := 0.0
			for a := 0; a < l.A; a++ {
				q := 0.0
				for s2, p := range l.Next(m, s, a) {
					if p > 0 {
						q = max(q, v[s2])
					}
				}
				best = max(best, l.Reward(m, s, a)+q)
			}
			nv[s] = best
		}
		v, nv = nv, v
	}
	best := 0.0
	for s, p := range l.InitDist(m) {
		if p > 0 {
			best = max(best, v[s])
		}
	}
	return best
}

// Clone returns a deep copy.
func (l *LMDP) Clone() *LMDP {
	c := *l
	c.Weights = append([]float64(nil), l.Weights...)
	c.Init = append([]float64(nil), l.Init...)
	c.P = append([]float64(nil), l.P...)
	c.R = append([]float64(nil), l.R...)
	return &c
}

// ContextMDPValue returns the optimal value of context m's MDP from its initial
// distribution (finite-horizon value iteration), the value an agent that knows the
// context achieves.
func (l *LMDP) ContextMDPValue(m int) float64 {
	v := make([]float64, l.S)
	nv := make([]float64, l.S)
	for h := l.H - 1; h >= 0; h-- {
		for s := 0; s < l.S; s++ {
			best := math.Inf(-1)
			for a := 0; a < l.A; a++ {
				q := l.Reward(m, s, a)
				for s2, p := range l.Next(m, s, a) {
					q += p * v[s2]
				}
				best = max(best, q)
			}
			nv[s] = best
		}
		v, nv = nv, v
	}
	val := 0.0
	for s, p := range l.InitDist(m) {
		val += p * v[s]
	}
	return val
}

// errNil is returned for operations on a nil instance.
var errNil = errors.New("lmdp: nil instance")

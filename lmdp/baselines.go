package lmdp

import (
	"math"

	"gorl/env/latent"
)

// MarkovPolicy acts by step and state only: Act[h*S+s].
type MarkovPolicy struct {
	H, S int
	Act  []int
}

// EvaluateMarkov returns the exact value of a Markov policy in l (policy evaluation in
// every context, weighted by w), and the per-context values.
func EvaluateMarkov(l *latent.LMDP, mp *MarkovPolicy) (float64, []float64) {
	per := make([]float64, l.M)
	v := make([]float64, l.S)
	nv := make([]float64, l.S)
	total := 0.0
	for m := 0; m < l.M; m++ {
		clear(v)
		for h := l.H - 1; h >= 0; h-- {
			for s := 0; s < l.S; s++ {
				a := mp.Act[h*l.S+s]
				q := l.Reward(m, s, a)
				for s2, p := range l.Next(m, s, a) {
					q += p * v[s2]
				}
				nv[s] = q
			}
			v, nv = nv, v
		}
		per[m] = dot(l.InitDist(m), v)
		total += l.Weights[m] * per[m]
	}
	return total, per
}

// WSU is Weight-Select-Update (Steimle, Kaufman, Denton) with the true model: backward
// over h, select in every state the action maximising the weight-averaged Q-value
// sum_m w_m (R_m(s,a) + P_m(s,a)·V_{m,h+1}), then update each context's value with it.
// It returns a Markov policy, the usual heuristic for the best Markov policy of an LMDP.
func WSU(l *latent.LMDP) *MarkovPolicy {
	mp := &MarkovPolicy{H: l.H, S: l.S, Act: make([]int, l.H*l.S)}
	v := make([]float64, l.M*l.S)
	nv := make([]float64, l.M*l.S)
	for h := l.H - 1; h >= 0; h-- {
		for s := 0; s < l.S; s++ {
			best, bestQ := 0, math.Inf(-1)
			for a := 0; a < l.A; a++ {
				q := 0.0
				for m := 0; m < l.M; m++ {
					q += l.Weights[m] * (l.Reward(m, s, a) + dot(l.Next(m, s, a), v[m*l.S:(m+1)*l.S]))
				}
				if q > bestQ+1e-12 {
					best, bestQ = a, q
				}
			}
			mp.Act[h*l.S+s] = best
			for m := 0; m < l.M; m++ {
				nv[m*l.S+s] = l.Reward(m, s, best) + dot(l.Next(m, s, best), v[m*l.S:(m+1)*l.S])
			}
		}
		v, nv = nv, v
	}
	return mp
}

// OraclePolicies returns, for every context, the optimal Markov policy of its MDP: the
// policy of an agent that knows the context. Its value is OracleValue.
func OraclePolicies(l *latent.LMDP) []*MarkovPolicy {
	out := make([]*MarkovPolicy, l.M)
	v := make([]float64, l.S)
	nv := make([]float64, l.S)
	for m := range out {
		mp := &MarkovPolicy{H: l.H, S: l.S, Act: make([]int, l.H*l.S)}
		clear(v)
		for h := l.H - 1; h >= 0; h-- {
			for s := 0; s < l.S; s++ {
				best, bestQ := 0, math.Inf(-1)
				for a := 0; a < l.A; a++ {
					q := l.Reward(m, s, a) + dot(l.Next(m, s, a), v)
					if q > bestQ+1e-12 {
						best, bestQ = a, q
					}
				}
				mp.Act[h*l.S+s], nv[s] = best, bestQ
			}
			v, nv = nv, v
		}
		out[m] = mp
	}
	return out
}

// OracleValue is sum_m w_m V*_m, the value of knowing the context (an upper bound on V*).
func OracleValue(l *latent.LMDP) float64 {
	v := 0.0
	for m := 0; m < l.M; m++ {
		v += l.Weights[m] * l.ContextMDPValue(m)
	}
	return v
}

// PooledPlan plans the pooled baseline: the contexts are ignored, the counts of all
// contexts are merged into one MDP (P^(s'|s,a), mean reward R^(s,a)) and optimistic value
// iteration with the Bernstein bonus of ValueOptimistic gives a Markov policy.
func PooledPlan(c *Counts, H int, c1, c2, iota float64) *MarkovPolicy {
	S, A := c.S, c.A
	n := make([]float64, S*A)
	rsum := make([]float64, S*A)
	p := make([]float64, S*A*S)
	for m := 0; m < c.M; m++ {
		for i := 0; i < S*A; i++ {
			j := m*S*A + i
			n[i] += c.N[j]
			rsum[i] += c.N[j] * c.R[j]
			for s2 := 0; s2 < S; s2++ {
				p[i*S+s2] += c.NNext[j*S+s2]
			}
		}
	}
	mp := &MarkovPolicy{H: H, S: S, Act: make([]int, H*S)}
	v := make([]float64, S)
	nv := make([]float64, S)
	for h := H - 1; h >= 0; h-- {
		for s := 0; s < S; s++ {
			best, bestQ := 0, math.Inf(-1)
			for a := 0; a < A; a++ {
				i := s*A + a
				q := 1.0
				if n[i] > 0 {
					row := p[i*S : (i+1)*S]
					mean, vr := 0.0, 0.0
					for s2, c := range row {
						mean += c / n[i] * v[s2]
					}
					for s2, c := range row {
						d := v[s2] - mean
						vr += c / n[i] * d * d
					}
					q = min(1, rsum[i]/n[i]+mean+c1*math.Sqrt(vr*iota/n[i])+c2*iota/n[i])
				}
				if q > bestQ+1e-12 {
					best, bestQ = a, q
				}
			}
			mp.Act[h*S+s], nv[s] = best, bestQ
		}
		v, nv = nv, v
	}
	return mp
}

package lmdp

import (
	"fmt"
	"math"

	"gorl/env/latent"
)

// TreeSearch returns V* of l by exhaustive search over histories, without merging
// beliefs: V(h, s, p) = max_a [ sum_m p_m R_m(s,a) + sum_{(r,s')} V(h+1, s', p') ] with
// unnormalised weights p'_m = p_m P_m(s'|s,a) over the contexts whose reward is r. It is
// the test oracle for the planners; maxCalls bounds the work (0: 1e7 calls).
func TreeSearch(l *latent.LMDP, maxCalls int) (float64, error) {
	if err := l.Validate(); err != nil {
		return 0, err
	}
	if maxCalls <= 0 {
		maxCalls = 1e7
	}
	calls := 0
	var rec func(h, s int, p []float64) float64
	rec = func(h, s int, p []float64) float64 {
		calls++
		if h == l.H || calls > maxCalls {
			return 0
		}
		best := math.Inf(-1)
		next := make([]float64, l.M)
		for a := 0; a < l.A; a++ {
			v := 0.0
			for m, pm := range p {
				v += pm * l.Reward(m, s, a)
			}
			for s2 := 0; s2 < l.S; s2++ {
				for g := 0; g < l.M; g++ { // g: the first context of a reward group
					if p[g] == 0 || firstWithReward(l, p, s, a, g) != g {
						continue
					}
					any := false
					for m := range next {
						next[m] = 0
						if p[m] > 0 && l.Reward(m, s, a) == l.Reward(g, s, a) {
							next[m] = p[m] * l.Next(m, s, a)[s2]
							any = any || next[m] > 0
						}
					}
					if any {
						v += rec(h+1, s2, next)
					}
				}
			}
			best = max(best, v)
		}
		return best
	}
	total := 0.0
	for s := 0; s < l.S; s++ {
		p := make([]float64, l.M)
		any := false
		for m := range p {
			p[m] = l.Weights[m] * l.InitDist(m)[s]
			any = any || p[m] > 0
		}
		if any {
			total += rec(0, s, p)
		}
	}
	if calls > maxCalls {
		return 0, fmt.Errorf("tree search: more than %d nodes (H=%d too large for exhaustive search)", maxCalls, l.H)
	}
	return total, nil
}

func firstWithReward(l *latent.LMDP, p []float64, s, a, g int) int {
	for m := 0; m < g; m++ {
		if p[m] > 0 && l.Reward(m, s, a) == l.Reward(g, s, a) {
			return m
		}
	}
	return g
}

// Evaluation is the exact value of a policy in an LMDP.
type Evaluation struct {
	Value      float64   // V^pi = sum_m w_m V^pi_m
	PerContext []float64 // V^pi_m
	States     int       // (step, state, policy memory) classes enumerated
	// ReturnVariance is Var^pi(return | m), and Variance = sum_m w_m Var^pi(return | m).
	// Rewards are deterministic given (m, s, a), so by the law of total variance this is
	// the expected sum of V(nu_m, alpha_1) + sum_h V(P_m(s_h,a_h), alpha_{h+1}) along pi:
	// the total variance of the policy's alpha vectors, 0 when every P_m and nu_m is
	// deterministic.
	ReturnVariance []float64
	Variance       float64
}

// Evaluate computes the exact value of p in the true LMDP l by enumerating, step by step,
// the classes (s, belief of the policy) reachable under l, with the probability of
// reaching each under every context. Histories that leave the policy in the same belief
// (merged as in PBVI) act identically afterwards and are merged. maxStates bounds the
// classes per step (0: 1<<20).
func Evaluate(l *latent.LMDP, p *Policy, maxStates int) (Evaluation, error) {
	md := p.Model
	if l.M != md.M || l.S != md.S || l.A != md.A || l.H != md.H {
		return Evaluation{}, fmt.Errorf("evaluate: policy planned for M=%d S=%d A=%d H=%d, instance has M=%d S=%d A=%d H=%d",
			md.M, md.S, md.A, md.H, l.M, l.S, l.A, l.H)
	}
	if maxStates <= 0 {
		maxStates = 1 << 20
	}
	M, S := l.M, l.S
	type class struct {
		s      int
		node   int32 // policy's belief point, -1 off the reachable set
		belief []float64
		reach  []float64 // w_m * P(history class | m)
		g1, g2 []float64 // w_m * E[G 1(class) | m] and w_m * E[G^2 1(class) | m], G the reward so far
	}
	ev := Evaluation{PerContext: make([]float64, M)}
	key := make([]int64, 2+M)
	pkey := make([]int64, 1+M)
	// A class is (s, belief point) or, off the points, (s, rounded belief): pkey as
	// lookup left it, which names the policy's memory exactly.
	classKey := func(s int, node int32) []int64 {
		if node >= 0 {
			clear(key)
			key[0], key[1] = int64(s), int64(node)
			return key
		}
		copy(key, pkey)
		key[1+M] = -1
		return key
	}
	var cur []class
	b := make([]float64, M)
	for s := 0; s < S; s++ {
		reach := make([]float64, M)
		any := false
		for m := range reach {
			reach[m] = l.Weights[m] * l.InitDist(m)[s]
			any = any || reach[m] > 0
		}
		if !any {
			continue
		}
		md.StartBelief(b, s)
		node := p.lookup(0, s, b, pkey)
		cur = append(cur, class{s: s, node: node, belief: append([]float64(nil), b...), reach: reach, g1: make([]float64, M), g2: make([]float64, M)})
	}
	alpha := make([]float64, M)
	nb := make([]float64, M)
	second := make([]float64, M)
	for h := 0; h < l.H; h++ {
		ev.States += len(cur)
		var next []class
		nidx := newKeyIndex(2+M, 2*len(cur))
		for _, c := range cur {
			var a int
			if c.node >= 0 {
				a = int(p.levels[h].act[c.node])
			} else {
				a = p.backupAt(h, c.s, c.belief, nil, alpha)
			}
			for m, rm := range c.reach {
				r := l.Reward(m, c.s, a)
				ev.PerContext[m] += rm * r
				c.g2[m] += 2*r*c.g1[m] + r*r*rm // (G + r)^2
				c.g1[m] += r * rm
			}
			if h+1 == l.H {
				for m := range second {
					second[m] += c.g2[m]
				}
				continue
			}
			for g := 0; g < M; g++ { // reward groups of the true model among reachable contexts
				if c.reach[g] == 0 {
					continue
				}
				r := l.Reward(g, c.s, a)
				first := true
				for m := 0; m < g; m++ {
					if c.reach[m] > 0 && l.Reward(m, c.s, a) == r {
						first = false
						break
					}
				}
				if !first {
					continue
				}
				for s2 := 0; s2 < S; s2++ {
					any := false
					for m := g; m < M; m++ {
						if c.reach[m] > 0 && l.Reward(m, c.s, a) == r && l.Next(m, c.s, a)[s2] > 0 {
							any = true
							break
						}
					}
					if !any {
						continue
					}
					md.Update(nb, c.belief, c.s, a, r, s2)
					node := p.lookup(h+1, s2, nb, pkey)
					id, added := nidx.findOrAdd(classKey(s2, node), true)
					if added {
						if len(next) >= maxStates {
							return ev, fmt.Errorf("evaluate: more than %d policy belief states at step %d; instance too large for exact evaluation", maxStates, h+1)
						}
						next = append(next, class{s: s2, node: node, belief: append([]float64(nil), nb...),
							reach: make([]float64, M), g1: make([]float64, M), g2: make([]float64, M)})
					}
					nc := &next[id]
					for m := g; m < M; m++ {
						if c.reach[m] > 0 && l.Reward(m, c.s, a) == r {
							pr := l.Next(m, c.s, a)[s2]
							nc.reach[m] += c.reach[m] * pr
							nc.g1[m] += c.g1[m] * pr
							nc.g2[m] += c.g2[m] * pr
						}
					}
				}
			}
		}
		cur = next
	}
	ev.ReturnVariance = make([]float64, M)
	for m := range ev.PerContext {
		ev.Value += ev.PerContext[m]
		ev.PerContext[m] /= l.Weights[m]
		ev.ReturnVariance[m] = max(0, second[m]/l.Weights[m]-ev.PerContext[m]*ev.PerContext[m])
		ev.Variance += l.Weights[m] * ev.ReturnVariance[m]
	}
	return ev, nil
}

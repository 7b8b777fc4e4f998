package lmdp

import (
	"fmt"
	"math"

	"gorl/env/latent"
)

// Model is a planning model: an LMDP whose parameters may be estimates. RKnown marks the
// rewards that have been observed (nil: all known); an unknown reward does not inform the
// belief and, in optimistic backups, has an unvisited (m,s,a) behind it. Floor, when not
// nil, is the likelihood the belief update gives a transition of probability 0 under
// (m,s,a) (an estimate that has not seen it yet), so that one unseen transition lowers a
// context's weight instead of ruling it out; backups still use P.
type Model struct {
	M, S, A, H int
	W          []float64 // len M
	Nu         []float64 // len M*S
	P          []float64 // len M*S*A*S
	R          []float64 // len M*S*A
	RKnown     []bool    // len M*S*A, or nil
	Floor      []float64 // len M*S*A, or nil
}

// ModelOf returns the exact model of l (sharing its slices).
func ModelOf(l *latent.LMDP) *Model {
	return &Model{M: l.M, S: l.S, A: l.A, H: l.H, W: l.Weights, Nu: l.Init, P: l.P, R: l.R}
}

func (md *Model) sa(m, s, a int) int { return (m*md.S+s)*md.A + a }

func (md *Model) next(m, s, a int) []float64 {
	o := md.sa(m, s, a) * md.S
	return md.P[o : o+md.S : o+md.S]
}

func (md *Model) rewardKnown(i int) bool { return md.RKnown == nil || md.RKnown[i] }

// likelihood is the factor of the belief update for reaching s2 from (m,s,a) at index i:
// P_m(s2|s,a), or the floor where that is 0.
func (md *Model) likelihood(i, s2 int) float64 {
	p := md.P[i*md.S+s2]
	if p == 0 && md.Floor != nil {
		return md.Floor[i]
	}
	return p
}

// Update writes into dst the posterior after taking a in s, seeing reward r and next
// state s2 (the belief equation above, normalised; with a Floor, an unseen transition
// weighs Floor instead of 0). When no context with that reward has s2 in its support
// the belief is kept: dst = b, and Update returns false.
func (md *Model) Update(dst, b []float64, s, a int, r float64, s2 int) bool {
	sum, seen := 0.0, false
	for m := range dst {
		i := md.sa(m, s, a)
		u := b[m] * md.likelihood(i, s2)
		if md.rewardKnown(i) && md.R[i] != r {
			u = 0
		}
		seen = seen || (u > 0 && md.P[i*md.S+s2] > 0)
		dst[m] = u
		sum += u
	}
	if !seen || !(sum > 0) {
		copy(dst, b)
		return false
	}
	md.normalize(dst, sum)
	return true
}

// floorDrop is the posterior weight below which, with a Floor, a context is dropped:
// one unseen transition lowers a context's weight by its floor (alpha/(N + alpha S)),
// several in a row rule it out as an impossible one would. Without the cut the contexts
// kept alive at tiny weights make every history's belief distinct, and the reachable
// beliefs, hence planning, grow exponentially in H.
const floorDrop = 1e-6

// normalize divides dst by sum and, with a Floor, drops contexts below floorDrop.
func (md *Model) normalize(dst []float64, sum float64) {
	for m := range dst {
		dst[m] /= sum
	}
	if md.Floor == nil {
		return
	}
	kept := 0.0
	for m, v := range dst {
		if v < floorDrop {
			dst[m] = 0
		}
		kept += dst[m]
	}
	for m := range dst {
		dst[m] /= kept
	}
}

// StartBelief writes into dst the belief at the first state s: b_m ∝ w_m nu_m(s), or w
// when no context starts in s under the model. It returns the normaliser sum_m w_m nu_m(s).
func (md *Model) StartBelief(dst []float64, s int) float64 {
	sum := 0.0
	for m := range dst {
		dst[m] = md.W[m] * md.Nu[m*md.S+s]
		sum += dst[m]
	}
	if !(sum > 0) {
		copy(dst, md.W)
		return 0
	}
	for m := range dst {
		dst[m] /= sum
	}
	return sum
}

// rewardGroups writes, for every context m, the smallest context with the same
// observable reward at (s,a) (g[m] == m starts a group). Contexts with unknown rewards
// form groups of their own.
func (md *Model) rewardGroups(g []int, s, a int) {
	for m := range g {
		g[m] = m
		im := md.sa(m, s, a)
		if !md.rewardKnown(im) {
			continue
		}
		for k := 0; k < m; k++ {
			ik := md.sa(k, s, a)
			if md.rewardKnown(ik) && md.R[ik] == md.R[im] {
				g[m] = k
				break
			}
		}
	}
}

// Counts are the statistics of the episodes seen so far, each with its context revealed
// in hindsight.
type Counts struct {
	M, S, A  int
	N        []float64 // N_m(s,a), len M*S*A
	NNext    []float64 // N_m(s,a,s'), len M*S*A*S
	R        []float64 // observed R_m(s,a) (rewards are deterministic), valid where N > 0
	NInit    []float64 // first-state counts, len M*S
	NContext []float64 // episodes per context, len M
	Episodes int
}

// NewCounts returns empty counts.
func NewCounts(M, S, A int) *Counts {
	return &Counts{M: M, S: S, A: A, N: make([]float64, M*S*A), NNext: make([]float64, M*S*A*S),
		R: make([]float64, M*S*A), NInit: make([]float64, M*S), NContext: make([]float64, M)}
}

// AddEpisode records one episode of context m: states has length H+1, actions and
// rewards length H.
func (c *Counts) AddEpisode(m int, states, actions []int, rewards []float64) error {
	if m < 0 || m >= c.M {
		return fmt.Errorf("counts: context %d out of range [0,%d)", m, c.M)
	}
	c.Episodes++
	c.NContext[m]++
	c.NInit[m*c.S+states[0]]++
	for h, a := range actions {
		s, s2 := states[h], states[h+1]
		i := (m*c.S+s)*c.A + a
		c.N[i]++
		c.NNext[i*c.S+s2]++
		c.R[i] = rewards[h]
	}
	return nil
}

// BeliefFloor returns, per (m,s,a), the Good-Turing estimate of the probability of the
// next states not seen yet, n1/N (n1 of them seen exactly once in N visits), spread
// evenly over those states. While a pair's data is thin, an unseen transition then only
// lowers a context's weight; once every seen state has been seen twice the floor is 0
// and an unseen transition rules the context out, as the support is then well sampled.
// (A floor that never vanishes keeps contexts alive at tiny weights, makes every
// history's belief distinct and planning exponential in H.) Unvisited pairs have a
// uniform estimate and need none.
func (c *Counts) BeliefFloor() []float64 {
	f := make([]float64, len(c.N))
	for i, n := range c.N {
		if n == 0 {
			continue
		}
		once, unseen := 0, 0
		for _, k := range c.NNext[i*c.S : (i+1)*c.S] {
			switch k {
			case 0:
				unseen++
			case 1:
				once++
			}
		}
		if unseen > 0 {
			f[i] = float64(once) / n / float64(unseen)
		}
	}
	return f
}

// Clone returns a deep copy (frozen counts for a planning phase).
func (c *Counts) Clone() *Counts {
	d := *c
	d.N = append([]float64(nil), c.N...)
	d.NNext = append([]float64(nil), c.NNext...)
	d.R = append([]float64(nil), c.R...)
	d.NInit = append([]float64(nil), c.NInit...)
	d.NContext = append([]float64(nil), c.NContext...)
	return &d
}

// Estimate returns the empirical model with horizon H: P^ = N(s,a,s')/N(s,a) (uniform
// where N = 0), observed rewards (unknown where N = 0) and nu^_m from first states
// (uniform for a context not seen yet). The weights are w when it is not nil (known
// weights), else the estimate w^_m = (N_m + 1)/(episodes + M) (Laplace, so that no
// context is ruled out before it has been seen).
func (c *Counts) Estimate(H int, w []float64) *Model {
	md := &Model{M: c.M, S: c.S, A: c.A, H: H, W: make([]float64, c.M), Nu: make([]float64, c.M*c.S),
		P: make([]float64, len(c.NNext)), R: append([]float64(nil), c.R...), RKnown: make([]bool, len(c.N))}
	for m := 0; m < c.M; m++ {
		if w != nil {
			md.W[m] = w[m]
		} else {
			md.W[m] = (c.NContext[m] + 1) / (float64(c.Episodes) + float64(c.M))
		}
		nu := md.Nu[m*c.S : (m+1)*c.S]
		if c.NContext[m] == 0 {
			for s := range nu {
				nu[s] = 1 / float64(c.S)
			}
		} else {
			for s := range nu {
				nu[s] = c.NInit[m*c.S+s] / c.NContext[m]
			}
		}
	}
	for i, n := range c.N {
		row := md.P[i*c.S : (i+1)*c.S]
		if n == 0 {
			for s := range row {
				row[s] = 1 / float64(c.S)
			}
			continue
		}
		md.RKnown[i] = true
		for s := range row {
			row[s] = c.NNext[i*c.S+s] / n
		}
	}
	return md
}

// variance is V(p, x) = sum_i p_i (x_i - p·x)^2; mean is p·x.
func variance(p, x []float64) (mean, v float64) {
	for i, pi := range p {
		mean += pi * x[i]
	}
	for i, pi := range p {
		d := x[i] - mean
		v += pi * d * d
	}
	return mean, v
}

// Iota is the log factor iota = 2 ln(2 M S A H K / delta).
func Iota(M, S, A, H, K int, delta float64) float64 {
	return 2 * math.Log(2*float64(M)*float64(S)*float64(A)*float64(H)*float64(K)/delta)
}

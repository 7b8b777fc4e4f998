package glow

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"

	"gorl/env/lock"
)

// Table is a tabular value function f_h(s, a) = Q[h][s*A+a].
type Table struct {
	H, S, A int
	Q       [][]float64
}

// NewTable returns a zero table.
func NewTable(H, S, A int) Table {
	t := Table{H: H, S: S, A: A, Q: make([][]float64, H)}
	for h := range t.Q {
		t.Q[h] = make([]float64, S*A)
	}
	return t
}

// Greedy returns pi_f: the first maximising action per (h, s).
func (t Table) Greedy() [][]int {
	pi := make([][]int, t.H)
	for h := range pi {
		pi[h] = make([]int, t.S)
		for s := range pi[h] {
			pi[h][s] = argmaxRow(t.Q[h][s*t.A : (s+1)*t.A])
		}
	}
	return pi
}

// V writes max_a f_h(s, a) per state into dst.
func (t Table) V(h int, dst []float64) {
	for s := range dst {
		dst[s] = maxRow(t.Q[h][s*t.A : (s+1)*t.A])
	}
}

// Finite is a finite value class over tabular states, given as a product of finite
// per-layer candidate sets: f = (f_0, ..., f_{H-1}) with f_h in Cands[h] (tables of
// length S*A). An enumerated class of whole functions {Q_1, ..., Q_k} is contained in
// the product of its layers; the product keeps exact optimisation tractable, since
// every objective of this package couples only neighbouring layers.
//
// Joint makes it a class of whole functions instead: f^i = (Cands[0][i], ...,
// Cands[H-1][i]), every layer picking the same index. A joint class need not be closed
// under mixing layers, which is what lets Bellman completeness fail while Q* is in it.
// Models, when set, is the finite model class behind the functions (each function is
// the optimal Q of one model), from which the density-ratio class is built.
type Finite struct {
	S, A   int
	Cands  [][][]float64 // Cands[h][i]
	Joint  bool
	Models []*MDP

	groupsOnce sync.Once
	groups     []layerGroups // per layer, computed once (Cands must not change after first use)
}

// LogSize is log |F| = sum_h log |F_h| (log k for a joint class of k functions).
func (f *Finite) LogSize() float64 {
	if f.Joint {
		return math.Log(float64(len(f.Cands[0])))
	}
	s := 0.0
	for _, c := range f.Cands {
		s += math.Log(float64(len(c)))
	}
	return s
}

// Table assembles the function that picks candidate idx[h] at every layer.
func (f *Finite) Table(idx []int) Table {
	t := Table{H: len(f.Cands), S: f.S, A: f.A, Q: make([][]float64, len(f.Cands))}
	for h, i := range idx {
		t.Q[h] = f.Cands[h][i]
	}
	return t
}

// member returns the i-th function of a joint class.
func (f *Finite) member(i int) Table {
	idx := make([]int, len(f.Cands))
	for h := range idx {
		idx[h] = i
	}
	return f.Table(idx)
}

// Validate checks that every layer has candidates of the right length.
func (f *Finite) Validate(H int) error {
	if len(f.Cands) != H {
		return fmt.Errorf("finite class has %d layers, want %d", len(f.Cands), H)
	}
	for h, c := range f.Cands {
		if len(c) == 0 {
			return fmt.Errorf("finite class: layer %d has no candidates", h)
		}
		if f.Joint && len(c) != len(f.Cands[0]) {
			return fmt.Errorf("joint class: layer %d has %d functions, layer 0 has %d", h, len(c), len(f.Cands[0]))
		}
		for i, q := range c {
			if len(q) != f.S*f.A {
				return fmt.Errorf("finite class: layer %d candidate %d has %d entries, want %d", h, i, len(q), f.S*f.A)
			}
		}
	}
	return nil
}

// ModelClass builds a finite class from k models: the layers of Q* of m itself and of
// k-1 alternatives (half of them m with transitions mixed 50/50 with a random model's,
// half unrelated random models). The true Q*_h sits at a random position TrueIdx[h].
// The k models are kept as the class's model class (f.Models, the true one first).
func ModelClass(m *MDP, k int, rng *rand.Rand) (f *Finite, trueIdx []int) {
	qs := []Table{m.OptimalQ()}
	models := []*MDP{m}
	for j := 1; j < k; j++ {
		alt := RandomMDP(rng, m.H, m.S, m.A)
		if j%2 == 1 {
			for h := range alt.P {
				for s := range alt.P[h] {
					for a := range alt.P[h][s] {
						for s2 := range alt.P[h][s][a] {
							alt.P[h][s][a][s2] = 0.5*alt.P[h][s][a][s2] + 0.5*m.P[h][s][a][s2]
						}
						alt.R[h][s][a] = m.R[h][s][a]
					}
				}
			}
		}
		qs = append(qs, alt.OptimalQ())
		models = append(models, alt)
	}
	f = &Finite{S: m.S, A: m.A, Cands: make([][][]float64, m.H), Models: models}
	trueIdx = make([]int, m.H)
	for h := 0; h < m.H; h++ {
		perm := rng.Perm(k)
		f.Cands[h] = make([][]float64, k)
		for j, p := range perm {
			f.Cands[h][p] = qs[j].Q[h]
			if j == 0 {
				trueIdx[h] = p
			}
		}
	}
	return f, trueIdx
}

// LockFamily is the finite class of Q* of every lock with the structure of m and an
// unknown combination: at layer h one candidate per pair (correct action in state A,
// correct action in state B), A^2 candidates per layer. The class knows the
// structure (the value of staying on the combination from layer h, the expected
// anti-reward of a wrong action, 0 in the dead state), read from m's rewards, but not
// the combination. TrueIdx[h] is m's candidate.
func LockFamily(m lock.Model) (f *Finite, trueIdx []int) {
	S, A := m.S, m.A
	f = &Finite{S: S, A: A, Cands: make([][][]float64, m.H)}
	trueIdx = make([]int, m.H)
	// onPath[h] = sum of the correct actions' rewards from layer h on: Q*_h(good, correct).
	onPath := make([]float64, m.H+1)
	for h := m.H - 1; h >= 0; h-- {
		onPath[h] = onPath[h+1] + m.R[h][lock.GoodA][m.Correct[h][0]]
	}
	for h := 0; h < m.H; h++ {
		wrong := m.R[h][lock.GoodA][(m.Correct[h][0]+1)%A]
		for ca := 0; ca < A; ca++ {
			for cb := 0; cb < A; cb++ {
				q := make([]float64, S*A)
				for a := 0; a < A; a++ {
					q[lock.GoodA*A+a], q[lock.GoodB*A+a] = wrong, wrong
				}
				q[lock.GoodA*A+ca], q[lock.GoodB*A+cb] = onPath[h], onPath[h]
				if ca == m.Correct[h][0] && cb == m.Correct[h][1] {
					trueIdx[h] = len(f.Cands[h])
				}
				f.Cands[h] = append(f.Cands[h], q)
			}
		}
	}
	return f, trueIdx
}

// Tabular is the class of all tables f_h(s, a) in [0, 1].
type Tabular struct {
	S, A int
	// Resolution sets the cover used for log |F| in beta_t (default 0.01).
	Resolution float64
}

// LogSize is the log-size of a Resolution-cover: H S A log(1 + 1/Resolution).
func (c Tabular) LogSize(H int) float64 {
	r := c.Resolution
	if r <= 0 {
		r = 0.01
	}
	return float64(H*c.S*c.A) * math.Log(1+1/r)
}

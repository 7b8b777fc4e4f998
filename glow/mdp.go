package glow

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gorl/env/lock"
)

// MDP is a layered tabular model: S states, A actions, layers h = 0..H-1. It is the
// exact model behind a tabular problem, used to evaluate policies and to build value
// classes that contain Q*.
type MDP struct {
	H, S, A int
	Init    []float64       // initial state distribution
	P       [][][][]float64 // P[h][s][a][s']
	R       [][][]float64   // expected reward R[h][s][a]; totals lie in [0, 1]
	// Success[h][s][a] is the probability that (h, s, a) counts as a success (the
	// lock opening); nil means success is the value itself.
	Success [][][]float64
}

// Validate checks shapes and that P rows and Init are distributions.
func (m *MDP) Validate() error {
	if m.H < 1 || m.S < 1 || m.A < 1 {
		return fmt.Errorf("mdp: need H, S, A >= 1, got %d, %d, %d", m.H, m.S, m.A)
	}
	if len(m.Init) != m.S || len(m.P) != m.H || len(m.R) != m.H {
		return fmt.Errorf("mdp: shapes do not match H=%d S=%d", m.H, m.S)
	}
	if err := checkDist(m.Init); err != nil {
		return fmt.Errorf("mdp: initial distribution: %w", err)
	}
	for h := 0; h < m.H; h++ {
		if len(m.P[h]) != m.S || len(m.R[h]) != m.S {
			return fmt.Errorf("mdp: layer %d has wrong shape", h)
		}
		for s := 0; s < m.S; s++ {
			if len(m.P[h][s]) != m.A || len(m.R[h][s]) != m.A {
				return fmt.Errorf("mdp: layer %d state %d has wrong shape", h, s)
			}
			for a := 0; a < m.A; a++ {
				if len(m.P[h][s][a]) != m.S {
					return fmt.Errorf("mdp: P[%d][%d][%d] has %d entries, want %d", h, s, a, len(m.P[h][s][a]), m.S)
				}
				if err := checkDist(m.P[h][s][a]); err != nil {
					return fmt.Errorf("mdp: P[%d][%d][%d]: %w", h, s, a, err)
				}
			}
		}
	}
	return nil
}

func checkDist(p []float64) error {
	sum := 0.0
	for _, v := range p {
		if v < 0 || math.IsNaN(v) {
			return fmt.Errorf("negative or NaN probability %g", v)
		}
		sum += v
	}
	if math.Abs(sum-1) > 1e-9 {
		return fmt.Errorf("probabilities sum to %g", sum)
	}
	return nil
}

// FromLock converts the latent lock's model.
func FromLock(m lock.Model) *MDP {
	return &MDP{H: m.H, S: m.S, A: m.A, Init: m.Init, P: m.P, R: m.R, Success: m.Success}
}

// OptimalQ returns Q*[h][s*A+a] by backward induction.
func (m *MDP) OptimalQ() Table {
	q := NewTable(m.H, m.S, m.A)
	v := make([]float64, m.S)
	for h := m.H - 1; h >= 0; h-- {
		for s := 0; s < m.S; s++ {
			for a := 0; a < m.A; a++ {
				x := m.R[h][s][a]
				if h < m.H-1 {
					for s2, p := range m.P[h][s][a] {
						x += p * v[s2]
					}
				}
				q.Q[h][s*m.A+a] = x
			}
		}
		for s := 0; s < m.S; s++ {
			v[s] = maxRow(q.Q[h][s*m.A : (s+1)*m.A])
		}
	}
	return q
}

// Evaluate returns the exact value and success probability of the deterministic
// tabular policy pi (pi[h][s] is the action).
func (m *MDP) Evaluate(pi [][]int) (value, success float64) {
	d := append([]float64(nil), m.Init...)
	next := make([]float64, m.S)
	for h := 0; h < m.H; h++ {
		clear(next)
		for s, ps := range d {
			if ps == 0 {
				continue
			}
			a := pi[h][s]
			value += ps * m.R[h][s][a]
			if m.Success != nil {
				success += ps * m.Success[h][s][a]
			}
			for s2, p := range m.P[h][s][a] {
				next[s2] += ps * p
			}
		}
		d, next = next, d
	}
	if m.Success == nil {
		success = value
	}
	return value, success
}

// RandomMDP draws a layered MDP with S states and A actions: transition rows and the
// initial distribution from a flat Dirichlet (normalised exponentials), mean rewards
// uniform in [0, 1/H] so that every return lies in [0, 1].
func RandomMDP(rng *rand.Rand, H, S, A int) *MDP {
	m := &MDP{H: H, S: S, A: A, Init: dirichlet(rng, S)}
	m.P = make([][][][]float64, H)
	m.R = make([][][]float64, H)
	for h := range m.P {
		m.P[h] = make([][][]float64, S)
		m.R[h] = make([][]float64, S)
		for s := range m.P[h] {
			m.P[h][s] = make([][]float64, A)
			m.R[h][s] = make([]float64, A)
			for a := range m.P[h][s] {
				m.P[h][s][a] = dirichlet(rng, S)
				m.R[h][s][a] = rng.Float64() / float64(H)
			}
		}
	}
	return m
}

func dirichlet(rng *rand.Rand, n int) []float64 {
	p := make([]float64, n)
	sum := 0.0
	for i := range p {
		p[i] = rng.ExpFloat64()
		sum += p[i]
	}
	for i := range p {
		p[i] /= sum
	}
	return p
}

// Sample draws the next state of (h, s, a) and the reward, which is the mean reward
// (rewards are deterministic given (h, s, a); randomness is in the transitions).
func (m *MDP) Sample(rng *rand.Rand, h, s, a int) (next int, r float64) {
	u := rng.Float64()
	row := m.P[h][s][a]
	next = len(row) - 1
	for s2, p := range row {
		if u < p {
			next = s2
			break
		}
		u -= p
	}
	return next, m.R[h][s][a]
}

// SampleInit draws an initial state.
func (m *MDP) SampleInit(rng *rand.Rand) int {
	u := rng.Float64()
	for s, p := range m.Init {
		if u < p {
			return s
		}
		u -= p
	}
	return m.S - 1
}

func maxRow(row []float64) float64 {
	best := math.Inf(-1)
	for _, v := range row {
		best = max(best, v)
	}
	return best
}

// argmaxRow returns the first index of the largest entry.
func argmaxRow(row []float64) int {
	best, arg := math.Inf(-1), 0
	for i, v := range row {
		if v > best {
			best, arg = v, i
		}
	}
	return arg
}

package glow

import (
	"math"
	"math/rand/v2"
)

// QLearning is tabular epsilon-greedy Q-learning on the layered state (h, s), the
// undirected-exploration baseline: Q starts at 0, the step size of a cell is
// 1/(visits)^LRPower, and actions are uniform with probability Epsilon.
type QLearning struct {
	H, S, A int
	Epsilon float64 // default 0.1
	LRPower float64 // default 0.6 (1 gives running averages)
	Q       Table
	visits  [][]float64
}

// NewQLearning returns a learner with Q = 0.
func NewQLearning(H, S, A int) *QLearning {
	q := &QLearning{H: H, S: S, A: A, Q: NewTable(H, S, A), visits: make([][]float64, H)}
	for h := range q.visits {
		q.visits[h] = make([]float64, S*A)
	}
	return q
}

// Act draws the epsilon-greedy action in state s of layer h.
func (q *QLearning) Act(rng *rand.Rand, h, s int) int {
	eps := q.Epsilon
	if eps == 0 {
		eps = 0.1
	}
	if rng.Float64() < eps {
		return rng.IntN(q.A)
	}
	return argmaxRow(q.Q.Q[h][s*q.A : (s+1)*q.A])
}

// Update applies Q_h(s,a) += lr (r + max_a' Q_{h+1}(s', a') - Q_h(s,a)).
func (q *QLearning) Update(h int, t Tuple) {
	c := t.S*q.A + t.A
	q.visits[h][c]++
	pow := q.LRPower
	if pow == 0 {
		pow = 0.6
	}
	lr := 1 / pow1(q.visits[h][c], pow)
	target := t.R
	if !t.Last {
		target += maxRow(q.Q.Q[h+1][t.Next*q.A : (t.Next+1)*q.A])
	}
	q.Q.Q[h][c] += lr * (target - q.Q.Q[h][c])
}

func pow1(x, p float64) float64 {
	if p == 1 {
		return x
	}
	return math.Pow(x, p)
}

package glow

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
)

// Offline is an offline RL algorithm plugged into H2O: it maps a data set to a policy.
// t is H2O's iteration (1-based), for learners whose schedules depend on it.
type Offline interface {
	Fit(d *Data, t int) (Policy, error)
}

// H2O is the hybrid-to-offline reduction (Algorithm 2). At iteration t it hands the
// offline learner D_hybrid^(t): the first t-1 offline tuples of every layer and all
// t-1 online tuples, fits pi^(t), collects one online trajectory with it and adds one
// offline tuple per layer, so that offline and online counts stay equal. The output
// is the uniform mixture of pi^(1..T).
type H2O struct {
	Learner Offline
	// Offline[h] lists the offline tuples of layer h in order; nil or empty runs H2O
	// on online data alone (the "no offline data" ablation).
	Offline [][]Tuple
	Data    *Data // the hybrid data set, grown by Observe and Advance
	online  int
	offline int
}

// NewH2O starts H2O on a problem with H layers and S tabular states (0: features).
func NewH2O(learner Offline, offline [][]Tuple, H, S, A int) *H2O {
	return &H2O{Learner: learner, Offline: offline, Data: NewData(H, S, A)}
}

// Policy returns pi^(t) = Alg_off(D_hybrid^(t)).
func (o *H2O) Policy(t int) (Policy, error) { return o.Learner.Fit(o.Data, t) }

// Observe adds the online trajectory of iteration t (one tuple per layer) and the next
// offline tuple of every layer.
func (o *H2O) Observe(traj []Tuple) error {
	if len(traj) != o.Data.H {
		return fmt.Errorf("h2o: trajectory has %d tuples, want %d", len(traj), o.Data.H)
	}
	for h, tu := range traj {
		o.Data.Add(h, tu)
	}
	o.online++
	if len(o.Offline) > 0 {
		for h := range o.Offline {
			if o.offline >= len(o.Offline[h]) {
				return fmt.Errorf("h2o: offline data has only %d tuples in layer %d", len(o.Offline[h]), h)
			}
			o.Data.Add(h, o.Offline[h][o.offline])
		}
		o.offline++
	}
	return nil
}

// Counts returns the number of offline and online tuples per layer in D_hybrid.
func (o *H2O) Counts() (offline, online int) { return o.offline, o.online }

// MABO is MABO.CR, HyGLOW's offline learner (Algorithm 3):
//
//	f^(t) in argmin_f max_{w in Wbar} sum_h | E_hat_{D_h}[ w~_h D_f ] | - alpha_t E_hat_{D_h}[ w~_h^2 ],
//
// alpha_t = 8 / gamma_t, w~ = clip_{gamma_t}[w] = min(w, gamma_t), gamma_t = Gamma * t,
// Wbar = W u (-W) u (per-layer copies: w_h at layer h, zero elsewhere).
//
// The max is taken over the product closure of Wbar (each layer picks its own member of
// W_h, of -W_h or zero), a larger test class than Wbar that still holds the true ratios;
// it makes the max split per layer, so the argmin over a product class is exact by
// dynamic programming. Layer h contributes
//
//	max( 0,                                        (a zero layer of a per-layer copy)
//	     sup_{w in W_h} | E[w~ D] | - alpha E[w~^2],  (W, clipped from above)
//	     sup_{w in W_h} | E[w D] | - alpha E[w^2] )   (-W: min(-w, g) = -w, never clipped)
//
// and |x| - c = max(x - c, -x - c) turns each sup into two WeightClass sups (of D and
// -D). Finite classes are minimised exactly (Viterbi over layers for a product class,
// enumeration for a joint one). For the Tabular class every minimiser solves the
// empirical Bellman equations on the visited cells (the objective is >= 0 and that
// solution makes it 0), so Fit returns the empirical backward backup, with 0 on
// unvisited cells (the argmin leaves them free) and values clamped to [0, 1]. Feature
// problems use the efficient variant of Appendix F.1.2 (no clipping, no absolute value)
// with W spanned by the same features: its minimiser solves the per-layer normal
// equations, i.e. it is the least-squares fit that FQI computes ("mabo-linear-efficient").
type MABO struct {
	Finite  *Finite
	Tabular *Tabular
	Linear  *Linear
	W       WeightClass // default Box{}
	Gamma   float64     // default 1
	// Ablations: NoClip takes clip bound +Inf, NoPenalty takes alpha = 0.
	NoClip, NoPenalty bool
	// Ties, when set, draws uniformly among the tied minimisers of a joint class (the
	// argmin is a set), at every fit; nil takes the lowest index, i.e. the class's
	// order. The experiments set it (see the package documentation on lock/incomplete).
	Ties *rand.Rand
}

// Schedule returns alpha_t and the clip bound of iteration t.
func (m *MABO) Schedule(t int) (alpha, clip float64) {
	gamma := m.Gamma
	if gamma <= 0 {
		gamma = 1
	}
	gt := gamma * float64(t)
	alpha, clip = 8/gt, gt
	if m.NoPenalty {
		alpha = 0
	}
	if m.NoClip {
		clip = math.Inf(1)
	}
	return alpha, clip
}

// objective is the MABO.CR loss of layer h for f_h = q and next values vNext.
func (m *MABO) objective(d *Data, t int) layerLoss {
	w := m.W
	if w == nil {
		w = Box{}
	}
	alpha, clip := m.Schedule(t)
	D := make([]float64, d.S*d.A)
	neg := make([]float64, d.S*d.A)
	p := make([]float64, d.S*d.A)
	return func(h int, q, vNext []float64) float64 {
		if d.Residuals(h, q, vNext, D, p) == 0 {
			return 0
		}
		for c, x := range D {
			neg[c] = -x
		}
		inf := math.Inf(1)
		return max(0, // per-layer copies: a zero layer
			w.Sup(h, p, D, alpha, clip), w.Sup(h, p, neg, alpha, clip), // W, |.|
			w.Sup(h, p, D, alpha, inf), w.Sup(h, p, neg, alpha, inf)) // -W, |.|
	}
}

// Fit returns pi^(t).
func (m *MABO) Fit(d *Data, t int) (Policy, error) {
	switch {
	case m.Finite != nil:
		if err := m.Finite.Validate(d.H); err != nil {
			return nil, err
		}
		if m.Finite.Joint {
			i := argminJoint(jointLosses(m.Finite, m.objective(d, t)), m.Ties)
			return TablePolicy(m.Finite.member(i).Greedy()), nil
		}
		idx := minimiseChain(chainLosses(m.Finite, m.objective(d, t)))
		return TablePolicy(m.Finite.Table(idx).Greedy()), nil
	case m.Tabular != nil:
		return TablePolicy(EmpiricalBackup(d).Greedy()), nil
	case m.Linear != nil:
		return m.Linear.FQI(d)
	}
	return nil, errors.New("mabo: no value class")
}

// FQI is fitted Q-iteration: backwards over layers, f_h = argmin_{g in F_h}
// E_hat[(g(x, a) - r - max_a' f_{h+1}(x', a'))^2]. With H2O it is essentially Hy-Q
// (Song et al. 2023). Tabular FQI is the empirical backup; linear FQI is per-action
// ridge regression; finite FQI picks the best candidate per layer.
type FQI struct {
	Finite  *Finite
	Tabular *Tabular
	Linear  *Linear
}

func (q *FQI) Fit(d *Data, t int) (Policy, error) {
	switch {
	case q.Finite != nil:
		if err := q.Finite.Validate(d.H); err != nil {
			return nil, err
		}
		if q.Finite.Joint {
			return TablePolicy(q.Finite.member(fqiJoint(q.Finite, d)).Greedy()), nil
		}
		return TablePolicy(finiteFQI(q.Finite, d).Greedy()), nil
	case q.Tabular != nil:
		return TablePolicy(EmpiricalBackup(d).Greedy()), nil
	case q.Linear != nil:
		return q.Linear.FQI(d)
	}
	return nil, errors.New("fqi: no value class")
}

// finiteFQI: for tabular data the squared loss of g differs from sum_c p_c D_c^2 by
// a constant, so each layer picks the candidate with the smallest squared residual.
func finiteFQI(f *Finite, d *Data) Table {
	D := make([]float64, d.S*d.A)
	p := make([]float64, d.S*d.A)
	idx := make([]int, d.H)
	var vn []float64
	v := make([]float64, d.S)
	for h := d.H - 1; h >= 0; h-- {
		best := math.Inf(1)
		for i, q := range f.Cands[h] {
			d.Residuals(h, q, vn, D, p)
			l := 0.0
			for c, x := range D {
				l += p[c] * x * x
			}
			if l < best {
				best, idx[h] = l, i
			}
		}
		q := f.Cands[h][idx[h]]
		for s := range v {
			v[s] = maxRow(q[s*d.A : (s+1)*d.A])
		}
		vn = v
	}
	return f.Table(idx)
}

// EmpiricalBackup solves the empirical Bellman equations backwards on visited cells:
// f_h(c) = mean r + mean max_a' f_{h+1}(x', a') over the cell's tuples, clamped to
// [0, 1]; unvisited cells get 0.
func EmpiricalBackup(d *Data) Table {
	f := NewTable(d.H, d.S, d.A)
	v := make([]float64, d.S)
	for h := d.H - 1; h >= 0; h-- {
		for c, nc := range d.N[h] {
			if nc == 0 {
				continue
			}
			x := d.SumR[h][c]
			if h < d.H-1 {
				for s2, k := range d.Next[h][c*d.S : (c+1)*d.S] {
					x += k * v[s2]
				}
			}
			f.Q[h][c] = min(1, max(0, x/nc))
		}
		f.V(h, v)
	}
	return f
}

package glow

import (
	"errors"
	"math"
)

// GLOW is Algorithm 1 of Amortila et al. (2024): optimism over a confidence set
// defined by clipped, penalised density-ratio-weighted Bellman residuals.
//
// At iteration t, with gamma_t = gamma * t, alpha_t = 8 / gamma_t and
//
//		beta_t = (36 gamma_t / (K (t-1))) * log(6 |F| |W| T H / delta)      (beta_1 = +Inf),
//
//	 1. F^(t) = { f : for all h, sup_{w in W_h} E_hat_{D_h}[ D_f w~ - alpha_t w~^2 ] <= beta_t },
//	    w~ = clip_{gamma_t}[w]                                             (eq. confidence set)
//	 2. f^(t) = argmax_{f in F^(t)} E_hat_{x1 in D_1}[ f_1(x1, pi_f(x1)) ]   (optimism)
//	 3. run pi_{f^(t)} for K episodes and add every tuple to D_h.
//
// Class support: a Finite class is optimised exactly (dynamic programming over the
// layers: feasibility backwards, optimism forwards). A Tabular class with the Box
// weight class uses a tractable restriction, named "per-cell budget" in run configs:
// the layer budget beta_t is split evenly over the layer's visited cells, which makes
// the confidence set a product of intervals f_h(c) <= backup_c(f_{h+1}) + b_c, a subset
// of F^(t) on which optimism is solved exactly by backward induction (unvisited cells
// take the class maximum 1). It is not the analysed algorithm. Values are clamped to
// the class bound 1; with signed weights (GOLF) a clamped cell whose backup exceeds
// 1 + b_c violates the lower side of its constraint, a second departure.
//
// GOLF (Jin et al. 2021) is the special case Signed weights, no clipping and
// alpha = 1/4, where the inner sup becomes the squared empirical Bellman error
// sum_c p_c D_c^2; its threshold is beta_t = log(|F| T H / delta) / (K (t-1)).
type GLOW struct {
	Finite  *Finite // exactly one of Finite and Tabular
	Tabular *Tabular
	W       WeightClass // default Box{} (Box{Signed: true} for GOLF)
	T, K    int         // iterations and episodes per iteration (K default 1)
	// Gamma is the clipping scale; default sqrt(Ccov / (T log(|F||W|/delta))).
	Gamma float64
	Ccov  float64 // coverability for the default Gamma (default S*A, its tabular bound)
	Delta float64 // confidence (default 0.1)
	// BetaScale multiplies beta_t (default 1: the paper's threshold).
	BetaScale float64
	// Ablations: NoClip takes clip bound +Inf; NoPenalty takes alpha = 0.
	NoClip, NoPenalty bool
	// GOLF switches to GOLF's confidence set (see above).
	GOLF bool
}

// Schedule holds the quantities of iteration t.
type Schedule struct {
	Gamma, Alpha, Clip, Beta float64
}

func (g *GLOW) weights() WeightClass {
	if g.W != nil {
		return g.W
	}
	return Box{Signed: g.GOLF}
}

func (g *GLOW) logF(H int) float64 {
	if g.Finite != nil {
		return g.Finite.LogSize()
	}
	return g.Tabular.LogSize(H)
}

// Schedule returns gamma_t, alpha_t, the clip bound and beta_t for iteration t >= 1.
func (g *GLOW) Schedule(t, H, S, A int) Schedule {
	delta := g.Delta
	if delta <= 0 {
		delta = 0.1
	}
	K := max(g.K, 1)
	T := max(g.T, 1)
	scale := g.BetaScale
	if scale <= 0 {
		scale = 1
	}
	logF := g.logF(H)
	logW := g.weights().LogSize(H, S, A)
	if g.GOLF {
		s := Schedule{Alpha: 0.25, Clip: math.Inf(1), Beta: math.Inf(1)}
		if t > 1 {
			s.Beta = scale * (logF + math.Log(float64(T*H)/delta)) / float64(K*(t-1))
		}
		return s
	}
	gamma := g.Gamma
	if gamma <= 0 {
		ccov := g.Ccov
		if ccov <= 0 {
			ccov = float64(S * A)
		}
		gamma = math.Sqrt(ccov / (float64(T) * (logF + logW + math.Log(1/delta))))
	}
	s := Schedule{Gamma: gamma * float64(t)}
	s.Alpha, s.Clip = 8/s.Gamma, s.Gamma
	if g.NoPenalty {
		s.Alpha = 0
	}
	if g.NoClip {
		s.Clip = math.Inf(1)
	}
	s.Beta = math.Inf(1)
	if t > 1 {
		s.Beta = scale * 36 * s.Gamma / float64(K*(t-1)) * (math.Log(6) + logF + logW + math.Log(float64(T*H)/delta))
	}
	return s
}

// VacuousUntil returns the last iteration t at which F^(t) = F whatever the data: a
// confidence set can only shrink once beta_t falls below the largest value its
// objective can take. Pointwise D w - alpha w^2 <= D^2 / (4 alpha), and |D_f| <= 2
// (f in [0, 1], per-step rewards in [-1, 1], episode totals <= 1), so GLOW's objective
// (alpha_t = 8/gamma_t) is at most gamma_t/8 and beta_t >= gamma_t/8 while
// t - 1 <= 288 * BetaScale * log(6|F||W|TH/delta) / K; GOLF's objective (sum_c p_c D_c^2)
// is at most 4. Without the penalty (alpha = 0) the bound is the clip, gamma_t * 2;
// without clip and penalty nothing bounds the objective and VacuousUntil returns 1.
func (g *GLOW) VacuousUntil(H, S, A int) int {
	const dMax = 2.0
	s2 := g.Schedule(2, H, S, A) // beta_2 * (2-1) = c * (the part of beta_t free of t)
	var perIter float64          // the objective's bound at iteration t is perIter * t
	switch {
	case g.GOLF:
		// beta_t = beta_2 / (t-1) >= dMax^2  <=>  t-1 <= beta_2 / dMax^2
		return vacuousIter(s2.Beta / (dMax * dMax))
	case g.NoPenalty && g.NoClip:
		return 1
	case g.NoPenalty:
		perIter = dMax * s2.Gamma / 2 // clip * |D| = gamma_t * dMax
	default:
		perIter = dMax * dMax * s2.Gamma / 2 / 32 // D^2 gamma_t / 32
	}
	// beta_t = (beta_2 / gamma_2) * gamma_1 * t / (t-1) >= perIter * t  <=>  t-1 <= beta_2 / (2 perIter)
	return vacuousIter(s2.Beta / (2 * perIter))
}

func vacuousIter(x float64) int {
	if !(x < 1<<60) {
		return 1 << 60
	}
	return 1 + int(math.Floor(x))
}

// layerSup is sup_{w in W_h} E_hat[D_f w~ - alpha w~^2] for f_h = q and next values vNext.
func (g *GLOW) layerSup(d *Data, s Schedule) layerLoss {
	w := g.weights()
	D := make([]float64, d.S*d.A)
	p := make([]float64, d.S*d.A)
	return func(h int, q, vNext []float64) float64 {
		if d.Residuals(h, q, vNext, D, p) == 0 {
			return 0
		}
		return w.Sup(h, p, D, s.Alpha, s.Clip)
	}
}

// InSet reports whether f belongs to the confidence set F^(t) computed from d.
func (g *GLOW) InSet(d *Data, t int, f Table) bool {
	if t <= g.VacuousUntil(d.H, d.S, d.A) {
		return true // F^(t) = F, whatever the data
	}
	s := g.Schedule(t, d.H, d.S, d.A)
	sup := g.layerSup(d, s)
	v := make([]float64, d.S)
	for h := 0; h < d.H; h++ {
		var vn []float64
		if h < d.H-1 {
			f.V(h+1, v)
			vn = v
		}
		if sup(h, f.Q[h], vn) > s.Beta {
			return false
		}
	}
	return true
}

// Select returns f^(t), the optimistic member of F^(t), computed from d. empty reports
// that the confidence set was empty (possible only for a finite class that misses Q*
// or a failure of concentration); f is then the minimiser of the summed layer sups.
func (g *GLOW) Select(d *Data, t int) (f Table, empty bool, err error) {
	if d.S == 0 {
		return Table{}, false, errors.New("glow: GLOW needs a tabular problem (feature classes are not supported)")
	}
	s := g.Schedule(t, d.H, d.S, d.A)
	switch {
	case g.Finite != nil:
		if err := g.Finite.Validate(d.H); err != nil {
			return Table{}, false, err
		}
		if t <= g.VacuousUntil(d.H, d.S, d.A) {
			// F^(t) = F whatever the data: optimism over the whole class, no residuals.
			return g.optimisticClass(d), false, nil
		}
		if g.Finite.Joint {
			i, empty := g.selectJoint(d, s)
			return g.Finite.member(i), empty, nil
		}
		idx, empty := g.selectFinite(d, s)
		return g.Finite.Table(idx), empty, nil
	case g.Tabular != nil:
		if _, ok := g.weights().(Box); !ok {
			return Table{}, false, errors.New("glow: a tabular value class needs the Box weight class")
		}
		return g.selectTabular(d, s), false, nil
	}
	return Table{}, false, errors.New("glow: no value class")
}

// selectFinite: feasibility backwards, optimism forwards, exactly over the product class.
func (g *GLOW) selectFinite(d *Data, s Schedule) ([]int, bool) {
	f := g.Finite
	losses, groups := chainLosses(f, g.layerSup(d, s))
	H := d.H
	// feasible[h][i]: some continuation f_{h+1..H} keeps every layer from h on within beta.
	feasible := make([][]bool, H)
	groupOK := make([][]bool, H) // groupOK[h][gr]: some member of group gr of layer h is feasible
	for h := H - 1; h >= 0; h-- {
		feasible[h] = make([]bool, len(f.Cands[h]))
		for i, row := range losses[h] {
			for gr, l := range row {
				if l <= s.Beta && (h == H-1 || groupOK[h+1][gr]) {
					feasible[h][i] = true
					break
				}
			}
		}
		groupOK[h] = make([]bool, len(groups[h].v))
		for i, ok := range feasible[h] {
			if ok {
				groupOK[h][groups[h].of[i]] = true
			}
		}
	}
	anyFeasible := false
	for _, ok := range feasible[0] {
		anyFeasible = anyFeasible || ok
	}
	if !anyFeasible {
		return minimiseChain(losses, groups), true
	}
	// Optimism: maximise E_hat_{x1}[max_a f_1(x1, a)] over feasible f_1; later layers
	// follow a feasible continuation, ties broken by optimism on the layer's own states.
	idx := make([]int, H)
	idx[0] = g.optimistic(d, 0, feasible[0], func(int) bool { return true })
	for h := 1; h < H; h++ {
		prev := losses[h-1][idx[h-1]]
		idx[h] = g.optimistic(d, h, feasible[h], func(j int) bool { return prev[groups[h].of[j]] <= s.Beta })
	}
	return idx, false
}

// optimisticClass is step 2 over all of F: what selectFinite and selectJoint return when
// every candidate is feasible.
func (g *GLOW) optimisticClass(d *Data) Table {
	f := g.Finite
	all := func(int) bool { return true }
	if f.Joint {
		return f.member(g.optimistic(d, 0, nil, all))
	}
	idx := make([]int, d.H)
	for h := range idx {
		idx[h] = g.optimistic(d, h, nil, all)
	}
	return f.Table(idx)
}

// optimistic picks, among feasible candidates of layer h accepted by ok, the one with
// the largest empirical mean of max_a f_h(x_h, a) over the states of D_h (lowest index
// on ties); feasible nil means all.
func (g *GLOW) optimistic(d *Data, h int, feasible []bool, ok func(int) bool) int {
	f := g.Finite
	weight := make([]float64, d.S)
	if h == 0 {
		copy(weight, d.Initial)
	} else {
		for c, n := range d.N[h] {
			weight[c/d.A] += n
		}
	}
	best, arg := math.Inf(-1), -1
	for i, q := range f.Cands[h] {
		if (feasible != nil && !feasible[i]) || !ok(i) {
			continue
		}
		v := 0.0
		for st, w := range weight {
			if w > 0 {
				v += w * maxRow(q[st*d.A:(st+1)*d.A])
			}
		}
		if v > best {
			best, arg = v, i
		}
	}
	return arg
}

// selectTabular solves optimism over the per-cell-budget restriction of F^(t).
func (g *GLOW) selectTabular(d *Data, s Schedule) Table {
	f := NewTable(d.H, d.S, d.A)
	v := make([]float64, d.S)
	for h := d.H - 1; h >= 0; h-- {
		n := float64(d.Len(h))
		visited := 0
		for _, nc := range d.N[h] {
			if nc > 0 {
				visited++
			}
		}
		for c := range f.Q[h] {
			nc := d.N[h][c]
			if nc == 0 || math.IsInf(s.Beta, 1) {
				f.Q[h][c] = 1
				continue
			}
			backup := d.SumR[h][c] / nc
			if h < d.H-1 {
				for s2, k := range d.Next[h][c*d.S : (c+1)*d.S] {
					backup += k / nc * v[s2]
				}
			}
			// Largest residual D_c with p_c * gain(D_c) <= beta / visited (shrunk by a
			// relative 1e-9 so that rounding keeps the layer sum within beta).
			bonus := boxGainInverse((1-1e-9)*s.Beta*n/(float64(visited)*nc), s.Alpha, s.Clip)
			f.Q[h][c] = min(1, backup+bonus)
		}
		f.V(h, v)
	}
	return f
}

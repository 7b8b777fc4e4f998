package lmdp

import "math"

// Backup is the one-step value of a context: Value returns alpha_m for taking a in s
// under context m when the plan continues with next-step values x (len S, x[s'] the
// value for context m after reaching s'). Planners are generic in it: Exact gives the
// true values, the optimistic backups give upper confidence values.
type Backup interface {
	Value(m, s, a int, x []float64) float64
	// Initial is the value of context m before its first state: the same backup applied
	// to the initial distribution nu_m, with x[s] the value of starting in s.
	Initial(m int, x []float64) float64
}

// Exact is the Bellman backup of a model: R_m(s,a) + P_m(s,a)·x.
type Exact struct{ Model *Model }

func (e Exact) Value(m, s, a int, x []float64) float64 {
	md := e.Model
	v := md.R[md.sa(m, s, a)]
	for s2, p := range md.next(m, s, a) {
		v += p * x[s2]
	}
	return v
}

func (e Exact) Initial(m int, x []float64) float64 {
	md := e.Model
	return dot(md.Nu[m*md.S:(m+1)*md.S], x)
}

// ValueOptimistic adds a bonus to the empirical backup (value-optimistic solver):
//
//	a~_m(s,a) = min{1, R^ + P^·x + C1 sqrt(V(P^, x) Iota/n) + C2 span(x) Iota/n}   (Bernstein)
//	a~_m(s,a) = min{1, R^ + P^·x + (C1/2) sqrt(Iota/n) + C2 Iota/n}                (Hoeffding)
//
// n = N_m(s,a); an unvisited (m,s,a) gets the largest value, 1. span(x) = max x - min x
// is the range of the next value (empirical Bernstein's lower-order term). The Hoeffding
// form uses no data-dependent scale: sqrt(V) is replaced by its worst case 1/2 for values
// in [0,1] and span(x) by the range 1, so its bonuses summed over H steps grow with H,
// while the Bernstein ones are bounded through the total variance.
type ValueOptimistic struct {
	Model     *Model    // empirical model (Counts.Estimate)
	N         []float64 // N_m(s,a), len M*S*A
	NInit     []float64 // episodes per context (the count behind nu^_m), len M
	C1, C2    float64
	Iota      float64
	Hoeffding bool
}

// Visits returns N_m(s,a); planners break ties towards less-visited actions.
func (v *ValueOptimistic) Visits(m, s, a int) float64 { return v.N[v.Model.sa(m, s, a)] }

func (v *ValueOptimistic) Value(m, s, a int, x []float64) float64 {
	md := v.Model
	i := md.sa(m, s, a)
	return v.optimistic(md.R[i], md.next(m, s, a), v.N[i], x)
}

// Initial applies the same bonus to nu^_m with n = the episodes of context m.
func (v *ValueOptimistic) Initial(m int, x []float64) float64 {
	md := v.Model
	return v.optimistic(0, md.Nu[m*md.S:(m+1)*md.S], v.NInit[m], x)
}

func (v *ValueOptimistic) optimistic(r float64, p []float64, n float64, x []float64) float64 {
	if n == 0 {
		return 1
	}
	mean, variance := variance(p, x)
	spread, span := 0.5, 1.0
	if !v.Hoeffding {
		spread, span = math.Sqrt(variance), valueSpan(x)
	}
	q := r + mean + v.C1*spread*math.Sqrt(v.Iota/n) + v.C2*span*v.Iota/n
	return min(1, q)
}

// ModelOptimistic backs up with the most favourable transition vector of a per-entry
// Bernstein confidence set around P^ (extended value iteration, the inner maximisation
// of UCRL2):
//
//	max_{P~} P~·x  s.t. |P~(s') - P^(s')| <= C1 sqrt(P^(s')(1-P^(s')) Iota/n) + C2 Iota/n, sum P~ = 1
//
// solved greedily: start from the lower bounds and pour the remaining mass into the
// states with the largest x up to their upper bounds. The result is min{1, R^ + max}.
type ModelOptimistic struct {
	Model  *Model
	N      []float64 // N_m(s,a)
	NInit  []float64 // episodes per context
	C1, C2 float64
	Iota   float64

	order []int // scratch: states sorted by x, descending
	lo    []float64
}

// Visits returns N_m(s,a); planners break ties towards less-visited actions.
func (v *ModelOptimistic) Visits(m, s, a int) float64 { return v.N[v.Model.sa(m, s, a)] }

func (v *ModelOptimistic) Value(m, s, a int, x []float64) float64 {
	md := v.Model
	i := md.sa(m, s, a)
	return v.optimistic(md.R[i], md.next(m, s, a), v.N[i], x)
}

// Initial maximises over the same confidence set around nu^_m (n = episodes of context m).
func (v *ModelOptimistic) Initial(m int, x []float64) float64 {
	md := v.Model
	return v.optimistic(0, md.Nu[m*md.S:(m+1)*md.S], v.NInit[m], x)
}

func (v *ModelOptimistic) optimistic(r float64, p []float64, n float64, x []float64) float64 {
	if n == 0 {
		return 1
	}
	S := len(p)
	if len(v.order) != S {
		v.order, v.lo = make([]int, S), make([]float64, S)
	}
	rest := 1.0
	q := 0.0
	for s2, ps := range p {
		v.lo[s2] = max(0, ps-v.radius(ps, n))
		rest -= v.lo[s2]
		q += v.lo[s2] * x[s2]
	}
	// insertion sort of the states by x, descending (S is small)
	for k := range v.order {
		v.order[k] = k
		for j := k; j > 0 && x[v.order[j]] > x[v.order[j-1]]; j-- {
			v.order[j], v.order[j-1] = v.order[j-1], v.order[j]
		}
	}
	for _, s2 := range v.order {
		if rest <= 0 {
			break
		}
		ps := p[s2]
		add := min(min(1, ps+v.radius(ps, n))-v.lo[s2], rest)
		q += add * x[s2]
		rest -= add
	}
	return min(1, r+q)
}

// radius is the confidence radius of one entry with estimate p from n samples.
func (v *ModelOptimistic) radius(p, n float64) float64 {
	return v.C1*math.Sqrt(p*(1-p)*v.Iota/n) + v.C2*v.Iota/n
}

// valueSpan is max(x) - min(x).
func valueSpan(x []float64) float64 {
	lo, hi := x[0], x[0]
	for _, v := range x[1:] {
		lo, hi = min(lo, v), max(hi, v)
	}
	return hi - lo
}

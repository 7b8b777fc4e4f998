package glow

import (
	"math"
	"math/rand/v2"
)

// jointLosses returns loss[i][h]: the loss of layer h of the i-th function of a joint
// class (its own next layer gives the next values).
func jointLosses(f *Finite, loss layerLoss) [][]float64 {
	H, k := len(f.Cands), len(f.Cands[0])
	out := make([][]float64, k)
	v := make([]float64, f.S)
	for i := 0; i < k; i++ {
		out[i] = make([]float64, H)
		for h := 0; h < H; h++ {
			var vn []float64
			if h < H-1 {
				vn = valueOf(f.Cands[h+1][i], f.S, f.A, v)
			}
			out[i][h] = loss(h, f.Cands[h][i], vn)
		}
	}
	return out
}

// valueOf writes max_a q(s, a) per state into dst and returns it.
func valueOf(q []float64, S, A int, dst []float64) []float64 {
	for s := 0; s < S; s++ {
		dst[s] = maxRow(q[s*A : (s+1)*A])
	}
	return dst
}

// tieTol is the relative tolerance under which two objective values count as equal:
// functions that fit the data equally well differ only by rounding, and the lowest
// index (the class's order) decides between them rather than the last bits.
const tieTol = 1e-9

func lessThan(a, b float64) bool {
	if math.IsInf(b, 1) {
		return a < b
	}
	return a < b-tieTol*(1+math.Abs(b))
}

// argminJoint returns the function with the smallest summed loss: the lowest index
// on ties, or with ties a uniform draw among the tied minimisers.
func argminJoint(losses [][]float64, ties *rand.Rand) int {
	sums := make([]float64, len(losses))
	best := math.Inf(1)
	for i, row := range losses {
		for _, l := range row {
			sums[i] += l
		}
		if lessThan(sums[i], best) {
			best = sums[i]
		}
	}
	var tied []int
	for i, s := range sums {
		if !lessThan(best, s) {
			tied = append(tied, i)
		}
	}
	if ties == nil || len(tied) == 1 {
		return tied[0]
	}
	return tied[ties.IntN(len(tied))]
}

// selectJoint is GLOW's steps 1-2 over a joint class: the members whose every layer
// stays within beta, and among them the most optimistic one.
func (g *GLOW) selectJoint(d *Data, s Schedule) (int, bool) {
	f := g.Finite
	losses := jointLosses(f, g.layerSup(d, s))
	feasible := make([]bool, len(losses))
	any := false
	for i, row := range losses {
		feasible[i] = true
		for _, l := range row {
			if l > s.Beta {
				feasible[i] = false
				break
			}
		}
		any = any || feasible[i]
	}
	if !any {
		return argminJoint(losses, nil), true
	}
	return g.optimistic(d, 0, feasible, func(int) bool { return true }), false
}

// fqiJoint is FQI over a joint class: f^(0) = 0 and
//
//	f^(k+1) = argmin_{f in F} sum_h sum_{(x,a,r,x') in D_h} ( f_h(x, a) - r - max_a' f^(k)_{h+1}(x', a') )^2
//
// for H iterations (or until a fixed point). Over a product class the argmin splits per
// layer and H iterations are backward FQI exactly; over a class that is not complete the
// projection of T f^(k) onto F can settle on a fixed point other than Q*.
func fqiJoint(f *Finite, d *Data) int {
	H, k := len(f.Cands), len(f.Cands[0])
	D := make([]float64, d.S*d.A)
	p := make([]float64, d.S*d.A)
	next := make([]float64, d.S)
	prev := -1 // f^(0) = 0
	for it := 0; it < H; it++ {
		best, arg := math.Inf(1), 0
		for i := 0; i < k; i++ {
			l := 0.0
			for h := 0; h < H; h++ {
				var vn []float64
				if h < H-1 {
					vn = next
					if prev >= 0 {
						valueOf(f.Cands[h+1][prev], f.S, f.A, vn)
					} else {
						clear(vn)
					}
				}
				n := d.Residuals(h, f.Cands[h][i], vn, D, p)
				for c, x := range D {
					l += n * p[c] * x * x
				}
			}
			if lessThan(l, best) {
				best, arg = l, i
			}
		}
		if arg == prev {
			break
		}
		prev = arg
	}
	return max(prev, 0)
}

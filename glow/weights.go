package glow

import (
	"math"
)

// Clip is clip_g[w] = min(w, g), the clipping from above that GLOW applies to weights
// (Algorithm 1); g = +Inf leaves w unchanged.
func Clip(w, g float64) float64 { return min(w, g) }

// Residual is the empirical Bellman residual of one tuple,
// D_f(x, a, r, x') = f_h(x, a) - r - max_a' f_{h+1}(x', a').
func Residual(fxa, r, vNext float64) float64 { return fxa - r - vNext }

// WeightClass is a class W of weight functions w_h(x, a) on tabular cells. Its
// inner supremum is the quantity GLOW's confidence set bounds:
//
//	sup_{w in W_h}  E_hat[ D_f * clip_g[w] - alpha * clip_g[w]^2 ]
//	  = sup_w sum_c p_c ( clip_g[w_c] * D_c - alpha * clip_g[w_c]^2 ),
//
// where D_c is the mean residual of cell c and p_c its frequency (a tabular weight is
// constant on a cell, so only cell means matter).
type WeightClass interface {
	Sup(h int, p, d []float64, alpha, clip float64) float64
	// LogSize is log |W| (per layer, summed over layers) as it enters beta_t.
	LogSize(H, S, A int) float64
}

// Box is the tabular class of all non-negative weights, w_h(x, a) >= 0 (Signed: any
// real weight). Clipped at g it is the box [0, g]^cells ([-g, g] signed), and its
// inner sup decouples per cell in closed form: the maximiser is
// w_c = clip(D_c / (2 alpha), 0, g) (signed: clip(D_c / (2 alpha), -g, g)).
type Box struct {
	Signed bool
	// LogCover is log |W| per cell used in beta_t (an infinite class has no
	// cardinality; default log 2, a cover at resolution 1/2 of the unit box).
	LogCover float64
}

// Sup implements the closed form above.
func (b Box) Sup(_ int, p, d []float64, alpha, clip float64) float64 {
	sum := 0.0
	for c, pc := range p {
		if pc == 0 {
			continue
		}
		x := d[c]
		if b.Signed {
			x = math.Abs(x)
		}
		sum += pc * boxGain(x, alpha, clip)
	}
	return sum
}

// boxGain is max_{0 <= w <= g} (w d - alpha w^2): 0 for d <= 0, d^2/(4 alpha) while the
// maximiser d/(2 alpha) stays below g, and g d - alpha g^2 beyond.
func boxGain(d, alpha, g float64) float64 {
	if d <= 0 {
		return 0
	}
	if alpha > 0 {
		w := d / (2 * alpha)
		if w <= g {
			return d * d / (4 * alpha)
		}
	}
	if math.IsInf(g, 1) {
		return math.Inf(1)
	}
	return g*d - alpha*g*g
}

// boxGainInverse is the largest d >= 0 with boxGain(d) <= y (y >= 0): how far a
// residual may go before the cell alone spends a budget y.
func boxGainInverse(y, alpha, g float64) float64 {
	switch {
	case alpha > 0 && (math.IsInf(g, 1) || y <= alpha*g*g):
		return math.Sqrt(4 * alpha * y)
	case math.IsInf(g, 1):
		return 0 // no penalty and no clipping: any positive residual is infinitely bad
	default:
		return (y + alpha*g*g) / g
	}
}

func (b Box) LogSize(H, S, A int) float64 {
	lc := b.LogCover
	if lc == 0 {
		lc = math.Ln2
	}
	return float64(H*S*A) * lc
}

// Enumerated is a finite weight class: W[h] lists the tables (len S*A) of layer h.
// Its inner sup is computed by enumeration.
type Enumerated struct{ W [][][]float64 }

func (e Enumerated) Sup(h int, p, d []float64, alpha, clip float64) float64 {
	best := 0.0 // w = 0 is not necessarily in W, but the sup is taken over W only
	first := true
	for _, w := range e.W[h] {
		v := 0.0
		for c, pc := range p {
			if pc == 0 {
				continue
			}
			wc := Clip(w[c], clip)
			v += pc * (wc*d[c] - alpha*wc*wc)
		}
		if first || v > best {
			best, first = v, false
		}
	}
	return best
}

func (e Enumerated) LogSize(H, S, A int) float64 {
	s := 0.0
	for _, w := range e.W {
		s += math.Log(float64(max(len(w), 1)))
	}
	return s
}

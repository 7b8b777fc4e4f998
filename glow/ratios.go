package glow

import (
	"math"
	"strconv"
	"strings"
)

// Ratios is the density-ratio weight class of the paper's Tier A: W_h holds the ratios
//
//	w_h = d^{pi, M}_h / mu_h      for every model M of a finite model class and every
//	                              greedy policy pi = pi_f of the value class,
//
// where d^{pi, M}_h(x, a) is the occupancy of layer h under pi in M and mu_h is the data
// distribution of layer h. mu_h is estimated by the data itself (the cell frequencies
// p_c of D_h: the mixture of past policies for GLOW, the hybrid mixture for HyGLOW), so a
// weight is stored by its numerator and E_hat[w~ D] = sum_c p_c min(n_c / p_c, g) D_c.
// Cells the data never visits carry no empirical mass and drop out. The class is
// realizable whenever the true model is in the model class.
//
// Num[h] lists the distinct numerator tables of layer h as sparse (cell, value) lists.
type Ratios struct {
	Num [][][]cellMass
}

// cellMass is one non-zero entry n_c of an occupancy table.
type cellMass struct {
	C int
	N float64
}

// Sup is sup_{w in W_h} sum_c p_c ( w~_c d_c - alpha w~_c^2 ), w~_c = min(n_c / p_c, clip).
func (r *Ratios) Sup(h int, p, d []float64, alpha, clip float64) float64 {
	best := math.Inf(-1)
	for _, num := range r.Num[h] {
		v := 0.0
		for _, e := range num {
			pc := p[e.C]
			if pc == 0 {
				continue
			}
			w := Clip(e.N/pc, clip)
			v += pc * (w*d[e.C] - alpha*w*w)
		}
		best = max(best, v)
	}
	return best
}

// LogSize is sum_h log |W_h|.
func (r *Ratios) LogSize(H, S, A int) float64 {
	s := 0.0
	for _, w := range r.Num {
		s += math.Log(float64(max(len(w), 1)))
	}
	return s
}

// Occupancy returns d^{pi, m}_h(s, a) for every layer (tables of length S*A) of the
// deterministic tabular policy pi (pi[h][s] is the action) in model m.
func Occupancy(m *MDP, pi [][]int) [][]float64 {
	out := make([][]float64, m.H)
	d := append([]float64(nil), m.Init...)
	next := make([]float64, m.S)
	for h := 0; h < m.H; h++ {
		out[h] = make([]float64, m.S*m.A)
		clear(next)
		for s, ps := range d {
			if ps == 0 {
				continue
			}
			a := pi[h][s]
			out[h][s*m.A+a] = ps
			for s2, q := range m.P[h][s][a] {
				next[s2] += ps * q
			}
		}
		d, next = next, d
	}
	return out
}

// ratioSet collects distinct numerator tables per layer.
type ratioSet struct {
	r    *Ratios
	seen []map[string]bool
}

func newRatioSet(H int) *ratioSet {
	rs := &ratioSet{r: &Ratios{Num: make([][][]cellMass, H)}, seen: make([]map[string]bool, H)}
	for h := range rs.seen {
		rs.seen[h] = map[string]bool{}
	}
	return rs
}

// add records the occupancy table occ of layer h unless it is already there.
func (rs *ratioSet) add(h int, occ []float64) {
	var key strings.Builder
	var num []cellMass
	for c, n := range occ {
		if n > 0 {
			num = append(num, cellMass{C: c, N: n})
			key.WriteString(strconv.Itoa(c))
			key.WriteByte(':')
			key.WriteString(strconv.FormatFloat(n, 'g', 12, 64))
			key.WriteByte(',')
		}
	}
	if k := key.String(); !rs.seen[h][k] {
		rs.seen[h][k] = true
		rs.r.Num[h] = append(rs.r.Num[h], num)
	}
}

// ModelRatios builds the ratio class of a finite model class and a value class f: the
// occupancies of every greedy policy of f in every model. For a joint class the
// policies are the greedy policies of its members; for a product class they are every
// combination of per-layer greedy rows (enumerated layer by layer, so a layer's tables
// depend only on the policy's earlier layers): prod_h |rows_h| policies, which keeps it
// to small classes (the lock family has LockRatios instead).
func ModelRatios(models []*MDP, f *Finite) *Ratios {
	H := len(f.Cands)
	rs := newRatioSet(H)
	if f.Joint {
		for i := range f.Cands[0] {
			pi := f.member(i).Greedy()
			for _, m := range models {
				for h, occ := range Occupancy(m, pi) {
					rs.add(h, occ)
				}
			}
		}
		return rs.r
	}
	// Distinct greedy rows per layer.
	rows := make([][][]int, H)
	for h := range rows {
		seen := map[string]bool{}
		for i := range f.Cands[h] {
			row := greedyRow(f.Cands[h][i], f.S, f.A)
			k := intsKey(row)
			if !seen[k] {
				seen[k] = true
				rows[h] = append(rows[h], row)
			}
		}
	}
	for _, m := range models {
		var walk func(h int, d []float64)
		walk = func(h int, d []float64) {
			if h == H {
				return
			}
			for _, row := range rows[h] {
				occ := make([]float64, m.S*m.A)
				next := make([]float64, m.S)
				for s, ps := range d {
					if ps == 0 {
						continue
					}
					occ[s*m.A+row[s]] = ps
					for s2, q := range m.P[h][s][row[s]] {
						next[s2] += ps * q
					}
				}
				rs.add(h, occ)
				walk(h+1, next)
			}
		}
		walk(0, m.Init)
	}
	return rs.r
}

func greedyRow(q []float64, S, A int) []int {
	row := make([]int, S)
	for s := range row {
		row[s] = argmaxRow(q[s*A : (s+1)*A])
	}
	return row
}

func intsKey(v []int) string {
	var b strings.Builder
	for _, x := range v {
		b.WriteString(strconv.Itoa(x))
		b.WriteByte(',')
	}
	return b.String()
}

// LockRatios is the ratio class of the lock family (LockFamily over every combination
// as the model class), in closed form. Under a model with combination c and a greedy
// policy pi of the family, the good states of layer h carry the reach
// r_h = prod_{k<h} (1/2 [pi_k(A) = c_k(A)] + 1/2 [pi_k(B) = c_k(B)]), which is 1 at
// layer 0 and 0 or 2^-j (j <= h) later, split evenly between A and B; the dead state
// carries 1 - r_h. So W_h is every table with mass r/2 on (A, a_A) and (B, a_B) and
// 1 - r on (dead, a_D), for every reachable r, any a_A, a_B, and a_D the family's
// dead-state action: A^2 tables at layer 0, (h+1) A^2 + 1 at layer h >= 1. Its sup is
// computed per reach with the maximum over a_A and a_B taken separately (the objective
// is a sum over cells).
type LockRatios struct {
	H, A int
	Dead int // the family's greedy action in the dead state
}

func (l LockRatios) Sup(h int, p, d []float64, alpha, clip float64) float64 {
	phi := func(c int, n float64) float64 {
		if n == 0 || p[c] == 0 {
			return 0
		}
		w := Clip(n/p[c], clip)
		return p[c] * (w*d[c] - alpha*w*w)
	}
	best := math.Inf(-1)
	r := 1.0
	for j := 0; j <= h+1; j++ {
		if j == h+1 {
			if h == 0 {
				break // every episode starts in a good state
			}
			r = 0
		}
		bA, bB := math.Inf(-1), math.Inf(-1)
		for a := 0; a < l.A; a++ {
			bA = max(bA, phi(0*l.A+a, r/2))
			bB = max(bB, phi(1*l.A+a, r/2))
		}
		best = max(best, bA+bB+phi(2*l.A+l.Dead, 1-r))
		r /= 2
	}
	return best
}

func (l LockRatios) LogSize(H, S, A int) float64 {
	s := 0.0
	for h := 0; h < H; h++ {
		n := A * A
		if h > 0 {
			n = (h+1)*A*A + 1
		}
		s += math.Log(float64(n))
	}
	return s
}

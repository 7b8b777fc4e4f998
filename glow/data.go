package glow

// Tuple is one transition (x_h, a_h, r_h, x_{h+1}) of layer h. Tabular problems fill S
// and Next (state indices); feature problems fill X and XNext. Last marks the final
// layer, whose next value is 0.
type Tuple struct {
	S, Next  int
	X, XNext []float64
	A        int
	R        float64
	Last     bool
}

// Data holds tuples per layer and, for tabular problems, their sufficient statistics
// per cell (h, s, a): count, reward sum and next-state counts. Every quantity GLOW,
// MABO and FQI compute from tabular data is a function of these statistics.
type Data struct {
	H, S, A int
	Layers  [][]Tuple // Layers[h]
	// Tabular statistics (S > 0): N[h][c], SumR[h][c], Next[h][c*S+s'] for cell c = s*A+a.
	N, SumR, Next [][]float64
	// Initial holds the layer-0 states seen, for GLOW's optimism objective.
	Initial []float64 // counts per state (tabular)
}

// NewData returns empty data for H layers; S = 0 for feature (non-tabular) problems.
func NewData(H, S, A int) *Data {
	d := &Data{H: H, S: S, A: A, Layers: make([][]Tuple, H)}
	if S > 0 {
		d.N, d.SumR, d.Next = make([][]float64, H), make([][]float64, H), make([][]float64, H)
		for h := 0; h < H; h++ {
			d.N[h] = make([]float64, S*A)
			d.SumR[h] = make([]float64, S*A)
			d.Next[h] = make([]float64, S*A*S)
		}
		d.Initial = make([]float64, S)
	}
	return d
}

// Add appends t to layer h.
func (d *Data) Add(h int, t Tuple) {
	d.Layers[h] = append(d.Layers[h], t)
	if d.S == 0 {
		return
	}
	c := t.S*d.A + t.A
	d.N[h][c]++
	d.SumR[h][c] += t.R
	if !t.Last {
		d.Next[h][c*d.S+t.Next]++
	}
	if h == 0 {
		d.Initial[t.S]++
	}
}

// Len is the number of tuples in layer h.
func (d *Data) Len(h int) int { return len(d.Layers[h]) }

// Residuals writes the mean empirical Bellman residual of every cell of layer h,
//
//	D_f(x, a, r, x') = f_h(x, a) - r - max_a' f_{h+1}(x', a')   (averaged over the cell's tuples),
//
// into dst (len S*A), and the cell frequencies n_c / n into p. qh is f_h; vNext is
// max_a' f_{h+1}(s', a') per state (ignored at the last layer). Unvisited cells get
// p = 0 and D = 0. It returns n, the number of tuples of the layer.
func (d *Data) Residuals(h int, qh, vNext, dst, p []float64) float64 {
	n := float64(len(d.Layers[h]))
	for c := range dst {
		nc := d.N[h][c]
		if nc == 0 {
			dst[c], p[c] = 0, 0
			continue
		}
		backup := d.SumR[h][c]
		if h < d.H-1 {
			next := d.Next[h][c*d.S : (c+1)*d.S]
			for s2, k := range next {
				backup += k * vNext[s2]
			}
		}
		dst[c] = qh[c] - backup/nc
		p[c] = nc / n
	}
	return n
}

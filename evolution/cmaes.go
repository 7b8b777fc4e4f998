package evolution

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"

	"gonum.org/v1/gonum/mat"

	"gorl/env"
)

// CMAES is the covariance matrix adaptation evolution strategy (Hansen 2016, "The
// CMA Evolution Strategy: A Tutorial", fig. 6 with c_m = 1) in ask/tell form over an
// explicit state (mean, sigma, C, p_c, p_sigma). It maximises fitness, like OpenES and
// SNES. Zero settings mean the tutorial's defaults: population 4 + floor(3 ln d) and
// an initial step size of 0.5. The full covariance costs d^2 memory and a d^3
// eigendecomposition per generation, so dimensions are capped at MaxCMADim.
//
// One generation (Ask, then Tell), with weights w_i = ln(mu + 1/2) - ln i normalised
// over the mu = lambda/2 best, mu_eff = 1 / sum w_i^2:
//
//	C = B D^2 B^T;  z_k ~ N(0, I);  y_k = B D z_k;  x_k = m + sigma y_k
//	<y> = sum_i w_i y_{i:lambda}                         (the mu best, fittest first)
//	m  <- m + sigma <y>
//	p_s <- (1 - c_s) p_s + sqrt(c_s (2 - c_s) mu_eff) C^{-1/2} <y>
//	h_s = |p_s| / sqrt(1 - (1 - c_s)^(2 (g+1))) < (1.4 + 2/(d+1)) E|N(0, I)|
//	p_c <- (1 - c_c) p_c + h_s sqrt(c_c (2 - c_c) mu_eff) <y>
//	C  <- (1 - c_1 - c_mu) C + c_1 (p_c p_c^T + (1 - h_s) c_c (2 - c_c) C) + c_mu sum_i w_i y_i y_i^T
//	sigma <- sigma exp((c_s / d_s) (|p_s| / E|N(0, I)| - 1))
type CMAES struct {
	Population   int
	InitStepSize float64

	st    CMAESState
	ready bool
	asked bool
	y     [][]float64 // the last Ask's steps y_k
	b, d  []float64   // eigenvectors (column major in a d x d row-major slice) and sqrt eigenvalues
}

// MaxCMADim is the largest dimension CMAES accepts.
const MaxCMADim = 1000

// CMAESState is everything CMA-ES changes between generations.
type CMAESState struct {
	Seed       uint64    `json:"seed"`
	Generation int       `json:"generation"`
	Mean       []float64 `json:"mean"`
	Sigma      float64   `json:"sigma"`
	C          []float64 `json:"c"` // d x d, row major
	PC         []float64 `json:"p_c"`
	PS         []float64 `json:"p_sigma"`
}

// cmaConsts are the tutorial's strategy parameters for dimension n and population lambda.
type cmaConsts struct {
	mu                            int
	w                             []float64
	mueff, cc, cs, c1, cmu, damps float64
	chiN                          float64
}

func newCMAConsts(n, lambda int) cmaConsts {
	k := cmaConsts{mu: lambda / 2}
	fn := float64(n)
	var sum, sq float64
	for i := range k.mu {
		w := math.Log(float64(k.mu)+0.5) - math.Log(float64(i+1))
		k.w = append(k.w, w)
		sum += w
	}
	for i := range k.w {
		k.w[i] /= sum
		sq += k.w[i] * k.w[i]
	}
	k.mueff = 1 / sq
	k.cc = (4 + k.mueff/fn) / (fn + 4 + 2*k.mueff/fn)
	k.cs = (k.mueff + 2) / (fn + k.mueff + 5)
	k.c1 = 2 / ((fn+1.3)*(fn+1.3) + k.mueff)
	k.cmu = math.Min(1-k.c1, 2*(k.mueff-2+1/k.mueff)/((fn+2)*(fn+2)+k.mueff))
	k.damps = 1 + 2*math.Max(0, math.Sqrt((k.mueff-1)/(fn+1))-1) + k.cs
	k.chiN = math.Sqrt(fn) * (1 - 1/(4*fn) + 1/(21*fn*fn))
	return k
}

func (c *CMAES) defaults(d int) {
	if c.Population == 0 {
		c.Population = 4 + int(math.Floor(3*math.Log(float64(d))))
	}
	if c.InitStepSize == 0 {
		c.InitStepSize = 0.5
	}
}

func (c *CMAES) validate(d int) error {
	switch {
	case d == 0:
		return errors.New("cma-es: empty mean")
	case d > MaxCMADim:
		return fmt.Errorf("cma-es: %d parameters exceed %d (the full covariance is d x d); use snes or openes, or a smaller network", d, MaxCMADim)
	case c.Population < 4:
		return fmt.Errorf("cma-es: population %d, want at least 4", c.Population)
	case !(c.InitStepSize > 0) || math.IsInf(c.InitStepSize, 0):
		return fmt.Errorf("cma-es: initial step size %v must be positive", c.InitStepSize)
	}
	return nil
}

// Init starts CMA-ES at mean (copied) with C = I and the given seed.
func (c *CMAES) Init(mean []float64, seed uint64) error {
	d := len(mean)
	c.defaults(d)
	if err := c.validate(d); err != nil {
		return err
	}
	c.st = CMAESState{Seed: seed, Mean: append([]float64(nil), mean...), Sigma: c.InitStepSize,
		C: make([]float64, d*d), PC: make([]float64, d), PS: make([]float64, d)}
	for i := range d {
		c.st.C[i*d+i] = 1
	}
	c.ready, c.asked = true, false
	return nil
}

func (c *CMAES) Name() string      { return "cmaes" }
func (c *CMAES) Mean() []float64   { return c.st.Mean }
func (c *CMAES) Generation() int   { return c.st.Generation }
func (c *CMAES) PopSize() int      { return c.Population }
func (c *CMAES) StepSize() float64 { return c.st.Sigma }
func (c *CMAES) LRNow() float64    { return 0 }
func (c *CMAES) Antithetic() bool  { return false }

// State returns a deep copy of the state.
func (c *CMAES) State() CMAESState {
	s := c.st
	s.Mean = append([]float64(nil), s.Mean...)
	s.C = append([]float64(nil), s.C...)
	s.PC = append([]float64(nil), s.PC...)
	s.PS = append([]float64(nil), s.PS...)
	return s
}

// SetState restores a state saved by State.
func (c *CMAES) SetState(s CMAESState) error {
	d := len(s.Mean)
	c.defaults(d)
	if err := c.validate(d); err != nil {
		return err
	}
	if len(s.C) != d*d || len(s.PC) != d || len(s.PS) != d || s.Generation < 0 || !(s.Sigma > 0) {
		return fmt.Errorf("cma-es: inconsistent state (dim %d, C %d, p_c %d, p_sigma %d, generation %d, sigma %v)",
			d, len(s.C), len(s.PC), len(s.PS), s.Generation, s.Sigma)
	}
	c.st = s
	c.st = c.State()
	c.ready, c.asked = true, false
	return nil
}

func (c *CMAES) SaveState() (json.RawMessage, error) { return json.Marshal(c.State()) }

func (c *CMAES) LoadState(b json.RawMessage) error {
	var s CMAESState
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("cma-es state: %w", err)
	}
	return c.SetState(s)
}

// eigen sets B and D from C = B D^2 B^T.
func (c *CMAES) eigen() error {
	d := len(c.st.Mean)
	var es mat.EigenSym
	if !es.Factorize(mat.NewSymDense(d, append([]float64(nil), c.st.C...)), true) {
		return errors.New("cma-es: covariance eigendecomposition failed")
	}
	vals := es.Values(nil)
	var vecs mat.Dense
	es.VectorsTo(&vecs)
	c.b, c.d = grow(c.b, d*d), grow(c.d, d)
	for i := range d {
		c.d[i] = math.Sqrt(math.Max(vals[i], 1e-300))
		for j := range d {
			c.b[i*d+j] = vecs.At(i, j)
		}
	}
	return nil
}

// Ask writes the next population into dst (grown as needed) and returns it.
func (c *CMAES) Ask(dst [][]float64) ([][]float64, error) {
	if !c.ready {
		return nil, errors.New("cma-es: Ask before Init")
	}
	if err := c.eigen(); err != nil {
		return nil, err
	}
	n, d := c.Population, len(c.st.Mean)
	rng := env.NewRand(c.st.Seed, streamNoise, uint64(c.st.Generation))
	c.y = growRows(c.y, n, d)
	dst = growRows(dst, n, d)
	z := make([]float64, d)
	for k := range n {
		for j := range z {
			z[j] = rng.NormFloat64()
		}
		for i := range d { // y = B D z
			var s float64
			for j := range d {
				s += c.b[i*d+j] * c.d[j] * z[j]
			}
			c.y[k][i] = s
			dst[k][i] = c.st.Mean[i] + c.st.Sigma*s
		}
	}
	c.asked = true
	return dst, nil
}

// Tell updates the distribution with the population's fitness (higher is better).
func (c *CMAES) Tell(fitness []float64) error {
	if !c.asked {
		return errors.New("cma-es: Tell without Ask")
	}
	n, d := c.Population, len(c.st.Mean)
	if len(fitness) != n {
		return fmt.Errorf("cma-es: %d fitness values for a population of %d", len(fitness), n)
	}
	k := newCMAConsts(d, n)
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	// Fittest first; NaN last; ties in index order.
	sort.SliceStable(idx, func(a, b int) bool { return less(fitness[idx[b]], fitness[idx[a]]) })
	s := &c.st
	ym := make([]float64, d)
	for r := range k.mu {
		for j := range d {
			ym[j] += k.w[r] * c.y[idx[r]][j]
		}
	}
	for j := range d {
		s.Mean[j] += s.Sigma * ym[j]
	}
	// C^{-1/2} <y> = B D^-1 B^T <y>
	bt := make([]float64, d)
	for j := range d {
		for i := range d {
			bt[j] += c.b[i*d+j] * ym[i]
		}
		bt[j] /= c.d[j]
	}
	var psNorm float64
	for i := range d {
		var v float64
		for j := range d {
			v += c.b[i*d+j] * bt[j]
		}
		s.PS[i] = (1-k.cs)*s.PS[i] + math.Sqrt(k.cs*(2-k.cs)*k.mueff)*v
		psNorm += s.PS[i] * s.PS[i]
	}
	psNorm = math.Sqrt(psNorm)
	hs := 0.0
	if psNorm/math.Sqrt(1-math.Pow(1-k.cs, 2*float64(s.Generation+1))) < (1.4+2/float64(d+1))*k.chiN {
		hs = 1
	}
	for i := range d {
		s.PC[i] = (1-k.cc)*s.PC[i] + hs*math.Sqrt(k.cc*(2-k.cc)*k.mueff)*ym[i]
	}
	for i := range d {
		for j := range d {
			rankMu := 0.0
			for r := range k.mu {
				y := c.y[idx[r]]
				rankMu += k.w[r] * y[i] * y[j]
			}
			old := s.C[i*d+j]
			s.C[i*d+j] = (1-k.c1-k.cmu)*old + k.c1*(s.PC[i]*s.PC[j]+(1-hs)*k.cc*(2-k.cc)*old) + k.cmu*rankMu
		}
	}
	s.Sigma *= math.Exp((k.cs / k.damps) * (psNorm/k.chiN - 1))
	s.Generation++
	c.asked = false
	return nil
}

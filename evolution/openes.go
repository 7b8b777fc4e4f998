package evolution

import (
	"errors"
	"fmt"
	"math"

	"gorl/env"
)

// Stream ids under a strategy's seed.
const (
	streamNoise = 1 // perturbations, then the generation
)

// OpenES is the OpenAI evolution strategy (Salimans et al. 2017) as evosax's
// OpenES implements it: an isotropic Gaussian search distribution N(mean,
// sigma^2 I), antithetic sampling, centred-rank fitness shaping and Adam on the
// mean. It maximises fitness. Zero settings mean the defaults of the LPO reference
// (Lu et al. 2022): population 32, lr 0.01 decaying by 0.999 to 0.001, sigma 0.04
// decaying by 0.999 to 0.01. A decay of 1 keeps a value fixed; a negative floor
// means no floor.
//
// One generation (Ask, then Tell):
//
//	z_i ~ N(0, I), i < N/2;  z_{i+N/2} = -z_i              (antithetic sampling)
//	x_i = mean + sigma z_i
//	f_i = rank(F_i)/(N-1) - 0.5                            (centred ranks)
//	g   = sum_i f_i z_i / (N sigma)                        (search-gradient estimate)
//	m   = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2          (Adam, Kingma & Ba 2015, alg. 1)
//	mean += lr (m/(1-b1^t)) / (sqrt(v/(1-b2^t)) + eps)
//	lr    = max(lr decay_lr, lr_min);  sigma = max(sigma decay_sigma, sigma_min)
type OpenES struct {
	Population int     // even (default 32)
	LR         float64 // initial Adam step size (default 0.01)
	LRDecay    float64 // per generation (default 0.999)
	LRMin      float64 // floor (default 0.001)
	Sigma      float64 // initial standard deviation (default 0.04)
	SigmaDecay float64 // per generation (default 0.999)
	SigmaMin   float64 // floor (default 0.01)
	Beta1      float64 // default 0.99
	Beta2      float64 // default 0.999
	Eps        float64 // default 1e-8
	// NoRankShaping uses the raw fitness instead of centred ranks (Tell then
	// scales the gradient by the raw values).
	NoRankShaping bool

	st    OpenESState
	ready bool
	z     [][]float64 // the last Ask's perturbations
	asked bool
	shape []float64
}

// OpenESState is everything that changes from generation to generation; with the
// settings and the seed it continues a run exactly (SetState).
type OpenESState struct {
	Seed       uint64    `json:"seed"`
	Generation int       `json:"generation"` // generations told
	Mean       []float64 `json:"mean"`
	M          []float64 `json:"adam_m"`
	V          []float64 `json:"adam_v"`
	LR         float64   `json:"lr"`
	Sigma      float64   `json:"sigma"`
}

func (o *OpenES) defaults() {
	def := func(p *float64, v float64) {
		if *p == 0 {
			*p = v
		}
	}
	if o.Population == 0 {
		o.Population = 32
	}
	def(&o.LR, 0.01)
	def(&o.LRDecay, 0.999)
	def(&o.LRMin, 0.001)
	def(&o.Sigma, 0.04)
	def(&o.SigmaDecay, 0.999)
	def(&o.SigmaMin, 0.01)
	def(&o.Beta1, 0.99)
	def(&o.Beta2, 0.999)
	def(&o.Eps, 1e-8)
}

func (o *OpenES) validate() error {
	switch {
	case o.Population < 2 || o.Population%2 != 0:
		return fmt.Errorf("openes: population %d must be even and at least 2 (antithetic pairs)", o.Population)
	case !(o.LR > 0) || math.IsInf(o.LR, 0):
		return fmt.Errorf("openes: lr %v must be positive", o.LR)
	case !(o.Sigma > 0) || math.IsInf(o.Sigma, 0):
		return fmt.Errorf("openes: sigma %v must be positive", o.Sigma)
	case !(o.LRDecay > 0 && o.LRDecay <= 1), !(o.SigmaDecay > 0 && o.SigmaDecay <= 1):
		return fmt.Errorf("openes: decays (lr %v, sigma %v) must be in (0, 1]", o.LRDecay, o.SigmaDecay)
	case !(o.Beta1 >= 0 && o.Beta1 < 1), !(o.Beta2 >= 0 && o.Beta2 < 1), !(o.Eps > 0):
		return fmt.Errorf("openes: Adam settings beta1 %v, beta2 %v, eps %v out of range", o.Beta1, o.Beta2, o.Eps)
	}
	return nil
}

// Init starts the strategy at mean (copied) with the given seed; it fills default
// settings into the zero fields.
func (o *OpenES) Init(mean []float64, seed uint64) error {
	o.defaults()
	if err := o.validate(); err != nil {
		return err
	}
	if len(mean) == 0 {
		return errors.New("openes: empty mean")
	}
	d := len(mean)
	o.st = OpenESState{
		Seed: seed, Mean: append([]float64(nil), mean...),
		M: make([]float64, d), V: make([]float64, d),
		LR: o.LR, Sigma: o.Sigma,
	}
	o.ready, o.asked = true, false
	return nil
}

// Dim is the search-space dimension.
func (o *OpenES) Dim() int { return len(o.st.Mean) }

// Mean is the current mean of the search distribution (not a copy).
func (o *OpenES) Mean() []float64 { return o.st.Mean }

// Generation is the number of generations told so far.
func (o *OpenES) Generation() int { return o.st.Generation }

// SigmaNow and LRNow are the current standard deviation and step size.
func (o *OpenES) SigmaNow() float64 { return o.st.Sigma }
func (o *OpenES) LRNow() float64    { return o.st.LR }

// State returns a deep copy of the strategy's state.
func (o *OpenES) State() OpenESState {
	s := o.st
	s.Mean = append([]float64(nil), s.Mean...)
	s.M = append([]float64(nil), s.M...)
	s.V = append([]float64(nil), s.V...)
	return s
}

// SetState restores a state saved by State into a strategy with the same settings.
func (o *OpenES) SetState(s OpenESState) error {
	o.defaults()
	if err := o.validate(); err != nil {
		return err
	}
	d := len(s.Mean)
	if d == 0 || len(s.M) != d || len(s.V) != d || s.Generation < 0 || !(s.Sigma > 0) || !(s.LR > 0) {
		return fmt.Errorf("openes: inconsistent state (dim %d, adam %d/%d, generation %d, sigma %v, lr %v)",
			d, len(s.M), len(s.V), s.Generation, s.Sigma, s.LR)
	}
	o.ready, o.asked = true, false
	o.st = s
	o.st = o.State() // own the slices
	return nil
}

// Ask writes the next population x_i = mean + sigma z_i into dst (grown to
// Population rows of Dim values) and returns it. Asking twice in a generation
// returns the same population.
func (o *OpenES) Ask(dst [][]float64) ([][]float64, error) {
	if !o.ready {
		return nil, errors.New("openes: Ask before Init")
	}
	n, d := o.Population, o.Dim()
	rng := env.NewRand(o.st.Seed, streamNoise, uint64(o.st.Generation))
	o.z = growRows(o.z, n, d)
	for i := 0; i < n/2; i++ {
		for j := range d {
			v := rng.NormFloat64()
			o.z[i][j] = v
			o.z[i+n/2][j] = -v // antithetic: z_{i+N/2} = -z_i
		}
	}
	o.asked = true
	dst = growRows(dst, n, d)
	for i := range n {
		for j := range d {
			dst[i][j] = o.st.Mean[j] + o.st.Sigma*o.z[i][j]
		}
	}
	return dst, nil
}

// Tell updates the distribution with the fitness of the population the last Ask
// returned (higher is better).
func (o *OpenES) Tell(fitness []float64) error {
	if !o.asked {
		return errors.New("openes: Tell without Ask")
	}
	n, d := o.Population, o.Dim()
	if len(fitness) != n {
		return fmt.Errorf("openes: %d fitness values for a population of %d", len(fitness), n)
	}
	if o.NoRankShaping {
		for i, f := range fitness {
			if math.IsNaN(f) || math.IsInf(f, 0) {
				return fmt.Errorf("openes: fitness of member %d is %v", i, f)
			}
		}
		o.shape = append(o.shape[:0], fitness...)
	} else {
		o.shape = CentredRanks(o.shape, fitness) // f_i = rank/(N-1) - 0.5
	}
	s := &o.st
	s.Generation++
	t := float64(s.Generation)
	b1, b2 := o.Beta1, o.Beta2
	for j := range d {
		// g = sum_i f_i z_i / (N sigma)
		var g float64
		for i := range n {
			g += o.shape[i] * o.z[i][j]
		}
		g /= float64(n) * s.Sigma
		// Adam ascent step on the mean.
		s.M[j] = b1*s.M[j] + (1-b1)*g
		s.V[j] = b2*s.V[j] + (1-b2)*g*g
		mh := s.M[j] / (1 - math.Pow(b1, t))
		vh := s.V[j] / (1 - math.Pow(b2, t))
		s.Mean[j] += s.LR * mh / (math.Sqrt(vh) + o.Eps)
	}
	// Exponential decay with floors.
	s.LR = math.Max(s.LR*o.LRDecay, o.LRMin)
	s.Sigma = math.Max(s.Sigma*o.SigmaDecay, o.SigmaMin)
	o.asked = false
	return nil
}

func growRows(dst [][]float64, n, d int) [][]float64 {
	if len(dst) != n {
		dst = make([][]float64, n)
	}
	for i := range dst {
		if len(dst[i]) != d {
			dst[i] = make([]float64, d)
		}
	}
	return dst
}

package evolution

import (
	"errors"
	"fmt"
	"math"

	"gorl/env"
)

// SNES is separable natural evolution strategies (Schaul et al. 2011), as evosax
// implements it: a diagonal Gaussian N(mean, diag(sigma^2)) adapted with NES
// utilities. It maximises fitness. Zero settings mean defaults: population
// 4 + floor(3 ln d), lr_mean 1, lr_sigma (3 + ln d)/(5 sqrt d), initial sigma 1.
//
// One generation (Ask, then Tell):
//
//	z_i ~ N(0, I);  x_i = mean + sigma * z_i
//	w_i = NES utility of rank(F_i)                          (Wierstra et al. 2014, eq. 13)
//	mean  <- mean + lr_mean sigma * sum_i w_i z_i           (natural gradient, mean)
//	sigma <- sigma * exp(0.5 lr_sigma sum_i w_i (z_i^2 - 1)) (natural gradient, log sigma)
type SNES struct {
	Population int
	LRMean     float64
	LRSigma    float64
	Sigma      float64 // initial standard deviation of every coordinate

	st    SNESState
	ready bool
	asked bool
	z     [][]float64
	w     []float64
}

// SNESState is everything SNES changes between generations.
type SNESState struct {
	Seed       uint64    `json:"seed"`
	Generation int       `json:"generation"`
	Mean       []float64 `json:"mean"`
	Sigma      []float64 `json:"sigma"`
}

func (s *SNES) defaults(d int) {
	if s.Population == 0 {
		s.Population = 4 + int(math.Floor(3*math.Log(float64(d))))
	}
	if s.LRMean == 0 {
		s.LRMean = 1
	}
	if s.LRSigma == 0 {
		s.LRSigma = (3 + math.Log(float64(d))) / (5 * math.Sqrt(float64(d)))
	}
	if s.Sigma == 0 {
		s.Sigma = 1
	}
}

func (s *SNES) validate() error {
	if s.Population < 2 || !(s.LRMean > 0) || !(s.LRSigma > 0) || !(s.Sigma > 0) ||
		math.IsInf(s.LRMean+s.LRSigma+s.Sigma, 0) {
		return fmt.Errorf("snes: bad settings (population %d, lr_mean %v, lr_sigma %v, sigma %v)", s.Population, s.LRMean, s.LRSigma, s.Sigma)
	}
	return nil
}

// Init starts SNES at mean (copied) with the given seed.
func (s *SNES) Init(mean []float64, seed uint64) error {
	d := len(mean)
	if d == 0 {
		return errors.New("snes: empty mean")
	}
	s.defaults(d)
	if err := s.validate(); err != nil {
		return err
	}
	s.st = SNESState{Seed: seed, Mean: append([]float64(nil), mean...), Sigma: make([]float64, d)}
	for j := range s.st.Sigma {
		s.st.Sigma[j] = s.Sigma
	}
	s.ready, s.asked = true, false
	return nil
}

// Mean is the current mean (not a copy); Generation the generations told.
func (s *SNES) Mean() []float64 { return s.st.Mean }
func (s *SNES) Generation() int { return s.st.Generation }

// State returns a deep copy of the state.
func (s *SNES) State() SNESState {
	c := s.st
	c.Mean = append([]float64(nil), c.Mean...)
	c.Sigma = append([]float64(nil), c.Sigma...)
	return c
}

// SetState restores a state saved by State.
func (s *SNES) SetState(st SNESState) error {
	d := len(st.Mean)
	if d == 0 || len(st.Sigma) != d || st.Generation < 0 {
		return fmt.Errorf("snes: inconsistent state (dim %d, sigma %d, generation %d)", d, len(st.Sigma), st.Generation)
	}
	s.defaults(d)
	if err := s.validate(); err != nil {
		return err
	}
	s.st = st
	s.st = s.State()
	s.ready, s.asked = true, false
	return nil
}

// Ask writes the next population into dst (grown as needed) and returns it.
func (s *SNES) Ask(dst [][]float64) ([][]float64, error) {
	if !s.ready {
		return nil, errors.New("snes: Ask before Init")
	}
	n, d := s.Population, len(s.st.Mean)
	rng := env.NewRand(s.st.Seed, streamNoise, uint64(s.st.Generation))
	s.z = growRows(s.z, n, d)
	dst = growRows(dst, n, d)
	for i := range n {
		for j := range d {
			s.z[i][j] = rng.NormFloat64()
			dst[i][j] = s.st.Mean[j] + s.st.Sigma[j]*s.z[i][j]
		}
	}
	s.asked = true
	return dst, nil
}

// Tell updates the distribution with the population's fitness (higher is better).
func (s *SNES) Tell(fitness []float64) error {
	if !s.asked {
		return errors.New("snes: Tell without Ask")
	}
	n := s.Population
	if len(fitness) != n {
		return fmt.Errorf("snes: %d fitness values for a population of %d", len(fitness), n)
	}
	s.w = NESUtilities(s.w, fitness)
	for j := range s.st.Mean {
		var gm, gs float64
		for i := range n {
			z := s.z[i][j]
			gm += s.w[i] * z
			gs += s.w[i] * (z*z - 1)
		}
		s.st.Mean[j] += s.LRMean * s.st.Sigma[j] * gm
		s.st.Sigma[j] *= math.Exp(0.5 * s.LRSigma * gs)
	}
	s.st.Generation++
	s.asked = false
	return nil
}

// withDefaults returns a copy of s with defaults filled for dimension d.
func (s *SNES) withDefaults(d int) SNES {
	c := *s
	c.defaults(d)
	return c
}

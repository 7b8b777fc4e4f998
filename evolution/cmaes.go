package evolution

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/optimize"

	"gorl/env"
)

// CMAES runs the covariance matrix adaptation evolution strategy through gonum's
// optimize.CmaEsChol (Krause et al. 2016: CMA-ES updating the Cholesky factor of the
// covariance). gonum drives its methods through a channel protocol rather than
// ask/tell, so CMAES is a whole-run minimiser: Minimize hands gonum the objective and
// its evaluation goroutines. Zero settings mean gonum's defaults (population
// 4 + floor(3 ln d), initial step size 0.5) and Workers = 1.
type CMAES struct {
	Population     int
	InitStepSize   float64
	Workers        int // concurrent evaluations (gonum's Settings.Concurrent)
	MaxEvaluations int // 0: until gonum's convergence test (the covariance collapses)
	// ForgetBest reports the best member of the last generation instead of the best ever.
	ForgetBest bool
}

// CMAResult is the outcome of Minimize.
type CMAResult struct {
	X           []float64
	F           float64
	Evaluations int
	Status      string // gonum's termination status, e.g. "MethodConverge"
}

// Minimize minimises f from x0 with samples drawn from env.NewRand(seed, 1). f must be
// safe for concurrent use when Workers > 1; results do not depend on Workers.
func (c CMAES) Minimize(f func(x []float64) float64, x0 []float64, seed uint64) (CMAResult, error) {
	if len(x0) == 0 {
		return CMAResult{}, errors.New("cma-es: empty start point")
	}
	if c.Population < 0 || c.InitStepSize < 0 || math.IsNaN(c.InitStepSize) || c.MaxEvaluations < 0 {
		return CMAResult{}, fmt.Errorf("cma-es: bad settings (population %d, step size %v, max evaluations %d)", c.Population, c.InitStepSize, c.MaxEvaluations)
	}
	if c.Population == 1 {
		return CMAResult{}, errors.New("cma-es: population 1 cannot adapt a covariance")
	}
	method := &optimize.CmaEsChol{
		InitStepSize: c.InitStepSize,
		Population:   c.Population,
		ForgetBest:   c.ForgetBest,
		Src:          env.NewRand(seed, streamNoise),
	}
	settings := &optimize.Settings{
		Converger:       optimize.NeverTerminate{}, // stop on the method's own test
		FuncEvaluations: c.MaxEvaluations,
		Concurrent:      max(c.Workers, 0),
	}
	res, err := optimize.Minimize(optimize.Problem{Func: f}, x0, settings, method)
	if res == nil {
		return CMAResult{}, fmt.Errorf("cma-es: %w", err)
	}
	out := CMAResult{X: res.X, F: res.F, Evaluations: res.FuncEvaluations, Status: res.Status.String()}
	if err != nil {
		return out, fmt.Errorf("cma-es: %w", err)
	}
	return out, nil
}

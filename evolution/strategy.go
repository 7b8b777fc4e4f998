package evolution

import (
	"encoding/json"
	"fmt"
	"math"
)

// Strategy is an ask/tell evolution strategy over explicit state, in evosax's manner:
// Init places the search distribution, Ask draws a population (the same one until
// Tell), Tell moves the distribution by the population's fitness (higher is better).
// Every random draw comes from a stream keyed by the seed and the generation, so a
// strategy restored with LoadState from SaveState continues exactly as the
// uninterrupted one would.
type Strategy interface {
	Name() string
	Init(mean []float64, seed uint64) error
	Ask(dst [][]float64) ([][]float64, error)
	Tell(fitness []float64) error
	Mean() []float64 // the current mean (not a copy)
	Generation() int // generations told
	PopSize() int
	// StepSize is the current overall search scale (OpenES's sigma, SNES's mean
	// sigma, CMA-ES's sigma) and LRNow the mean's step size where there is one (0 otherwise).
	StepSize() float64
	LRNow() float64
	// Antithetic reports whether members i and i + PopSize/2 are mirrored
	// perturbations (pair ranks and groove's pair sampling need it).
	Antithetic() bool
	SaveState() (json.RawMessage, error)
	LoadState(json.RawMessage) error
}

var (
	_ Strategy = (*OpenES)(nil)
	_ Strategy = (*SNES)(nil)
	_ Strategy = (*CMAES)(nil)
)

// Strategies names the strategies NewStrategy builds.
var Strategies = []string{"openes", "snes", "cmaes"}

// StrategySettings are the settings NewStrategy passes on; zero values mean each
// strategy's defaults. LR and its decay are OpenES's (SNES and CMA-ES set their own).
type StrategySettings struct {
	Population                  int
	Sigma, SigmaDecay, SigmaMin float64
	LR, LRDecay, LRMin          float64
}

// NewStrategy returns the named strategy with the given settings (not yet Init).
// OpenES here leaves fitness shaping to the caller (Shape): it steps on the values told.
func NewStrategy(name string, s StrategySettings) (Strategy, error) {
	switch name {
	case "openes", "":
		return &OpenES{Population: s.Population, Sigma: s.Sigma, SigmaDecay: s.SigmaDecay, SigmaMin: s.SigmaMin,
			LR: s.LR, LRDecay: s.LRDecay, LRMin: s.LRMin, NoRankShaping: true}, nil
	case "snes":
		return &SNES{Population: s.Population, Sigma: s.Sigma}, nil
	case "cmaes":
		return &CMAES{Population: s.Population, InitStepSize: s.Sigma}, nil
	}
	return nil, fmt.Errorf("strategy %q: want openes, snes or cmaes", name)
}

// Shapings names the fitness shapings Shape applies.
var Shapings = []string{"rank", "zscore", "pair-rank"}

// Shape writes the shaped fitness into dst and returns it:
//
//	rank       centred ranks, rank/(N-1) - 0.5 (evosax's OpenES default)
//	zscore     (f - mean)/(std + 1e-8), as LPO's released code shapes fitness
//	pair-rank  1 for the fitter member of each antithetic pair (i, i+N/2), else 0 (groove)
//
// Non-finite fitness (a diverged inner run) counts as the lowest finite value of the
// population before z-scoring, so one divergence does not turn every score into NaN.
func Shape(shaping string, dst, fitness []float64) ([]float64, error) {
	switch shaping {
	case "rank", "":
		return CentredRanks(dst, fitness), nil
	case "pair-rank":
		if len(fitness)%2 != 0 {
			return nil, fmt.Errorf("pair-rank shaping: odd population %d has no antithetic pairs", len(fitness))
		}
		return PairRanks(dst, fitness), nil
	case "zscore":
		lo, any := math.Inf(1), false
		for _, f := range fitness {
			if !math.IsNaN(f) && !math.IsInf(f, 0) {
				lo, any = math.Min(lo, f), true
			}
		}
		if !any {
			lo = 0
		}
		clean := make([]float64, len(fitness))
		for i, f := range fitness {
			clean[i] = f
			if math.IsNaN(f) || math.IsInf(f, 0) {
				clean[i] = lo
			}
		}
		return ZScore(dst, clean), nil
	}
	return nil, fmt.Errorf("fitness shaping %q: want rank, zscore or pair-rank", shaping)
}

// Strategy methods of OpenES.

func (o *OpenES) Name() string      { return "openes" }
func (o *OpenES) PopSize() int      { return o.Population }
func (o *OpenES) StepSize() float64 { return o.st.Sigma }
func (o *OpenES) Antithetic() bool  { return true }

func (o *OpenES) SaveState() (json.RawMessage, error) { return json.Marshal(o.State()) }

func (o *OpenES) LoadState(b json.RawMessage) error {
	var s OpenESState
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("openes state: %w", err)
	}
	return o.SetState(s)
}

// Strategy methods of SNES.

func (s *SNES) Name() string     { return "snes" }
func (s *SNES) PopSize() int     { return s.Population }
func (s *SNES) LRNow() float64   { return s.LRMean }
func (s *SNES) Antithetic() bool { return false }

func (s *SNES) StepSize() float64 {
	var m float64
	for _, v := range s.st.Sigma {
		m += v / float64(len(s.st.Sigma))
	}
	return m
}

func (s *SNES) SaveState() (json.RawMessage, error) { return json.Marshal(s.State()) }

func (s *SNES) LoadState(b json.RawMessage) error {
	var st SNESState
	if err := json.Unmarshal(b, &st); err != nil {
		return fmt.Errorf("snes state: %w", err)
	}
	return s.SetState(st)
}

// stateGeneration reads the generation count every strategy's state records.
func stateGeneration(b json.RawMessage) (int, error) {
	var g struct {
		Generation int `json:"generation"`
	}
	if err := json.Unmarshal(b, &g); err != nil {
		return 0, err
	}
	return g.Generation, nil
}

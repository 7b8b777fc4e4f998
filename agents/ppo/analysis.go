package ppo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"

	"gorl/agents/nn"
)

// Analysis of learned objectives (Jackson et al. 2024, sec. 5; Lu et al. 2022, sec. 6):
// the effective clip range of a drift, and wrappers that change the training progress
// n/N a temporally-aware objective sees, to test whether it really uses it.

// EffectiveClip finds the effective clip range of an objective: the ratio
//
//	r*(A, n/N) = argmax_r ( r A - drift(r, A, n/N) )
//
// over a grid of ratios, i.e. how far one sample's probability ratio is pushed before
// the surrogate stops rewarding it. For A > 0 it is the effective upper bound, for
// A < 0 the lower one; PPO-clip gives 1 + eps and 1 - eps. The surrogate is the one PPO
// maximises (Objective.Surrogate), evaluated in float32 as in training.
//
// Where the maximum is flat (PPO-clip beyond its bounds: the surrogate is constant),
// r* is the maximiser closest to r = 1: the point from which moving the ratio further
// gains nothing. Values within Tol * max(|A| RMax, |max|) of the maximum count as
// maximal, which absorbs float32 rounding; on a smooth maximum with curvature c this
// moves r* towards 1 by about sqrt(2 tol / c), less than 0.001 for DPO's lower bounds.
// Zero values mean defaults.
type EffectiveClip struct {
	RMin, RMax float64 // the ratio grid's ends (defaults 0.5 and 2)
	Points     int     // grid points, ends included (default 1501: steps of 0.001 on [0.5, 2])
	Tol        float64 // relative tolerance of "maximal" (default 5e-7, a few float32 roundings)
}

// ClipPoint is the effective clip ratio at one advantage and progress.
type ClipPoint struct {
	Adv      float64 `json:"adv"`
	Progress float64 `json:"progress"` // n/N
	Ratio    float64 `json:"ratio"`    // r*
	// Surrogate is the maximal value r* A - drift(r*, A, n/N).
	Surrogate float64 `json:"surrogate"`
	// AtEdge says r* is an end of the grid: within the grid the surrogate keeps
	// rewarding a larger change of the ratio (no effective bound inside it).
	AtEdge bool `json:"at_edge"`
}

func (e EffectiveClip) withDefaults() EffectiveClip {
	if e.RMin == 0 {
		e.RMin = 0.5
	}
	if e.RMax == 0 {
		e.RMax = 2
	}
	if e.Points == 0 {
		e.Points = 1501
	}
	if e.Tol == 0 {
		e.Tol = 5e-7
	}
	return e
}

// Validate reports the first bad setting (after defaults).
func (e EffectiveClip) Validate() error {
	e = e.withDefaults()
	switch {
	case !(e.RMin > 0 && e.RMin < 1) || math.IsInf(e.RMin, 0):
		return fmt.Errorf("effective clip: ratio grid start %v: want a number in (0, 1)", e.RMin)
	case !(e.RMax > 1) || math.IsInf(e.RMax, 0) || e.RMax > 1e6:
		return fmt.Errorf("effective clip: ratio grid end %v: want a number in (1, 1e6]", e.RMax)
	case e.Points < 3 || e.Points > 1<<22:
		return fmt.Errorf("effective clip: %d grid points: want 3..%d", e.Points, 1<<22)
	case !(e.Tol >= 0) || math.IsInf(e.Tol, 0):
		return fmt.Errorf("effective clip: tolerance %v: want a finite number >= 0", e.Tol)
	}
	return nil
}

// Step is the grid's spacing: the resolution of r*.
func (e EffectiveClip) Step() float64 {
	e = e.withDefaults()
	return (e.RMax - e.RMin) / float64(e.Points-1)
}

// Grid returns the ratios r* is searched over: RMin + i Step, i = 0..Points-1, rounded
// to 12 significant digits (so that a step of 0.001 gives 0.697, not 0.6970000000000001).
func (e EffectiveClip) Grid() []float64 {
	e = e.withDefaults()
	g := make([]float64, e.Points)
	step := e.Step()
	for i := range g {
		g[i], _ = strconv.ParseFloat(strconv.FormatFloat(e.RMin+float64(i)*step, 'g', 12, 64), 64)
	}
	g[len(g)-1] = e.RMax
	return g
}

// Table computes r* for every advantage in advs at every progress in progress, rows
// ordered by advantage, then progress, and appends them to dst. obj must not be used
// concurrently (DPO, for one, keeps buffers).
func (e EffectiveClip) Table(obj Objective, advs, progress []float64, dst []ClipPoint) ([]ClipPoint, error) {
	if err := e.Validate(); err != nil {
		return dst, err
	}
	if obj == nil {
		return dst, fmt.Errorf("effective clip: nil objective")
	}
	if l, ok := obj.(*LPO); ok {
		if err := l.check(); err != nil {
			return dst, err
		}
	}
	e = e.withDefaults()
	grid := e.Grid()
	ratio, adv := nn.New(len(grid)), nn.New(len(grid))
	tp := nn.NewTape()
	tp.NoGrad = true
	for i, r := range grid {
		ratio.Data[i] = float32(r)
	}
	for _, a := range advs {
		for i := range adv.Data {
			adv.Data[i] = float32(a)
		}
		for _, p := range progress {
			if math.IsNaN(a) || math.IsInf(a, 0) || math.IsNaN(p) || math.IsInf(p, 0) {
				return dst, fmt.Errorf("effective clip: advantage %v and progress %v must be finite", a, p)
			}
			tp.Reset()
			s := obj.Surrogate(tp, ratio, adv, float32(p))
			if err := tp.Err(); err != nil {
				return dst, fmt.Errorf("effective clip of %s at A=%v, n/N=%v: %w", obj.Name(), a, p, err)
			}
			if s.Len() != len(grid) {
				return dst, fmt.Errorf("effective clip of %s: surrogate has %d values for %d ratios", obj.Name(), s.Len(), len(grid))
			}
			dst = append(dst, e.argmax(grid, s.Data, a, p))
		}
	}
	return dst, nil
}

// argmax picks r* from the surrogate's values on the grid: the maximiser closest to 1.
func (e EffectiveClip) argmax(grid []float64, vals []float32, a, p float64) ClipPoint {
	best := math.Inf(-1)
	for _, v := range vals {
		if float64(v) > best { // NaN never wins
			best = float64(v)
		}
	}
	tol := e.Tol * math.Max(math.Abs(a)*grid[len(grid)-1], math.Abs(best))
	k := -1
	for i, v := range vals {
		if float64(v) < best-tol || math.IsNaN(float64(v)) {
			continue
		}
		if k < 0 || math.Abs(grid[i]-1) < math.Abs(grid[k]-1) {
			k = i
		}
	}
	if k < 0 { // every value NaN: report the grid's start, marked as an edge
		return ClipPoint{Adv: a, Progress: p, Ratio: grid[0], Surrogate: math.NaN(), AtEdge: true}
	}
	return ClipPoint{Adv: a, Progress: p, Ratio: grid[k], Surrogate: float64(vals[k]),
		AtEdge: k == 0 || k == len(grid)-1}
}

// Ratio is r* at one advantage and progress.
func (e EffectiveClip) Ratio(obj Objective, adv, progress float64) (ClipPoint, error) {
	pts, err := e.Table(obj, []float64{adv}, []float64{progress}, nil)
	if err != nil {
		return ClipPoint{}, err
	}
	return pts[0], nil
}

// FixedProgress is Objective with the training progress n/N replaced by the constant
// Progress at every update: a temporally-aware objective then acts as the
// non-temporal one it is at that point of training. Objectives that ignore n/N are
// unchanged.
type FixedProgress struct {
	Objective Objective
	Progress  float32
}

func (f FixedProgress) Name() string {
	return f.Objective.Name() + " (n/N=" + strconv.FormatFloat(float64(f.Progress), 'g', -1, 32) + ")"
}

func (f FixedProgress) Surrogate(tp *nn.Tape, ratio, adv *nn.Tensor, _ float32) *nn.Tensor {
	return f.Objective.Surrogate(tp, ratio, adv, f.Progress)
}

func (f FixedProgress) Drift(tp *nn.Tape, ratio, adv *nn.Tensor, _ float32) *nn.Tensor {
	return f.Objective.Drift(tp, ratio, adv, f.Progress)
}

// ShuffledProgress is Objective with the progress schedule of a run of N updates
// permuted: at update n (PPO passes n/N) the objective sees Perm[n]/N. The objective
// sees every value of its schedule once, as in training, but in a random order, so a
// drift that uses n/N to anneal its clip range loses the annealing while keeping the
// range of values it was trained on. Build it with NewShuffledProgress for the run's
// number of updates (agents.TrainConfig.Updates); a progress that is no k/N of that
// schedule is mapped to the nearest one.
type ShuffledProgress struct {
	Objective Objective
	Perm      []int // a permutation of 0..N-1
}

// NewShuffledProgress wraps obj with a random permutation of the schedule of updates
// updates, drawn from rng.
func NewShuffledProgress(obj Objective, updates int, rng *rand.Rand) (*ShuffledProgress, error) {
	if obj == nil {
		return nil, fmt.Errorf("shuffled progress: nil objective")
	}
	if updates < 1 {
		return nil, fmt.Errorf("shuffled progress: %d updates, want at least 1", updates)
	}
	if l, ok := obj.(*LPO); ok {
		if err := l.check(); err != nil {
			return nil, err
		}
	}
	return &ShuffledProgress{Objective: obj, Perm: rng.Perm(updates)}, nil
}

func (s *ShuffledProgress) Name() string { return s.Objective.Name() + " (shuffled n/N)" }

// Progress is the progress the wrapped objective sees when PPO passes p = n/N.
func (s *ShuffledProgress) Progress(p float32) float32 {
	n := len(s.Perm)
	if n == 0 {
		return p
	}
	i := int(math.Round(float64(p) * float64(n)))
	i = min(max(i, 0), n-1)
	return float32(float64(s.Perm[i]) / float64(n))
}

func (s *ShuffledProgress) Surrogate(tp *nn.Tape, ratio, adv *nn.Tensor, progress float32) *nn.Tensor {
	return s.Objective.Surrogate(tp, ratio, adv, s.Progress(progress))
}

func (s *ShuffledProgress) Drift(tp *nn.Tape, ratio, adv *nn.Tensor, progress float32) *nn.Tensor {
	return s.Objective.Drift(tp, ratio, adv, s.Progress(progress))
}

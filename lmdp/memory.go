package lmdp

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"gorl/env/latent"
)

// DefaultMaxMemory is the allocation an experiment may plan for before CheckMemory
// refuses it: 4 GiB.
const DefaultMaxMemory = 4 << 30

// MemoryEstimate is what a run of one configuration may allocate at its budgets, in
// bytes, with the part that dominates it.
type MemoryEstimate struct {
	Bytes   float64
	Largest string // the term that dominates, naming the flag that controls it
}

// EstimateMemory bounds what learning on an (M, S, A, H) instance with cfg allocates,
// before anything is allocated: per worker the instance, the counts and their frozen copy,
// the estimated model, PBVI's reachable belief points (cfg.Planner.MaxNodes of them, each
// with M-vector belief and alpha, an A*M*S successor table and a key), the simplex grid
// and its alpha sets (for large M the grid alone is M^2 numbers, since its corners are M
// points), and exact evaluation's classes (cfg.EvalStates per step, 4 M-vectors each, two
// steps alive). Reachable beliefs can number M^H in principle; the node budgets are what
// bounds them, so the estimate uses the budgets. Not counted: the successor candidates of
// one step that PBVI holds while choosing that step's points (at most the step's points
// times A S M).
func EstimateMemory(M, S, A, H int, cfg Config, workers int) MemoryEstimate {
	cfg = cfg.WithDefaults()
	m, s, a, h := float64(M), float64(S), float64(A), float64(H)
	nodes := float64(cfg.Planner.MaxNodes)
	if nodes <= 0 {
		nodes = 1 << 16
	}
	grid := float64(cfg.Planner.GridPoints)
	if grid <= 0 {
		grid = 16
	}
	grid = max(grid, m) // the corners
	eval := float64(cfg.EvalStates)
	if eval <= 0 {
		eval = 1 << 20
	}
	terms := []struct {
		name  string
		bytes float64
	}{
		{"the model and counts (--M, --S, --A)", 6 * 8 * m * s * a * s},
		{"PBVI belief points (--max-nodes, --M)", nodes * (4*a*m*s + 8*(3*m+2))},
		{"the PBVI grid (--grid-points, --M)", 8 * grid * m * (1 + h*s)},
		{"exact evaluation (--eval-states, --M)", 2 * eval * 8 * (5*m + 4)},
	}
	w := float64(max(1, workers))
	est := MemoryEstimate{}
	top := 0.0
	for _, t := range terms {
		est.Bytes += w * t.bytes
		if t.bytes > top {
			top, est.Largest = t.bytes, t.name
		}
	}
	return est
}

// CheckMemory refuses a configuration whose estimate exceeds limit bytes (0: the
// default), in one line that names the estimate and what dominates it.
func CheckMemory(M, S, A, H int, cfg Config, workers int, limit float64) error {
	if limit <= 0 {
		limit = DefaultMaxMemory
	}
	est := EstimateMemory(M, S, A, H, cfg, workers)
	if est.Bytes > limit || math.IsNaN(est.Bytes) {
		return fmt.Errorf("this configuration may allocate about %s (mostly %s, for %d parallel seeds), over the %s limit: lower that setting or --workers, or raise --max-memory",
			bytesText(est.Bytes), est.Largest, max(1, workers), bytesText(limit))
	}
	return nil
}

func bytesText(b float64) string {
	switch {
	case b >= 1<<40:
		return fmt.Sprintf("%.1f TiB", b/(1<<40))
	case b >= 1<<30:
		return fmt.Sprintf("%.1f GiB", b/(1<<30))
	default:
		return fmt.Sprintf("%.0f MiB", math.Ceil(b/(1<<20)))
	}
}

// BuildInstance generates the instance a source describes (a family and its
// parameters) or loads its file. check, if not nil, vets the sizes first: before
// generating (from the parameters) or right after loading.
func BuildInstance(src InstanceSource, check func(M, S, A, H int) error) (*latent.LMDP, error) {
	if check == nil {
		check = func(int, int, int, int) error { return nil }
	}
	if src.File != "" {
		l, err := latent.Load(src.File)
		if err == nil {
			err = check(l.M, l.S, l.A, l.H)
		}
		return l, err
	}
	if src.Params == nil {
		return nil, fmt.Errorf("instance source names no file and no parameters")
	}
	p := *src.Params
	if src.Family == "cue" {
		p.S, p.A = p.M+2, p.M
	}
	if err := check(p.M, p.S, p.A, p.H); err != nil {
		return nil, err
	}
	return latent.New(src.Family, *src.Params)
}

// ParseSeeds reads a comma-separated list of seeds ("" is none).
func ParseSeeds(list string) ([]uint64, error) {
	var seeds []uint64
	for _, s := range strings.Split(list, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not a seed", s)
		}
		seeds = append(seeds, n)
	}
	return seeds, nil
}

// SweepCurves are the mean regret curves of a sweep's rows, one per point.
func SweepCurves(rows []SweepRow, over string) []Curve {
	var curves []Curve
	for _, r := range rows {
		curves = append(curves, Curve{Label: fmt.Sprintf("%s=%s seed %d", over, r.Value, r.InstanceSeed), Y: r.Summary.Mean})
	}
	return curves
}

// BoundScale is sqrt(Var* M Gamma S A): the upper bound's regret scale divided by sqrt(K)
// (constants and log factors unknown).
func BoundScale(l *latent.LMDP, ref Reference) float64 {
	return math.Sqrt(ref.VarStar * float64(l.M*ref.Gamma*l.S*l.A))
}

// LowerBoundScale is sqrt(Var* arms): the lower bound's regret scale divided by sqrt(K).
func LowerBoundScale(ref Reference, arms int) float64 {
	return math.Sqrt(ref.VarStar * float64(arms))
}

// PrintReference writes an instance's reference values: V*, V_WSU, V_oracle, Var*, the
// latency gaps and the regret scales of the bounds (and, for a LowerBound instance, of
// its lower bound).
func PrintReference(out io.Writer, l *latent.LMDP, ref Reference) {
	exact := "exact"
	if !ref.VStarExact {
		exact = "lower bound: node budget hit"
	}
	fmt.Fprintf(out, "instance %s: M=%d S=%d A=%d H=%d Gamma=%d\n", l.Name, l.M, l.S, l.A, l.H, ref.Gamma)
	fmt.Fprintf(out, "V*       %.6f (%s)\nV_WSU    %.6f\nV_oracle %.6f\nVar*     %.6f\n", ref.VStar, exact, ref.VWSU, ref.VOracle, ref.VarStar)
	fmt.Fprintf(out, "latency: V_oracle - V* = %.4f, V* - V_WSU = %.4f\n", ref.OracleGap(), ref.MemoryGap())
	fmt.Fprintf(out, "upper-bound scale sqrt(Var* M Gamma S A K) = %.4f sqrt(K)\n", BoundScale(l, ref))
	if arms := latent.LowerBoundArms(l); arms > 0 {
		fmt.Fprintf(out, "lower-bound scale sqrt(Var* arms K) = %.4f sqrt(K) (%d arms)\n", LowerBoundScale(ref, arms), arms)
	}
}

// Print writes the outcome of a run: final regret with its spread and slope, then one
// line per seed.
func (sum *Summary) Print(out io.Writer, solver string) {
	K := len(sum.Mean)
	fmt.Fprintf(out, "solver %s, K=%d, %d seeds: final regret %.2f ± %.2f (sd), log-log slope %.3f (second half), %.2fs\n",
		solver, K, len(sum.Results), sum.FinalMean, sum.FinalSD, tidy(sum.Slope), sum.Seconds)
	for _, r := range sum.Results {
		fmt.Fprintf(out, "  seed %d: regret %.2f, slope %.3f, re-plans %d\n", r.Seed, r.CumRegret[K-1], tidy(LogLogSlope(r.CumRegret, 0.5)), r.Replans)
	}
}

// PowersOfTwo are lo, 2 lo, 4 lo, ... below hi, then hi.
func PowersOfTwo(lo, hi int) []int {
	var ks []int
	for k := lo; k >= 1 && k < hi; k *= 2 {
		ks = append(ks, k)
	}
	return append(ks, hi)
}

// Curves are the lines of a run's regret plot: each seed faint, then the mean.
func (sum *Summary) Curves(solver string) []Curve {
	curves := make([]Curve, 0, len(sum.Results)+1)
	for _, r := range sum.Results {
		curves = append(curves, Curve{Y: r.CumRegret, Faint: true})
	}
	return append(curves, Curve{Label: fmt.Sprintf("%s (mean of %d seeds)", solver, len(sum.Results)), Y: sum.Mean})
}

// SourceOf is the instance source of a family and its parameters, or of a file when
// file is not empty. Cue keeps only M and H (it fixes S and A).
func SourceOf(family, file string, p latent.Params) InstanceSource {
	if file != "" {
		return InstanceSource{File: file}
	}
	if family == "cue" {
		p = latent.Params{M: p.M, H: p.H}
	}
	return InstanceSource{Family: family, Params: &p}
}

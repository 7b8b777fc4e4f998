package glow

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"gorl/logs/plot"
)

// Sweep is a grid of runs: every algorithm at every horizon, each seed stopping once its
// policy solves the task. Online algorithms (glow, golf, qlearning) ignore Base.Offline.
type Sweep struct {
	Algos []string
	H     []int
	Base  Config
	Seeds []uint64
	// Problem makes the problem of horizon H.
	Problem func(H int) (*Problem, error)
	Workers int
	// Done, when not nil, is called after every seed.
	Done func(Result)
}

// SweepCell is the outcome of one algorithm at one horizon.
type SweepCell struct {
	Algo    string
	H       int
	Summary Summary
	Vacuous int // GLOW.VacuousUntil of the run (0 where it does not apply)
}

// config returns the configuration of algo.
func (s *Sweep) config(algo string) Config {
	cfg := s.Base
	cfg.Algo, cfg.StopOnSolve = algo, true
	switch algo {
	case AlgoHyGLOW, AlgoHyQ, AlgoOffline:
	default:
		cfg.Offline = "none"
	}
	if cfg.Weights == WeightsRatios && algo != AlgoGLOW && algo != AlgoHyGLOW && algo != AlgoOffline {
		cfg.Weights = WeightsBox // ratios are GLOW's and MABO.CR's class only
	}
	return cfg
}

// Check validates every (algorithm, horizon) before anything runs.
func (s *Sweep) Check() error {
	if len(s.Algos) == 0 || len(s.H) == 0 || len(s.Seeds) == 0 {
		return fmt.Errorf("sweep: need algorithms, horizons and seeds")
	}
	for _, a := range s.Algos {
		for _, h := range s.H {
			p, err := s.Problem(h)
			if err != nil {
				return err
			}
			if _, err := s.config(a).Defaults(p); err != nil {
				return fmt.Errorf("--algos %s at H=%d: %w", a, h, err)
			}
		}
	}
	return nil
}

// Run runs the grid: cells[i][j] is Algos[i] at H[j].
func (s *Sweep) Run() ([][]SweepCell, error) {
	if err := s.Check(); err != nil {
		return nil, err
	}
	cells := make([][]SweepCell, len(s.Algos))
	for i, a := range s.Algos {
		cells[i] = make([]SweepCell, len(s.H))
		for j, h := range s.H {
			p, err := s.Problem(h)
			if err != nil {
				return nil, err
			}
			cfg := s.config(a)
			full, err := cfg.Defaults(p)
			if err != nil {
				return nil, err
			}
			rs, err := RunSeeds(p, cfg, s.Seeds, s.Workers, s.Done)
			if err != nil {
				return nil, fmt.Errorf("%s at H=%d: %w", a, h, err)
			}
			cells[i][j] = SweepCell{Algo: a, H: h, Summary: Summarise(rs), Vacuous: full.VacuousUntil(p)}
		}
	}
	return cells, nil
}

// solvedPoints returns the horizons and median samples to solve where the median is
// finite, for the fit and the plot.
func solvedPoints(row []SweepCell) (xs, ys []float64) {
	for _, c := range row {
		if m := c.Summary.MedianSolveSamples; !math.IsInf(m, 0) && m > 0 {
			xs, ys = append(xs, float64(c.H)), append(ys, m)
		}
	}
	return xs, ys
}

// FmtSamples formats a sample count: "-" for none, "unsolved" for +Inf.
func FmtSamples(v float64) string {
	switch {
	case math.IsNaN(v):
		return "-"
	case math.IsInf(v, 1):
		return "unsolved"
	}
	return strconv.FormatFloat(v, 'f', 0, 64)
}

// WriteSweepTable prints the median samples to solve [solved/seeds] per algorithm and
// horizon with the fitted exponent b of samples ~ c H^b, then the mean output-mixture
// success per cell.
func WriteSweepTable(w io.Writer, cells [][]SweepCell, hs []int) {
	header := func() {
		fmt.Fprintf(w, "%-10s", "algo")
		for _, h := range hs {
			fmt.Fprintf(w, " %16s", "H="+strconv.Itoa(h))
		}
	}
	header()
	fmt.Fprintf(w, " %10s\n", "exponent")
	for _, row := range cells {
		fmt.Fprintf(w, "%-10s", row[0].Algo)
		for _, c := range row {
			fmt.Fprintf(w, " %16s", fmt.Sprintf("%s [%d/%d]", FmtSamples(c.Summary.MedianSolveSamples), c.Summary.Solved, c.Summary.Seeds))
		}
		if b, _, err := FitExponent(solvedPoints(row)); err == nil {
			fmt.Fprintf(w, " %10.2f\n", b)
		} else {
			fmt.Fprintf(w, " %10s\n", "-")
		}
	}
	fmt.Fprintln(w, "mean success of the output mixture (policies up to the solving one) / of the last policy:")
	header()
	fmt.Fprintln(w)
	for _, row := range cells {
		fmt.Fprintf(w, "%-10s", row[0].Algo)
		for _, c := range row {
			fmt.Fprintf(w, " %16s", fmt.Sprintf("%.2f / %.2f", c.Summary.MeanMixtureSuccess, c.Summary.MeanFinalSuccess))
		}
		fmt.Fprintln(w)
	}
}

// PlotSweep draws samples to solve against H on log-log axes, one line per algorithm
// (horizons where the median is unsolved are left out).
func PlotSweep(path, title string, cells [][]SweepCell) error {
	var lines []plot.Line
	var unsolved []string
	for _, row := range cells {
		xs, ys := solvedPoints(row)
		if len(xs) == 0 {
			unsolved = append(unsolved, row[0].Algo)
			continue
		}
		lines = append(lines, plot.Line{Label: row[0].Algo, X: xs, Y: ys})
	}
	if len(lines) == 0 {
		return fmt.Errorf("plot %s: no algorithm's median solved at any H, nothing to draw", path)
	}
	if len(unsolved) > 0 {
		title += " (never solved: " + strings.Join(unsolved, ", ") + ")"
	}
	fig := plot.Lines{Title: title, XLabel: "horizon H", YLabel: "samples to solve (median)", LogX: true, LogY: true, Markers: true}
	return fig.Save(path, lines, nil)
}

// VacuousNotes lists, per algorithm, the horizons where beta_t eliminates nothing for
// more than one iteration.
func VacuousNotes(cells [][]SweepCell) []string {
	var out []string
	for _, row := range cells {
		var parts []string
		for _, c := range row {
			if c.Vacuous > 1 {
				parts = append(parts, fmt.Sprintf("H=%d: %d", c.H, c.Vacuous))
			}
		}
		if len(parts) > 0 {
			out = append(out, fmt.Sprintf("%s's beta_t eliminates nothing up to iteration %s", row[0].Algo, strings.Join(parts, ", ")))
		}
	}
	return out
}

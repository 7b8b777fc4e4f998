package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/spf13/cobra"
	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"

	"gorl/agents"
	"gorl/agents/ppo"
	"gorl/env"
	"gorl/logs"
)

func newDriftCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "drift",
		Short: "Analyse learned PPO objectives (LPO, TA-LPO drift files): effective clip range, horizon generalisation",
		Long: `Analyse the drift of a PPO objective, as written by gorl evolve (mean.drift, best.drift):
  clip      the effective clip range r*(A, n/N) = argmax_r (r A - drift(r, A, n/N)) against
            training progress n/N, as a table and a plot
  horizons  train PPO with the drift at several training horizons against PPO-clip (and a
            baseline drift), optionally with n/N shuffled or fixed, and compare final returns`,
	}
	cmd.AddCommand(newDriftClipCmd(), newDriftHorizonsCmd())
	noSubcommand(cmd)
	return cmd
}

// driftObjective returns the objective to analyse: the drift network in file (when
// given), or the built-in objective name (clip or dpo). name "" takes the file's own.
func driftObjective(file, name string, clipEps float64) (ppo.Objective, error) {
	switch name {
	case "", "clip", "dpo", "lpo", "ta-lpo":
	default:
		return nil, fmt.Errorf("unknown --objective %q (want clip, dpo, lpo or ta-lpo)", name)
	}
	if file == "" {
		switch name {
		case "clip":
			return ppo.Clip{Eps: float32(clipEps)}, nil
		case "dpo":
			return &ppo.DPO{}, nil
		case "":
			return nil, errors.New("want a drift file (gorl evolve's mean.drift or best.drift) or --objective clip or dpo")
		}
		return nil, fmt.Errorf("--objective %s needs a drift file", name)
	}
	if name == "clip" || name == "dpo" {
		return nil, fmt.Errorf("--objective %s takes no drift file (got %s)", name, file)
	}
	l, err := loadDrift(file)
	if err != nil {
		return nil, err
	}
	if name != "" && l.Name() != name {
		return nil, fmt.Errorf("%s holds a %s drift network, not %s", file, l.Name(), name)
	}
	return l, nil
}

// loadDrift reads a drift network file, naming the file in every error.
func loadDrift(file string) (*ppo.LPO, error) {
	if problem := fileProblem(file); problem != "" {
		return nil, fmt.Errorf("drift file %s%s", file, problem)
	}
	return ppo.LoadLPO(file)
}

// ---- gorl drift clip ----

func newDriftClipCmd() *cobra.Command {
	var (
		objective     string
		clipEps       float64
		advs          []float64
		points        int
		rMin, rMax    float64
		rStep         float64
		out, format   string
		title         string
		width, height float64
	)
	cmd := &cobra.Command{
		Use:   "clip [FILE]",
		Short: "Effective clip range r*(A, n/N) of a drift against training progress: table and plot",
		Long: `Compute the effective clip range of a PPO objective: for each advantage A (--adv, in units
of the per-batch normalised advantage) and training progress n/N (--points values from 0
to 1), the ratio

  r*(A, n/N) = argmax_r ( r A - drift(r, A, n/N) )

over a grid of ratios (--r-min, --r-max, --r-step). For A > 0 it is the effective upper
bound of the probability ratio, for A < 0 the lower one; PPO-clip gives 1 + eps and
1 - eps at every n/N. Where the surrogate is flat at its maximum (PPO-clip beyond its
bounds), r* is the maximiser closest to 1. A bound the grid does not contain (the
surrogate still rises at the grid's end, as DPO's for A > 0) is marked: ">=" or "<=" in
the table, at_edge in csv/json.

r* is the global maximiser on the grid: a wider grid may find a farther maximum (an
evolved drift's surrogate can have several).

FILE is a drift network file (gorl evolve's mean.drift or best.drift); without it,
--objective clip or dpo analyses a built-in objective. A temporally-aware drift (ta-lpo)
whose r* does not move with n/N does not use its progress input; the "spread" line says
by how much r* moves for each A. TA-LPO's temporal inputs (n/N) x vanish at n/N = 0, so
any non-zero temporal weights move r* more as n/N grows, useful or not: gorl drift
horizons --shuffle-progress tests whether the movement helps training.

The table format (default) has one row per n/N and one column per A; csv, json and
jsonl have one row per (A, n/N) with adv, progress, ratio, surrogate and at_edge.
--out draws r* against n/N, one line per A, with PPO-clip's bounds dashed.`,
		Example: `  gorl drift clip runs/talpo/mean.drift --out clip.png
  gorl drift clip runs/talpo/mean.drift --adv -1,1 --points 21 --format csv
  gorl drift clip --objective dpo --r-max 3`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(format); err != nil {
				return err
			}
			if len(advs) == 0 {
				return errors.New("--adv needs at least one advantage")
			}
			for _, a := range advs {
				if !finite(a) || math.Abs(a) > 1e6 {
					return fmt.Errorf("--adv values must be finite numbers in [-1e6, 1e6], got %v", a)
				}
			}
			if points < 2 || points > 10001 {
				return fmt.Errorf("--points must be in [2, 10001], got %d", points)
			}
			if !(rMin > 0 && rMin < 1) {
				return fmt.Errorf("--r-min must be in (0, 1), got %v", rMin)
			}
			if !(rMax > 1 && rMax <= 1e6) {
				return fmt.Errorf("--r-max must be in (1, 1e6], got %v", rMax)
			}
			if !(rStep > 0) || !finite(rStep) || (rMax-rMin)/rStep > 1<<22 {
				return fmt.Errorf("--r-step must be a positive number giving at most %d grid points, got %v", 1<<22, rStep)
			}
			if !(clipEps > 0 && clipEps < 1) {
				return fmt.Errorf("--clip-eps must be in (0, 1), got %v", clipEps)
			}
			if out != "" {
				if err := checkOutputFile("out", out, imageExts); err != nil {
					return err
				}
				if !(width > 0 && width <= maxInches) || !(height > 0 && height <= maxInches) {
					return fmt.Errorf("--width and --height must be in (0, %d] inches, got %v and %v", maxInches, width, height)
				}
			}
			file := ""
			if len(args) == 1 {
				file = args[0]
			}
			obj, err := driftObjective(file, objective, clipEps)
			if err != nil {
				return err
			}
			ec := ppo.EffectiveClip{RMin: rMin, RMax: rMax, Points: int(math.Round((rMax-rMin)/rStep)) + 1}
			if ec.Points < 3 {
				return fmt.Errorf("--r-step %v leaves fewer than 3 grid points in [%v, %v]", rStep, rMin, rMax)
			}
			progress := make([]float64, points)
			for i := range progress {
				progress[i] = float64(i) / float64(points-1)
			}
			pts, err := ec.Table(obj, advs, progress, nil)
			if err != nil {
				return err
			}
			ppoEps := ppoClipEps(obj, clipEps)
			w := cmd.OutOrStdout()
			if format == logs.FormatTable {
				if err := writeClipText(w, obj, file, ec, advs, progress, pts, ppoEps); err != nil {
					return err
				}
			} else if err := clipLongTable(pts).Write(w, format); err != nil {
				return err
			}
			if out != "" {
				if title == "" {
					title = "effective clip range of " + obj.Name()
				}
				if err := saveClipPlot(out, title, width, height, advs, progress, pts, ppoEps); err != nil {
					return err
				}
				msg := w
				if format != logs.FormatTable {
					msg = cmd.ErrOrStderr() // keep stdout parseable
				}
				fmt.Fprintf(msg, "wrote %s\n", out)
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&objective, "objective", "", "objective: lpo or ta-lpo (checked against FILE's header; default: FILE's), or clip or dpo without FILE")
	fl.Float64Var(&clipEps, "clip-eps", 0.2, "clip range of --objective clip and of the PPO-clip reference lines")
	fl.Float64SliceVar(&advs, "adv", []float64{-2, -1, -0.5, 0.5, 1, 2}, "normalised advantages A")
	fl.IntVar(&points, "points", 11, "values of n/N, evenly spaced from 0 to 1")
	fl.Float64Var(&rMin, "r-min", 0.5, "ratio grid start")
	fl.Float64Var(&rMax, "r-max", 2, "ratio grid end")
	fl.Float64Var(&rStep, "r-step", 0.001, "ratio grid step (the resolution of r*)")
	fl.StringVarP(&out, "out", "o", "", "image file of r* against n/N (png, svg, pdf, ...)")
	fl.StringVar(&title, "title", "", "figure title (default: effective clip range of <objective>)")
	fl.Float64Var(&width, "width", 8, "figure width in inches")
	fl.Float64Var(&height, "height", 5, "figure height in inches")
	addFormatFlag(cmd, &format)
	return cmd
}

// ppoClipEps is the clip range PPO-clip reference lines use: a PPO-initialised drift's
// own, else --clip-eps.
func ppoClipEps(obj ppo.Objective, clipEps float64) float64 {
	if l, ok := obj.(*ppo.LPO); ok && l.PPOInit && l.ClipEps != 0 {
		return float64(l.ClipEps)
	}
	return clipEps
}

func advLabel(a float64) string { return "A=" + strconv.FormatFloat(a, 'g', -1, 64) }

// writeClipText writes the wide table (rows n/N, columns A) and the spread of r* per A.
func writeClipText(w io.Writer, obj ppo.Objective, file string, ec ppo.EffectiveClip, advs, progress []float64, pts []ppo.ClipPoint, eps float64) error {
	src := obj.Name()
	if file != "" {
		src += " (" + file + ")"
	}
	fmt.Fprintf(w, "effective clip ratio r* = argmax_r (r A - drift(r, A, n/N)) of %s; grid [%g, %g] step %g\n",
		src, ec.RMin, ec.RMax, ec.Step())
	t := &logs.Table{Columns: []string{"n/N"}}
	for _, a := range advs {
		t.Columns = append(t.Columns, advLabel(a))
	}
	np := len(progress)
	for j, p := range progress {
		row := []any{strconv.FormatFloat(p, 'f', 3, 64)}
		for i := range advs {
			row = append(row, clipCell(pts[i*np+j]))
		}
		t.Rows = append(t.Rows, row)
	}
	if err := t.WriteText(w); err != nil {
		return err
	}
	var spread []string
	for i, a := range advs {
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, p := range pts[i*np : (i+1)*np] {
			lo, hi = math.Min(lo, p.Ratio), math.Max(hi, p.Ratio)
		}
		spread = append(spread, fmt.Sprintf("%s %.3f", advLabel(a), hi-lo))
	}
	_, err := fmt.Fprintf(w, "spread of r* over n/N: %s (PPO-clip: %g for A > 0, %g for A < 0, spread 0)\n",
		strings.Join(spread, ", "), 1+eps, 1-eps)
	return err
}

// clipCell formats r*, marking a bound outside the grid.
func clipCell(p ppo.ClipPoint) string {
	s := strconv.FormatFloat(p.Ratio, 'f', 3, 64)
	switch {
	case p.AtEdge && p.Ratio >= 1:
		return ">=" + s
	case p.AtEdge:
		return "<=" + s
	}
	return s
}

func clipLongTable(pts []ppo.ClipPoint) *logs.Table {
	t := &logs.Table{Columns: []string{"adv", "progress", "ratio", "surrogate", "at_edge"}}
	for _, p := range pts {
		t.Rows = append(t.Rows, []any{p.Adv, p.Progress, p.Ratio, p.Surrogate, p.AtEdge})
	}
	return t
}

// saveClipPlot draws r* against n/N, one line per advantage, with PPO-clip's bounds.
func saveClipPlot(path, title string, width, height float64, advs, progress []float64, pts []ppo.ClipPoint, eps float64) error {
	p := gplot.New()
	p.Title.Text = title
	p.X.Label.Text = "training progress n/N"
	p.Y.Label.Text = "effective clip ratio r*"
	p.Add(plotter.NewGrid())
	p.Legend.Top = true
	p.Legend.Left = false
	np := len(progress)
	for _, ref := range []float64{1 + eps, 1 - eps} {
		l, err := plotter.NewLine(plotter.XYs{{X: progress[0], Y: ref}, {X: progress[np-1], Y: ref}})
		if err != nil {
			return fmt.Errorf("plot %s: %w", path, err)
		}
		l.Color = color.Gray{Y: 0x70}
		l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		l.Width = vg.Points(1)
		p.Add(l)
		if ref > 1 {
			p.Legend.Add(fmt.Sprintf("PPO-clip 1 ± %g", eps), l)
		}
	}
	for i, a := range advs {
		xys := make(plotter.XYs, np)
		for j := range xys {
			xys[j] = plotter.XY{X: progress[j], Y: pts[i*np+j].Ratio}
		}
		l, s, err := plotter.NewLinePoints(xys)
		if err != nil {
			return fmt.Errorf("plot %s: %w", path, err)
		}
		col := plotutil.Color(i)
		l.Color, l.Width = col, vg.Points(2)
		s.Color, s.Shape, s.Radius = col, plotutil.Shape(i), vg.Points(2.5)
		p.Add(l, s)
		p.Legend.Add(advLabel(a), l, s)
	}
	// Room around the lines: r* often sits at the grid's ends.
	lo, hi := 1-eps, 1+eps
	for _, pt := range pts {
		lo, hi = math.Min(lo, pt.Ratio), math.Max(hi, pt.Ratio)
	}
	p.Y.Min, p.Y.Max = lo-0.05*(hi-lo), hi+0.05*(hi-lo)
	// Room on the right for the legend, so that it hides no line.
	p.X.Min, p.X.Max = progress[0], progress[np-1]+0.3*(progress[np-1]-progress[0])
	p.X.Tick.Marker = gplot.TickerFunc(func(float64, float64) []gplot.Tick {
		return gplot.DefaultTicks{}.Ticks(progress[0], progress[np-1])
	})
	if err := p.Save(vg.Length(width)*vg.Inch, vg.Length(height)*vg.Inch, path); err != nil {
		return fmt.Errorf("plot %s: %w", path, err)
	}
	return nil
}

// ---- gorl drift horizons ----

// driftRef names a drift file an experiment used, with its content's hash.
type driftRef struct {
	Path      string `json:"path"`
	Objective string `json:"objective"`
	SHA256    string `json:"sha256"`

	data []byte
}

// horizonsConfig is drift-horizons.json: the whole experiment, enough to rerun it.
type horizonsConfig struct {
	Command    string    `json:"command"` // "drift horizons"
	Version    string    `json:"gorl_version"`
	Drift      driftRef  `json:"drift"`
	Baseline   *driftRef `json:"baseline,omitempty"`
	TrainSteps int64     `json:"train_steps"` // N0
	Factors    []float64 `json:"factors"`
	Seeds      int       `json:"seeds"`
	Seed       uint64    `json:"seed"` // run i of a horizon and method has seed Seed + i
	// ShuffleProgress adds the drift with its n/N schedule permuted (ppo.ShuffledProgress,
	// permutation stream env.NewRand(run seed, progressStream)); FixedProgress the drift
	// with n/N held at that value.
	ShuffleProgress bool     `json:"shuffle_progress"`
	FixedProgress   *float64 `json:"fixed_progress,omitempty"`
	EvalEpisodes    int      `json:"eval_episodes"`
	// Train and PPO are the inner runs' settings; each run sets steps (N0 x factor), seed,
	// eval_every (= its number of updates: one evaluation at the end) and the objective.
	Train agents.TrainConfig `json:"train"`
	PPO   ppo.Config         `json:"ppo"`
}

// horizonRunConfig is config.json of one inner run.
type horizonRunConfig struct {
	Command string  `json:"command"` // "drift horizons"
	Version string  `json:"gorl_version"`
	Algo    string  `json:"algo"`   // ppo
	Method  string  `json:"method"` // clip, drift, baseline, drift-shuffled or drift-fixed
	Factor  float64 `json:"horizon_factor"`
	// Progress is what the objective sees as n/N: "schedule" (n/N itself), "shuffled"
	// (a permutation of the run's schedule drawn from env.NewRand(train.seed,
	// progress_stream)) or "fixed" (fixed_progress at every update).
	Progress       string   `json:"progress"`
	ProgressStream *uint64  `json:"progress_stream,omitempty"`
	FixedProgress  *float64 `json:"fixed_progress,omitempty"`
	DriftSHA256    string   `json:"drift_sha256,omitempty"`
	// EvalEpisodes deterministic episodes after the last update give the final return
	// (metrics.parquet's eval_return of the last row).
	EvalEpisodes int                `json:"eval_episodes"`
	Train        agents.TrainConfig `json:"train"`
	PPO          ppo.Config         `json:"ppo"`
}

// progressStream is the stream id (under a run's seed) of the shuffled-progress
// permutation; the training loop's streams are 1..3.
const progressStream = 0xd71f

// horizonJob is one inner run.
type horizonJob struct {
	factorIdx, methodIdx int
	dir                  string
	cfg                  horizonRunConfig
	newObjective         func() (ppo.Objective, error)
}

type horizonResult struct {
	ret      float64 // final deterministic evaluation return (NaN if diverged)
	diverged bool
}

// horizonMethod is one objective trained at every horizon.
type horizonMethod struct {
	name, objective string
	progress        string
	fixed           *float64
	ref             *driftRef // nil for clip
}

func newDriftHorizonsCmd() *cobra.Command {
	var (
		ef           envFlags
		trainSteps   int64
		factorsFlag  string
		seeds        int
		seed         uint64
		baseline     string
		shuffle      bool
		fixed        float64
		evalEpisodes int
		workers      int
		runDir       string
		format       string
		quiet        bool
	)
	cmd := &cobra.Command{
		Use:   "horizons FILE",
		Short: "Train PPO with a drift at several horizons against PPO-clip; final-return table",
		Long: `Test how a learned drift generalises across training horizons (Jackson et al. 2024): for
each factor f of --factors, train PPO for N0 x f environment steps (N0 = --train-steps)
with the drift in FILE, whose n/N input then follows that run's own number of updates,
and with PPO-clip; optionally with a second drift (--baseline, e.g. a non-temporal LPO
evolved with the same budget). Every method and horizon runs --seeds seeds (--seed,
--seed+1, ...; the same seeds for every method, so differences are paired). A run's
final return is the mean return of --eval-episodes deterministic episodes after its last
update (metrics.parquet's eval_return).

--shuffle-progress adds the drift with its n/N schedule randomly permuted (every value
once, in random order), --fixed-progress X the drift with n/N held at X: if the drift
uses n/N, these should do worse; the vs_drift column shows the change.

PPO settings are CleanRL's defaults for the environment, as gorl train's (on discrete
action spaces also those of gorl evolve's inner runs). Each inner run writes a run
directory (config.json, episodes, metrics, checkpoints) under --run-dir, named
f<factor>-<method>-s<seed>; the directory also gets drift-horizons.json (the
experiment's settings) and horizons.csv (the table).
gorl logs compare DIR --metric eval_return --last 1 --by method reads the runs back.
A run whose loss turns non-finite counts as diverged and is left out of the mean.`,
		Example: `  gorl drift horizons runs/talpo/mean.drift --train-steps 20000 --factors 0.25,0.5,1,2,4 --seeds 5
  gorl drift horizons runs/talpo/mean.drift --baseline runs/lpo/mean.drift --shuffle-progress`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			fl := cmd.Flags()
			if err := checkFormat(format); err != nil {
				return err
			}
			factors, err := parseFactors(factorsFlag)
			if err != nil {
				return err
			}
			switch {
			case trainSteps < 1 || trainSteps > 1e10:
				return fmt.Errorf("--train-steps must be in [1, 1e10], got %d", trainSteps)
			case seeds < 1 || seeds > 1000:
				return fmt.Errorf("--seeds must be in [1, 1000], got %d", seeds)
			case evalEpisodes < 1 || evalEpisodes > 100000:
				return fmt.Errorf("--eval-episodes must be in [1, 100000], got %d", evalEpisodes)
			case workers < 0:
				return fmt.Errorf("--workers must be >= 0 (0: all cores), got %d", workers)
			case fl.Changed("fixed-progress") && !(fixed >= 0 && fixed <= 1):
				return fmt.Errorf("--fixed-progress must be in [0, 1], got %v", fixed)
			}
			if workers == 0 {
				workers = runtime.GOMAXPROCS(0)
			}
			hc := horizonsConfig{Command: "drift horizons", Version: version, TrainSteps: trainSteps, Factors: factors,
				Seeds: seeds, Seed: seed, ShuffleProgress: shuffle, EvalEpisodes: evalEpisodes}
			if fl.Changed("fixed-progress") {
				hc.FixedProgress = &fixed
			}
			if hc.Drift, err = readDriftRef(args[0]); err != nil {
				return err
			}
			if baseline != "" {
				b, err := readDriftRef(baseline)
				if err != nil {
					return fmt.Errorf("--baseline: %w", err)
				}
				hc.Baseline = &b
			}
			tc := agents.TrainConfig{StepEvery: -1, CheckpointEvery: -1, CheckpointSeconds: -1, EvalEpisodes: evalEpisodes}
			if err := mergeEnvFlags(&ef, fl, &tc.Env, &tc.EnvOptions); err != nil {
				return err
			}
			if hc.Train, hc.PPO, err = ppo.Defaults(tc, ppo.Config{}); err != nil {
				return err
			}
			jobs, methods, err := hc.jobs()
			if err != nil {
				return err
			}
			if runDir == "" {
				runDir = defaultRunDir("drift-horizons", hc.Train.Env, seed)
			}
			if entries, err := os.ReadDir(runDir); err == nil && len(entries) > 0 {
				return fmt.Errorf("run directory %s already exists and is not empty", runDir)
			}
			if err := os.MkdirAll(runDir, 0o755); err != nil {
				return fmt.Errorf("create run directory: %w", err)
			}
			if err := logs.WriteJSONAtomic(filepath.Join(runDir, "drift-horizons.json"), hc); err != nil {
				return err
			}
			var total int64
			for _, j := range jobs {
				total += j.cfg.Train.Steps
			}
			prog := newProgress(total, "drift horizons", quiet)
			results, err := runHorizonJobs(runDir, jobs, workers, prog)
			prog.End(err)
			if err != nil {
				return err
			}
			t := horizonsTable(hc, methods, jobs, results)
			if err := logs.WriteFileAtomic(filepath.Join(runDir, "horizons.csv"), func(f *os.File) error { return t.WriteCSV(f) }); err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if format != logs.FormatTable {
				return t.Write(w, format)
			}
			fmt.Fprintf(w, "final return (mean of %d deterministic episodes after training) on %s, %d seeds; N0 = %d steps\n",
				evalEpisodes, hc.Train.Env, seeds, trainSteps)
			if err := t.WriteText(w); err != nil {
				return err
			}
			writeHorizonSummary(w, hc, methods, results)
			_, err = fmt.Fprintf(w, "runs in %s (table: horizons.csv)\n", runDir)
			return err
		},
	}
	ef.register(cmd, "CartPole-v1")
	fl := cmd.Flags()
	fl.Int64Var(&trainSteps, "train-steps", 20000, "N0: the reference horizon in environment steps (gorl evolve's --inner-steps)")
	fl.StringVar(&factorsFlag, "factors", "0.25,0.5,1,2,4", "horizons as multiples of N0")
	fl.IntVar(&seeds, "seeds", 5, "seeds per method and horizon")
	fl.Uint64Var(&seed, "seed", 0, "first seed")
	fl.StringVar(&baseline, "baseline", "", "a second drift file to compare (e.g. a non-temporal LPO)")
	fl.BoolVar(&shuffle, "shuffle-progress", false, "also train with the drift's n/N schedule randomly permuted")
	fl.Float64Var(&fixed, "fixed-progress", 0, "also train with the drift's n/N held at this value in [0, 1]")
	fl.IntVar(&evalEpisodes, "eval-episodes", 10, "deterministic evaluation episodes after training (their mean is the final return)")
	fl.IntVar(&workers, "workers", 0, "inner runs trained at once (0: all cores); results do not depend on it")
	fl.StringVar(&runDir, "run-dir", "", "directory of the inner runs (default runs/drift-horizons-<env>-s<seed>-<time>)")
	fl.BoolVar(&quiet, "quiet", false, "no progress output")
	addFormatFlag(cmd, &format)
	return cmd
}

// parseFactors reads --factors: distinct positive numbers, in the order given.
func parseFactors(s string) ([]float64, error) {
	var out []float64
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		v, err := strconv.ParseFloat(f, 64)
		if err != nil || !(v > 0) || math.IsInf(v, 0) || v > 1e6 {
			return nil, fmt.Errorf("--factors: %q is not a positive number (at most 1e6)", f)
		}
		if slices.Contains(out, v) {
			return nil, fmt.Errorf("--factors: %q appears twice", f)
		}
		out = append(out, v)
	}
	return out, nil
}

// readDriftRef reads a drift file once: the runs build their objectives from these
// bytes, so the file changing during the experiment changes nothing.
func readDriftRef(path string) (driftRef, error) {
	l, err := loadDrift(path)
	if err != nil {
		return driftRef{}, err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return driftRef{}, fmt.Errorf("read drift file: %w", err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return driftRef{}, err
	}
	sum := sha256.Sum256(data)
	return driftRef{Path: abs, Objective: l.Name(), SHA256: hex.EncodeToString(sum[:]), data: data}, nil
}

// newLPO builds a fresh copy of the drift (objectives are not shared between runs).
func (d *driftRef) newLPO() (*ppo.LPO, error) {
	l, err := ppo.ReadLPO(bytes.NewReader(d.data))
	if err != nil {
		return nil, fmt.Errorf("drift file %s: %w", d.Path, err)
	}
	return l, nil
}

// methods lists what every horizon trains: PPO-clip (index 0), the drift (index 1), then
// the options; the table's vs_clip and vs_drift columns rely on this order.
func (hc *horizonsConfig) methods() []horizonMethod {
	ms := []horizonMethod{{name: "clip", objective: "clip", progress: "schedule"},
		{name: "drift", objective: hc.Drift.Objective, progress: "schedule", ref: &hc.Drift}}
	if hc.Baseline != nil {
		ms = append(ms, horizonMethod{name: "baseline", objective: hc.Baseline.Objective, progress: "schedule", ref: hc.Baseline})
	}
	if hc.ShuffleProgress {
		ms = append(ms, horizonMethod{name: "drift-shuffled", objective: hc.Drift.Objective, progress: "shuffled", ref: &hc.Drift})
	}
	if hc.FixedProgress != nil {
		ms = append(ms, horizonMethod{name: "drift-fixed", objective: hc.Drift.Objective, progress: "fixed", fixed: hc.FixedProgress, ref: &hc.Drift})
	}
	return ms
}

// jobs builds every inner run's config, checking each horizon against the rollout size.
func (hc *horizonsConfig) jobs() ([]horizonJob, []horizonMethod, error) {
	methods := hc.methods()
	var jobs []horizonJob
	for fi, f := range hc.Factors {
		steps := int64(math.Round(float64(hc.TrainSteps) * f))
		batch := int64(hc.Train.Envs * hc.Train.RolloutSteps)
		if steps < batch {
			return nil, nil, fmt.Errorf("--factors %g: %d steps do not cover one rollout of envs x rollout steps = %d", f, steps, batch)
		}
		if steps > 1e11 {
			return nil, nil, fmt.Errorf("--factors %g: %d steps is too many", f, steps)
		}
		for mi, m := range methods {
			for si := range hc.Seeds {
				tc := hc.Train
				tc.Steps, tc.Seed = steps, hc.Seed+uint64(si)
				tc.EvalEvery = tc.Updates() // one evaluation, after the last update
				pc := hc.PPO
				pc.Objective = m.objective
				rc := horizonRunConfig{Command: "drift horizons", Version: hc.Version, Algo: "ppo", Method: m.name, Factor: f,
					Progress: m.progress, FixedProgress: m.fixed, EvalEpisodes: hc.EvalEpisodes, Train: tc}
				if m.ref != nil {
					pc.ObjectiveParams, rc.DriftSHA256 = m.ref.Path, m.ref.SHA256
				}
				if m.progress == "shuffled" {
					s := uint64(progressStream)
					rc.ProgressStream = &s
				}
				rc.PPO = pc
				if err := tc.Validate(); err != nil {
					return nil, nil, fmt.Errorf("--factors %g: %w", f, err)
				}
				if n := tc.Envs * tc.RolloutSteps; n%pc.Minibatches != 0 {
					return nil, nil, fmt.Errorf("%d minibatches do not divide envs x rollout steps = %d", pc.Minibatches, n)
				}
				updates, runSeed := tc.Updates(), tc.Seed
				eps := float32(pc.ClipEps)
				newObj := func() (ppo.Objective, error) {
					if m.ref == nil {
						return ppo.Clip{Eps: eps}, nil
					}
					l, err := m.ref.newLPO()
					if err != nil {
						return nil, err
					}
					switch m.progress {
					case "shuffled":
						return ppo.NewShuffledProgress(l, updates, env.NewRand(runSeed, progressStream))
					case "fixed":
						return ppo.FixedProgress{Objective: l, Progress: float32(*m.fixed)}, nil
					}
					return l, nil
				}
				jobs = append(jobs, horizonJob{factorIdx: fi, methodIdx: mi, cfg: rc, newObjective: newObj,
					dir: fmt.Sprintf("f%s-%s-s%d", strconv.FormatFloat(f, 'g', -1, 64), m.name, tc.Seed)})
			}
		}
	}
	return jobs, methods, nil
}

// runHorizonJobs trains the jobs on workers goroutines. A diverged run (non-finite loss)
// is a result; any other failure stops the experiment.
func runHorizonJobs(root string, jobs []horizonJob, workers int, prog *progress) ([]horizonResult, error) {
	results := make([]horizonResult, len(jobs))
	errs := make([]error, len(jobs))
	var mu sync.Mutex // guards prog and failed
	failed := false
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(workers, len(jobs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				results[i], errs[i] = runHorizonJob(filepath.Join(root, jobs[i].dir), jobs[i], func(steps int64) {
					mu.Lock()
					prog.Add(steps)
					mu.Unlock()
				})
				if errs[i] != nil {
					mu.Lock()
					failed = true
					mu.Unlock()
				}
			}
		}()
	}
	for i := range jobs {
		mu.Lock()
		stop := failed
		mu.Unlock()
		if stop {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("run %s: %w", filepath.Join(root, jobs[i].dir), err)
		}
	}
	return results, nil
}

// runHorizonJob trains one inner run, logged to dir, as gorl train does.
func runHorizonJob(dir string, job horizonJob, addSteps func(int64)) (horizonResult, error) {
	obj, err := job.newObjective()
	if err != nil {
		return horizonResult{}, err
	}
	cfg := job.cfg
	loop, err := agents.NewLoop(cfg.Train, nil, func(obs, act env.Space) (agents.Agent, error) {
		return ppo.NewWithObjective(obs, act, cfg.PPO, cfg.Train.Seed, obj)
	})
	if err != nil {
		return horizonResult{}, err
	}
	run, err := logs.Create(dir, cfg, logs.Options{EnvID: cfg.Train.Env, StepEvery: cfg.Train.StepEvery})
	if err != nil {
		loop.Close()
		return horizonResult{}, err
	}
	loop.Log = run
	final := math.NaN()
	var shown int64
	loop.Hooks.OnUpdate = func(st agents.Status) {
		addSteps(st.EnvSteps - shown)
		shown = st.EnvSteps
		if v, ok := st.Metrics["eval_return"]; ok && st.Update == st.Updates {
			final = v
		}
	}
	_, err = loop.Run()
	if errors.Is(err, agents.ErrNonFinite) {
		addSteps(cfg.Train.Steps - shown) // the rest of the budget is not trained
		return horizonResult{ret: math.NaN(), diverged: true}, nil
	}
	if err != nil {
		return horizonResult{}, err
	}
	if math.IsNaN(final) {
		return horizonResult{}, errors.New("no final evaluation was logged")
	}
	return horizonResult{ret: final}, nil
}

// horizonsTable has one row per horizon and method: the final returns' mean, standard
// error, range and diverged runs, and the mean's difference to PPO-clip's and to the
// drift's at that horizon.
func horizonsTable(hc horizonsConfig, methods []horizonMethod, jobs []horizonJob, results []horizonResult) *logs.Table {
	t := &logs.Table{Columns: []string{"factor", "steps", "updates", "method", "objective", "n", "mean", "se", "min", "max", "diverged", "vs_clip", "vs_drift"}}
	nf, nm := len(hc.Factors), len(methods)
	rets := make([][]float64, nf*nm)
	div := make([]int, nf*nm)
	steps := make([]int64, nf)
	updates := make([]int, nf)
	for i, j := range jobs {
		k := j.factorIdx*nm + j.methodIdx
		steps[j.factorIdx], updates[j.factorIdx] = j.cfg.Train.Steps, j.cfg.Train.Updates()
		if results[i].diverged {
			div[k]++
			continue
		}
		rets[k] = append(rets[k], results[i].ret)
	}
	mean := func(k int) float64 {
		if len(rets[k]) == 0 {
			return math.NaN()
		}
		return logs.Mean(rets[k])
	}
	for fi, f := range hc.Factors {
		for mi, m := range methods {
			k := fi*nm + mi
			r := rets[k]
			se, lo, hi := math.NaN(), math.NaN(), math.NaN()
			if len(r) > 0 {
				lo, hi = slices.Min(r), slices.Max(r)
			}
			if len(r) > 1 {
				se = logs.StdErr(r)
			}
			vsClip, vsDrift := mean(k)-mean(fi*nm), mean(k)-mean(fi*nm+1)
			if m.name == "clip" {
				vsClip = math.NaN()
			}
			if m.name == "drift" || m.name == "clip" {
				vsDrift = math.NaN()
			}
			t.Rows = append(t.Rows, []any{f, steps[fi], updates[fi], m.name, m.objective, len(r), mean(k), se, lo, hi, div[k], vsClip, vsDrift})
		}
	}
	return t
}

// writeHorizonSummary adds paired comparisons over all horizons and seeds: the drift
// against PPO-clip and against each other method (mean difference ± s.e., runs where
// both finished).
// results are in job order: horizon, then method, then seed.
func writeHorizonSummary(w io.Writer, hc horizonsConfig, methods []horizonMethod, results []horizonResult) {
	nm, ns := len(methods), hc.Seeds
	at := func(fi, mi, si int) horizonResult { return results[(fi*nm+mi)*ns+si] }
	for mi, m := range methods {
		if m.name == "drift" {
			continue
		}
		var d []float64
		for fi := range hc.Factors {
			for si := range ns {
				a, b := at(fi, 1, si), at(fi, mi, si)
				if !a.diverged && !b.diverged {
					d = append(d, a.ret-b.ret)
				}
			}
		}
		if len(d) == 0 {
			continue
		}
		se := math.NaN()
		if len(d) > 1 {
			se = logs.StdErr(d)
		}
		fmt.Fprintf(w, "drift - %s: %+.1f ± %.1f (paired over %d runs, all horizons)\n", m.name, logs.Mean(d), se, len(d))
	}
}

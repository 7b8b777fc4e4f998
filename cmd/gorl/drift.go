package main

import (
	"errors"
	"fmt"
	"math"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"gorl/agents"
	"gorl/agents/ppo"
	"gorl/evolution"
	"gorl/evolution/horizons"
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
		Use:     "clip [FILE]",
		Short:   "Effective clip range r*(A, n/N) of a drift against training progress: table and plot",
		Long:    driftClipLong,
		Example: driftClipExample,
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(format); err != nil {
				return err
			}
			if err := checkClipFlags(advs, points, rMin, rMax, rStep, clipEps, out, width, height); err != nil {
				return err
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
				if err := horizons.WriteClipText(w, obj, file, ec, advs, progress, pts, ppoEps); err != nil {
					return err
				}
			} else if err := horizons.ClipLongTable(pts).Write(w, format); err != nil {
				return err
			}
			if out != "" {
				if title == "" {
					title = "effective clip range of " + obj.Name()
				}
				if err := horizons.SaveClipPlot(out, title, width, height, advs, progress, pts, ppoEps); err != nil {
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
	registerClipFlags(cmd.Flags(), &objective, &clipEps, &advs, &points, &rMin, &rMax, &rStep, &out, &title, &width, &height)
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

// ---- gorl drift horizons ----

// horizonsFlags are gorl drift horizons' flags.
type horizonsFlags struct {
	ef           envFlags
	trainSteps   int64
	factors      string
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
	innerFrom    string
}

func newDriftHorizonsCmd() *cobra.Command {
	var f horizonsFlags
	cmd := &cobra.Command{
		Use:     "horizons FILE",
		Short:   "Train PPO with a drift at several horizons against PPO-clip; final-return table",
		Long:    driftHorizonsLong,
		Example: driftHorizonsExample,
		Args:    cobra.ExactArgs(1),
		RunE:    func(cmd *cobra.Command, args []string) error { return f.run(cmd, args[0]) },
	}
	f.ef.register(cmd, "CartPole-v1")
	fl := cmd.Flags()
	fl.Int64Var(&f.trainSteps, "train-steps", 20000, "N0: the reference horizon in environment steps (gorl evolve's --inner-steps)")
	fl.StringVar(&f.factors, "factors", "0.25,0.5,1,2,4", "horizons as multiples of N0")
	fl.IntVar(&f.seeds, "seeds", 5, "seeds per method and horizon")
	fl.Uint64Var(&f.seed, "seed", 0, "first seed")
	fl.StringVar(&f.baseline, "baseline", "", "a second drift file to compare (e.g. a non-temporal LPO)")
	fl.BoolVar(&f.shuffle, "shuffle-progress", false, "also train with the drift's n/N schedule randomly permuted")
	fl.Float64Var(&f.fixed, "fixed-progress", 0, "also train with the drift's n/N held at this value in [0, 1]")
	fl.IntVar(&f.evalEpisodes, "eval-episodes", 10, "deterministic evaluation episodes after training (their mean is the final return)")
	fl.IntVar(&f.workers, "workers", 0, "inner runs trained at once (0: all cores); results do not depend on it")
	fl.StringVar(&f.runDir, "run-dir", "", "directory of the inner runs (default runs/drift-horizons-<env>-s<seed>-<time>)")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "no progress output")
	fl.StringVar(&f.innerFrom, "inner-from", "", "train with the inner-run settings (PPO, envs, rollout steps, env unless --env) of gorl evolve's run directory DIR")
	addFormatFlag(cmd, &f.format)
	return cmd
}

// config checks the flags and builds the experiment for drift file path.
func (f *horizonsFlags) config(fl *pflag.FlagSet, path string) (horizons.DriftConfig, error) {
	var hc horizons.DriftConfig
	if err := checkFormat(f.format); err != nil {
		return hc, err
	}
	factors, err := horizons.ParseFactors(f.factors)
	if err != nil {
		return hc, err
	}
	switch {
	case f.trainSteps < 1 || f.trainSteps > 1e10:
		return hc, fmt.Errorf("--train-steps must be in [1, 1e10], got %d", f.trainSteps)
	case f.seeds < 1 || f.seeds > 1000:
		return hc, fmt.Errorf("--seeds must be in [1, 1000], got %d", f.seeds)
	case f.evalEpisodes < 1 || f.evalEpisodes > 100000:
		return hc, fmt.Errorf("--eval-episodes must be in [1, 100000], got %d", f.evalEpisodes)
	case f.workers < 0:
		return hc, fmt.Errorf("--workers must be >= 0 (0: all cores), got %d", f.workers)
	case fl.Changed("fixed-progress") && !(f.fixed >= 0 && f.fixed <= 1):
		return hc, fmt.Errorf("--fixed-progress must be in [0, 1], got %v", f.fixed)
	}
	hc = horizons.DriftConfig{Command: "drift horizons", Version: version, TrainSteps: f.trainSteps, Factors: factors,
		Seeds: f.seeds, Seed: f.seed, ShuffleProgress: f.shuffle, EvalEpisodes: f.evalEpisodes}
	if fl.Changed("fixed-progress") {
		fixed := f.fixed
		hc.FixedProgress = &fixed
	}
	if hc.Drift, err = readDriftRef(path); err != nil {
		return hc, err
	}
	if f.baseline != "" {
		b, err := readDriftRef(f.baseline)
		if err != nil {
			return hc, fmt.Errorf("--baseline: %w", err)
		}
		hc.Baseline = &b
	}
	tc := agents.TrainConfig{}
	var pc ppo.Config
	if f.innerFrom != "" {
		mc, err := evolution.ReadRunMeta(f.innerFrom)
		if err != nil || mc.IsLPG() {
			return hc, fmt.Errorf("--inner-from %s: not a gorl evolve run of a drift objective (%v)", f.innerFrom, err)
		}
		tc, pc = mc.Inner, mc.PPO
		pc.Objective, pc.ObjectiveParams = "", ""
		tc.Seed, tc.Steps, tc.EvalEvery = 0, 0, 0
		if fl.Changed("env") || fl.Changed("env-opt") {
			tc.Env, tc.EnvOptions = "", nil
		}
	}
	tc.StepEvery, tc.CheckpointEvery, tc.CheckpointSeconds, tc.EvalEpisodes = -1, -1, -1, f.evalEpisodes
	if tc.Env == "" {
		if err := mergeEnvFlags(&f.ef, fl, &tc.Env, &tc.EnvOptions); err != nil {
			return hc, err
		}
	}
	hc.Train, hc.PPO, err = ppo.Defaults(tc, pc)
	return hc, err
}

func (f *horizonsFlags) run(cmd *cobra.Command, path string) error {
	hc, err := f.config(cmd.Flags(), path)
	if err != nil {
		return err
	}
	total, err := hc.TotalSteps()
	if err != nil {
		return err
	}
	runDir := f.runDir
	if runDir == "" {
		runDir = defaultRunDir("drift-horizons", hc.Train.Env, f.seed)
	}
	prog := newProgress(total, "drift horizons", f.quiet)
	t, summary, err := horizons.RunDrift(runDir, hc, f.workers, prog.Add)
	prog.End(err)
	if err != nil {
		return err
	}
	w := cmd.OutOrStdout()
	if f.format != logs.FormatTable {
		return t.Write(w, f.format)
	}
	fmt.Fprintf(w, "final return (mean of %d deterministic episodes after training) on %s, %d seeds; N0 = %d steps\n",
		f.evalEpisodes, hc.Train.Env, f.seeds, f.trainSteps)
	if err := t.WriteText(w); err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%sruns in %s (table: horizons.csv)\n", summary, runDir)
	return err
}

// readDriftRef checks the path (one clear line for a missing or unreadable file) and
// reads the drift once.
func readDriftRef(path string) (horizons.DriftRef, error) {
	if problem := fileProblem(path); problem != "" {
		return horizons.DriftRef{}, fmt.Errorf("drift file %s%s", path, problem)
	}
	return horizons.ReadDriftRef(path)
}

// registerClipFlags adds gorl drift clip's flags.
func registerClipFlags(fl *pflag.FlagSet, objective *string, clipEps *float64, advs *[]float64, points *int, rMin, rMax, rStep *float64, out, title *string, width, height *float64) {
	fl.StringVar(objective, "objective", "", "objective: lpo or ta-lpo (checked against FILE's header; default: FILE's), or clip or dpo without FILE")
	fl.Float64Var(clipEps, "clip-eps", 0.2, "clip range of --objective clip and of the PPO-clip reference lines")
	fl.Float64SliceVar(advs, "adv", []float64{-2, -1, -0.5, 0.5, 1, 2}, "normalised advantages A")
	fl.IntVar(points, "points", 11, "values of n/N, evenly spaced from 0 to 1")
	fl.Float64Var(rMin, "r-min", 0.5, "ratio grid start")
	fl.Float64Var(rMax, "r-max", 2, "ratio grid end")
	fl.Float64Var(rStep, "r-step", 0.001, "ratio grid step (the resolution of r*)")
	fl.StringVarP(out, "out", "o", "", "image file of r* against n/N (png, svg, pdf, ...)")
	fl.StringVar(title, "title", "", "figure title (default: effective clip range of <objective>)")
	fl.Float64Var(width, "width", 8, "figure width in inches")
	fl.Float64Var(height, "height", 5, "figure height in inches")
}

// checkClipFlags reports the first out-of-range flag of gorl drift clip.
func checkClipFlags(advs []float64, points int, rMin, rMax, rStep, clipEps float64, out string, width, height float64) error {
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
	return nil
}

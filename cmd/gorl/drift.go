package main

import (
	"fmt"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"gorl/agents"
	"gorl/agents/ppo"
	"gorl/evolution/horizons"
	"gorl/logs"
	"gorl/logs/plot"
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

// ---- gorl drift clip ----

// clipFlags are gorl drift clip's flags besides the analysis itself.
type clipFlags struct {
	spec          horizons.ClipSpec
	out, format   string
	title         string
	width, height float64
}

func newDriftClipCmd() *cobra.Command {
	var f clipFlags
	cmd := &cobra.Command{
		Use:     "clip [FILE]",
		Short:   "Effective clip range r*(A, n/N) of a drift against training progress: table and plot",
		Long:    driftClipLong,
		Example: driftClipExample,
		Args:    cobra.MaximumNArgs(1),
		RunE:    f.run,
	}
	fl, s := cmd.Flags(), &f.spec
	fl.StringVar(&s.Objective, "objective", "", "objective: lpo or ta-lpo (checked against FILE's header; default: FILE's), or clip or dpo without FILE")
	fl.Float64Var(&s.ClipEps, "clip-eps", 0.2, "clip range of --objective clip and of the PPO-clip reference lines")
	fl.Float64SliceVar(&s.Advs, "adv", []float64{-2, -1, -0.5, 0.5, 1, 2}, "normalised advantages A")
	fl.IntVar(&s.Points, "points", 11, "values of n/N, evenly spaced from 0 to 1")
	fl.Float64Var(&s.RMin, "r-min", 0.5, "ratio grid start")
	fl.Float64Var(&s.RMax, "r-max", 2, "ratio grid end")
	fl.Float64Var(&s.RStep, "r-step", 0.001, "ratio grid step (the resolution of r*)")
	fl.StringVarP(&f.out, "out", "o", "", "image file of r* against n/N (png, svg, pdf, ...)")
	fl.StringVar(&f.title, "title", "", "figure title (default: effective clip range of <objective>)")
	fl.Float64Var(&f.width, "width", 8, "figure width in inches")
	fl.Float64Var(&f.height, "height", 5, "figure height in inches")
	addFormatFlag(cmd, &f.format)
	return cmd
}

func (f *clipFlags) run(cmd *cobra.Command, args []string) error {
	if err := checkFormat(f.format); err != nil {
		return err
	}
	if err := f.spec.Validate(); err != nil {
		return err
	}
	if f.out != "" {
		if err := checkOutputFile("out", f.out, imageExts); err != nil {
			return err
		}
		if err := plot.CheckSize(f.width, f.height); err != nil {
			return err
		}
	}
	if len(args) == 1 {
		f.spec.File = args[0]
	}
	c, err := f.spec.Run()
	if err != nil {
		return err
	}
	w := cmd.OutOrStdout()
	if err := c.Write(w, f.format); err != nil || f.out == "" {
		return err
	}
	if err := c.SavePlot(f.out, f.title, f.width, f.height); err != nil {
		return err
	}
	if f.format != logs.FormatTable {
		w = cmd.ErrOrStderr() // keep stdout parseable
	}
	_, err = fmt.Fprintf(w, "wrote %s\n", f.out)
	return err
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
	hc := horizons.DriftConfig{Command: "drift horizons", Version: version, TrainSteps: f.trainSteps,
		Seeds: f.seeds, Seed: f.seed, ShuffleProgress: f.shuffle, EvalEpisodes: f.evalEpisodes}
	if fl.Changed("fixed-progress") {
		hc.FixedProgress = &f.fixed
	}
	if err := checkFormat(f.format); err != nil {
		return hc, err
	}
	var err error
	if hc.Factors, err = horizons.ParseFactors(f.factors); err != nil {
		return hc, err
	}
	if err := hc.CheckFlags(f.workers); err != nil {
		return hc, err
	}
	if hc.Drift, err = horizons.OpenDriftRef(path); err != nil {
		return hc, err
	}
	if f.baseline != "" {
		b, err := horizons.OpenDriftRef(f.baseline)
		if err != nil {
			return hc, fmt.Errorf("--baseline: %w", err)
		}
		hc.Baseline = &b
	}
	tc := agents.TrainConfig{}
	var pc ppo.Config
	if f.innerFrom != "" {
		if tc, pc, err = horizons.InnerFrom(f.innerFrom); err != nil {
			return hc, err
		}
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
	return horizons.WriteDriftReport(cmd.OutOrStdout(), f.format, hc, t, summary, runDir)
}

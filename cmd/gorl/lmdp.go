package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"gorl/env/latent"
	"gorl/internal/workpool"
	"gorl/lmdp"
)

// lmdpFlags are the settings shared by `lmdp run`, `sweep`, `rate` and `instance`.
type lmdpFlags struct {
	family, instance, saveInstance string
	force                          bool
	params                         latent.Params
	cfg                            lmdp.Config
	seed                           uint64
	seeds, workers, stepEvery      int
	runDir, plot                   string
	logLog, quiet                  bool
	minGap, maxMemoryGiB           float64
}

func (f *lmdpFlags) registerInstance(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.family, "family", "random", "instance family: "+strings.Join(latent.Families, ", ")+
		" (shared and noisy hide the context; random usually reveals it within a step or two; hard is a one-decision bandit)")
	fl.StringVar(&f.instance, "instance", "", "load the instance from this JSON file instead of generating one")
	fl.StringVar(&f.saveInstance, "save-instance", "", "write the instance to this JSON file")
	fl.BoolVar(&f.force, "force", false, "let --save-instance overwrite an existing file")
	fl.IntVar(&f.params.M, "M", 2, "contexts")
	fl.IntVar(&f.params.S, "S", 4, "states (cue: fixed to M+2)")
	fl.IntVar(&f.params.A, "A", 2, "actions (cue: fixed to M)")
	fl.IntVar(&f.params.H, "H", 6, "horizon")
	fl.IntVar(&f.params.Gamma, "gamma", 2, "random, shared, noisy: support size Gamma of every transition (<= S)")
	fl.Float64Var(&f.params.Noise, "noise", latent.DefaultNoise, "shared, noisy: transition noise, 0 (deterministic) to 1")
	fl.Float64Var(&f.params.Eps, "eps", 0.1, "hard, lowerbound: advantage of the special action")
	fl.Float64Var(&f.params.P, "p", 0.5, "lowerbound: success probability of the other arms")
	fl.Uint64Var(&f.params.Seed, "instance-seed", 1, "seed of the generated instance")
	fl.IntVar(&f.cfg.Planner.MaxNodes, "max-nodes", 1<<16, "PBVI: reachable belief points (beyond: grid + lookahead; V* then a lower bound)")
	fl.IntVar(&f.cfg.Planner.GridPoints, "grid-points", 16, "PBVI: most simplex-grid points per (step, state)")
	fl.Float64Var(&f.minGap, "min-gap", 0.05, "shared, noisy: refuse an instance unless V_oracle - V* and V* - V_WSU are both at least this")
	fl.Float64Var(&f.maxMemoryGiB, "max-memory", 4, "refuse a configuration estimated to allocate more than this many GiB")
}

func (f *lmdpFlags) register(cmd *cobra.Command) {
	f.registerInstance(cmd)
	fl := cmd.Flags()
	fl.IntVar(&f.cfg.K, "K", 4096, "episodes per seed")
	fl.StringVar(&f.cfg.Solver, "solver", lmdp.SolverValueOptimistic, "solver: "+strings.Join(lmdp.Solvers, ", "))
	fl.StringVar(&f.cfg.Bonus, "bonus", lmdp.BonusTuned, "bonus constants: tuned (c1=0.5, c2=0.1) or theory (empirical Bernstein: c1=1, c2=7/6)")
	fl.Float64Var(&f.cfg.C1, "c1", 0, "bonus constant c1 (variance / Hoeffding term); 0: from --bonus")
	fl.Float64Var(&f.cfg.C2, "c2", 0, "bonus constant c2 (iota/n term); 0: from --bonus")
	fl.Float64Var(&f.cfg.Delta, "delta", lmdp.DefaultDelta, "confidence level delta in iota = 2 ln(2MSAHK/delta)")
	fl.IntVar(&f.cfg.EvalStates, "eval-states", 1<<20, "exact policy evaluation: most belief states per step")
	fl.IntVar(&f.cfg.Planner.Resolution, "belief-resolution", 0, "learners round log-beliefs to 1/N (finite-memory policies; 0: exact beliefs)")
	fl.BoolVar(&f.cfg.BeliefFloor, "belief-floor", false, "an unseen transition lowers a context's belief by a Good-Turing floor instead of ruling it out")
	fl.BoolVar(&f.cfg.EstimateWeights, "estimate-weights", false, "belief solvers estimate the context weights (default: given)")
	fl.Uint64Var(&f.seed, "seed", 1, "first seed (seeds are seed, seed+1, ...)")
	fl.IntVar(&f.seeds, "seeds", 4, "number of seeds")
	fl.IntVar(&f.workers, "workers", 0, "parallel seeds (0: GOMAXPROCS); results do not depend on it")
	fl.IntVar(&f.stepEvery, "step-every", 64, "log the steps of every Nth episode (<= 0: no step table)")
	fl.StringVar(&f.plot, "plot", "", "write a regret plot to this PNG file")
	fl.BoolVar(&f.logLog, "log-log", false, "plot on log-log axes")
	fl.BoolVar(&f.quiet, "quiet", false, "no progress output")
}

// validateInstance checks the instance flags before anything is generated or written.
func (f *lmdpFlags) validateInstance(cmd *cobra.Command) error {
	if f.instance != "" {
		if err := checkInputFile("instance", f.instance); err != nil {
			return err
		}
	}
	if f.saveInstance != "" {
		if err := checkOutputFile("save-instance", f.saveInstance, nil); err != nil {
			return err
		}
		if err := regularOrAbsent("save-instance", f.saveInstance); err != nil {
			return err
		}
		if _, err := os.Stat(f.saveInstance); err == nil && !f.force {
			return fmt.Errorf("--save-instance %s exists: pass --force to overwrite it", f.saveInstance)
		}
	}
	if f.plot != "" {
		if err := checkOutputFile("plot", f.plot, imageExts); err != nil {
			return err
		}
	}
	switch {
	case f.params.H > maxHorizon:
		return fmt.Errorf("--H must be at most %d, got %d", maxHorizon, f.params.H)
	case cmd.Flags().Changed("gamma") && f.params.Gamma < 1:
		return fmt.Errorf("--gamma must be >= 1, got %d", f.params.Gamma)
	case f.cfg.Planner.MaxNodes < 1 || f.cfg.Planner.GridPoints < 1:
		return fmt.Errorf("--max-nodes must be >= 1, got %d (and --grid-points %d)", f.cfg.Planner.MaxNodes, f.cfg.Planner.GridPoints)
	case !(f.maxMemoryGiB > 0) || !finite(f.maxMemoryGiB):
		return fmt.Errorf("--max-memory must be > 0 GiB, got %v", f.maxMemoryGiB)
	case !(f.minGap >= 0) || !finite(f.minGap):
		return fmt.Errorf("--min-gap must be >= 0, got %v", f.minGap)
	}
	return nil
}

// validate checks the instance flags, then the learning flags.
func (f *lmdpFlags) validate(cmd *cobra.Command) error {
	if err := f.validateInstance(cmd); err != nil {
		return err
	}
	c := f.cfg
	switch {
	case c.K <= 0:
		return fmt.Errorf("--K must be > 0, got %d", c.K)
	case f.seeds < 1 || f.seeds > maxSeeds:
		return fmt.Errorf("--seeds must be in [1, %d], got %d", maxSeeds, f.seeds)
	case c.K > maxRows/f.seeds:
		return fmt.Errorf("--K x --seeds = %d x %d episodes is too many (at most %d in all)", c.K, f.seeds, maxRows)
	case f.workers < 0:
		return fmt.Errorf("--workers must be >= 0, got %d", f.workers)
	case !(c.C1 >= 0 && c.C2 >= 0 && finite(c.C1) && finite(c.C2)):
		return fmt.Errorf("--c1 and --c2 must be finite and >= 0, got %v and %v", c.C1, c.C2)
	case !(c.Delta > 0 && c.Delta < 1):
		return fmt.Errorf("--delta must be in (0, 1), got %v", c.Delta)
	case c.EvalStates < 1 || c.Planner.Resolution < 0:
		return fmt.Errorf("--eval-states must be >= 1 and --belief-resolution >= 0")
	case c.Bonus != lmdp.BonusTuned && c.Bonus != lmdp.BonusTheory:
		return fmt.Errorf("--bonus must be %s or %s, got %q", lmdp.BonusTuned, lmdp.BonusTheory, c.Bonus)
	}
	if !slices.Contains(lmdp.Solvers, c.Solver) {
		return fmt.Errorf("unknown --solver %q (known: %s)", c.Solver, strings.Join(lmdp.Solvers, ", "))
	}
	return nil
}

// checkMemory refuses, before allocating, a configuration the estimate puts over --max-memory.
func (f *lmdpFlags) checkMemory(M, S, A, H int) error {
	return lmdp.CheckMemory(M, S, A, H, f.cfg, workpool.Workers(f.workers, f.seeds), f.maxMemoryGiB*(1<<30))
}

// buildInstance checks the memory estimate, generates or loads the instance and saves it when asked.
func (f *lmdpFlags) buildInstance() (*latent.LMDP, lmdp.InstanceSource, error) {
	src := lmdp.SourceOf(f.family, f.instance, f.params)
	l, err := lmdp.BuildInstance(src, f.checkMemory)
	if err == nil && f.saveInstance != "" {
		err = l.Save(f.saveInstance)
	}
	return l, src, err
}

// experiment is the run the flags describe; the latency check applies to the families that promise it.
func (f *lmdpFlags) experiment(l *latent.LMDP, src lmdp.InstanceSource) lmdp.Experiment {
	x := lmdp.Experiment{Instance: l, Source: src, Config: f.cfg, Seeds: f.seeds, Seed: f.seed, Workers: f.workers, StepEvery: f.stepEvery}
	if src.Family == "shared" || src.Family == "noisy" {
		x.MinGap = f.minGap
	}
	return x
}

func (f *lmdpFlags) defaultDir(kind string) string {
	if f.runDir != "" {
		return f.runDir
	}
	name := lmdp.SourceOf(f.family, f.instance, f.params).Name()
	return filepath.Join("runs", fmt.Sprintf("lmdp-%s-%s-%s", kind, name, time.Now().UTC().Format("20060102-150405")))
}

func newLmdpCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "lmdp",
		Short: "Latent MDPs: instances, optimistic solvers, baselines and regret experiments",
		Long: `Latent MDPs: instances, the value-optimistic (Bernstein), model-optimistic and Hoeffding
solvers against the pooled, WSU and oracle baselines, and regret, sum_k (V* - V^{pi_k}),
computed exactly with the true model. The shared and noisy families hide the context
(checked at generation: --min-gap); lowerbound is the Gamma = 2 hard instance.`,
	}
	cmd.AddCommand(newLmdpRunCmd(), newLmdpSweepCmd(), newLmdpRateCmd(), newLmdpInstanceCmd())
	noSubcommand(cmd)
	return cmd
}

func newLmdpInstanceCmd() *cobra.Command {
	f := &lmdpFlags{}
	cmd := &cobra.Command{
		Use:   "instance",
		Short: "Generate (or load) an instance, print V*, V_WSU, V_oracle, Var* and optionally save it",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := f.validateInstance(cmd); err != nil {
				return err
			}
			l, src, err := f.buildInstance()
			if err != nil {
				return err
			}
			ref, err := lmdp.ReferenceValues(l, f.cfg.Planner)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			lmdp.PrintReference(out, l, ref)
			if x := f.experiment(l, src); x.MinGap > 0 && !ref.Latent(x.MinGap) {
				fmt.Fprintf(out, "not latent by the margin %g: lmdp run refuses this instance\n", x.MinGap)
			}
			if f.saveInstance != "" {
				fmt.Fprintf(out, "saved to %s\n", f.saveInstance)
			}
			return nil
		},
	}
	f.registerInstance(cmd)
	return cmd
}

func newLmdpRunCmd() *cobra.Command {
	f := &lmdpFlags{}
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Run a solver on an LMDP for K episodes over several seeds; write a run directory",
		Long: `Run a solver for K episodes on each of --seeds seeds (in parallel); write config.json, metrics.parquet
(seed, iteration = episode, regret, episode_regret, policy_value), episodes.parquet (with the
context revealed in hindsight) and steps; print V*, V_WSU, V_oracle, Var*, the final regret
and the log-log slope of the mean regret over the second half of the episodes.`,
		Example: "  gorl lmdp run --family shared --M 3 --S 5 --A 3 --H 8 --K 16384 --seeds 4 --plot regret.png --log-log",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := f.validate(cmd); err != nil {
				return err
			}
			l, src, err := f.buildInstance()
			if err != nil {
				return err
			}
			dir := f.defaultDir(f.cfg.Solver)
			prog := newProgress(int64(f.seeds), "lmdp seeds", f.quiet)
			sum, err := f.experiment(l, src).Run(dir, func(int) { prog.Add(1) })
			prog.End(err)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			lmdp.PrintReference(out, l, sum.Reference)
			sum.Print(out, f.cfg.Solver)
			fmt.Fprintf(out, "run directory: %s\n", dir)
			return f.writePlot(out, l.Name, sum.Curves(f.cfg.Solver))
		},
	}
	f.register(cmd)
	cmd.Flags().StringVar(&f.runDir, "run-dir", "", "run directory (default runs/lmdp-<solver>-<family>-<time>)")
	return cmd
}

func (f *lmdpFlags) writePlot(out io.Writer, title string, curves []lmdp.Curve) error {
	if f.plot == "" {
		return nil
	}
	if err := lmdp.PlotRegret(f.plot, title, curves, f.logLog); err != nil {
		return err
	}
	fmt.Fprintf(out, "plot: %s\n", f.plot)
	return nil
}

func newLmdpSweepCmd() *cobra.Command {
	f := &lmdpFlags{}
	var over, values, instSeeds string
	cmd := &cobra.Command{
		Use:   "sweep",
		Short: "Run a solver over horizons, episode counts, solvers or transition noise; print a table",
		Long: `Run lmdp run for each value of --over; print V*, Var*, the latency gaps and regret. --over H or
noise (shared, noisy: 0, deterministic, to 1) or p (lowerbound) regenerates the instance; with
--instance-seeds every value runs on each instance and ratios are reported per instance.`,
		Example: "  gorl lmdp sweep --family shared --over noise --values 0,0.25,0.5,0.75,1 --M 3 --S 5 --A 3 --H 8 --K 4096",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			sw, err := f.sweep(cmd, over, values, instSeeds)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			prog := newProgress(int64(len(sw.Values)*max(1, len(sw.InstanceSeeds))*f.seeds), "lmdp sweep", f.quiet)
			rows, err := sw.Run(out, func() { prog.Add(1) })
			prog.End(err)
			if err != nil && strings.HasPrefix(err.Error(), "values:") {
				return fmt.Errorf("--%w", err) // the flag's name
			} else if err != nil {
				return err
			}
			fmt.Fprintf(out, "run directories: %s\n", sw.Root)
			return f.writePlot(out, fmt.Sprintf("%s on %s: sweep over %s", f.cfg.Solver, f.family, over), lmdp.SweepCurves(rows, over))
		},
	}
	f.register(cmd)
	cmd.Flags().StringVar(&over, "over", "H", "swept setting: H, K, solver, noise (shared, noisy) or p (lowerbound)")
	cmd.Flags().StringVar(&values, "values", "", "comma-separated values, e.g. 4,8,16,32")
	cmd.Flags().StringVar(&instSeeds, "instance-seeds", "", "comma-separated instance seeds to repeat the sweep on (default: --instance-seed)")
	cmd.Flags().StringVar(&f.runDir, "run-dir", "", "parent directory of the runs (default runs/lmdp-sweep-<family>-<time>)")
	return cmd
}

// sweep validates the sweep flags and builds the sweep; the sweep vets every value
// (through Check: the same limits as lmdp run) before anything runs.
func (f *lmdpFlags) sweep(cmd *cobra.Command, over, values, instSeeds string) (*lmdp.Sweep, error) {
	if err := f.validate(cmd); err != nil {
		return nil, err
	}
	switch {
	case values == "":
		return nil, fmt.Errorf("--values is required (comma-separated)")
	case !slices.Contains([]string{"H", "K", "solver", "noise", "p"}, over):
		return nil, fmt.Errorf("--over must be H, K, solver, noise or p, got %q", over)
	case (over == "H" || over == "noise" || over == "p") && f.instance != "":
		return nil, fmt.Errorf("--over %s regenerates the instance: it cannot be combined with --instance", over)
	}
	seeds, err := lmdp.ParseSeeds(instSeeds)
	if err != nil {
		return nil, fmt.Errorf("--instance-seeds: %w", err)
	}
	l, src, err := f.buildInstance()
	if err != nil {
		return nil, err
	}
	check := func(x lmdp.Experiment) error {
		g := *f
		g.cfg.K, g.cfg.Solver = x.Config.K, x.Config.Solver
		if x.Source.Params != nil {
			g.params = *x.Source.Params
		}
		if !slices.Contains(lmdp.Solvers, g.cfg.Solver) {
			return fmt.Errorf("unknown --solver %q (known: %s)", g.cfg.Solver, strings.Join(lmdp.Solvers, ", "))
		}
		if err := g.validate(cmd); err != nil {
			return err
		}
		return g.checkMemory(g.params.M, g.params.S, g.params.A, g.params.H)
	}
	base := f.experiment(l, src)
	base.MinGap = 0 // a sweep reports the gaps of every point (noise 0 is deterministic, hence not latent)
	return &lmdp.Sweep{Base: base, Over: over, Values: strings.Split(values, ","), InstanceSeeds: seeds,
		Root: f.defaultDir("sweep-" + over), Check: check}, nil
}

func newLmdpRateCmd() *cobra.Command {
	f := &lmdpFlags{}
	var kMin, kMax int
	cmd := &cobra.Command{
		Use:   "rate",
		Short: "Regret at K = k-min, 2 k-min, ..., k-max against sqrt(K) and the bound's scale; fitted K-exponent",
		Long: `Run --k-max episodes per seed, read the regret at powers of two from --k-min (prefixes of the
runs), compare it with sqrt(K) and sqrt(Var* M Gamma S A K), and fit the K-exponent on log-log
axes with the 95% t-interval over the seeds' own fits; --plot draws them on log-log axes.`,
		Example: "  gorl lmdp rate --family shared --M 3 --S 5 --A 3 --H 8 --k-min 1024 --k-max 65536 --seeds 4 --plot rate.png",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f.cfg.K = kMax
			if err := f.validate(cmd); err != nil {
				return err
			}
			if kMin < 1 || kMin >= kMax {
				return fmt.Errorf("--k-min must be in [1, --k-max), got %d and %d", kMin, kMax)
			}
			ks := lmdp.PowersOfTwo(kMin, kMax)
			l, src, err := f.buildInstance()
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			dir := f.defaultDir("rate")
			prog := newProgress(int64(f.seeds), "lmdp seeds", f.quiet)
			res, err := lmdp.Rate{Base: f.experiment(l, src), Ks: ks}.Run(dir, out, func(int) { prog.Add(1) })
			prog.End(err)
			if err != nil {
				return err
			}
			lmdp.PrintReference(out, l, res.Summary.Reference)
			fmt.Fprintf(out, "run directory: %s\n", dir)
			f.logLog = true
			return f.writePlot(out, l.Name+": regret rate", res.RateCurves(f.cfg.Solver+" (mean)"))
		},
	}
	f.register(cmd)
	cmd.Flags().IntVar(&kMin, "k-min", 1024, "smallest K read off the runs")
	cmd.Flags().IntVar(&kMax, "k-max", 65536, "episodes per seed (the largest K)")
	cmd.Flags().StringVar(&f.runDir, "run-dir", "", "run directory (default runs/lmdp-rate-<family>-<time>)")
	return cmd
}

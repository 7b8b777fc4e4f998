package main

import (
	"cmp"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"gorl/env/latent"
	"gorl/lmdp"
)

// lmdpFlags are the flags of `lmdp run`, `sweep`, `rate` and `instance`; lmdp.Options
// checks them.
type lmdpFlags struct {
	o                    lmdp.Options
	runDir, plot         string
	force, logLog, quiet bool
}

func (f *lmdpFlags) registerInstance(cmd *cobra.Command) {
	fl, o, p := cmd.Flags(), &f.o, &f.o.Params
	fl.StringVar(&o.Family, "family", "random", "instance family: "+strings.Join(latent.Families, ", ")+
		" (shared, noisy and spread hide the context; random usually reveals it within a step or two; hard is a one-decision bandit)")
	fl.StringVar(&o.InstanceFile, "instance", "", "load the instance from this JSON file instead of generating one")
	fl.StringVar(&f.o.SaveInstance, "save-instance", "", "write the instance to this JSON file")
	fl.BoolVar(&f.force, "force", false, "let --save-instance overwrite an existing file")
	fl.IntVar(&p.M, "M", 2, "contexts")
	fl.IntVar(&p.S, "S", 4, "states (cue: fixed to M+2; spread: at least 5)")
	fl.IntVar(&p.A, "A", 2, "actions (cue: fixed to M)")
	fl.IntVar(&p.H, "H", 6, "horizon")
	fl.IntVar(&p.Gamma, "gamma", 2, "random, shared, noisy: support size Gamma of every transition (<= S)")
	fl.Float64Var(&p.Noise, "noise", latent.DefaultNoise, "shared, noisy, spread: transition noise, 0 (deterministic) to 1")
	fl.Float64Var(&p.Eps, "eps", 0.1, "hard, lowerbound: advantage of the special action")
	fl.Float64Var(&p.P, "p", 0.5, "lowerbound: success probability of the other arms")
	fl.Uint64Var(&p.Seed, "instance-seed", 1, "seed of the generated instance")
	fl.IntVar(&o.Config.Planner.MaxNodes, "max-nodes", 1<<16, "PBVI: reachable belief points (beyond: grid + lookahead; V* then a lower bound)")
	fl.IntVar(&o.Config.Planner.GridPoints, "grid-points", 16, "PBVI: most simplex-grid points per (step, state)")
	fl.Float64Var(&o.MinGap, "min-gap", 0.05, "shared, noisy, spread: refuse an instance unless V_oracle - V* and V* - V_WSU are both at least this")
	fl.Float64Var(&o.MaxMemoryGiB, "max-memory", 4, "refuse a configuration estimated to allocate more than this many GiB")
}

func (f *lmdpFlags) register(cmd *cobra.Command) {
	f.registerInstance(cmd)
	fl, c := cmd.Flags(), &f.o.Config
	fl.IntVar(&c.K, "K", 4096, "episodes per seed")
	fl.StringVar(&c.Solver, "solver", lmdp.SolverValueOptimistic, "solver: "+strings.Join(lmdp.Solvers, ", "))
	fl.StringVar(&c.Bonus, "bonus", lmdp.BonusTuned, "bonus constants: tuned (c1=0.5, c2=0.1) or theory (empirical Bernstein: c1=1, c2=7/6)")
	fl.Float64Var(&c.C1, "c1", 0, "bonus constant c1 (variance / Hoeffding term); 0: from --bonus")
	fl.Float64Var(&c.C2, "c2", 0, "bonus constant c2 (iota/n term); 0: from --bonus")
	fl.Float64Var(&c.Delta, "delta", lmdp.DefaultDelta, "confidence level delta in iota = 2 ln(2MSAHK/delta)")
	fl.IntVar(&c.EvalStates, "eval-states", 1<<20, "exact policy evaluation: most belief states per step")
	fl.IntVar(&c.Planner.Resolution, "belief-resolution", 0, "learners round log-beliefs to 1/N (finite-memory policies; 0: exact beliefs)")
	fl.BoolVar(&c.BeliefFloor, "belief-floor", false, "an unseen transition lowers a context's belief by a Good-Turing floor instead of ruling it out")
	fl.BoolVar(&c.EstimateWeights, "estimate-weights", false, "belief solvers estimate the context weights (default: given)")
	fl.Uint64Var(&f.o.Seed, "seed", 1, "first seed (seeds are seed, seed+1, ...)")
	fl.IntVar(&f.o.Seeds, "seeds", 4, "number of seeds")
	fl.IntVar(&f.o.Workers, "workers", 0, "parallel seeds (0: GOMAXPROCS); results do not depend on it")
	fl.IntVar(&f.o.StepEvery, "step-every", 64, "log the steps of every Nth episode (<= 0: no step table)")
	fl.StringVar(&f.plot, "plot", "", "write a regret plot to this PNG file")
	fl.BoolVar(&f.logLog, "log-log", false, "plot on log-log axes")
	fl.BoolVar(&f.quiet, "quiet", false, "no progress output")
	fl.StringVar(&f.runDir, "run-dir", "", "run directory (default runs/lmdp-<kind>-<family>-<time>; sweep: the parent of its runs)")
}

// checkFiles checks the input and output files, then the instance settings (learn: all).
func (f *lmdpFlags) checkFiles(cmd *cobra.Command, learn bool) error {
	f.o.GammaGiven = cmd.Flags().Changed("gamma")
	f.o.Limits = lmdp.FlagLimits{MaxH: maxHorizon, MaxSeeds: maxSeeds, MaxRows: maxRows}
	var errs []error // the first one is reported
	if f.o.InstanceFile != "" {
		errs = append(errs, checkInputFile("instance", f.o.InstanceFile))
	}
	if save := f.o.SaveInstance; save != "" {
		errs = append(errs, checkOutputFile("save-instance", save, nil), regularOrAbsent("save-instance", save))
		if _, err := os.Stat(save); err == nil && !f.force {
			errs = append(errs, fmt.Errorf("--save-instance %s exists: pass --force to overwrite it", save))
		}
	}
	if f.plot != "" {
		errs = append(errs, checkOutputFile("plot", f.plot, imageExts))
	}
	if learn {
		errs = append(errs, f.o.Check())
	}
	return cmp.Or(append(errs, f.o.CheckInstance())...)
}

func (f *lmdpFlags) writePlot(cmd *cobra.Command, title string, curves []lmdp.Curve) error {
	return lmdp.WritePlot(cmd.OutOrStdout(), f.plot, title, curves, f.logLog)
}

// lmdpCmd is a subcommand whose RunE gets the checked flags.
func lmdpCmd(use, short, long, example string, learn bool, run func(f *lmdpFlags, cmd *cobra.Command) error) (*cobra.Command, *lmdpFlags) {
	f := &lmdpFlags{}
	cmd := &cobra.Command{Use: use, Short: short, Long: long, Example: example, Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := f.checkFiles(cmd, learn); err != nil {
				return err
			}
			return run(f, cmd)
		}}
	if learn {
		f.register(cmd)
	} else {
		f.registerInstance(cmd)
	}
	return cmd, f
}

func newLmdpCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "lmdp", Short: "Latent MDPs: instances, optimistic solvers, baselines and regret experiments", Long: `Latent MDPs: instances, the value-optimistic (Bernstein), model-optimistic and Hoeffding
solvers against the pooled, WSU and oracle baselines, and regret, sum_k (V* - V^{pi_k}),
computed exactly with the true model. The shared, noisy and spread families hide the context
(checked at generation: --min-gap); lowerbound is the Gamma = 2 hard instance.`}
	cmd.AddCommand(newLmdpRunCmd(), newLmdpSweepCmd(), newLmdpRateCmd(), newLmdpInstanceCmd())
	noSubcommand(cmd)
	return cmd
}

func newLmdpInstanceCmd() *cobra.Command {
	cmd, _ := lmdpCmd("instance", "Generate (or load) an instance, print V*, V_WSU, V_oracle, Var* and optionally save it", "", "", false,
		func(f *lmdpFlags, cmd *cobra.Command) error { return f.o.Instance(cmd.OutOrStdout()) })
	return cmd
}

func newLmdpRunCmd() *cobra.Command {
	cmd, _ := lmdpCmd("run", "Run a solver on an LMDP for K episodes over several seeds; write a run directory", `Run a solver for K episodes on each of --seeds seeds (in parallel); write config.json, metrics.parquet
(seed, iteration = episode, regret, episode_regret, policy_value), episodes.parquet (with the
context revealed in hindsight) and steps; print V*, V_WSU, V_oracle, Var*, the final regret
and the log-log slope of the mean regret over the second half of the episodes.`,
		"  gorl lmdp run --family shared --M 3 --S 5 --A 3 --H 8 --K 16384 --seeds 4 --plot regret.png --log-log", true,
		func(f *lmdpFlags, cmd *cobra.Command) error {
			l, src, err := f.o.Build()
			if err != nil {
				return err
			}
			dir, out := f.o.RunDir(f.runDir, f.o.Config.Solver), cmd.OutOrStdout()
			prog := newProgress(int64(f.o.Seeds), "lmdp seeds", f.quiet)
			sum, err := f.o.Experiment(l, src).Run(dir, func(int) { prog.Add(1) })
			if prog.End(err); err != nil {
				return err
			}
			sum.Report(out, l, f.o.Config.Solver, dir)
			return f.writePlot(cmd, l.Name, sum.Curves(f.o.Config.Solver))
		})
	return cmd
}

func newLmdpSweepCmd() *cobra.Command {
	var over, values, instSeeds string
	cmd, _ := lmdpCmd("sweep", "Run a solver over horizons, episode counts, solvers or transition noise; print a table", `Run lmdp run for each value of --over; print V*, Var*, the latency gaps and regret. --over H,
noise (0, deterministic, to 1; on spread it raises Var* with the means and gaps fixed) or p
(lowerbound) regenerates the instance; with --instance-seeds every value runs on each
instance and ratios are reported per instance.`,
		"  gorl lmdp sweep --family spread --over noise --values 0,0.25,0.5,0.75,1 --M 3 --S 5 --A 3 --H 8 --K 4096", true,
		func(f *lmdpFlags, cmd *cobra.Command) error {
			sw, err := f.o.Sweep(over, values, instSeeds, f.o.RunDir(f.runDir, "sweep-"+over))
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			prog := newProgress(int64(len(sw.Values)*max(1, len(sw.InstanceSeeds))*f.o.Seeds), "lmdp sweep", f.quiet)
			rows, err := sw.Run(out, func() { prog.Add(1) })
			if prog.End(err); err != nil {
				return err
			}
			fmt.Fprintf(out, "run directories: %s\n", sw.Root)
			return f.writePlot(cmd, fmt.Sprintf("%s on %s: sweep over %s", f.o.Config.Solver, f.o.Family, over), lmdp.SweepCurves(rows, over))
		})
	cmd.Flags().StringVar(&over, "over", "H", "swept setting: "+strings.Join(lmdp.SweepOver, ", ")+" (noise: shared, noisy, spread; p: lowerbound)")
	cmd.Flags().StringVar(&values, "values", "", "comma-separated values, e.g. 4,8,16,32")
	cmd.Flags().StringVar(&instSeeds, "instance-seeds", "", "comma-separated instance seeds to repeat the sweep on (default: --instance-seed)")
	return cmd
}

func newLmdpRateCmd() *cobra.Command {
	var kMin, kMax int
	cmd, f := lmdpCmd("rate", "Regret at K = k-min, 2 k-min, ..., k-max against sqrt(K) and the bound's scale; fitted K-exponent", `Run --k-max episodes per seed, read the regret at powers of two from --k-min (prefixes of the
runs), compare it with sqrt(K) and sqrt(Var* M Gamma S A K), and fit the K-exponent on log-log
axes with the 95% t-interval over the seeds' own fits; --plot draws them on log-log axes.`,
		"  gorl lmdp rate --family shared --M 3 --S 5 --A 3 --H 8 --k-min 1024 --k-max 65536 --seeds 4 --plot rate.png", true,
		func(f *lmdpFlags, cmd *cobra.Command) error {
			if kMin < 1 || kMin >= kMax {
				return fmt.Errorf("--k-min must be in [1, --k-max), got %d and %d", kMin, kMax)
			}
			l, src, err := f.o.Build()
			if err != nil {
				return err
			}
			dir, out := f.o.RunDir(f.runDir, "rate"), cmd.OutOrStdout()
			prog := newProgress(int64(f.o.Seeds), "lmdp seeds", f.quiet)
			res, err := lmdp.Rate{Base: f.o.Experiment(l, src), Ks: lmdp.PowersOfTwo(kMin, kMax)}.Run(dir, out, func(int) { prog.Add(1) })
			if prog.End(err); err != nil {
				return err
			}
			res.Summary.Report(out, l, "", dir)
			f.logLog = true
			return f.writePlot(cmd, l.Name+": regret rate", res.RateCurves(f.o.Config.Solver+" (mean)"))
		})
	cmd.Flags().IntVar(&kMin, "k-min", 1024, "smallest K read off the runs")
	cmd.Flags().IntVar(&kMax, "k-max", 65536, "episodes per seed (the largest K)")
	cmd.PreRun = func(*cobra.Command, []string) { f.o.Config.K = kMax }
	return cmd
}

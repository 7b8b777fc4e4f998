package main

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"gorl/env/latent"
	"gorl/lmdp"
)

// lmdpFlags are the settings shared by `lmdp run`, `lmdp sweep` and `lmdp instance`.
type lmdpFlags struct {
	family       string
	instance     string
	saveInstance string
	params       latent.Params
	cfg          lmdp.Config
	seed         uint64
	seeds        int
	workers      int
	stepEvery    int
	runDir       string
	plot         string
	logLog       bool
	quiet        bool
}

func (f *lmdpFlags) registerInstance(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.family, "family", "random", "instance family: random, deterministic, cue or hard")
	fl.StringVar(&f.instance, "instance", "", "load the instance from this JSON file instead of generating one")
	fl.StringVar(&f.saveInstance, "save-instance", "", "write the instance to this JSON file")
	fl.IntVar(&f.params.M, "M", 2, "contexts")
	fl.IntVar(&f.params.S, "S", 4, "states (cue: fixed to M+2)")
	fl.IntVar(&f.params.A, "A", 2, "actions (cue: fixed to M)")
	fl.IntVar(&f.params.H, "H", 6, "horizon")
	fl.IntVar(&f.params.Gamma, "gamma", 2, "random family: support size Gamma of every transition (<= S)")
	fl.Float64Var(&f.params.Eps, "eps", 0.1, "hard family: advantage of the special action")
	fl.Uint64Var(&f.params.Seed, "instance-seed", 1, "seed of the generated instance")
}

func (f *lmdpFlags) register(cmd *cobra.Command) {
	f.registerInstance(cmd)
	fl := cmd.Flags()
	fl.IntVar(&f.cfg.K, "K", 4096, "episodes per seed")
	fl.StringVar(&f.cfg.Solver, "solver", lmdp.SolverValueOptimistic, "solver: "+strings.Join(lmdp.Solvers, ", "))
	fl.Float64Var(&f.cfg.C1, "c1", lmdp.DefaultC1, "bonus constant c1 (variance / Hoeffding term)")
	fl.Float64Var(&f.cfg.C2, "c2", lmdp.DefaultC2, "bonus constant c2 (iota/n term)")
	fl.Float64Var(&f.cfg.Delta, "delta", lmdp.DefaultDelta, "confidence level delta in iota = 2 ln(2MSAHK/delta)")
	fl.IntVar(&f.cfg.Planner.MaxNodes, "max-nodes", 1<<16, "PBVI: reachable belief points (beyond: grid + lookahead)")
	fl.IntVar(&f.cfg.Planner.GridPoints, "grid-points", 16, "PBVI: most simplex-grid points per (step, state)")
	fl.IntVar(&f.cfg.EvalStates, "eval-states", 1<<20, "exact policy evaluation: most belief states per step")
	fl.BoolVar(&f.cfg.EstimateWeights, "estimate-weights", false, "belief solvers estimate the context weights (default: given)")
	fl.Uint64Var(&f.seed, "seed", 1, "first seed (seeds are seed, seed+1, ...)")
	fl.IntVar(&f.seeds, "seeds", 4, "number of seeds")
	fl.IntVar(&f.workers, "workers", 0, "parallel seeds (0: GOMAXPROCS); results do not depend on it")
	fl.IntVar(&f.stepEvery, "step-every", 64, "log the steps of every Nth episode (<= 0: no step table)")
	fl.StringVar(&f.plot, "plot", "", "write a regret plot to this PNG file")
	fl.BoolVar(&f.logLog, "log-log", false, "plot on log-log axes")
	fl.BoolVar(&f.quiet, "quiet", false, "no progress output")
}

// validateInstance checks the instance flags (shared by run, sweep and instance)
// before anything is generated or written.
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
	case f.cfg.Planner.MaxNodes < 1:
		return fmt.Errorf("--max-nodes must be >= 1, got %d", f.cfg.Planner.MaxNodes)
	}
	return nil
}

func (f *lmdpFlags) validate() error {
	if f.cfg.K <= 0 {
		return fmt.Errorf("--K must be > 0, got %d", f.cfg.K)
	}
	if f.seeds < 1 || f.seeds > maxSeeds {
		return fmt.Errorf("--seeds must be in [1, %d], got %d", maxSeeds, f.seeds)
	}
	if f.cfg.K > maxRows/f.seeds {
		return fmt.Errorf("--K x --seeds = %d x %d episodes is too many (at most %d in all)", f.cfg.K, f.seeds, maxRows)
	}
	if f.params.H > maxHorizon {
		return fmt.Errorf("--H must be at most %d, got %d", maxHorizon, f.params.H)
	}
	if f.workers < 0 {
		return fmt.Errorf("--workers must be >= 0, got %d", f.workers)
	}
	if !(f.cfg.C1 >= 0 && f.cfg.C2 >= 0 && finite(f.cfg.C1) && finite(f.cfg.C2)) {
		return fmt.Errorf("--c1 and --c2 must be finite and >= 0, got %v and %v", f.cfg.C1, f.cfg.C2)
	}
	if !(f.cfg.Delta > 0 && f.cfg.Delta < 1) {
		return fmt.Errorf("--delta must be in (0, 1), got %v", f.cfg.Delta)
	}
	if f.cfg.Planner.MaxNodes < 1 || f.cfg.Planner.GridPoints < 1 || f.cfg.EvalStates < 1 {
		return fmt.Errorf("--max-nodes, --grid-points and --eval-states must be >= 1")
	}
	known := false
	for _, s := range lmdp.Solvers {
		known = known || s == f.cfg.Solver
	}
	if !known {
		return fmt.Errorf("unknown --solver %q (known: %s)", f.cfg.Solver, strings.Join(lmdp.Solvers, ", "))
	}
	return nil
}

// buildInstance generates or loads the instance and saves it when asked.
func (f *lmdpFlags) buildInstance() (*latent.LMDP, lmdp.InstanceSource, error) {
	var l *latent.LMDP
	var src lmdp.InstanceSource
	var err error
	if f.instance != "" {
		if l, err = latent.Load(f.instance); err != nil {
			return nil, src, err
		}
		src.File = f.instance
	} else {
		p := f.params
		if f.family == "cue" {
			p = latent.Params{M: p.M, H: p.H}
		}
		if l, err = latent.New(f.family, p); err != nil {
			return nil, src, err
		}
		src.Family, src.Params = f.family, &p
	}
	if f.saveInstance != "" {
		if err := l.Save(f.saveInstance); err != nil {
			return nil, src, err
		}
	}
	return l, src, nil
}

func (f *lmdpFlags) experiment(l *latent.LMDP, src lmdp.InstanceSource) lmdp.Experiment {
	return lmdp.Experiment{Instance: l, Source: src, Config: f.cfg, Seeds: f.seeds, Seed: f.seed, Workers: f.workers, StepEvery: f.stepEvery}
}

func newLmdpCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "lmdp",
		Short: "Latent MDPs: instances, optimistic solvers, baselines and regret experiments",
		Long: `Latent MDPs (env/latent, lmdp): generate instances, run the value-optimistic
(Bernstein), model-optimistic (extended value iteration relaxation) and Hoeffding-bonus
solvers against the pooled, WSU and oracle baselines, and measure regret.

Regret is sum over episodes of (V* - V^{pi_k}), computed exactly with the true model
(exact policy evaluation), not from sampled returns.`,
	}
	cmd.AddCommand(newLmdpRunCmd(), newLmdpSweepCmd(), newLmdpInstanceCmd())
	noSubcommand(cmd)
	return cmd
}

func newLmdpInstanceCmd() *cobra.Command {
	f := &lmdpFlags{}
	cmd := &cobra.Command{
		Use:   "instance",
		Short: "Generate (or load) an instance, print V*, V_WSU, V_oracle and optionally save it",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := f.validateInstance(cmd); err != nil {
				return err
			}
			l, _, err := f.buildInstance()
			if err != nil {
				return err
			}
			ref, err := lmdp.ReferenceValues(l, lmdp.PBVI{MaxNodes: f.cfg.Planner.MaxNodes})
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "instance %s: M=%d S=%d A=%d H=%d Gamma=%d\n", l.Name, l.M, l.S, l.A, l.H, ref.Gamma)
			fmt.Fprintf(out, "V*       %.6f (%s)\nV_WSU    %.6f\nV_oracle %.6f\n", ref.VStar, exactWord(ref.VStarExact), ref.VWSU, ref.VOracle)
			if f.saveInstance != "" {
				fmt.Fprintf(out, "saved to %s\n", f.saveInstance)
			}
			return nil
		},
	}
	f.registerInstance(cmd)
	cmd.Flags().IntVar(&f.cfg.Planner.MaxNodes, "max-nodes", 1<<16, "PBVI: reachable belief points")
	return cmd
}

func exactWord(exact bool) string {
	if exact {
		return "exact"
	}
	return "lower bound: node budget hit"
}

func newLmdpRunCmd() *cobra.Command {
	f := &lmdpFlags{}
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Run a solver on an LMDP for K episodes over several seeds; write a run directory",
		Long: `Run a solver on an LMDP for K episodes, for each of --seeds seeds (in parallel), and
write a run directory: config.json (every setting and the instance), metrics.parquet
(cumulative regret per episode per seed: columns seed, iteration = episode, regret,
episode_regret, policy_value), episodes.parquet (with the context revealed in hindsight)
and steps of every --step-every-th episode. Prints the final regret and the log-log slope
of the mean regret curve over the second half of the episodes.`,
		Example: "  gorl lmdp run --family random --M 2 --S 4 --A 2 --H 6 --K 32768 --solver value-optimistic --seeds 4 --plot regret.png",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := f.validateInstance(cmd); err != nil {
				return err
			}
			if err := f.validate(); err != nil {
				return err
			}
			l, src, err := f.buildInstance()
			if err != nil {
				return err
			}
			dir := f.runDir
			if dir == "" {
				dir = filepath.Join("runs", fmt.Sprintf("lmdp-%s-%s-%s", sourceLabel(src), f.cfg.Solver, time.Now().UTC().Format("20060102-150405")))
			}
			prog := newProgress(int64(f.seeds), "lmdp seeds", f.quiet)
			sum, err := f.experiment(l, src).Run(dir, func(done int) { prog.Add(1) })
			prog.End(err)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			printReference(out, l, sum.Reference)
			fmt.Fprintf(out, "solver %s, K=%d, %d seeds: final regret %.2f ± %.2f (sd), log-log slope %.3f (second half), %.2fs\n",
				f.cfg.Solver, f.cfg.K, f.seeds, sum.FinalMean, sum.FinalSD, tidy(sum.Slope), sum.Seconds)
			for _, r := range sum.Results {
				fmt.Fprintf(out, "  seed %d: regret %.2f, slope %.3f, re-plans %d\n", r.Seed, r.CumRegret[len(r.CumRegret)-1], tidy(lmdp.LogLogSlope(r.CumRegret, 0.5)), r.Replans)
			}
			fmt.Fprintf(out, "run directory: %s\n", dir)
			if f.plot != "" {
				curves := make([]lmdp.Curve, 0, len(sum.Results)+1)
				for _, r := range sum.Results {
					curves = append(curves, lmdp.Curve{Y: r.CumRegret, Faint: true})
				}
				curves = append(curves, lmdp.Curve{Label: fmt.Sprintf("%s (mean of %d seeds)", f.cfg.Solver, f.seeds), Y: sum.Mean})
				if err := lmdp.PlotRegret(f.plot, l.Name, curves, f.logLog); err != nil {
					return err
				}
				fmt.Fprintf(out, "plot: %s\n", f.plot)
			}
			return nil
		},
	}
	f.register(cmd)
	cmd.Flags().StringVar(&f.runDir, "run-dir", "", "run directory (default runs/lmdp-<family>-<solver>-<time>)")
	return cmd
}

// tidy rounds values below the printed precision to 0 (no "-0.000" for flat curves).
func tidy(x float64) float64 {
	if x > -5e-4 && x < 5e-4 {
		return 0
	}
	return x
}

func sourceLabel(src lmdp.InstanceSource) string {
	if src.Family != "" {
		return src.Family
	}
	return strings.TrimSuffix(filepath.Base(src.File), filepath.Ext(src.File))
}

func printReference(out interface{ Write([]byte) (int, error) }, l *latent.LMDP, ref lmdp.Reference) {
	fmt.Fprintf(out, "instance %s: Gamma=%d V*=%.6f (%s) V_WSU=%.6f V_oracle=%.6f\n", l.Name, ref.Gamma, ref.VStar, exactWord(ref.VStarExact), ref.VWSU, ref.VOracle)
}

func newLmdpSweepCmd() *cobra.Command {
	f := &lmdpFlags{}
	var over, values string
	cmd := &cobra.Command{
		Use:   "sweep",
		Short: "Run a solver over a list of horizons, episode counts or solvers; print a table",
		Long: `Run one experiment (as lmdp run) for each value of --over (H, K or solver) and print
a table of final regret, its spread and the log-log slope. Each point writes a run
directory <run-dir>/<over>=<value>. With --plot, the mean regret curves go into one PNG.
For --over H the instance is regenerated with the same --instance-seed at each horizon.`,
		Example: "  gorl lmdp sweep --over H --values 4,8,16,32 --K 4096 --seeds 4 --solver value-optimistic",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := f.validateInstance(cmd); err != nil {
				return err
			}
			if err := f.validate(); err != nil {
				return err
			}
			vals := strings.Split(values, ",")
			if values == "" || len(vals) == 0 {
				return fmt.Errorf("--values is required (comma-separated)")
			}
			if over != "H" && over != "K" && over != "solver" {
				return fmt.Errorf("--over must be H, K or solver, got %q", over)
			}
			if over == "H" && f.instance != "" {
				return fmt.Errorf("--over H regenerates the instance: it cannot be combined with --instance")
			}
			type point struct {
				f   lmdpFlags
				val string
			}
			var pts []point
			seen := map[string]bool{}
			for _, v := range vals {
				v = strings.TrimSpace(v)
				if seen[v] {
					return fmt.Errorf("--values: %q appears twice", v)
				}
				seen[v] = true
				g := *f
				switch over {
				case "H", "K":
					n, err := strconv.Atoi(v)
					if err != nil || n <= 0 {
						return fmt.Errorf("--values: %q is not a positive integer", v)
					}
					if over == "H" {
						g.params.H = n
					} else {
						g.cfg.K = n
					}
				case "solver":
					g.cfg.Solver = v
				}
				if err := g.validate(); err != nil {
					return fmt.Errorf("value %s: %w", v, err)
				}
				pts = append(pts, point{g, v})
			}
			root := f.runDir
			if root == "" {
				root = filepath.Join("runs", fmt.Sprintf("lmdp-sweep-%s-%s", over, time.Now().UTC().Format("20060102-150405")))
			}
			out := cmd.OutOrStdout()
			prog := newProgress(int64(len(pts)*f.seeds), "lmdp sweep", f.quiet)
			var curves []lmdp.Curve
			var finals []float64
			fmt.Fprintf(out, "%-18s %10s %6s %12s %10s %8s %8s\n", over, "V*", "exact", "regret", "sd", "slope", "seconds")
			for _, p := range pts {
				l, src, err := p.f.buildInstance()
				if err != nil {
					return err
				}
				x := p.f.experiment(l, src)
				x.Command, x.Sweep = "lmdp sweep", &lmdp.SweepPoint{Over: over, Value: p.val}
				sum, err := x.Run(filepath.Join(root, over+"="+p.val), func(int) { prog.Add(1) })
				if err != nil {
					prog.End(err)
					return fmt.Errorf("%s=%s: %w", over, p.val, err)
				}
				fmt.Fprintf(out, "%-18s %10.6f %6v %12.2f %10.2f %8.3f %8.2f\n", p.val, sum.Reference.VStar, sum.Reference.VStarExact,
					sum.FinalMean, sum.FinalSD, tidy(sum.Slope), sum.Seconds)
				curves = append(curves, lmdp.Curve{Label: over + "=" + p.val, Y: sum.Mean})
				finals = append(finals, sum.FinalMean)
			}
			prog.Finish()
			if over != "solver" && len(finals) > 1 && finals[0] > 0 {
				fmt.Fprintf(out, "regret(%s=%s) / regret(%s=%s) = %.3f\n", over, pts[len(pts)-1].val, over, pts[0].val, finals[len(finals)-1]/finals[0])
			}
			fmt.Fprintf(out, "run directories: %s\n", root)
			if f.plot != "" {
				title := fmt.Sprintf("%s: sweep over %s", f.family, over)
				if over != "solver" {
					title = fmt.Sprintf("%s on %s: sweep over %s", f.cfg.Solver, f.family, over)
				}
				if err := lmdp.PlotRegret(f.plot, title, curves, f.logLog); err != nil {
					return err
				}
				fmt.Fprintf(out, "plot: %s\n", f.plot)
			}
			return nil
		},
	}
	f.register(cmd)
	cmd.Flags().StringVar(&over, "over", "H", "swept setting: H, K or solver")
	cmd.Flags().StringVar(&values, "values", "", "comma-separated values, e.g. 4,8,16,32")
	cmd.Flags().StringVar(&f.runDir, "run-dir", "", "parent directory of the runs (default runs/lmdp-sweep-<over>-<time>)")
	return cmd
}

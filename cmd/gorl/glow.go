package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"gorl/glow"
)

// glowFlags are the settings shared by `glow run`, `glow sweep` and `glow data`.
type glowFlags struct {
	spec    glow.ProblemSpec
	cfg     glow.Config
	seed    uint64
	seeds   int
	workers int
	quiet   bool
}

func (f *glowFlags) registerProblem(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.spec.Env, "env", "lock", "problem: lock (latent lock), lock-rich (rich observations) or incomplete (the lock with a value class that is not Bellman complete)")
	fl.IntVar(&f.spec.Actions, "actions", 10, "number of actions of the lock")
	fl.Uint64Var(&f.spec.LockSeed, "lock-seed", 0, "seed of the lock's combination")
	fl.Float64Var(&f.spec.Noise, "noise", 0.1, "noise standard deviation of rich observations")
	fl.Float64Var(&f.spec.AntiReward, "anti-reward", 0.1, "anti-reward paid with probability 1/2 on falling into the dead state (0 turns it off)")
	fl.Float64Var(&f.spec.StepPenalty, "step-penalty", 0, "diabolical lock (HOMER): each correct step before the last pays -step-penalty/(H-1) (0: Hy-Q's lock)")
}

func (f *glowFlags) register(cmd *cobra.Command) {
	f.registerProblem(cmd)
	fl := cmd.Flags()
	fl.StringVar(&f.cfg.Class, "class", "", "value class: finite (the lock family; incomplete: its joint class), tabular, linear or neural (Hy-Q's networks; hyq, hyglow, offline) (default: tabular, linear for lock-rich, finite for incomplete)")
	fl.IntVar(&f.cfg.NeuralSteps, "neural-steps", 0, "Adam updates per fit of the neural class (0: 500, Hy-Q's)")
	fl.StringVar(&f.cfg.Weights, "weights", "", "weight class of glow and MABO.CR: box (non-negative tabular weights) or ratios (density ratios of the finite class's models and policies); default ratios on incomplete, box elsewhere")
	fl.IntVar(&f.cfg.Episodes, "episodes", 1000, "online episodes T (one per iteration)")
	fl.Float64Var(&f.cfg.BetaScale, "beta-scale", 0, "multiplier of GLOW's/GOLF's beta_t (0: 1, the paper's)")
	fl.Float64Var(&f.cfg.Gamma, "gamma", 0, "clipping scale gamma (0: the paper's default)")
	fl.BoolVar(&f.cfg.NoClip, "no-clip", false, "ablation: no clipping of the weights")
	fl.BoolVar(&f.cfg.NoPenalty, "no-penalty", false, "ablation: no quadratic penalty (alpha = 0)")
	fl.Float64Var(&f.cfg.Ridge, "ridge", 0, "ridge penalty of the linear class (0: 1)")
	fl.Float64Var(&f.cfg.Epsilon, "epsilon", 0, "Q-learning exploration rate (0: 0.1)")
	fl.IntVar(&f.cfg.EvalEvery, "eval-every", 0, "evaluate every N iterations (0: 1; Q-learning: episodes/200; lock-rich: 5)")
	fl.IntVar(&f.cfg.EvalEpisodes, "eval-episodes", 0, "Monte Carlo evaluation episodes for lock-rich (0: 100)")
	fl.Uint64Var(&f.seed, "seed", 0, "first seed")
	fl.IntVar(&f.seeds, "seeds", 5, "number of seeds (seed, seed+1, ...)")
	fl.IntVar(&f.workers, "workers", 0, "parallel seeds (0: GOMAXPROCS); results do not depend on it")
	fl.BoolVar(&f.quiet, "quiet", false, "no progress output")
}

// problem checks the ranges the command line allows and builds the problem of horizon H
// (the lock's zero values mean defaults; on the command line 0 is a mistake).
func (f *glowFlags) problem(H int) (*glow.Problem, error) {
	s := f.spec
	s.H = H
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if H < 1 || H > maxHorizon {
		return nil, fmt.Errorf("--H must be in [1, %d], got %d", maxHorizon, H)
	}
	if s.Actions < 2 || s.Actions > maxActions {
		return nil, fmt.Errorf("--actions must be in [2, %d], got %d", maxActions, s.Actions)
	}
	return s.Problem()
}

// validate checks the numeric flags of run and sweep by name.
func (f *glowFlags) validate() error {
	return f.cfg.CheckFlags(glow.FlagLimits{MaxEpisodes: maxGlowEpisode, MaxSeeds: maxSeeds}, f.seeds, f.workers)
}

func (f *glowFlags) seedList() []uint64 {
	s := make([]uint64, f.seeds)
	for i := range s {
		s[i] = f.seed + uint64(i)
	}
	return s
}

func newGlowCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "glow",
		Short: "GLOW, HyGLOW and baselines on combination locks",
		Long: `Online and hybrid RL with density ratios (Amortila et al. 2024): GLOW, HyGLOW
(H2O + MABO.CR), Hy-Q (H2O + FQI), GOLF and epsilon-greedy Q-learning on the
combination lock of Hy-Q, with latent or rich observations; --step-penalty makes it
HOMER's diabolical lock (anti-shaping along the combination).`,
	}
	cmd.AddCommand(newGlowRunCmd(), newGlowSweepCmd(), newGlowDataCmd())
	noSubcommand(cmd)
	return cmd
}

func newGlowRunCmd() *cobra.Command {
	var f glowFlags
	var runDir string
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Run one algorithm over seeds and write a run directory",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := f.validate(); err != nil {
				return err
			}
			p, err := f.problem(f.spec.H)
			if err != nil {
				return err
			}
			cfg, err := f.cfg.Defaults(p)
			if err != nil {
				return err
			}
			if cfg.OfflineDir != "" {
				if err := cfg.CheckOfflineDir(p); err != nil {
					return err
				}
			}
			seeds := f.seedList()
			bar := newProgress(int64(len(seeds)), "glow "+cfg.Algo, f.quiet)
			if runDir == "" {
				runDir = glow.DefaultRunDir(p, cfg, time.Now())
			}
			s, err := glow.RunLogged(runDir, f.spec, p, cfg, seeds, f.workers, func(glow.Result) { bar.Add(1) })
			bar.End(err)
			if err != nil {
				return err
			}
			glow.WriteRunSummary(cmd.OutOrStdout(), p, cfg, len(seeds), s, runDir)
			return nil
		},
	}
	f.register(cmd)
	cmd.Flags().IntVar(&f.spec.H, "H", 10, "horizon of the lock")
	cmd.Flags().StringVar(&f.cfg.Algo, "algo", "hyglow", "algorithm: glow, hyglow, hyq, offline (MABO.CR on the offline data alone), golf or qlearning")
	cmd.Flags().StringVar(&f.cfg.Offline, "offline", "none", "offline data for hyglow, hyq and offline: none, epsilon or mixed")
	cmd.Flags().StringVar(&f.cfg.OfflineDir, "offline-dir", "", "read the offline data set from this directory (written by gorl glow data) instead of generating it")
	cmd.Flags().BoolVar(&f.cfg.StopOnSolve, "stop-on-solve", false, "stop a seed once its policy solves the lock")
	cmd.Flags().StringVar(&runDir, "run-dir", "", "run directory (default runs/glow-<algo>-<env>-H<H>-<time>)")
	return cmd
}

func newGlowSweepCmd() *cobra.Command {
	var f glowFlags
	var hs, algos, plotPath string
	cmd := &cobra.Command{
		Use:   "sweep",
		Short: "Samples-to-solve against the horizon H per algorithm, with a log-log fit",
		Long: `sweep runs every algorithm at every H (stopping each seed once its policy has
success >= 0.95), prints the median number of samples (online transitions; offline
transitions for --algos offline) to solve, and fits samples ~ c * H^b over the H where
the median is finite. glow, golf and qlearning run online; --offline applies to hyglow,
hyq and offline. --plot draws the table on log-log axes, one line per algorithm.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			H, err := glow.ParseHorizons(hs)
			if err != nil {
				return err
			}
			if err := f.validate(); err != nil {
				return err
			}
			names, err := glow.ParseAlgos(algos)
			if err != nil {
				return err
			}
			sw := &glow.Sweep{Algos: names, H: H, Base: f.cfg, Seeds: f.seedList(), Problem: f.problem, Workers: f.workers}
			if err := sw.Check(); err != nil {
				return err
			}
			bar := newProgress(int64(len(names)*len(H)*f.seeds), "glow sweep", f.quiet)
			sw.Done = func(glow.Result) { bar.Add(1) }
			cells, err := sw.Run()
			bar.End(err)
			if err != nil {
				return err
			}
			return sw.WriteReport(cmd.OutOrStdout(), cells, f.spec.Name(), plotPath)
		},
	}
	f.register(cmd)
	cmd.Flags().StringVar(&hs, "H", "5,10,20,50,100", "horizons, comma-separated")
	cmd.Flags().StringVar(&algos, "algos", "hyglow,hyq,glow", "algorithms, comma-separated")
	cmd.Flags().StringVar(&f.cfg.Offline, "offline", "mixed", "offline data for hyglow, hyq and offline: none, epsilon or mixed")
	cmd.Flags().StringVar(&plotPath, "plot", "", "write a log-log plot of samples to solve vs H (PNG, SVG or PDF by extension)")
	return cmd
}

func newGlowDataCmd() *cobra.Command {
	var f glowFlags
	var episodes int
	var design, runDir string
	var dataSeed uint64
	cmd := &cobra.Command{
		Use:   "data",
		Short: "Write an offline lock data set as a run directory of step Parquet files",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, err := f.problem(f.spec.H)
			if err != nil {
				return err
			}
			data := glow.LockData{Spec: f.spec, Design: design, Episodes: episodes, Seed: dataSeed, MaxSteps: maxRows}
			if runDir, err = data.Write(runDir, p, time.Now()); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %d episodes (%d steps) of %s data on %s H=%d to %s\n", episodes, episodes*p.H, design, p.EnvID, p.H, runDir)
			return nil
		},
	}
	f.registerProblem(cmd)
	cmd.Flags().IntVar(&f.spec.H, "H", 10, "horizon of the lock")
	cmd.Flags().StringVar(&design, "design", "mixed", "offline design: epsilon or mixed")
	cmd.Flags().IntVar(&episodes, "episodes", 1000, "episodes to generate")
	cmd.Flags().Uint64Var(&dataSeed, "data-seed", 0, "seed of the data set")
	cmd.Flags().StringVar(&runDir, "run-dir", "", "output directory (default runs/lock-data-<design>-H<H>-<time>)")
	return cmd
}

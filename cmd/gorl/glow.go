package main

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"gorl/env/lock"
	"gorl/glow"
	"gorl/logs"
)

// glowFlags are the settings shared by `glow run` and `glow sweep`.
type glowFlags struct {
	env      string
	actions  int
	lockSeed uint64
	noise    float64
	anti     float64
	penalty  float64
	cfg      glow.Config
	seed     uint64
	seeds    int
	workers  int
	quiet    bool
}

func (f *glowFlags) registerProblem(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.env, "env", "lock", "problem: lock (latent lock), lock-rich (rich observations) or incomplete (the lock with a value class that is not Bellman complete)")
	fl.IntVar(&f.actions, "actions", 10, "number of actions of the lock")
	fl.Uint64Var(&f.lockSeed, "lock-seed", 0, "seed of the lock's combination")
	fl.Float64Var(&f.noise, "noise", 0.1, "noise standard deviation of rich observations")
	fl.Float64Var(&f.anti, "anti-reward", 0.1, "anti-reward paid with probability 1/2 on falling into the dead state (0 turns it off)")
	fl.Float64Var(&f.penalty, "step-penalty", 0, "diabolical lock (HOMER): each correct step before the last pays -step-penalty/(H-1) (0: Hy-Q's lock)")
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

func (f *glowFlags) problem(H int) (*glow.Problem, error) {
	var rich, incomplete bool
	switch f.env {
	case "lock", "lock/latent":
	case "lock-rich", "lock/rich":
		rich = true
	case "incomplete", "lock/incomplete":
		incomplete = true
	default:
		return nil, fmt.Errorf("--env %q: want lock, lock-rich or incomplete", f.env)
	}
	if !(f.anti >= 0 && f.anti <= 1) {
		return nil, fmt.Errorf("--anti-reward must be in [0, 1], got %g", f.anti)
	}
	if !(f.penalty >= 0 && f.penalty <= 1) {
		return nil, fmt.Errorf("--step-penalty must be in [0, 1], got %g", f.penalty)
	}
	if !(f.noise >= 0) || !finite(f.noise) {
		return nil, fmt.Errorf("--noise must be finite and >= 0, got %g", f.noise)
	}
	// The lock's zero values mean defaults; on the command line 0 is a mistake.
	if H < 1 || H > maxHorizon {
		return nil, fmt.Errorf("--H must be in [1, %d], got %d", maxHorizon, H)
	}
	if f.actions < 2 || f.actions > maxActions {
		return nil, fmt.Errorf("--actions must be in [2, %d], got %d", maxActions, f.actions)
	}
	cfg := lock.Config{H: H, Actions: f.actions, LockSeed: f.lockSeed, Noise: f.noise, AntiReward: f.anti, NoAntiReward: f.anti == 0, StepPenalty: f.penalty}
	if incomplete {
		return glow.IncompleteProblem(cfg)
	}
	return glow.LockProblem(cfg, rich)
}

// validate checks the flags of run and sweep by name (glow.Config names JSON keys).
func (f *glowFlags) validate() error {
	c := f.cfg
	nonneg := func(name string, x float64) error {
		if !(x >= 0) || !finite(x) {
			return fmt.Errorf("--%s must be finite and >= 0, got %g", name, x)
		}
		return nil
	}
	switch {
	case c.Episodes < 1 || c.Episodes > maxGlowEpisode:
		return fmt.Errorf("--episodes must be in [1, %d], got %d", maxGlowEpisode, c.Episodes)
	case c.EvalEvery < 0:
		return fmt.Errorf("--eval-every must be >= 0, got %d", c.EvalEvery)
	case c.EvalEpisodes < 0:
		return fmt.Errorf("--eval-episodes must be >= 0, got %d", c.EvalEpisodes)
	case !(c.Epsilon >= 0 && c.Epsilon <= 1):
		return fmt.Errorf("--epsilon must be in [0, 1], got %g", c.Epsilon)
	case f.workers < 0:
		return fmt.Errorf("--workers must be >= 0, got %d", f.workers)
	case c.NeuralSteps < 0:
		return fmt.Errorf("--neural-steps must be >= 0, got %d", c.NeuralSteps)
	}
	for _, x := range []struct {
		name string
		v    float64
	}{{"beta-scale", c.BetaScale}, {"gamma", c.Gamma}, {"ridge", c.Ridge}} {
		if err := nonneg(x.name, x.v); err != nil {
			return err
		}
	}
	return nil
}

func (f *glowFlags) seedList() ([]uint64, error) {
	if f.seeds < 1 || f.seeds > maxSeeds {
		return nil, fmt.Errorf("--seeds must be in [1, %d], got %d", maxSeeds, f.seeds)
	}
	s := make([]uint64, f.seeds)
	for i := range s {
		s[i] = f.seed + uint64(i)
	}
	return s, nil
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
	var H int
	var runDir string
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Run one algorithm over seeds and write a run directory",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := f.validate(); err != nil {
				return err
			}
			p, err := f.problem(H)
			if err != nil {
				return err
			}
			cfg, err := f.cfg.Defaults(p)
			if err != nil {
				return err
			}
			seeds, err := f.seedList()
			if err != nil {
				return err
			}
			if cfg.OfflineDir != "" {
				if err := cfg.CheckOfflineDir(p); err != nil {
					return err
				}
			}
			if runDir == "" {
				runDir = filepath.Join("runs", fmt.Sprintf("glow-%s-%s-H%d-%s", cfg.Algo, strings.ReplaceAll(p.EnvID, "/", "-"), H, time.Now().UTC().Format("20060102-150405")))
			}
			config := map[string]any{
				"command": "glow run", "env": p.EnvID, "H": H, "actions": f.actions, "lock_seed": f.lockSeed, "noise": f.noise,
				"anti_reward": f.anti, "step_penalty": f.penalty, "seeds": seeds, "config": cfg, "departures": cfg.Departures(),
			}
			vacuous := cfg.VacuousUntil(p)
			if vacuous > 0 {
				config["beta_vacuous_until"] = vacuous
			}
			run, err := logs.Create(runDir, config, logs.Options{EnvID: p.EnvID, StepEvery: -1})
			if err != nil {
				return err
			}
			bar := newProgress(int64(len(seeds)), "glow "+cfg.Algo, f.quiet)
			results, err := glow.RunSeeds(p, cfg, seeds, f.workers, func(glow.Result) { bar.Add(1) })
			bar.End(err)
			if err != nil {
				_ = run.Fail(err)
				return err
			}
			if err := glow.LogResults(run, results); err != nil {
				return fmt.Errorf("write %s: %w", runDir, err)
			}
			printGlowRun(cmd, p, cfg, H, len(seeds), vacuous, glow.Summarise(results), runDir)
			return nil
		},
	}
	f.register(cmd)
	cmd.Flags().IntVar(&H, "H", 10, "horizon of the lock")
	cmd.Flags().StringVar(&f.cfg.Algo, "algo", "hyglow", "algorithm: glow, hyglow, hyq, offline (MABO.CR on the offline data alone), golf or qlearning")
	cmd.Flags().StringVar(&f.cfg.Offline, "offline", "none", "offline data for hyglow, hyq and offline: none, epsilon or mixed")
	cmd.Flags().StringVar(&f.cfg.OfflineDir, "offline-dir", "", "read the offline data set from this directory (written by gorl glow data) instead of generating it")
	cmd.Flags().BoolVar(&f.cfg.StopOnSolve, "stop-on-solve", false, "stop a seed once its policy solves the lock")
	cmd.Flags().StringVar(&runDir, "run-dir", "", "run directory (default runs/glow-<algo>-<env>-H<H>-<time>)")
	return cmd
}

// printGlowRun prints a run's summary: the output mixture first (the algorithms'
// output), the last policy beside it.
func printGlowRun(cmd *cobra.Command, p *glow.Problem, cfg glow.Config, H, seeds, vacuous int, s glow.Summary, runDir string) {
	out := cmd.OutOrStdout()
	fmt.Fprintf(out, "%s on %s H=%d A=%d class=%s weights=%s offline=%s episodes=%d seeds=%d\n", cfg.Algo, p.EnvID, H, p.A, cfg.Class, cfg.Weights, cfg.Offline, cfg.Episodes, seeds)
	for _, d := range cfg.Departures() {
		fmt.Fprintf(out, "  note: %s\n", d)
	}
	if vacuous > 1 {
		fmt.Fprintf(out, "  note: with these constants beta_t exceeds any possible objective for t <= %d: nothing can be eliminated before iteration %d\n", vacuous, vacuous+1)
	}
	fmt.Fprintf(out, "  output mixture success %.3f (value %.4f, risk %.4f); last policy success %.3f\n",
		s.MeanMixtureSuccess, s.MeanMixtureValue, s.MeanMixtureRisk, s.MeanFinalSuccess)
	fmt.Fprintf(out, "  mixture success >= 0.9 in %d/%d seeds, < 0.5 in %d/%d\n", s.MixtureAtLeast90, s.Seeds, s.MixtureBelow50, s.Seeds)
	fmt.Fprintf(out, "  a policy solved (success >= %.2f): %d/%d seeds; samples to solve: median %s, mean %s\n",
		cfg.SolveAt, s.Solved, s.Seeds, glow.FmtSamples(s.MedianSolveSamples), glow.FmtSamples(s.MeanSolveSamples))
	fmt.Fprintf(out, "  run directory: %s\n", runDir)
}

func parseInts(s, flag string) ([]int, error) {
	var out []int
	for _, part := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("--%s %q: want positive integers separated by commas", flag, s)
		}
		out = append(out, n)
	}
	return out, nil
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
			H, err := parseInts(hs, "H")
			if err != nil {
				return err
			}
			if err := f.validate(); err != nil {
				return err
			}
			seeds, err := f.seedList()
			if err != nil {
				return err
			}
			names := strings.Split(algos, ",")
			for i, name := range names {
				names[i] = strings.TrimSpace(name)
				if names[i] == "" {
					return fmt.Errorf("--algos %q: empty algorithm name", algos)
				}
			}
			sw := &glow.Sweep{Algos: names, H: H, Base: f.cfg, Seeds: seeds, Problem: f.problem, Workers: f.workers}
			if err := sw.Check(); err != nil {
				return err
			}
			bar := newProgress(int64(len(names)*len(H)*len(seeds)), "glow sweep", f.quiet)
			sw.Done = func(glow.Result) { bar.Add(1) }
			cells, err := sw.Run()
			bar.End(err)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			name := fmt.Sprintf("%s A=%d", f.env, f.actions)
			if f.penalty > 0 {
				name += fmt.Sprintf(" step-penalty %g (diabolical)", f.penalty)
			}
			fmt.Fprintf(out, "samples (transitions) to reach success >= 0.95: median over %d seeds [solved/seeds]; budget %d episodes; env %s; class %s; weights %s; offline %s for hyglow/hyq/offline\n",
				len(seeds), f.cfg.Episodes, name, orDash(f.cfg.Class), orDash(f.cfg.Weights), f.cfg.Offline)
			glow.WriteSweepTable(out, cells, H)
			for _, n := range glow.VacuousNotes(cells) {
				fmt.Fprintf(out, "note: %s (beta scale %s)\n", n, betaScaleText(f.cfg.BetaScale))
			}
			if plotPath != "" {
				if err := glow.PlotSweep(plotPath, "samples to solve vs H: "+name+", offline "+f.cfg.Offline, cells); err != nil {
					return err
				}
				fmt.Fprintf(out, "plot: %s\n", plotPath)
			}
			return nil
		},
	}
	f.register(cmd)
	cmd.Flags().StringVar(&hs, "H", "5,10,20,50,100", "horizons, comma-separated")
	cmd.Flags().StringVar(&algos, "algos", "hyglow,hyq,glow", "algorithms, comma-separated")
	cmd.Flags().StringVar(&f.cfg.Offline, "offline", "mixed", "offline data for hyglow, hyq and offline: none, epsilon or mixed")
	cmd.Flags().StringVar(&plotPath, "plot", "", "write a log-log plot of samples to solve vs H (PNG, SVG or PDF by extension)")
	return cmd
}

func orDash(s string) string {
	if s == "" {
		return "default"
	}
	return s
}

func newGlowDataCmd() *cobra.Command {
	var f glowFlags
	var H, episodes int
	var design, runDir string
	var dataSeed uint64
	cmd := &cobra.Command{
		Use:   "data",
		Short: "Write an offline lock data set as a run directory of step Parquet files",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			d, err := lock.ParseDesign(design)
			if err != nil {
				return err
			}
			if episodes < 1 {
				return fmt.Errorf("--episodes must be >= 1, got %d", episodes)
			}
			if H >= 1 && episodes > maxRows/H {
				return fmt.Errorf("--episodes x --H = %d x %d steps is too many (at most %d)", episodes, H, maxRows)
			}
			p, err := f.problem(H)
			if err != nil {
				return err
			}
			e := lock.NewLatent(p.Lock)
			if !p.Tabular() {
				e = lock.NewRich(p.Lock)
			}
			eps, err := lock.Generate(e, d, episodes, dataSeed)
			if err != nil {
				return err
			}
			if runDir == "" {
				runDir = filepath.Join("runs", fmt.Sprintf("lock-data-%s-H%d-%s", design, H, time.Now().UTC().Format("20060102-150405")))
			}
			config := map[string]any{"command": "glow data", "env": p.EnvID, "H": H, "actions": f.actions, "lock_seed": f.lockSeed,
				"noise": f.noise, "anti_reward": f.anti, "step_penalty": f.penalty, "design": design, "episodes": episodes, "seed": dataSeed}
			run, err := logs.Create(runDir, config, logs.Options{EnvID: p.EnvID})
			if err != nil {
				return err
			}
			if err := lock.WriteDataset(run, eps, 0); err != nil {
				_ = run.Fail(err)
				return err
			}
			if err := run.Close(); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %d episodes (%d steps) of %s data on %s H=%d to %s\n", episodes, episodes*H, design, p.EnvID, H, runDir)
			return nil
		},
	}
	f.registerProblem(cmd)
	cmd.Flags().IntVar(&H, "H", 10, "horizon of the lock")
	cmd.Flags().StringVar(&design, "design", "mixed", "offline design: epsilon or mixed")
	cmd.Flags().IntVar(&episodes, "episodes", 1000, "episodes to generate")
	cmd.Flags().Uint64Var(&dataSeed, "data-seed", 0, "seed of the data set")
	cmd.Flags().StringVar(&runDir, "run-dir", "", "output directory (default runs/lock-data-<design>-H<H>-<time>)")
	return cmd
}

func betaScaleText(scale float64) string {
	if scale == 0 {
		return "1"
	}
	return strconv.FormatFloat(scale, 'g', -1, 64)
}

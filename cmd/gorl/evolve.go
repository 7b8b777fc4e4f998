package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"gorl/evolution"
	"gorl/evolution/distributed"
	"gorl/logs"
)

// evolveConfig is config.json of a meta-training run.
type evolveConfig struct {
	Command string               `json:"command"`
	Version string               `json:"gorl_version"`
	Meta    evolution.MetaConfig `json:"meta"`
	// Evaluation records where the members were evaluated when the run started; the
	// result does not depend on it (nor on the number of workers, not recorded).
	Evaluation *evolveEvaluation `json:"evaluation,omitempty"`
}

// evolveFlags are gorl evolve's settings besides the distributed ones.
type evolveFlags struct {
	ef         envFlags
	mc         evolution.MetaConfig
	innerSteps int64
	runDir     string
	quiet      bool
	resume     bool
	lifetimes  string
}

func (f *evolveFlags) register(cmd *cobra.Command) {
	f.ef.register(cmd, "CartPole-v1")
	mc := &f.mc
	fl := cmd.Flags()
	fl.StringVar(&mc.Objective, "objective", "lpo", "learned objective to evolve: lpo, ta-lpo (PPO drift) or lpg, ta-lpg (LPG update rule)")
	fl.StringVar(&mc.Strategy, "strategy", "openes", "evolution strategy: openes, snes or cmaes")
	fl.StringVar(&mc.Shaping, "shaping", "", "fitness shaping: rank, zscore or pair-rank (default: zscore for lpo/ta-lpo, pair-rank with --pair-rank or --protocol groove, else rank)")
	fl.StringVar(&mc.Protocol, "protocol", "", "lpg, ta-lpg: lifetime (fresh agents for a whole lifetime; the default) or groove (persistent agents)")
	fl.IntVar(&mc.UpdatesPerGeneration, "updates-per-generation", 0, "--protocol groove: updates each agent trains per generation (K, default 5)")
	fl.IntVar(&mc.Generations, "generations", 10, "ES generations")
	fl.IntVar(&mc.Population, "population", 8, "ES population (even for openes: antithetic pairs)")
	fl.Int64Var(&f.innerSteps, "inner-steps", 20000, "environment steps of each member's inner PPO run")
	fl.IntVar(&mc.Inner.Envs, "inner-envs", 0, "environments of each inner run (default: the trainer's; lpg 8)")
	fl.IntVar(&mc.Inner.RolloutSteps, "inner-rollout-steps", 0, "steps per environment and update of each inner run (default: the trainer's; lpg 20)")
	fl.Uint64Var(&mc.Seed, "seed", 0, "random seed")
	fl.IntVar(&mc.Workers, "workers", 0, "members evaluated at once on this machine without --distributed (0: all cores); results do not depend on it")
	fl.Float64Var(&mc.Sigma, "sigma", 0.04, "initial ES standard deviation (openes: decays by 0.999 per generation to 0.01)")
	fl.Float64Var(&mc.SigmaDecay, "sigma-decay", 0.999, "per-generation sigma decay (1: fixed; openes)")
	fl.Float64Var(&mc.LR, "lr", 0.01, "initial ES (Adam) step size (decays by 0.999 per generation to 0.001; openes)")
	fl.IntVar(&mc.Hidden, "hidden", 128, "drift network width (lpg, ta-lpg: the rule's GRU width, default 32)")
	fl.StringVar(&f.lifetimes, "lifetimes", "", "MIN:MAX: lifetimes in updates, log-uniform in [MIN, MAX], per antithetic pair (--protocol groove: per agent, default 10:250)")
	fl.BoolVar(&mc.PairRank, "pair-rank", false, "fitness = rank within each antithetic pair (1 or 0), as --shaping pair-rank")
	fl.StringVar(&mc.FitnessPolicy, "fitness-policy", "", "how evaluation episodes act: mode (deterministic) or sample (default: mode for lpo/ta-lpo, sample for lpg/ta-lpg as groove)")
	fl.IntVar(&mc.FitnessEpisodes, "fitness-episodes", 5, "evaluation episodes after each inner run (their mean return is the fitness)")
	fl.StringVar(&f.runDir, "run-dir", "", "run directory (default runs/evolve-<objective>-<env>-s<seed>-<time>)")
	fl.BoolVar(&f.resume, "resume", false, "continue the run in --run-dir from its last generation (es_state.json)")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "no progress output")
}

// check reports the first flag out of range in one line.
func (f *evolveFlags) check() error {
	mc := f.mc
	switch {
	case mc.Objective != "lpo" && mc.Objective != "ta-lpo" && mc.Objective != "lpg" && mc.Objective != "ta-lpg":
		return fmt.Errorf("--objective must be lpo, ta-lpo, lpg or ta-lpg, got %q", mc.Objective)
	case !slices.Contains(evolution.Strategies, mc.Strategy):
		return fmt.Errorf("--strategy must be openes, snes or cmaes, got %q", mc.Strategy)
	case mc.Shaping != "" && !slices.Contains(evolution.Shapings, mc.Shaping):
		return fmt.Errorf("--shaping must be rank, zscore or pair-rank, got %q", mc.Shaping)
	case mc.Protocol != "" && mc.Protocol != "lifetime" && mc.Protocol != "groove":
		return fmt.Errorf("--protocol must be lifetime or groove, got %q", mc.Protocol)
	case mc.Generations < 1 || mc.Generations > 1000000:
		return fmt.Errorf("--generations must be in [1, 1000000], got %d", mc.Generations)
	case mc.Population < 2 || mc.Population > maxSeeds || (mc.Strategy == "openes" && mc.Population%2 != 0):
		return fmt.Errorf("--population must be in [2, %d] and even for openes (antithetic pairs), got %d", maxSeeds, mc.Population)
	case f.innerSteps < 1 || f.innerSteps > 1e10:
		return fmt.Errorf("--inner-steps must be in [1, 1e10], got %d", f.innerSteps)
	case mc.Inner.Envs < 0 || mc.Inner.Envs > 4096 || mc.Inner.RolloutSteps < 0 || mc.Inner.RolloutSteps > 1<<20:
		return fmt.Errorf("--inner-envs must be in [0, 4096] and --inner-rollout-steps in [0, 1048576], got %d and %d", mc.Inner.Envs, mc.Inner.RolloutSteps)
	case mc.UpdatesPerGeneration < 0 || mc.UpdatesPerGeneration > 1<<20:
		return fmt.Errorf("--updates-per-generation must be in [1, 1048576], got %d", mc.UpdatesPerGeneration)
	case mc.Workers < 0 || mc.Workers > 4096:
		return fmt.Errorf("--workers must be in [0, 4096] (0: all cores), got %d", mc.Workers)
	case !(finite(mc.Sigma) && mc.Sigma > 0):
		return fmt.Errorf("--sigma must be a positive number, got %v", mc.Sigma)
	case !(finite(mc.LR) && mc.LR > 0):
		return fmt.Errorf("--lr must be a positive number, got %v", mc.LR)
	case mc.Hidden < 1 || mc.Hidden > 4096:
		return fmt.Errorf("--hidden must be in [1, 4096], got %d", mc.Hidden)
	case mc.FitnessEpisodes < 1 || mc.FitnessEpisodes > 100000:
		return fmt.Errorf("--fitness-episodes must be in [1, 100000], got %d", mc.FitnessEpisodes)
	case mc.FitnessPolicy != "" && mc.FitnessPolicy != "mode" && mc.FitnessPolicy != "sample":
		return fmt.Errorf("--fitness-policy must be mode or sample, got %q", mc.FitnessPolicy)
	}
	return nil
}

// metaConfig is the effective, validated meta-training config of the flags.
func (f *evolveFlags) metaConfig(fl *pflag.FlagSet) (evolution.MetaConfig, error) {
	if err := f.check(); err != nil {
		return evolution.MetaConfig{}, err
	}
	mc := f.mc
	var err error
	if mc.LifetimeMin, mc.LifetimeMax, err = parseLifetimes(f.lifetimes); err != nil {
		return mc, err
	}
	if mc.IsLPG() {
		// TA-LPG's ES (groove): sigma 0.1, fixed; the rule's default GRU width.
		if !fl.Changed("hidden") {
			mc.Hidden = 0
		}
		if !fl.Changed("sigma") {
			mc.Sigma = 0.1
		}
		if !fl.Changed("sigma-decay") {
			mc.SigmaDecay = 1
		}
	}
	opts, err := f.ef.options()
	if err != nil {
		return mc, err
	}
	if err := checkEnvID(f.ef.ID); err != nil {
		return mc, err
	}
	mc.Inner.Env, mc.Inner.Steps = f.ef.ID, f.innerSteps
	if len(opts) > 0 {
		mc.Inner.EnvOptions = opts
	}
	mc = mc.WithDefaults()
	if err := mc.Validate(); err != nil {
		return mc, err
	}
	return mc, mc.CheckInnerEnv()
}

func newEvolveCmd() *cobra.Command {
	var (
		f    evolveFlags
		dist distFlags
	)
	cmd := &cobra.Command{
		Use:     "evolve",
		Short:   "Meta-train a learned objective (LPO, TA-LPO) or update rule (LPG, TA-LPG) with OpenES, SNES or CMA-ES",
		Long:    evolveLong,
		Example: evolveExample,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := dist.validate(cmd.Flags()); err != nil {
				return err
			}
			if f.resume {
				return resumeEvolve(cmd, f.runDir, f.mc.Workers, &dist, f.quiet)
			}
			mc, err := f.metaConfig(cmd.Flags())
			if err != nil {
				return err
			}
			cfg := evolveConfig{Command: "evolve", Version: version, Meta: mc}
			runDir := f.runDir
			if runDir == "" {
				runDir = defaultRunDir("evolve-"+mc.Objective, f.ef.ID, mc.Seed)
			}
			// Connect before creating the run, so a bad --nats leaves no run directory.
			ev, err := dist.newEvaluator(cmd, cfg.Meta)
			if err != nil {
				return err
			}
			defer ev.close()
			cfg.Evaluation = ev.record
			run, err := logs.Create(runDir, cfg, logs.Options{EnvID: f.ef.ID, StepEvery: -1})
			if err != nil {
				return err
			}
			lock, err := logs.LockRun(runDir)
			if err != nil {
				return errors.Join(err, quietFail(run, err))
			}
			defer lock.Unlock()
			return runEvolve(cmd, cfg, run, nil, ev, f.quiet)
		},
	}
	f.register(cmd)
	dist.register(cmd.Flags())
	cmd.AddCommand(newEvolveEvalCmd())
	return cmd
}

// resumeEvolve continues the meta-training run in dir with its recorded settings.
func resumeEvolve(cmd *cobra.Command, dir string, workers int, dist *distFlags, quiet bool) error {
	if dir == "" {
		return errors.New("--resume needs --run-dir DIR")
	}
	var changed []string
	cmd.Flags().Visit(func(f *pflag.Flag) {
		switch f.Name {
		case "resume", "run-dir", "quiet", "workers", // where members run does not change the result
			"distributed", "nats", "listen", "subject", "local-workers", "item-timeout", "worker-timeout":
		default:
			changed = append(changed, "--"+f.Name)
		}
	})
	if len(changed) > 0 {
		return fmt.Errorf("--resume continues with %s; drop %s", filepath.Join(dir, "config.json"), strings.Join(changed, ", "))
	}
	if err := checkInputDir("run-dir", dir); err != nil {
		return err
	}
	lock, err := logs.LockRun(dir) // one process per run: a second resume is refused here
	if err != nil {
		return err
	}
	defer lock.Unlock()
	path := filepath.Join(dir, "config.json")
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("%s is not a run directory (no config.json)", dir)
	}
	var cfg evolveConfig
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		return fmt.Errorf("config %s: %w", path, err)
	}
	if cfg.Command != "evolve" {
		return fmt.Errorf("%s is not a meta-training run (it was written by gorl %s)", dir, cfg.Command)
	}
	if cmd.Flags().Changed("workers") {
		if workers < 0 || workers > 4096 {
			return fmt.Errorf("--workers must be in [0, 4096] (0: all cores), got %d", workers)
		}
		cfg.Meta.Workers = workers // results do not depend on it
	}
	if err := cfg.Meta.Validate(); err != nil {
		return fmt.Errorf("config %s: %w", path, err)
	}
	if info, err := logs.ReadRunInfo(dir); err == nil && info.Status == "running" {
		return fmt.Errorf("run %s is still running (process %d); stop it before --resume", dir, info.PID)
	}
	st, err := evolution.ReadMetaState(dir)
	if err != nil {
		return fmt.Errorf("%s: %w", dir, err)
	}
	if st.Generation() >= cfg.Meta.Generations {
		return fmt.Errorf("run %s already completed its %d generations", dir, cfg.Meta.Generations)
	}
	ev, err := dist.newEvaluator(cmd, cfg.Meta)
	if err != nil {
		return err
	}
	defer ev.close()
	run, err := logs.Resume(dir, logs.Options{EnvID: cfg.Meta.Inner.Env, StepEvery: -1}, &st.Marks)
	if err != nil {
		return err
	}
	return runEvolve(cmd, cfg, run, st, ev, quiet)
}

// runEvolve meta-trains with per-generation lines on stdout and closes the run.
func runEvolve(cmd *cobra.Command, cfg evolveConfig, run *logs.Run, from *evolution.MetaState, ev *evaluator, quiet bool) error {
	mc, runDir := cfg.Meta, run.Dir()
	out := cmd.OutOrStdout()
	done := 0
	if from != nil {
		done = from.Generation()
	}
	prog := newProgress(int64(mc.Generations-done), "evolve", quiet)
	kind := "drift"
	if mc.IsLPG() {
		kind = "update rule"
	}
	budget := fmt.Sprintf("%d inner steps", mc.Inner.Steps)
	if mc.IsGroove() {
		budget = fmt.Sprintf("%d updates on %d persistent agents", mc.UpdatesPerGeneration, mc.Population/2)
	}
	fmt.Fprintf(out, "evolve %s on %s with %s: %d generations x %d members x %s (%s: %d parameters)\n",
		mc.Objective, mc.Inner.Env, mc.Strategy, mc.Generations, mc.Population, budget, kind, mc.Dim())
	if mc.LifetimeMin > 0 {
		fmt.Fprintf(out, "population members train for lifetimes log-uniform in [%d, %d] updates of %d steps\n",
			mc.LifetimeMin, mc.LifetimeMax, mc.Inner.Envs*mc.Inner.RolloutSteps)
	}
	if done > 0 {
		fmt.Fprintf(out, "resuming after generation %d\n", done-1)
	}
	var members evolution.Evaluator = evolution.Pool{Workers: mc.Workers, Seed: mc.EvaluatorSeed()}
	if ev.ev != nil {
		members = ev.ev
		fmt.Fprintf(out, "evaluating members on NATS workers at %s (subject %s); start workers with: %s\n",
			ev.url, ev.record.Subject, ev.workerCommand())
	}
	res, err := evolution.MetaTrainOn(members, mc, run, from, func(g evolution.Generation) {
		prog.Add(1)
		prog.Describe(fmt.Sprintf("fitness %.1f", g.FitnessMean))
		refs := fmt.Sprintf("  search mean %.2f  ppo-clip %.2f", g.MeanFitness, g.ClipFitness)
		if mc.IsGroove() {
			refs = "" // no reference runs under groove's protocol
		}
		fmt.Fprintf(out, "generation %d: fitness mean %.2f max %.2f min %.2f%s  sigma %.4f lr %.4f  %.1f s\n",
			g.Index, g.FitnessMean, g.FitnessMax, g.FitnessMin, refs, g.Sigma, g.LR, g.WallSeconds)
	})
	prog.End(err)
	if err != nil {
		if errors.Is(err, distributed.ErrNoAnswer) {
			err = fmt.Errorf("%w (start workers with: %s)", err, ev.workerCommand())
		}
		return errors.Join(fmt.Errorf("evolve %s: %w", runDir, err), quietFail(run, err))
	}
	if err := run.Close(); err != nil {
		return err
	}
	fmt.Fprintf(out, "best fitness %.2f; %s files %s, %s\n", res.BestFitness, kind,
		filepath.Join(runDir, mc.MeanFile()), filepath.Join(runDir, mc.BestFile()))
	return nil
}

// quietFail marks the run failed; its own error matters only if marking fails.
func quietFail(run *logs.Run, cause error) error {
	if err := run.Fail(cause); err != nil && !errors.Is(err, cause) {
		return err
	}
	return nil
}

// parseLifetimes reads --lifetimes MIN:MAX (empty: 0, 0).
func parseLifetimes(s string) (lo, hi int, err error) {
	if s == "" {
		return 0, 0, nil
	}
	a, b, ok := strings.Cut(s, ":")
	if ok {
		if lo, err = strconv.Atoi(a); err == nil {
			hi, err = strconv.Atoi(b)
		}
	}
	if !ok || err != nil {
		return 0, 0, fmt.Errorf("--lifetimes must be MIN:MAX in updates, e.g. 10:250, got %q", s)
	}
	if lo < 1 || hi < lo || hi > 1e7 {
		return 0, 0, fmt.Errorf("--lifetimes %q: want 1 <= MIN <= MAX <= 10000000", s)
	}
	return lo, hi, nil
}

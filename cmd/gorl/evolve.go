package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"gorl/evolution"
	"gorl/evolution/distributed"
	"gorl/logs"
)

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

// metaConfig is the effective, validated meta-training config of the flags.
func (f *evolveFlags) metaConfig(fl *pflag.FlagSet) (evolution.MetaConfig, error) {
	mc := f.mc
	mc.Inner.Steps = f.innerSteps
	if err := mc.CheckFlags(maxSeeds); err != nil {
		return mc, err
	}
	var err error
	if mc.LifetimeMin, mc.LifetimeMax, err = evolution.ParseLifetimes(f.lifetimes); err != nil {
		return mc, err
	}
	mc = mc.ForLPG(fl.Changed)
	if err := mergeEnvFlags(&f.ef, fl, &mc.Inner.Env, &mc.Inner.EnvOptions); err != nil {
		return mc, err
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
			return startEvolve(cmd, evolution.RunConfig{Command: "evolve", Version: version, Meta: mc}, f.runDir, &dist, f.quiet)
		},
	}
	f.register(cmd)
	dist.register(cmd.Flags())
	cmd.AddCommand(newEvolveEvalCmd())
	return cmd
}

// startEvolve creates the run directory of cfg and meta-trains.
func startEvolve(cmd *cobra.Command, cfg evolution.RunConfig, runDir string, dist *distFlags, quiet bool) error {
	if runDir == "" {
		runDir = defaultRunDir("evolve-"+cfg.Meta.Objective, cfg.Meta.Inner.Env, cfg.Meta.Seed)
	}
	// Connect before creating the run, so a bad --nats leaves no run directory.
	ev, err := dist.start(cmd, cfg.Meta)
	if err != nil {
		return err
	}
	defer ev.Close()
	if ev.Coordinator != nil {
		cfg.Evaluation = &ev.Record
	}
	run, err := logs.Create(runDir, cfg, logs.Options{EnvID: cfg.Meta.Inner.Env, StepEvery: -1})
	if err != nil {
		return err
	}
	lock, err := logs.LockRun(runDir)
	if err != nil {
		return errors.Join(err, quietFail(run, err))
	}
	defer lock.Unlock()
	return runEvolve(cmd, cfg.Meta, run, nil, ev, quiet)
}

// resumeEvolve continues the meta-training run in dir with its recorded settings.
func resumeEvolve(cmd *cobra.Command, dir string, workers int, dist *distFlags, quiet bool) error {
	// Where members run does not change the result.
	err := resumeFlags(cmd.Flags(), dir, "workers", "distributed", "nats", "listen", "subject", "local-workers", "item-timeout", "worker-timeout")
	if err != nil {
		return err
	}
	if err := checkInputDir("run-dir", dir); err != nil {
		return err
	}
	lock, err := logs.LockRun(dir) // one process per run: a second resume is refused here
	if err != nil {
		return err
	}
	defer lock.Unlock()
	var w *int
	if cmd.Flags().Changed("workers") {
		w = &workers
	}
	cfg, st, err := evolution.PrepareResume(dir, w)
	if err != nil {
		return err
	}
	ev, err := dist.start(cmd, cfg.Meta)
	if err != nil {
		return err
	}
	defer ev.Close()
	run, err := logs.Resume(dir, logs.Options{EnvID: cfg.Meta.Inner.Env, StepEvery: -1}, &st.Marks)
	if err != nil {
		return err
	}
	return runEvolve(cmd, cfg.Meta, run, st, ev, quiet)
}

// runEvolve meta-trains with per-generation lines on stdout, stopping cleanly on SIGINT
// or SIGTERM, and closes the run.
func runEvolve(cmd *cobra.Command, mc evolution.MetaConfig, run *logs.Run, from *evolution.MetaState, ev *distributed.Cluster, quiet bool) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	out, done := cmd.OutOrStdout(), 0
	if from != nil {
		done = from.Generation()
	}
	mc.WriteHeader(out, done)
	var members evolution.Evaluator = evolution.Pool{Workers: mc.Workers, Seed: mc.EvaluatorSeed()}
	if ev.Coordinator != nil {
		members = ev.Coordinator
		fmt.Fprintf(out, "evaluating members on NATS workers at %s (subject %s); start workers with: %s\n",
			ev.URL, ev.Record.Subject, ev.WorkerCommand())
	}
	prog := newProgress(int64(mc.Generations-done), "evolve", quiet)
	_, err := evolution.Run(ctx, members, mc, run, from, out, func(g evolution.Generation) {
		prog.Add(1)
		prog.Describe(fmt.Sprintf("fitness %.1f", g.FitnessMean))
	})
	prog.End(err)
	if errors.Is(err, distributed.ErrNoAnswer) {
		err = fmt.Errorf("%w (start workers with: %s)", err, ev.WorkerCommand())
	}
	return err
}

// quietFail marks the run failed; its own error matters only if marking fails.
func quietFail(run *logs.Run, cause error) error {
	if err := run.Fail(cause); err != nil && !errors.Is(err, cause) {
		return err
	}
	return nil
}

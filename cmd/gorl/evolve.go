package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"gorl/evolution"
	"gorl/logs"
)

// evolveConfig is config.json of a meta-training run.
type evolveConfig struct {
	Command string               `json:"command"`
	Version string               `json:"gorl_version"`
	Meta    evolution.MetaConfig `json:"meta"`
}

func newEvolveCmd() *cobra.Command {
	var (
		ef         envFlags
		mc         evolution.MetaConfig
		innerSteps int64
		runDir     string
		quiet      bool
		resume     bool
	)
	cmd := &cobra.Command{
		Use:   "evolve",
		Short: "Meta-train a learned PPO objective (LPO, TA-LPO) with OpenES",
		Long: `Evolve the drift network of a learned PPO objective with OpenES (mean starting at
zero, i.e. at PPO-clip). Every member of a generation trains a fresh PPO agent for
--inner-steps environment steps with its drift; its fitness is the mean return of
deterministic evaluation episodes afterwards. The run directory holds config.json,
metrics.parquet (one row per generation: fitness_mean/max/min of the population,
mean_fitness of the search mean and clip_fitness of PPO-clip on the same inner seed,
sigma, lr, env steps, wall time), mean.drift and best.drift (use them with gorl train --objective lpo|ta-lpo
--objective-params FILE) and es_state.json.`,
		Example: `  gorl evolve --objective lpo --generations 10 --population 8 --inner-steps 20000 --seed 1
  gorl evolve --objective ta-lpo --env CartPole-v1 --run-dir runs/talpo
  gorl train --objective lpo --objective-params runs/talpo/mean.drift`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if resume {
				return resumeEvolve(cmd, runDir, mc.Workers, quiet)
			}
			switch {
			case mc.Objective != "lpo" && mc.Objective != "ta-lpo":
				return fmt.Errorf("--objective must be lpo or ta-lpo, got %q", mc.Objective)
			case mc.Generations < 1 || mc.Generations > 1000000:
				return fmt.Errorf("--generations must be in [1, 1000000], got %d", mc.Generations)
			case mc.Population < 2 || mc.Population%2 != 0 || mc.Population > maxSeeds:
				return fmt.Errorf("--population must be even and in [2, %d] (antithetic pairs), got %d", maxSeeds, mc.Population)
			case innerSteps < 1 || innerSteps > 1e10:
				return fmt.Errorf("--inner-steps must be in [1, 1e10], got %d", innerSteps)
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
			}
			opts, err := ef.options()
			if err != nil {
				return err
			}
			if err := checkEnvID(ef.ID); err != nil {
				return err
			}
			mc.Inner.Env, mc.Inner.Steps = ef.ID, innerSteps
			if len(opts) > 0 {
				mc.Inner.EnvOptions = opts
			}
			cfg := evolveConfig{Command: "evolve", Version: version, Meta: mc.WithDefaults()}
			if err := cfg.Meta.Validate(); err != nil {
				return err
			}
			if runDir == "" {
				runDir = defaultRunDir("evolve-"+mc.Objective, ef.ID, mc.Seed)
			}
			run, err := logs.Create(runDir, cfg, logs.Options{EnvID: ef.ID, StepEvery: -1})
			if err != nil {
				return err
			}
			return runEvolve(cmd, cfg, run, nil, quiet)
		},
	}
	ef.register(cmd, "CartPole-v1")
	fl := cmd.Flags()
	fl.StringVar(&mc.Objective, "objective", "lpo", "learned objective to evolve: lpo or ta-lpo")
	fl.IntVar(&mc.Generations, "generations", 10, "ES generations")
	fl.IntVar(&mc.Population, "population", 8, "ES population (even: antithetic pairs)")
	fl.Int64Var(&innerSteps, "inner-steps", 20000, "environment steps of each member's inner PPO run")
	fl.Uint64Var(&mc.Seed, "seed", 0, "random seed")
	fl.IntVar(&mc.Workers, "workers", 0, "members evaluated at once (0: all cores); results do not depend on it")
	fl.Float64Var(&mc.Sigma, "sigma", 0.04, "initial ES standard deviation (decays by 0.999 per generation to 0.01)")
	fl.Float64Var(&mc.SigmaDecay, "sigma-decay", 0.999, "per-generation sigma decay (1: fixed)")
	fl.Float64Var(&mc.LR, "lr", 0.01, "initial ES (Adam) step size (decays by 0.999 per generation to 0.001)")
	fl.IntVar(&mc.Hidden, "hidden", 128, "drift network width")
	fl.IntVar(&mc.FitnessEpisodes, "fitness-episodes", 5, "evaluation episodes after each inner run (their mean return is the fitness)")
	fl.StringVar(&runDir, "run-dir", "", "run directory (default runs/evolve-<objective>-<env>-s<seed>-<time>)")
	fl.BoolVar(&resume, "resume", false, "continue the run in --run-dir from its last generation (es_state.json)")
	fl.BoolVar(&quiet, "quiet", false, "no progress output")
	return cmd
}

// resumeEvolve continues the meta-training run in dir with its recorded settings.
func resumeEvolve(cmd *cobra.Command, dir string, workers int, quiet bool) error {
	if dir == "" {
		return errors.New("--resume needs --run-dir DIR")
	}
	var changed []string
	cmd.Flags().Visit(func(f *pflag.Flag) {
		switch f.Name {
		case "resume", "run-dir", "quiet", "workers":
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
	if st.ES.Generation >= cfg.Meta.Generations {
		return fmt.Errorf("run %s already completed its %d generations", dir, cfg.Meta.Generations)
	}
	run, err := logs.Resume(dir, logs.Options{EnvID: cfg.Meta.Inner.Env, StepEvery: -1}, &st.Marks)
	if err != nil {
		return err
	}
	return runEvolve(cmd, cfg, run, st, quiet)
}

// runEvolve meta-trains with per-generation lines on stdout and closes the run.
func runEvolve(cmd *cobra.Command, cfg evolveConfig, run *logs.Run, from *evolution.MetaState, quiet bool) error {
	mc, runDir := cfg.Meta, run.Dir()
	out := cmd.OutOrStdout()
	done := 0
	if from != nil {
		done = from.ES.Generation
	}
	prog := newProgress(int64(mc.Generations-done), "evolve", quiet)
	fmt.Fprintf(out, "evolve %s on %s: %d generations x %d members x %d inner steps (drift: %d parameters)\n",
		mc.Objective, mc.Inner.Env, mc.Generations, mc.Population, mc.Inner.Steps, mc.Dim())
	if done > 0 {
		fmt.Fprintf(out, "resuming after generation %d\n", done-1)
	}
	res, err := evolution.MetaTrainFrom(mc, run, from, func(g evolution.Generation) {
		prog.Add(1)
		prog.Describe(fmt.Sprintf("fitness %.1f", g.FitnessMean))
		fmt.Fprintf(out, "generation %d: fitness mean %.2f max %.2f min %.2f  search mean %.2f  ppo-clip %.2f  sigma %.4f lr %.4f  %.1f s\n",
			g.Index, g.FitnessMean, g.FitnessMax, g.FitnessMin, g.MeanFitness, g.ClipFitness, g.Sigma, g.LR, g.WallSeconds)
	})
	prog.End(err)
	if err != nil {
		return errors.Join(fmt.Errorf("evolve %s: %w", runDir, err), quietFail(run, err))
	}
	if err := run.Close(); err != nil {
		return err
	}
	fmt.Fprintf(out, "best fitness %.2f; drift files %s, %s\n", res.BestFitness,
		filepath.Join(runDir, evolution.MeanDriftFile), filepath.Join(runDir, evolution.BestDriftFile))
	return nil
}

// quietFail marks the run failed; its own error matters only if marking fails.
func quietFail(run *logs.Run, cause error) error {
	if err := run.Fail(cause); err != nil && !errors.Is(err, cause) {
		return err
	}
	return nil
}

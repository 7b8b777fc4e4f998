package main

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"gorl/agents"
	"gorl/env"
	"gorl/logs"
)

// rolloutConfig is written to config.json: everything needed to rerun the rollout.
type rolloutConfig struct {
	Command    string      `json:"command"`
	Version    string      `json:"gorl_version"`
	Env        string      `json:"env"`
	EnvOptions env.Options `json:"env_options,omitempty"`
	Policy     string      `json:"policy"`
	Episodes   int         `json:"episodes"`
	Seed       uint64      `json:"seed"`
	Envs       int         `json:"envs"`
	Workers    int         `json:"workers"`
	StepEvery  int         `json:"step_every"`
	PartRows   int         `json:"part_rows"`
}

func newRolloutCmd() *cobra.Command {
	var (
		ef       envFlags
		cfg      rolloutConfig
		runDir   string
		quiet    bool
		flushSec float64
	)
	cmd := &cobra.Command{
		Use:   "rollout",
		Short: "Roll out a policy in an environment and log every step and episode",
		Long: `Roll out a policy (random for now) for a number of episodes and write a run
directory: config.json, steps/part-*.parquet, episodes.parquet. With --envs K the
episodes run in K environments stepped in lock step (by --workers goroutines); the
result is the same for any number of workers.`,
		Example: `  gorl rollout --env CartPole-v1 --episodes 100 --seed 1
  gorl rollout --env sgrl/custom --model hopper.xml --family hopper --episodes 5`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts, err := ef.options()
			if err != nil {
				return err
			}
			if err := checkEnvID(ef.ID); err != nil {
				return err
			}
			cfg.Command, cfg.Version, cfg.Env, cfg.EnvOptions = "rollout", version, ef.ID, opts
			if err := validateRollout(&cfg, flushSec); err != nil {
				return err
			}
			if runDir == "" {
				runDir = defaultRunDir("rollout", cfg.Env, cfg.Seed)
			}
			sum, err := rollout(cfg, runDir, quiet, time.Duration(flushSec*float64(time.Second)))
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%d episodes of %s in %s: mean return %.3f, mean length %.1f (%d steps)\n",
				sum.episodes, cfg.Env, runDir, sum.meanReturn, sum.meanLength, sum.steps)
			return nil
		},
	}
	ef.register(cmd, "CartPole-v1")
	cmd.Flags().StringVar(&cfg.Policy, "policy", "random", "policy to roll out: random")
	cmd.Flags().IntVar(&cfg.Episodes, "episodes", 10, "number of episodes")
	cmd.Flags().Uint64Var(&cfg.Seed, "seed", 0, "random seed")
	cmd.Flags().IntVar(&cfg.Envs, "envs", 1, "environments stepped in lock step")
	cmd.Flags().IntVar(&cfg.Workers, "workers", 1, "goroutines stepping the environments")
	cmd.Flags().IntVar(&cfg.StepEvery, "step-every", 1, "log the steps of every Nth episode (negative or 0: none)")
	cmd.Flags().IntVar(&cfg.PartRows, "part-rows", 65536, "step rows per Parquet part file")
	cmd.Flags().StringVar(&runDir, "run-dir", "", "run directory (default runs/rollout-<env>-s<seed>-<time>)")
	cmd.Flags().Float64Var(&flushSec, "flush-every", 10, "flush buffered rows at least every this many seconds")
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "no progress output")
	return cmd
}

func validateRollout(cfg *rolloutConfig, flushSec float64) error {
	switch {
	case cfg.Policy != "random":
		return fmt.Errorf("--policy %q: unknown policy (known: random; trained agents: gorl eval)", cfg.Policy)
	case cfg.Episodes < 1:
		return fmt.Errorf("--episodes must be at least 1, got %d", cfg.Episodes)
	case cfg.Envs < 1 || cfg.Envs > maxEnvs:
		return fmt.Errorf("--envs must be in [1, %d], got %d", maxEnvs, cfg.Envs)
	case cfg.Workers < 1:
		return fmt.Errorf("--workers must be at least 1, got %d", cfg.Workers)
	case cfg.PartRows < 1 || cfg.PartRows > maxPartRows:
		return fmt.Errorf("--part-rows must be in [1, %d], got %d", maxPartRows, cfg.PartRows)
	case !(flushSec > 0 && flushSec <= maxFlushSec):
		return fmt.Errorf("--flush-every must be a positive number of seconds up to %g, got %v", maxFlushSec, flushSec)
	}
	return nil
}

// defaultRunDir names a run directory after the command, env, seed and start time.
func defaultRunDir(command, envID string, seed uint64) string {
	name := strings.NewReplacer("/", "_", "+", "p").Replace(envID)
	return filepath.Join("runs", fmt.Sprintf("%s-%s-s%d-%s", command, name, seed, time.Now().Format("20060102-150405")))
}

type rolloutSummary struct {
	episodes, steps        int64
	meanReturn, meanLength float64
}

// rollout runs cfg.Episodes episodes and logs them. Episode ids are assigned when an
// episode starts, in slot order, so they are unique and independent of worker count.
func rollout(cfg rolloutConfig, runDir string, quiet bool, flushEvery time.Duration) (rolloutSummary, error) {
	var sum rolloutSummary
	vec, err := env.NewVector(cfg.Envs, cfg.Workers, func(int) (env.Env, error) { return env.Make(cfg.Env, cfg.EnvOptions) })
	if err != nil {
		return sum, err
	}
	defer vec.Close()
	stepEvery := cfg.StepEvery
	if stepEvery <= 0 { // none, as --step-every negative means for every command
		stepEvery = -1
	}
	run, err := logs.Create(runDir, cfg, logs.Options{EnvID: cfg.Env, StepEvery: stepEvery, PartRows: cfg.PartRows, FlushEvery: flushEvery})
	if err != nil {
		return sum, err
	}
	sum, err = rolloutLoop(cfg, vec, run, quiet)
	if err != nil {
		_ = run.Fail(err)
		return sum, err
	}
	return sum, run.Close()
}

func rolloutLoop(cfg rolloutConfig, vec *env.Vector, run *logs.Run, quiet bool) (rolloutSummary, error) {
	prog := newProgress(int64(cfg.Episodes), "episodes", quiet)
	defer prog.Finish()
	sum, err := agents.RandomRollout(vec, run, cfg.Episodes, cfg.Seed, func(e logs.EpisodeRow) {
		prog.Add(1)
		prog.Describe(fmt.Sprintf("return %.3g", e.Return))
	})
	if err != nil && !errors.Is(err, agents.ErrNonFinite) {
		return rolloutSummary{}, err
	}
	if err != nil {
		return rolloutSummary{}, fmt.Errorf("%s: %w", cfg.Env, err)
	}
	return rolloutSummary{episodes: sum.Episodes, steps: sum.Steps, meanReturn: sum.MeanReturn, meanLength: sum.MeanLength}, nil
}

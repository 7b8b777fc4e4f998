package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"gorl/agents"
	"gorl/logs"
)

func newRolloutCmd() *cobra.Command {
	var (
		ef       envFlags
		cfg      agents.RolloutConfig
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
			if err := cfg.Validate(flushSec); err != nil {
				return err
			}
			if runDir == "" {
				runDir = defaultRunDir("rollout", cfg.Env, cfg.Seed)
			}
			prog := newProgress(int64(cfg.Episodes), "episodes", quiet)
			sum, err := cfg.Rollout(runDir, time.Duration(flushSec*float64(time.Second)), func(e logs.EpisodeRow) {
				prog.Add(1)
				prog.Describe(fmt.Sprintf("return %.3g", e.Return))
			})
			prog.End(err)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%d episodes of %s in %s: mean return %.3f, mean length %.1f (%d steps)\n",
				sum.Episodes, cfg.Env, runDir, sum.MeanReturn, sum.MeanLength, sum.Steps)
			return nil
		},
	}
	ef.register(cmd, "CartPole-v1")
	cmd.Flags().StringVar(&cfg.Policy, "policy", "random", "policy to roll out: random")
	cmd.Flags().IntVar(&cfg.Episodes, "episodes", 10, "number of episodes")
	cmd.Flags().Uint64Var(&cfg.Seed, "seed", 0, "random seed")
	cmd.Flags().IntVar(&cfg.Envs, "envs", 1, "environments stepped in lock step")
	cmd.Flags().IntVar(&cfg.Workers, "workers", 1, "goroutines stepping the environments (gym: envs: Python worker processes)")
	cmd.Flags().IntVar(&cfg.StepEvery, "step-every", 1, "log the steps of every Nth episode (negative or 0: none)")
	cmd.Flags().IntVar(&cfg.PartRows, "part-rows", 65536, "step rows per Parquet part file")
	cmd.Flags().StringVar(&runDir, "run-dir", "", "run directory (default runs/rollout-<env>-s<seed>-<time>)")
	cmd.Flags().Float64Var(&flushSec, "flush-every", 10, "flush buffered rows at least every this many seconds")
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "no progress output")
	return cmd
}

// defaultRunDir names a run directory after the command, env, seed and start time.
func defaultRunDir(command, envID string, seed uint64) string {
	name := strings.NewReplacer("/", "_", "+", "p").Replace(envID)
	return filepath.Join("runs", fmt.Sprintf("%s-%s-s%d-%s", command, name, seed, time.Now().Format("20060102-150405")))
}

package main

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

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
	cmd.Flags().IntVar(&cfg.StepEvery, "step-every", 1, "log the steps of every Nth episode (0: none)")
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
	case cfg.StepEvery < 0:
		return fmt.Errorf("--step-every must be >= 0, got %d", cfg.StepEvery)
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
	if stepEvery == 0 {
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
	var sum rolloutSummary
	n := vec.Num()
	vec.Seed(cfg.Seed)
	obs := vec.Reset()
	actSpace := vec.ActionSpace()
	rngs := make([]*rand.Rand, n)
	actions := make([][]float64, n)
	episode := make([]int64, n) // episode id of each slot, -1 when idle
	step := make([]int64, n)
	ret := make([]float64, n)
	var started int64
	for i := range episode {
		rngs[i] = env.NewRand(cfg.Seed, 1, uint64(i))
		actions[i] = make([]float64, actSpace.Dim())
		episode[i] = -1
		if started < int64(cfg.Episodes) {
			episode[i] = started
			started++
		}
	}
	// Contexts and body poses describe the state an action is taken in: they are read
	// before each step into per-slot buffers.
	contexts := make([]int64, n)
	pos, quat := make([][]float64, n), make([][]float64, n)
	posers := make([]env.BodyPoser, n)
	for i, e := range vec.Envs {
		if p, ok := env.As[env.BodyPoser](e); ok {
			posers[i] = p
			pos[i], quat[i] = make([]float64, 3*p.NumBodies()), make([]float64, 4*p.NumBodies())
		}
	}
	prog := newProgress(int64(cfg.Episodes), "episodes", quiet)
	defer prog.Finish()
	row := logs.StepRow{LogProb: math.NaN(), Value: math.NaN()}
	prevObs := make([][]float64, n)
	for i := range prevObs {
		prevObs[i] = make([]float64, len(obs[i]))
	}
	var finished int64
	var totalReturn, totalLength float64
	for finished < int64(cfg.Episodes) {
		for i := range actions {
			actSpace.Sample(rngs[i], actions[i])
			copy(prevObs[i], obs[i])
		}
		for i := range contexts {
			contexts[i] = logs.NoContext
			if c, ok := env.As[env.ContextRevealer](vec.Envs[i]); ok {
				contexts[i] = int64(c.Context())
			}
			if posers[i] != nil && episode[i] >= 0 && run.WantSteps(episode[i]) {
				posers[i].BodyPoses(pos[i], quat[i])
			}
		}
		vec.Step(actions)
		if err := vec.Failure(); err != nil {
			return rolloutSummary{}, err
		}
		for i := 0; i < n; i++ {
			ep := episode[i]
			if ep < 0 {
				continue
			}
			ret[i] += vec.Rewards[i]
			row.Episode, row.Step, row.Obs, row.Action = ep, step[i], prevObs[i], actions[i]
			row.Reward, row.Terminated, row.Truncated, row.Context = vec.Rewards[i], vec.Terminated[i], vec.Truncated[i], contexts[i]
			row.BodyPos, row.BodyQuat = pos[i], quat[i]
			if err := run.LogStep(&row); err != nil {
				return sum, err
			}
			step[i]++
			sum.steps++
			if !vec.Terminated[i] && !vec.Truncated[i] {
				continue
			}
			if math.IsNaN(ret[i]) || math.IsInf(ret[i], 0) {
				return sum, fmt.Errorf("episode %d of %s produced a non-finite return", ep, cfg.Env)
			}
			err := run.LogEpisode(logs.EpisodeRow{Episode: ep, Seed: int64(cfg.Seed), Return: ret[i], Length: step[i],
				Terminated: vec.Terminated[i], Truncated: vec.Truncated[i], EnvSteps: sum.steps,
				WallSeconds: run.Elapsed(), Context: contexts[i]})
			if err != nil {
				return sum, err
			}
			finished++
			totalReturn += ret[i]
			totalLength += float64(step[i])
			prog.Add(1)
			prog.Describe(fmt.Sprintf("return %.3g", ret[i]))
			episode[i], step[i], ret[i] = -1, 0, 0
			if started < int64(cfg.Episodes) {
				episode[i] = started
				started++
			}
		}
	}
	sum.episodes = finished
	sum.meanReturn, sum.meanLength = totalReturn/float64(finished), totalLength/float64(finished)
	if finished == 0 {
		return sum, errors.New("no episode finished")
	}
	return sum, nil
}

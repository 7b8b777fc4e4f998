package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"gorl/agents"
	"gorl/env"
	"gorl/logs"
)

// evalConfig is config.json of an evaluation run.
type evalConfig struct {
	Command    string      `json:"command"`
	Version    string      `json:"gorl_version"`
	TrainRun   string      `json:"train_run"`
	Checkpoint string      `json:"checkpoint"`
	Env        string      `json:"env"`
	EnvOptions env.Options `json:"env_options,omitempty"`
	Episodes   int         `json:"episodes"`
	Seed       uint64      `json:"seed"`
	StepEvery  int         `json:"step_every"`
}

func newEvalCmd() *cobra.Command {
	var (
		ef     envFlags
		cfg    evalConfig
		outDir string
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "eval RUN_DIR",
		Short: "Evaluate a training run's latest checkpoint with its deterministic policy",
		Long: `Evaluate the latest readable checkpoint of a training run of any algorithm: the policy
acts deterministically (its most likely action; for a td3 run, its actor from
checkpoints/final.ckpt, or from the latest resumable checkpoint of a run that did
not finish) for --episodes episodes, which are logged to a new run directory
(default RUN_DIR/eval-N) with their steps. --env evaluates on another environment with
the same observation and action spaces; --model/--family select a 3D morphology. A td3
run with --arch set or swat evaluates zero-shot on any sgrl/ morphology or multi-task
set (its networks do not depend on the morphology); an --arch mlp run only where the
observation and action widths are its training environment's. On 3D locomotion tasks
the summary gives the reward terms per episode beside the return (progress towards the
target, heading, alive bonus, control cost; episodes.parquet has them per episode) and
the alive bonus's share of the return. --json prints the summary as one JSON line.`,
		Example: `  gorl eval runs/train-ppo-CartPole-v1-s1-20261127-010000 --episodes 20
  gorl eval runs/train-td3-sgrl-hopper++-s1-20261127-010000 --env sgrl/walker-7-full`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			runDir := args[0]
			if cfg.Episodes < 1 {
				return fmt.Errorf("--episodes must be positive, got %d", cfg.Episodes)
			}
			rc, err := agents.ReadRun(runDir, algorithms)
			if err != nil {
				return err
			}
			cfg.Env, cfg.EnvOptions = rc.Env, maps.Clone(rc.EnvOptions)
			if err := mergeEnvFlags(&ef, cmd.Flags(), &cfg.Env, &cfg.EnvOptions); err != nil {
				return err
			}
			policy, e, name, err := rc.Settings.Policy(runDir, cfg.Env, cfg.EnvOptions)
			if err != nil {
				return err
			}
			cfg.Checkpoint = name
			if outDir == "" {
				outDir = nextEvalDir(runDir)
			}
			cfg.Command, cfg.Version, cfg.TrainRun = "eval", version, runDir
			run, err := logs.Create(outDir, cfg, logs.Options{EnvID: cfg.Env, StepEvery: cfg.StepEvery})
			if err != nil {
				return err
			}
			rows, err := agents.Evaluate(policy, e, cfg.Episodes, env.DeriveSeed(cfg.Seed, agents.StreamEval), run, 0)
			if err != nil {
				_ = run.Fail(err)
				return err
			}
			if err := run.Close(); err != nil {
				return err
			}
			sum := summarizeEval(rows)
			sum.Run, sum.Checkpoint, sum.Env, sum.Out = runDir, cfg.Checkpoint, cfg.Env, outDir
			if asJSON {
				return json.NewEncoder(cmd.OutOrStdout()).Encode(sum)
			}
			printEvalSummary(cmd.OutOrStdout(), sum, len(rows))
			return nil
		},
	}
	ef.register(cmd, "")
	cmd.Flags().IntVar(&cfg.Episodes, "episodes", 10, "number of evaluation episodes")
	cmd.Flags().Uint64Var(&cfg.Seed, "seed", 0, "seed of the evaluation episodes")
	cmd.Flags().IntVar(&cfg.StepEvery, "step-every", 1, "log the steps of every Nth episode (negative: none)")
	cmd.Flags().StringVar(&outDir, "out", "", "directory of the evaluation run (default RUN_DIR/eval-N)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the summary as one JSON line (with the reward terms on 3D tasks)")
	return cmd
}

// evalStat is a mean over episodes with their standard deviation, minimum and maximum.
type evalStat struct {
	Mean float64 `json:"mean"`
	Std  float64 `json:"std"`
	Min  float64 `json:"min"`
	Max  float64 `json:"max"`
}

// evalSummary is what gorl eval prints (as one JSON line with --json).
type evalSummary struct {
	Run        string              `json:"run"`
	Checkpoint string              `json:"checkpoint"`
	Env        string              `json:"env"`
	Episodes   int                 `json:"episodes"`
	Return     evalStat            `json:"return"`
	Terms      map[string]evalStat `json:"terms,omitempty"`       // per-episode reward terms (3D tasks)
	AliveShare float64             `json:"alive_share,omitempty"` // mean alive bonus / mean return
	Out        string              `json:"out"`
}

// summarizeEval returns the return's and, where every episode has them, the reward
// terms' statistics over rows.
func summarizeEval(rows []logs.EpisodeRow) evalSummary {
	stat := func(get func(logs.EpisodeRow) float64) evalStat {
		s := evalStat{Min: math.Inf(1), Max: math.Inf(-1)}
		for _, r := range rows {
			v := get(r)
			s.Mean += v / float64(len(rows))
			s.Min, s.Max = math.Min(s.Min, v), math.Max(s.Max, v)
		}
		for _, r := range rows {
			s.Std += (get(r) - s.Mean) * (get(r) - s.Mean) / float64(len(rows))
		}
		s.Std = math.Sqrt(s.Std)
		return s
	}
	sum := evalSummary{Episodes: len(rows), Return: stat(func(r logs.EpisodeRow) float64 { return r.Return })}
	for _, r := range rows {
		if r.Terms == nil {
			return sum
		}
	}
	if len(rows) == 0 {
		return sum
	}
	sum.Terms = map[string]evalStat{
		"progress": stat(func(r logs.EpisodeRow) float64 { return r.Terms.Progress }),
		"heading":  stat(func(r logs.EpisodeRow) float64 { return r.Terms.Heading }),
		"alive":    stat(func(r logs.EpisodeRow) float64 { return r.Terms.Alive }),
		"control":  stat(func(r logs.EpisodeRow) float64 { return r.Terms.Control }),
	}
	if sum.Return.Mean != 0 {
		sum.AliveShare = sum.Terms["alive"].Mean / sum.Return.Mean
	}
	return sum
}

// nextEvalDir is the first RUN_DIR/eval-N that does not exist.
func nextEvalDir(runDir string) string {
	for n := 1; ; n++ {
		p := filepath.Join(runDir, fmt.Sprintf("eval-%d", n))
		if _, err := os.Stat(p); errors.Is(err, os.ErrNotExist) {
			return p
		}
	}
}

// checkpointPhrase names the evaluated checkpoint in the summary line.
func checkpointPhrase(ck string) string {
	if ck == "final" {
		return "final checkpoint"
	}
	return "checkpoint at " + ck
}

// printEvalSummary prints an evaluation's summary line: the return and, on 3D
// locomotion tasks, the reward terms per episode.
func printEvalSummary(w io.Writer, sum evalSummary, episodes int) {
	terms := ""
	if t := sum.Terms; t != nil {
		terms = fmt.Sprintf("; progress %.2f ± %.2f, heading %.2f, alive %.2f, control %.2f per episode (alive bonus %.0f%% of the return)",
			t["progress"].Mean, t["progress"].Std, t["heading"].Mean, t["alive"].Mean, t["control"].Mean, 100*sum.AliveShare)
	}
	r := sum.Return
	fmt.Fprintf(w, "%d episodes of %s with %s (%s): mean return %.2f ± %.2f (min %.2f, max %.2f)%s; logged in %s\n",
		episodes, sum.Env, sum.Run, checkpointPhrase(sum.Checkpoint), r.Mean, r.Std, r.Min, r.Max, terms, sum.Out)
}

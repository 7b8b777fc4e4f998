package main

import (
	"bytes"
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
	"gorl/agents/lpg"
	"gorl/agents/ppo"
	"gorl/agents/td3"
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
	)
	cmd := &cobra.Command{
		Use:   "eval RUN_DIR",
		Short: "Evaluate a training run's latest checkpoint with its deterministic policy",
		Long: `Evaluate the latest checkpoint of a training run: the policy acts deterministically
(its most likely action; for a td3 run, its actor from checkpoints/td3-final.ckpt, or
from the latest resumable checkpoint of a run that did not finish) for --episodes episodes, which are logged to a new run directory
(default RUN_DIR/eval-N) with their steps. --env evaluates on another environment with
the same observation and action spaces; --model/--family select a 3D morphology. A td3
run with --arch set or swat evaluates zero-shot on any sgrl/ morphology or multi-task
set (its networks do not depend on the morphology); an --arch mlp run only where the
observation and action widths are its training environment's.`,
		Example: `  gorl eval runs/train-ppo-CartPole-v1-s1-20261127-010000 --episodes 20
  gorl eval runs/train-td3-sgrl-hopper++-s1-20261127-010000 --env sgrl/walker-7-full`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			runDir := args[0]
			if cfg.Episodes < 1 {
				return fmt.Errorf("--episodes must be positive, got %d", cfg.Episodes)
			}
			var tc trainConfig
			var lpgRun *lpgEval
			if isLPGRun(runDir) {
				var err error
				if lpgRun, err = readLPGEval(runDir); err != nil {
					return err
				}
				tc = trainConfig{Command: "train", Algo: "lpg", Train: lpgRun.cfg.Train}
			} else if err := readTrainRun(runDir, &tc); err != nil {
				return err
			}
			if tc.Command != "train" || (tc.Algo != "ppo" && tc.Algo != "td3" && tc.Algo != "lpg") {
				return fmt.Errorf("%s is not a training run of gorl train --algo ppo, td3 or lpg", runDir)
			}
			trainEnv, trainOpts := tc.Train.Env, tc.Train.EnvOptions
			if tc.Algo == "td3" {
				trainEnv, trainOpts = tc.TD3.Env, tc.TD3.EnvOptions
			}
			cfg.Env, cfg.EnvOptions = trainEnv, env.Options{}
			for k, v := range trainOpts {
				cfg.EnvOptions[k] = v
			}
			if cmd.Flags().Changed("env") {
				if err := checkEnvID(ef.ID); err != nil {
					return err
				}
				cfg.Env = ef.ID
			}
			opts, err := ef.options()
			if err != nil {
				return err
			}
			for k, v := range opts {
				cfg.EnvOptions[k] = v
			}
			var policy agents.Policy
			var e env.Env
			if tc.Algo == "td3" {
				if e, err = agents.MakeEvalEnv(cfg.Env, cfg.EnvOptions); err != nil {
					return err
				}
				policy, cfg.Checkpoint, err = loadTD3Policy(runDir, tc, e, cfg.Env, cfg.EnvOptions)
				if err != nil {
					return err
				}
			} else {
				ck, err := agents.LatestCheckpoint(runDir)
				if err != nil {
					return err
				}
				// A run that normalised observations is evaluated with its statistics.
				if e, err = agents.CheckpointEvalEnv(cfg.Env, cfg.EnvOptions, ck); err != nil {
					return err
				}
				var agent interface {
					agents.Policy
					UnmarshalState([]byte) error
				}
				if lpgRun != nil {
					// An LPG agent acts with its policy network (argmax when deterministic).
					if agent, err = lpg.New(e.ObservationSpace(), e.ActionSpace(), lpgRun.cfg.LPG, tc.Train.Seed, lpgRun.rule); err != nil {
						return err
					}
				} else {
					// The objective only shapes training; acting needs the networks alone.
					pc := tc.PPO
					pc.Objective, pc.ObjectiveParams = "clip", ""
					if agent, err = ppo.New(e.ObservationSpace(), e.ActionSpace(), pc, tc.Train.Seed); err != nil {
						return err
					}
				}
				if err := agent.UnmarshalState(ck.Agent); err != nil {
					return fmt.Errorf("checkpoint of %s does not fit env %s: %w", runDir, cfg.Env, err)
				}
				policy = agent
				cfg.Checkpoint = fmt.Sprintf("update %d", ck.Update)
			}
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
			mean := agents.MeanReturn(rows)
			var ss, lo, hi float64 = 0, math.Inf(1), math.Inf(-1)
			for _, r := range rows {
				ss += (r.Return - mean) * (r.Return - mean)
				lo, hi = math.Min(lo, r.Return), math.Max(hi, r.Return)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%d episodes of %s with %s (%s): mean return %.2f ± %.2f (min %.2f, max %.2f); logged in %s\n",
				len(rows), cfg.Env, runDir, checkpointPhrase(cfg.Checkpoint), mean, math.Sqrt(ss/float64(len(rows))), lo, hi, outDir)
			return nil
		},
	}
	ef.register(cmd, "")
	cmd.Flags().IntVar(&cfg.Episodes, "episodes", 10, "number of evaluation episodes")
	cmd.Flags().Uint64Var(&cfg.Seed, "seed", 0, "seed of the evaluation episodes")
	cmd.Flags().IntVar(&cfg.StepEvery, "step-every", 1, "log the steps of every Nth episode (negative: none)")
	cmd.Flags().StringVar(&outDir, "out", "", "directory of the evaluation run (default RUN_DIR/eval-N)")
	return cmd
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

// loadTD3Policy builds the actor of a td3 run for e from its final checkpoint, or from
// its latest resumable checkpoint when the run did not finish, and names the checkpoint.
// e (named evalID, with options evalOpts) may be another environment than the training one.
func loadTD3Policy(runDir string, tc trainConfig, e env.Env, evalID string, evalOpts env.Options) (agents.Policy, string, error) {
	path, name := td3.FinalCheckpointPath(runDir), "final"
	if _, err := os.Stat(path); err != nil {
		latest, lerr := td3.LatestCheckpoint(runDir)
		if lerr != nil {
			return nil, "", fmt.Errorf("%s has no td3 checkpoint (%s); did the run start?", runDir, path)
		}
		var steps int64
		if _, err := fmt.Sscanf(filepath.Base(latest), "td3-steps-%d.ckpt", &steps); err != nil {
			return nil, "", fmt.Errorf("checkpoint %s: unexpected name", latest)
		}
		path, name = latest, fmt.Sprintf("env step %d", steps)
	}
	obs, act := e.ObservationSpace(), e.ActionSpace()
	if obs.Kind != env.Box || act.Kind != env.Box {
		return nil, "", fmt.Errorf("env %s: td3 needs Box observations and actions", evalID)
	}
	if tc.Arch == "mlp" || tc.Arch == "" {
		// An MLP's input and output widths are those of its training environment.
		if evalID != tc.TD3.Env || !maps.Equal(evalOpts, tc.TD3.EnvOptions) {
			te, err := env.Make(tc.TD3.Env, tc.TD3.EnvOptions)
			if err != nil {
				return nil, "", fmt.Errorf("training env %s: %w", tc.TD3.Env, err)
			}
			to, ta := te.ObservationSpace().Dim(), te.ActionSpace().Dim()
			if c, ok := env.As[io.Closer](te); ok {
				c.Close()
			}
			if to != obs.Dim() || ta != act.Dim() {
				return nil, "", fmt.Errorf("%s trained --arch mlp networks of a fixed input size (%d observation values, %d actions on %s); %s has %d and %d: zero-shot evaluation on another morphology needs --arch set or swat",
					runDir, to, ta, tc.TD3.Env, evalID, obs.Dim(), act.Dim())
			}
		}
	}
	// SET and SWAT take the evaluation environment's morphology: their parameters do not
	// depend on it, so a run trained on some morphologies acts on any other.
	arch, err := td3ArchOn(tc, e, evalID)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", runDir, err)
	}
	agent, err := td3.New(arch, obs.Dim(), act.Dim(), tc.TD3.TD3, env.NewRand(tc.TD3.Seed, td3.StreamInit))
	if err != nil {
		return nil, "", err
	}
	if err := agent.LoadCheckpoint(path); err != nil {
		return nil, "", fmt.Errorf("checkpoint of %s does not fit the env: %w", runDir, err)
	}
	p, err := td3.NewPolicy(agent, act)
	if err != nil {
		return nil, "", err
	}
	if m, ok := env.As[td3.MultiTask](e); ok { // a multi-task set: act with each episode's member
		p.Morphology = m.MemberIndex
	}
	return p, name, nil
}

// checkpointPhrase names the evaluated checkpoint in the summary line.
func checkpointPhrase(ck string) string {
	if ck == "final" {
		return "final checkpoint"
	}
	return "checkpoint at " + ck
}

// lpgEval is what gorl eval needs of a gorl train --algo lpg run: its config.json
// (train_lpg.go's lpgTrainConfig) and the update rule copied into the run directory.
type lpgEval struct {
	cfg  lpgTrainConfig
	rule *lpg.Rule
}

func readLPGEval(runDir string) (*lpgEval, error) {
	path := filepath.Join(runDir, "config.json")
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s is not a run directory (no config.json)", runDir)
	}
	var r lpgEval
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r.cfg); err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	if err := r.cfg.Train.Validate(); err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	if err := r.cfg.LPG.WithDefaults().Validate(); err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	if filepath.Base(r.cfg.UpdateRule) != r.cfg.UpdateRule || r.cfg.UpdateRule == "" {
		return nil, fmt.Errorf("config %s: update_rule %q must name a file in the run directory", path, r.cfg.UpdateRule)
	}
	if r.rule, err = lpg.LoadRule(filepath.Join(runDir, r.cfg.UpdateRule)); err != nil {
		return nil, err
	}
	return &r, nil
}

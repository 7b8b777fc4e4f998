package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"gorl/agents"
	"gorl/agents/lpg"
	"gorl/agents/ppo"
	"gorl/env"
	"gorl/logs"
)

// lpgTrainConfig is config.json of a gorl train --algo lpg run. The update rule is
// copied into the run directory (UpdateRule, relative to it), so the run does not
// depend on the source file staying put.
type lpgTrainConfig struct {
	Command          string             `json:"command"`
	Version          string             `json:"gorl_version"`
	Algo             string             `json:"algo"`
	Train            agents.TrainConfig `json:"train"`
	LPG              lpg.Config         `json:"lpg"`
	Rule             lpg.RuleConfig     `json:"rule"`
	UpdateRule       string             `json:"update_rule"`
	UpdateRuleSource string             `json:"update_rule_source"`
}

// lpgRuleFile is the copy of the update rule in an lpg run directory.
const lpgRuleFile = "update_rule.lpg"

// lpgRefusedFlags are gorl train flags that --algo lpg does not read.
var lpgRefusedFlags = append([]string{"objective", "objective-params", "normalize", "config"}, td3Flags...)

// trainLPG runs gorl train --algo lpg --update-rule FILE: an LPG agent (agents/lpg)
// learning with a fixed, evolved update rule. Defaults: 8 environments x 20 steps per
// update (one LPG step per rollout), the agent's own learning rate (5e-4, --lr
// overrides it). merged holds --algo (and nothing else: --config is refused); cfg the
// flag values.
func trainLPG(cmd *cobra.Command, merged trainConfig, cfg *trainConfig, ef envFlags, target float64, runDir string, quiet, jsonOut bool) error {
	fl := cmd.Flags()
	if merged.Algo != "lpg" {
		return fmt.Errorf("--update-rule applies to --algo lpg only")
	}
	for _, name := range lpgRefusedFlags {
		if fl.Changed(name) {
			return fmt.Errorf("--%s does not apply to --algo lpg", name)
		}
	}
	path, err := fl.GetString("update-rule")
	if err != nil {
		return err
	}
	if path == "" {
		return errors.New("--algo lpg needs --update-rule FILE (gorl evolve --objective lpg|ta-lpg writes mean.lpg and best.lpg)")
	}
	if problem := fileProblem(path); problem != "" {
		return fmt.Errorf("--update-rule %s%s", path, problem)
	}
	rule, err := lpg.LoadRule(path)
	if err != nil {
		return err
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}

	t := agents.TrainConfig{Steps: cfg.Train.Steps, Seed: cfg.Train.Seed, Envs: 8, RolloutSteps: 20,
		Workers: cfg.Train.Workers, CheckpointEvery: cfg.Train.CheckpointEvery, CheckpointSeconds: cfg.Train.CheckpointSeconds,
		EvalEvery: cfg.Train.EvalEvery, StepEvery: cfg.Train.StepEvery}
	if err := mergeEnvFlags(&ef, fl, &t.Env, &t.EnvOptions); err != nil {
		return err
	}
	if fl.Changed("envs") {
		t.Envs = cfg.Train.Envs
	}
	if fl.Changed("rollout-steps") {
		t.RolloutSteps = cfg.Train.RolloutSteps
	}
	if fl.Changed("stop-at-return") {
		t.StopAtReturn = &target
	}
	if t.Envs > maxEnvs || t.RolloutSteps > maxBatch/t.Envs {
		return fmt.Errorf("envs x rollout steps = %d x %d is too large (at most %d environments and %d transitions per update)", t.Envs, t.RolloutSteps, maxEnvs, maxBatch)
	}
	lc := lpg.Config{}
	if fl.Changed("lr") {
		lc.LR = cfg.PPO.LR
	}
	lc = lc.WithDefaults()
	if err := lc.Validate(); err != nil {
		return err
	}
	seed := t.Seed
	loop, err := agents.NewLoop(t, nil, func(obs, act env.Space) (agents.Agent, error) {
		return lpg.New(obs, act, lc, seed, rule)
	})
	if err != nil {
		return err
	}
	rc := lpgTrainConfig{Command: "train", Version: version, Algo: "lpg", Train: loop.Config, LPG: lc,
		Rule: rule.Config, UpdateRule: lpgRuleFile, UpdateRuleSource: abs}
	if runDir == "" {
		runDir = defaultRunDir("train-lpg", t.Env, t.Seed)
	}
	run, err := logs.Create(runDir, rc, logs.Options{EnvID: t.Env, StepEvery: stepEvery(loop.Config)})
	if err != nil {
		loop.Close()
		return err
	}
	if err := lpg.SaveRule(filepath.Join(run.Dir(), lpgRuleFile), rule); err != nil {
		loop.Close()
		return errors.Join(err, quietFail(run, err))
	}
	loop.Log = run
	// The summary names the rule (lpg or ta-lpg) where PPO runs name their objective.
	summary := trainConfig{Command: "train", Version: version, Algo: "lpg", Train: loop.Config,
		PPO: ppo.Config{Objective: rule.Config.Name()}}
	return runTraining(cmd.OutOrStdout(), loop, summary, runDir, quiet, jsonOut)
}

// isLPGRun reports whether dir's config.json is that of a gorl train --algo lpg run.
func isLPGRun(dir string) bool {
	data, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		return false
	}
	var head struct {
		Command string `json:"command"`
		Algo    string `json:"algo"`
	}
	return json.Unmarshal(data, &head) == nil && head.Command == "train" && head.Algo == "lpg"
}

// resumeLPG continues a gorl train --algo lpg run from its latest checkpoint with the
// update rule copied into its directory.
func resumeLPG(cmd *cobra.Command, runDir string, quiet, jsonOut bool) error {
	path := filepath.Join(runDir, "config.json")
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("%s is not a run directory (no config.json)", runDir)
	}
	var rc lpgTrainConfig
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rc); err != nil {
		return fmt.Errorf("config %s: %w", path, err)
	}
	if err := rc.Train.Validate(); err != nil {
		return fmt.Errorf("config %s: %w", path, err)
	}
	if err := rc.LPG.WithDefaults().Validate(); err != nil {
		return fmt.Errorf("config %s: %w", path, err)
	}
	if filepath.Base(rc.UpdateRule) != rc.UpdateRule || rc.UpdateRule == "" {
		return fmt.Errorf("config %s: update_rule %q must name a file in the run directory", path, rc.UpdateRule)
	}
	rule, err := lpg.LoadRule(filepath.Join(runDir, rc.UpdateRule))
	if err != nil {
		return err
	}
	if rule.Config != rc.Rule {
		return fmt.Errorf("config %s: rule %+v, but %s holds %+v", path, rc.Rule, rc.UpdateRule, rule.Config)
	}
	if info, err := logs.ReadRunInfo(runDir); err == nil && info.Status == "running" {
		return fmt.Errorf("run %s is still running (process %d); stop it before --resume", runDir, info.PID)
	}
	seed := rc.Train.Seed
	loop, err := agents.Resume(runDir, rc.Train, logs.Options{EnvID: rc.Train.Env, StepEvery: stepEvery(rc.Train)},
		func(obs, act env.Space) (agents.Agent, error) { return lpg.New(obs, act, rc.LPG, seed, rule) })
	if err != nil {
		return err
	}
	summary := trainConfig{Command: "train", Version: version, Algo: "lpg", Train: rc.Train,
		PPO: ppo.Config{Objective: rule.Config.Name()}}
	return runTraining(cmd.OutOrStdout(), loop, summary, runDir, quiet, jsonOut)
}

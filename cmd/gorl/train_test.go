package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gorl/agents/ppo"
	"gorl/logs"
)

func TestTrainBadInput(t *testing.T) {
	dir := t.TempDir()
	wantOneLineError(t, `unknown env "NoSuchEnv-v9"`, "train", "--env", "NoSuchEnv-v9", "--run-dir", filepath.Join(dir, "a"))
	wantOneLineError(t, `unknown objective "foo"`, "train", "--objective", "foo", "--run-dir", filepath.Join(dir, "b"))
	wantOneLineError(t, `unknown algo "sac"`, "train", "--algo", "sac", "--run-dir", filepath.Join(dir, "c"))
	wantOneLineError(t, "needs a drift network file", "train", "--objective", "lpo", "--run-dir", filepath.Join(dir, "d"))
	wantOneLineError(t, "steps must be positive", "train", "--steps", "-5", "--run-dir", filepath.Join(dir, "e"))
	wantOneLineError(t, "invalid argument", "train", "--envs", "four", "--run-dir", filepath.Join(dir, "f"))
	wantOneLineError(t, "no such file", "train", "--objective", "ta-lpo", "--objective-params", filepath.Join(dir, "none.drift"), "--run-dir", filepath.Join(dir, "g"))
	wantOneLineError(t, "--resume needs --run-dir", "train", "--resume")
	wantOneLineError(t, "drop --seed", "train", "--resume", "--seed", "3", "--run-dir", filepath.Join(dir, "h"))
	wantOneLineError(t, "no config.json", "eval", filepath.Join(dir, "nothing"))
}

// TestTrainEvalResume trains a short run, evaluates it, checks config.json and that
// --resume of a finished run changes nothing.
func TestTrainEvalResume(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	out, stderr, code := gorl(t, "train", "--env", "CartPole-v1", "--steps", "4096", "--seed", "2", "--run-dir", dir, "--quiet")
	if code != 0 {
		t.Fatalf("train: exit %d: %s", code, stderr)
	}
	if !strings.Contains(out, "updates    8 of 8") || !strings.Contains(out, "env steps  4096") {
		t.Fatalf("train summary:\n%s", out)
	}
	var cfg trainConfig
	if err := readTrainConfig(filepath.Join(dir, "config.json"), &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Train.Seed != 2 || cfg.Train.Steps != 4096 || cfg.PPO.LR != 2.5e-4 || cfg.PPO.Objective != "clip" || cfg.Train.Envs != 4 {
		t.Fatalf("config.json does not hold the effective settings: %+v", cfg)
	}
	eps, err := logs.ReadEpisodes(dir)
	if err != nil || len(eps) == 0 {
		t.Fatalf("episodes: %d rows (%v)", len(eps), err)
	}
	out, stderr, code = gorl(t, "eval", dir, "--episodes", "3")
	if code != 0 || !strings.Contains(out, "3 episodes of CartPole-v1") {
		t.Fatalf("eval: exit %d: %s %s", code, out, stderr)
	}
	evalEps, err := logs.ReadEpisodes(filepath.Join(dir, "eval-1"))
	if err != nil || len(evalEps) != 3 {
		t.Fatalf("eval episodes: %d rows (%v)", len(evalEps), err)
	}
	wantOneLineError(t, "does not fit env Acrobot-v1", "eval", dir, "--env", "Acrobot-v1")

	out, stderr, code = gorl(t, "train", "--run-dir", dir, "--resume", "--quiet")
	if code != 0 || !strings.Contains(out, "resumed    from update 8") {
		t.Fatalf("resume of a finished run: exit %d: %s %s", code, out, stderr)
	}
	eps2, err := logs.ReadEpisodes(dir)
	if err != nil || len(eps2) != len(eps) {
		t.Fatalf("resume of a finished run changed the episodes: %d -> %d (%v)", len(eps), len(eps2), err)
	}
}

// TestTrainConfigFileAndObjectiveParams reads settings from a config file (flags
// override it) and trains with a TA-LPO drift file.
func TestTrainConfigFileAndObjectiveParams(t *testing.T) {
	tmp := t.TempDir()
	drift := filepath.Join(tmp, "zero.drift")
	if err := ppo.SaveLPO(drift, ppo.NewLPO(true, true, 16)); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(tmp, "conf.json")
	data, _ := json.Marshal(map[string]any{
		"train": map[string]any{"env": "Acrobot-v1", "steps": 2048, "envs": 2, "seed": 4},
		"ppo":   map[string]any{"objective": "ta-lpo", "objective_params": drift, "epochs": 2},
	})
	if err := os.WriteFile(conf, data, 0o644); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(tmp, "run")
	out, stderr, code := gorl(t, "train", "--config", conf, "--seed", "9", "--run-dir", dir, "--quiet", "--json")
	if code != 0 {
		t.Fatalf("train: exit %d: %s", code, stderr)
	}
	var sum trainJSON
	if err := json.Unmarshal([]byte(out), &sum); err != nil {
		t.Fatalf("--json output %q: %v", out, err)
	}
	if sum.Env != "Acrobot-v1" || sum.Objective != "ta-lpo" || sum.Seed != 9 || sum.EnvSteps != 2048 {
		t.Fatalf("summary %+v: want Acrobot-v1, ta-lpo, seed 9 (flag over file), 2048 steps", sum)
	}
	var cfg trainConfig
	if err := readTrainConfig(filepath.Join(dir, "config.json"), &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.PPO.Epochs != 2 || cfg.PPO.Minibatches != 4 || cfg.Train.Envs != 2 {
		t.Fatalf("config.json: %+v", cfg)
	}
	bad := filepath.Join(tmp, "bad.json")
	os.WriteFile(bad, []byte(`{"train": {"stepz": 5}}`), 0o644)
	wantOneLineError(t, `unknown field "stepz"`, "train", "--config", bad, "--run-dir", filepath.Join(tmp, "x"))
	wantOneLineError(t, "holds a ta-lpo drift network", "train", "--objective", "lpo", "--objective-params", drift, "--run-dir", filepath.Join(tmp, "y"))
}

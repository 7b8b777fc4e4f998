package main

import (
	"math"
	"path/filepath"
	"strings"
	"testing"

	"gorl/logs"
)

func TestTrainTD3BadInput(t *testing.T) {
	dir := t.TempDir()
	run := func(name string) string { return filepath.Join(dir, name) }
	wantOneLineError(t, "--objective applies to --algo ppo only", "train", "--algo", "td3", "--env", "Pendulum-v1", "--objective", "dpo", "--run-dir", run("a"))
	wantOneLineError(t, "--warm-up applies to --algo td3 only", "train", "--warm-up", "10", "--run-dir", run("b"))
	wantOneLineError(t, "--batch must be at least 1", "train", "--algo", "td3", "--env", "Pendulum-v1", "--batch", "0", "--run-dir", run("c"))
	wantOneLineError(t, "--hidden must list positive layer sizes", "train", "--algo", "td3", "--env", "Pendulum-v1", "--hidden", "64,-1", "--run-dir", run("d"))
	wantOneLineError(t, "--explore-noise must be a positive number", "train", "--algo", "td3", "--env", "Pendulum-v1", "--explore-noise", "NaN", "--run-dir", run("e"))
	wantOneLineError(t, "continuous (Box) action space", "train", "--algo", "td3", "--env", "CartPole-v1", "--steps", "10", "--run-dir", run("f"))
	wantOneLineError(t, "--lr must be a positive number", "train", "--algo", "td3", "--env", "Pendulum-v1", "--lr", "-1", "--run-dir", run("g"))
	wantOneLineError(t, `unknown algo "sac" (known: ppo, td3)`, "train", "--algo", "sac", "--run-dir", run("h"))
}

// TestTrainTD3EvalNoResume trains a tiny td3 run, checks config.json and the logs,
// evaluates it and checks that --resume refuses it.
func TestTrainTD3EvalNoResume(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	out, stderr, code := gorl(t, "train", "--algo", "td3", "--env", "Pendulum-v1", "--steps", "600", "--warm-up", "400",
		"--hidden", "16,16", "--batch", "32", "--metrics-every", "200", "--seed", "3", "--run-dir", dir, "--quiet")
	if code != 0 {
		t.Fatalf("train: exit %d: %s", code, stderr)
	}
	if !strings.Contains(out, "updates    200 ") || !strings.Contains(out, "env steps  600") || !strings.Contains(out, "episodes   3") {
		t.Fatalf("train summary:\n%s", out)
	}
	var cfg trainConfig
	if err := readTrainConfig(filepath.Join(dir, "config.json"), &cfg); err != nil {
		t.Fatal(err)
	}
	if c := cfg.TD3; cfg.Algo != "td3" || c == nil || c.Seed != 3 || c.Steps != 600 || c.TD3.WarmUp != 400 || c.TD3.Batch != 32 ||
		c.TD3.LR != 3e-4 || c.TD3.Tau != 0.005 || c.TD3.PolicyDelay != 2 || c.Envs != 1 {
		t.Fatalf("config.json does not hold the effective td3 settings: %+v %+v", cfg, cfg.TD3)
	}
	eps, err := logs.ReadEpisodes(dir)
	if err != nil || len(eps) != 3 || eps[2].EnvSteps != 600 || eps[0].Length != 200 || !eps[0].Truncated {
		t.Fatalf("episodes: %+v (%v)", eps, err)
	}
	m, err := logs.ReadMetrics(dir)
	if err != nil {
		t.Fatal(err)
	}
	if m.Len() != 3 || m.EnvSteps[2] != 600 {
		t.Fatalf("metrics: %d rows, env steps %v; want 3 rows up to 600", m.Len(), m.EnvSteps)
	}
	for _, name := range []string{"critic_loss", "actor_loss", "q_mean", "steps_per_second"} {
		col, ok := m.Column(name)
		if !ok || math.IsNaN(col[2]) {
			t.Fatalf("metrics lack %s in the last row (%v)", name, col)
		}
	}
	out, stderr, code = gorl(t, "eval", dir, "--episodes", "2")
	if code != 0 || !strings.Contains(out, "2 episodes of Pendulum-v1") {
		t.Fatalf("eval: exit %d: %s %s", code, out, stderr)
	}
	wantOneLineError(t, "cannot be resumed", "train", "--resume", "--run-dir", dir)
}

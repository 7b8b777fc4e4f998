package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"gorl/agents"
	"gorl/agents/ppo"
	"gorl/logs"
)

func TestTrainBadInput(t *testing.T) {
	dir := t.TempDir()
	wantOneLineError(t, `unknown env "NoSuchEnv-v9"`, "train", "--env", "NoSuchEnv-v9", "--run-dir", filepath.Join(dir, "a"))
	wantOneLineError(t, `unknown objective "foo"`, "train", "--objective", "foo", "--run-dir", filepath.Join(dir, "b"))
	wantOneLineError(t, `unknown algo "sac"`, "train", "--algo", "sac", "--run-dir", filepath.Join(dir, "c"))
	wantOneLineError(t, "needs a drift network file", "train", "--objective", "lpo", "--run-dir", filepath.Join(dir, "d"))
	wantOneLineError(t, "--steps must be at least 1", "train", "--steps", "-5", "--run-dir", filepath.Join(dir, "e"))
	wantOneLineError(t, "invalid argument", "train", "--envs", "four", "--run-dir", filepath.Join(dir, "f"))
	wantOneLineError(t, "no such file", "train", "--objective", "ta-lpo", "--objective-params", filepath.Join(dir, "none.drift"), "--run-dir", filepath.Join(dir, "g"))
	wantOneLineError(t, "--resume needs --run-dir", "train", "--resume")
	wantOneLineError(t, "drop --seed", "train", "--resume", "--seed", "3", "--run-dir", filepath.Join(dir, "h"))
	wantOneLineError(t, "no such run directory", "eval", filepath.Join(dir, "nothing"))
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
	if code != 0 || !strings.Contains(out, "has finished its 4096 steps; nothing to resume") {
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

// TestTrainResumeAfterSIGKILL kills `gorl train` after its second checkpoint, resumes it
// with --resume and compares the metrics and episodes with an uninterrupted run.
func TestTrainResumeAfterSIGKILL(t *testing.T) {
	tmp := t.TempDir()
	args := func(dir string) []string {
		return []string{"train", "--env", "CartPole-v1", "--seed", "6", "--steps", "51200", "--checkpoint-every", "1024",
			"--step-every", "3", "--run-dir", dir, "--quiet"}
	}
	ref, killed := filepath.Join(tmp, "ref"), filepath.Join(tmp, "killed")
	if _, stderr, code := gorl(t, args(ref)...); code != 0 {
		t.Fatalf("train: exit %d: %s", code, stderr)
	}
	cmd := exec.Command(gorlBin, args(killed)...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		ck, err := agents.LatestCheckpoint(killed)
		if err == nil && ck.Update >= 4 {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("no checkpoint past update 3 within 60 s")
		}
		time.Sleep(time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	ck, err := agents.LatestCheckpoint(killed)
	if err != nil || ck.Update >= 100 {
		t.Fatalf("latest checkpoint %+v (%v): the run was not interrupted", ck, err)
	}
	t.Logf("killed after the checkpoint of update %d", ck.Update)
	out, stderr, code := gorl(t, "train", "--run-dir", killed, "--resume", "--quiet")
	if code != 0 || !strings.Contains(out, "resumed    from update") {
		t.Fatalf("resume: exit %d: %s %s", code, out, stderr)
	}
	m1, err := logs.ReadMetrics(ref)
	if err != nil {
		t.Fatal(err)
	}
	m2, err := logs.ReadMetrics(killed)
	if err != nil {
		t.Fatal(err)
	}
	r1, r2 := m1.Rows(), m2.Rows()
	if len(r1) != 100 || len(r2) != 100 {
		t.Fatalf("metrics rows: %d uninterrupted, %d resumed, want 100", len(r1), len(r2))
	}
	for i := range r1 {
		for k, v := range r1[i].Values {
			if k != "sps" && r2[i].Values[k] != v {
				t.Fatalf("update %d: %s = %v uninterrupted, %v resumed (from update %d)", i+1, k, v, r2[i].Values[k], ck.Update)
			}
		}
	}
	e1, _ := logs.ReadEpisodes(ref)
	e2, _ := logs.ReadEpisodes(killed)
	if len(e1) != len(e2) {
		t.Fatalf("episodes: %d uninterrupted, %d resumed", len(e1), len(e2))
	}
	for i := range e1 {
		if e1[i].Episode != e2[i].Episode || e1[i].Return != e2[i].Return || e1[i].EnvSteps != e2[i].EnvSteps {
			t.Fatalf("episode row %d: %+v vs %+v", i, e1[i], e2[i])
		}
	}
	keys := map[[2]int64]bool{}
	n := 0
	logs.ScanSteps(killed, func(s *logs.StepRow) error {
		k := [2]int64{s.Episode, s.Step}
		if keys[k] {
			t.Fatalf("step (episode %d, step %d) logged twice", s.Episode, s.Step)
		}
		keys[k] = true
		n++
		return nil
	})
	n1 := 0
	logs.ScanSteps(ref, func(s *logs.StepRow) error {
		if !keys[[2]int64{s.Episode, s.Step}] {
			t.Fatalf("resumed run misses step (episode %d, step %d)", s.Episode, s.Step)
		}
		n1++
		return nil
	})
	if n != n1 {
		t.Fatalf("step rows: %d uninterrupted, %d resumed", n1, n)
	}
}

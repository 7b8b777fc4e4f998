package main

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"gorl/agents/td3"
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
	wantOneLineError(t, `unknown algo "sac" (known: ppo, td3, lpg)`, "train", "--algo", "sac", "--run-dir", run("h"))
	wantOneLineError(t, "--normalize applies to --algo ppo only", "train", "--algo", "td3", "--env", "Pendulum-v1", "--normalize", "on", "--run-dir", run("i"))
	wantOneLineError(t, `--normalize must be auto, on or off, got "yes"`, "train", "--normalize", "yes", "--run-dir", run("j"))
}

// TestTrainTD3EvalResumeFinished trains a tiny td3 run, checks config.json, the logs
// and the checkpoints, evaluates it and checks that --resume of the finished run says so
// in one line and changes nothing.
func TestTrainTD3EvalResumeFinished(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	out, stderr, code := gorl(t, "train", "--algo", "td3", "--env", "Pendulum-v1", "--steps", "600", "--warm-up", "400",
		"--hidden", "16,16", "--batch", "32", "--metrics-every", "200", "--checkpoint-every", "250", "--seed", "3", "--run-dir", dir, "--quiet")
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
		c.TD3.LR != 3e-4 || c.TD3.Tau != 0.005 || c.TD3.PolicyDelay != 2 || c.Envs != 1 || c.CheckpointEvery != 250 || c.CheckpointSeconds != 600 {
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
	// Checkpoints at env steps 0, 250, 500 and the final 600; only the newest is kept, with the final networks.
	names, _ := filepath.Glob(filepath.Join(dir, "checkpoints", "*"))
	if len(names) != 2 || filepath.Base(names[0]) != "final.ckpt" || filepath.Base(names[1]) != "steps-000000000600.ckpt" {
		t.Fatalf("checkpoints: %v", names)
	}
	out, stderr, code = gorl(t, "eval", dir, "--episodes", "2")
	if code != 0 || !strings.Contains(out, "2 episodes of Pendulum-v1") || !strings.Contains(out, "final checkpoint") {
		t.Fatalf("eval: exit %d: %s %s", code, out, stderr)
	}
	out, stderr, code = gorl(t, "train", "--resume", "--run-dir", dir)
	if code != 0 || strings.Count(out, "\n") != 1 || !strings.Contains(out, "has finished") || stderr != "" {
		t.Fatalf("resume of a finished run: exit %d, stdout %q, stderr %q; want one line saying it has finished", code, out, stderr)
	}
	eps2, err := logs.ReadEpisodes(dir)
	if err != nil || len(eps2) != len(eps) {
		t.Fatalf("resume of a finished run changed the episodes: %d -> %d (%v)", len(eps), len(eps2), err)
	}
	wantOneLineError(t, "--checkpoint-seconds must be a number other than 0", "train", "--algo", "td3", "--env", "Pendulum-v1", "--checkpoint-seconds", "0", "--run-dir", filepath.Join(t.TempDir(), "x"))
}

// killAfterCheckpoint starts gorl with args and kills it with SIGKILL once the run in dir
// has a resumable td3 checkpoint past env step minSteps, then a little later. It returns
// the env steps of the latest checkpoint left.
func killAfterCheckpoint(t *testing.T, dir string, minSteps int64, args ...string) int64 {
	t.Helper()
	cmd := exec.Command(gorlBin, args...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	steps := func() int64 {
		_, n, err := td3.LatestCheckpointSteps(dir)
		if err != nil {
			return -1
		}
		return n
	}
	deadline := time.Now().Add(60 * time.Second)
	for steps() < minSteps {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("no checkpoint past env step %d within 60 s", minSteps)
		}
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond) // die between checkpoints, with rows logged after the last
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	if _, err := os.Stat(td3.FinalCheckpointPath(dir)); err == nil {
		t.Fatal("the run finished before it was killed")
	}
	return steps()
}

// sameTD3Runs compares the metrics, episodes and step keys of two run directories.
func sameTD3Runs(t *testing.T, ref, resumed string) {
	t.Helper()
	m1, err1 := logs.ReadMetrics(ref)
	m2, err2 := logs.ReadMetrics(resumed)
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	r1, r2 := m1.Rows(), m2.Rows()
	if len(r1) == 0 || len(r1) != len(r2) {
		t.Fatalf("metrics rows: %d uninterrupted, %d resumed", len(r1), len(r2))
	}
	for i := range r1 {
		if r1[i].EnvSteps != r2[i].EnvSteps {
			t.Fatalf("metrics row %d at env step %d uninterrupted, %d resumed", i, r1[i].EnvSteps, r2[i].EnvSteps)
		}
		for k, v := range r1[i].Values {
			if w := r2[i].Values[k]; k != "steps_per_second" && v != w && !(math.IsNaN(v) && math.IsNaN(w)) {
				t.Fatalf("metrics row %d (env step %d): %s = %v uninterrupted, %v resumed", i, r1[i].EnvSteps, k, v, w)
			}
		}
	}
	e1, _ := logs.ReadEpisodes(ref)
	e2, _ := logs.ReadEpisodes(resumed)
	if len(e1) == 0 || len(e1) != len(e2) {
		t.Fatalf("episodes: %d uninterrupted, %d resumed", len(e1), len(e2))
	}
	for i := range e1 {
		if e1[i].Episode != e2[i].Episode || e1[i].Return != e2[i].Return || e1[i].EnvSteps != e2[i].EnvSteps || e1[i].Length != e2[i].Length {
			t.Fatalf("episode row %d: %+v uninterrupted, %+v resumed", i, e1[i], e2[i])
		}
	}
	type key struct{ episode, step int64 }
	rewards := map[key]float64{}
	if err := logs.ScanSteps(resumed, func(s *logs.StepRow) error {
		k := key{s.Episode, s.Step}
		if _, dup := rewards[k]; dup {
			return fmt.Errorf("step (episode %d, step %d) logged twice", s.Episode, s.Step)
		}
		rewards[k] = s.Reward
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	n := 0
	if err := logs.ScanSteps(ref, func(s *logs.StepRow) error {
		r, ok := rewards[key{s.Episode, s.Step}]
		if !ok || r != s.Reward {
			return fmt.Errorf("resumed run misses step (episode %d, step %d) or its reward differs", s.Episode, s.Step)
		}
		n++
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if n == 0 || n != len(rewards) {
		t.Fatalf("step rows: %d uninterrupted, %d resumed", n, len(rewards))
	}
	f1, err1 := os.ReadFile(td3.FinalCheckpointPath(ref))
	f2, err2 := os.ReadFile(td3.FinalCheckpointPath(resumed))
	if err1 != nil || err2 != nil || !bytes.Equal(f1, f2) {
		t.Fatalf("final networks differ (%v, %v)", err1, err2)
	}
}

// TestTrainTD3ResumeAfterSIGKILL kills gorl train --algo td3 after a checkpoint, checks
// that damaged or missing checkpoints are refused in one line, resumes the run and
// compares it with an uninterrupted one.
func TestTrainTD3ResumeAfterSIGKILL(t *testing.T) {
	tmp := t.TempDir()
	args := func(dir string) []string {
		return []string{"train", "--algo", "td3", "--env", "Pendulum-v1", "--steps", "20000", "--warm-up", "500", "--hidden", "16,16",
			"--batch", "32", "--buffer-size", "5000", "--metrics-every", "250", "--checkpoint-every", "1500", "--step-every", "3",
			"--seed", "8", "--run-dir", dir, "--quiet"}
	}
	ref, killed := filepath.Join(tmp, "ref"), filepath.Join(tmp, "killed")
	if _, stderr, code := gorl(t, args(ref)...); code != 0 {
		t.Fatalf("train: exit %d: %s", code, stderr)
	}
	at := killAfterCheckpoint(t, killed, 3000, args(killed)...)
	t.Logf("killed after the checkpoint of env step %d", at)

	// A killed run can be evaluated from its latest checkpoint.
	out, stderr, code := gorl(t, "eval", killed, "--episodes", "1", "--step-every", "-1", "--out", filepath.Join(tmp, "eval"))
	if code != 0 || !strings.Contains(out, fmt.Sprintf("checkpoint at env step %d", at)) {
		t.Fatalf("eval of the killed run: exit %d: %s %s", code, out, stderr)
	}

	path, err := td3.LatestCheckpoint(killed)
	if err != nil {
		t.Fatal(err)
	}
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	damaged := func(data []byte, want string) {
		t.Helper()
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		wantOneLineError(t, want, "train", "--resume", "--run-dir", killed)
	}
	damaged(good[:len(good)*2/3], "truncated")
	flipped := bytes.Clone(good)
	flipped[len(flipped)-100] ^= 0x40 // inside the replay buffer's next observations
	damaged(flipped, "checksum of section RPLY")
	if err := os.Rename(path, path+".away"); err != nil {
		t.Fatal(err)
	}
	wantOneLineError(t, "has no resumable td3 checkpoint", "train", "--resume", "--run-dir", killed)
	os.Remove(path + ".away")
	if err := os.WriteFile(path, good, 0o644); err != nil {
		t.Fatal(err)
	}

	out, stderr, code = gorl(t, "train", "--resume", "--run-dir", killed, "--quiet")
	if code != 0 || !strings.Contains(out, fmt.Sprintf("resumed    from env step %d", at)) || !strings.Contains(out, "env steps  20000") {
		t.Fatalf("resume: exit %d: %s %s", code, out, stderr)
	}
	sameTD3Runs(t, ref, killed)
	names, _ := filepath.Glob(filepath.Join(killed, "checkpoints", "*"))
	if len(names) != 2 || filepath.Base(names[1]) != "steps-000000020000.ckpt" {
		t.Fatalf("checkpoints after the resumed run: %v, want the final networks and the final resumable checkpoint", names)
	}
	// --resume --steps extends the finished run from its final checkpoint.
	out, stderr, code = gorl(t, "train", "--resume", "--run-dir", killed, "--steps", "20500", "--quiet")
	if code != 0 || !strings.Contains(out, "resumed    from env step 20000") || !strings.Contains(out, "env steps  20500") {
		t.Fatalf("extend: exit %d: %s %s", code, out, stderr)
	}
	if eps, err := logs.ReadEpisodes(killed); err != nil || eps[len(eps)-1].EnvSteps != 20400 {
		t.Fatalf("extended run: last episode %+v (%v), want one ending at env step 20400", eps[len(eps)-1], err)
	}
}

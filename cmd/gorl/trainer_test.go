package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"gorl/agents"
	"gorl/agents/lpg"
	"gorl/env"
	"gorl/logs"
)

// sameTrainRuns fails unless two run directories hold the same metrics (but sps),
// episodes and step rows.
func sameTrainRuns(t *testing.T, ref, other string) {
	t.Helper()
	m1, err1 := logs.ReadMetrics(ref)
	m2, err2 := logs.ReadMetrics(other)
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	r1, r2 := m1.Rows(), m2.Rows()
	if len(r1) != len(r2) || len(r1) == 0 {
		t.Fatalf("metrics rows: %d vs %d", len(r1), len(r2))
	}
	for i := range r1 {
		for k, v := range r1[i].Values {
			if k != "sps" && k != "steps_per_second" && r2[i].Values[k] != v {
				t.Fatalf("metrics row %d: %s = %v vs %v", i, k, v, r2[i].Values[k])
			}
		}
	}
	e1, _ := logs.ReadEpisodes(ref)
	e2, _ := logs.ReadEpisodes(other)
	if len(e1) != len(e2) || len(e1) == 0 {
		t.Fatalf("episodes: %d vs %d", len(e1), len(e2))
	}
	for i := range e1 {
		if e1[i].Episode != e2[i].Episode || e1[i].Return != e2[i].Return || e1[i].EnvSteps != e2[i].EnvSteps {
			t.Fatalf("episode row %d: %+v vs %+v", i, e1[i], e2[i])
		}
	}
	var s1, s2 []string
	for dir, out := range map[string]*[]string{ref: &s1, other: &s2} {
		logs.ScanSteps(dir, func(s *logs.StepRow) error {
			b, _ := json.Marshal([]any{s.Episode, s.Step, s.Obs, s.Action, s.Reward})
			*out = append(*out, string(b))
			return nil
		})
	}
	if strings.Join(s1, "\n") != strings.Join(s2, "\n") || len(s1) == 0 {
		t.Fatalf("step rows differ: %d vs %d", len(s1), len(s2))
	}
}

// stopAfterCheckpoint starts gorl with args, waits for a checkpoint past update 3 (by
// its file name), then sends sig and returns the exit error.
func stopAfterCheckpoint(t *testing.T, dir string, sig syscall.Signal, args []string) error {
	t.Helper()
	cmd := exec.Command(gorlBin, args...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(90 * time.Second)
	for {
		ck, err := agents.LatestCheckpoint(dir)
		if err == nil && ck.Update >= 4 {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("no checkpoint past update 3 within 90 s")
		}
		time.Sleep(time.Millisecond)
	}
	cmd.Process.Signal(sig)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("gorl did not exit within 20 s of %v", sig)
		return nil
	}
}

// TestTrainSIGINTResume: Ctrl-C during gorl train leaves a checkpoint and status
// "interrupted", exits non-zero, and --resume continues to the result of an
// uninterrupted run (bit for bit: same rows); so does a PPO run killed with SIGKILL.
func TestTrainSIGINTResume(t *testing.T) {
	tmp := t.TempDir()
	args := func(dir string) []string {
		return []string{"train", "--env", "CartPole-v1", "--seed", "7", "--steps", "20480", "--checkpoint-every", "512",
			"--step-every", "5", "--run-dir", dir, "--quiet"}
	}
	ref, stopped := filepath.Join(tmp, "ref"), filepath.Join(tmp, "stopped")
	if _, stderr, code := gorl(t, args(ref)...); code != 0 {
		t.Fatalf("train: exit %d: %s", code, stderr)
	}
	err := stopAfterCheckpoint(t, stopped, syscall.SIGINT, args(stopped))
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() == 0 {
		t.Fatalf("gorl train after SIGINT: %v, want a non-zero exit", err)
	}
	info, err := logs.ReadRunInfo(stopped)
	if err != nil || info.Status != "interrupted" {
		t.Fatalf("status %q (%v), want interrupted", info.Status, err)
	}
	ck, err := agents.LatestCheckpoint(stopped)
	if err != nil || ck.Update >= 40 {
		t.Fatalf("checkpoint after SIGINT %+v (%v): want one before the end", ck, err)
	}
	t.Logf("interrupted after update %d", ck.Update)
	if out, stderr, code := gorl(t, "train", "--run-dir", stopped, "--resume", "--quiet"); code != 0 || !strings.Contains(out, "resumed    from update") {
		t.Fatalf("resume: exit %d: %s %s", code, out, stderr)
	}
	sameTrainRuns(t, ref, stopped)

	// SIGKILL leaves no chance to write anything: the resume starts from the last
	// periodic checkpoint, drops the rows logged after it and still ends bit for bit.
	killed := filepath.Join(tmp, "killed")
	stopAfterCheckpoint(t, killed, syscall.SIGKILL, args(killed))
	if ck, err := agents.LatestCheckpoint(killed); err != nil || ck.Update >= 40 {
		t.Fatalf("checkpoint after SIGKILL %+v (%v): want one before the end", ck, err)
	}
	if out, stderr, code := gorl(t, "train", "--run-dir", killed, "--resume", "--quiet"); code != 0 || !strings.Contains(out, "resumed    from update") {
		t.Fatalf("resume after SIGKILL: exit %d: %s %s", code, out, stderr)
	}
	sameTrainRuns(t, ref, killed)
}

// TestTrainLPGResumeAfterSIGKILL kills gorl train --algo lpg after a checkpoint and
// resumes it through the shared path: the tables equal an uninterrupted run's.
func TestTrainLPGResumeAfterSIGKILL(t *testing.T) {
	tmp := t.TempDir()
	rulePath := filepath.Join(tmp, "rule.lpg")
	rule, err := lpg.NewRule(env.NewRand(3), lpg.RuleConfig{Temporal: true}.WithDefaults())
	if err != nil {
		t.Fatal(err)
	}
	if err := lpg.SaveRule(rulePath, rule); err != nil {
		t.Fatal(err)
	}
	args := func(dir string) []string {
		return []string{"train", "--algo", "lpg", "--update-rule", rulePath, "--env", "CartPole-v1", "--seed", "2",
			"--steps", "8000", "--checkpoint-every", "320", "--step-every", "4", "--run-dir", dir, "--quiet"}
	}
	ref, killed := filepath.Join(tmp, "ref"), filepath.Join(tmp, "killed")
	if _, stderr, code := gorl(t, args(ref)...); code != 0 {
		t.Fatalf("train: exit %d: %s", code, stderr)
	}
	stopAfterCheckpoint(t, killed, syscall.SIGKILL, args(killed))
	ck, err := agents.LatestCheckpoint(killed)
	if err != nil || ck.Update >= 50 {
		t.Fatalf("latest checkpoint %+v (%v): the run was not interrupted", ck, err)
	}
	out, stderr, code := gorl(t, "train", "--run-dir", killed, "--resume", "--quiet")
	if code != 0 || !strings.Contains(out, "resumed    from update") || !strings.Contains(out, "lpg with objective ta-lpg") {
		t.Fatalf("resume: exit %d: %s %s", code, out, stderr)
	}
	sameTrainRuns(t, ref, killed)
	// config.json is enough to rerun it.
	rerun := filepath.Join(tmp, "rerun")
	if _, stderr, code := gorl(t, "train", "--config", filepath.Join(ref, "config.json"), "--run-dir", rerun, "-q"); code != 0 {
		t.Fatalf("rerun from config.json: exit %d: %s", code, stderr)
	}
	sameTrainRuns(t, ref, rerun)
}

// TestRunEnvelope: config.json of a PPO and of a TD3 run carry the envelope at the top
// level; a copied run directory keeps its run id in every table when resumed; --resume
// --steps extends a finished run; a second process is refused while one holds the run.
func TestRunEnvelope(t *testing.T) {
	tmp := t.TempDir()
	ppoDir, td3Dir := filepath.Join(tmp, "ppo"), filepath.Join(tmp, "td3")
	if _, stderr, code := gorl(t, "train", "--steps", "1024", "--seed", "4", "--run-dir", ppoDir, "-q"); code != 0 {
		t.Fatal(stderr)
	}
	if _, stderr, code := gorl(t, "train", "--algo", "td3", "--env", "Pendulum-v1", "--steps", "300", "--warm-up", "100",
		"--hidden", "8", "--batch", "16", "--seed", "5", "--run-dir", td3Dir, "-q"); code != 0 {
		t.Fatal(stderr)
	}
	for dir, want := range map[string][]any{ppoDir: {"ppo", "CartPole-v1", 4.0}, td3Dir: {"td3", "Pendulum-v1", 5.0}} {
		var m map[string]any
		data, _ := os.ReadFile(filepath.Join(dir, "config.json"))
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatal(err)
		}
		if m["algo"] != want[0] || m["env"] != want[1] || m["seed"] != want[2] || m["gorl_version"] == "" || m["gorl_version"] == nil || m["format"] != 2.0 {
			t.Fatalf("%s: envelope %v, want algo %v, env %v, seed %v, a gorl_version and format 2", dir, m, want[0], want[1], want[2])
		}
	}
	copied := filepath.Join(tmp, "copied")
	copyDir(t, ppoDir, copied)
	out, stderr, code := gorl(t, "train", "--resume", "--run-dir", copied, "--steps", "2048", "-q")
	if code != 0 || !strings.Contains(out, "env steps  2048") {
		t.Fatalf("--resume --steps 2048: exit %d: %s %s", code, out, stderr)
	}
	for _, load := range []func(string) (*logs.Table, error){logs.EpisodesTable, logs.MetricsTableOf} {
		tab, err := load(copied)
		if err != nil || len(tab.Rows) == 0 {
			t.Fatalf("tables of the copied run: %v", err)
		}
		for _, row := range tab.Rows {
			if row[0] != "ppo" {
				t.Fatalf("a row of the extended copy has run_id %v, want the original's \"ppo\"", row[0])
			}
		}
	}
	lock, err := logs.LockRun(ppoDir)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Unlock()
	wantOneLineError(t, "is in use by process", "train", "--resume", "--run-dir", ppoDir, "--steps", "4096")
}

// TestFormat1RunOpens turns a run into the shape the previous gorl wrote (config.json
// without envelope, env and seed in the "train" section, checkpoint_every in updates;
// JSON checkpoints of version 1): gorl eval, --resume and logs ls still read it, and a
// config.json of an unknown format fails in one line naming the format.
func TestFormat1RunOpens(t *testing.T) {
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "old")
	if _, stderr, code := gorl(t, "train", "--steps", "1024", "--seed", "3", "--run-dir", dir, "-q"); code != 0 {
		t.Fatal(stderr)
	}
	evalNew, stderr, code := gorl(t, "eval", dir, "--episodes", "2", "--step-every", "-1", "--out", filepath.Join(tmp, "e1"))
	if code != 0 {
		t.Fatal(stderr)
	}
	var rc map[string]any
	data, _ := os.ReadFile(filepath.Join(dir, "config.json"))
	json.Unmarshal(data, &rc)
	train := rc["train"].(map[string]any)
	train["env"], train["seed"], train["checkpoint_every"] = rc["env"], rc["seed"], 100
	for _, k := range []string{"format", "env", "seed", "run_id"} {
		delete(rc, k)
	}
	data, _ = json.Marshal(rc)
	os.WriteFile(filepath.Join(dir, "config.json"), data, 0o644)
	cks, _ := filepath.Glob(filepath.Join(dir, "checkpoints", "*.ckpt"))
	for _, p := range cks {
		ck, err := agents.ReadCheckpoint(p)
		if err != nil {
			t.Fatal(err)
		}
		ck.Version = 1
		old := filepath.Join(filepath.Dir(p), fmt.Sprintf("update-%07d.json", ck.Update)) // format 1's name
		if err := logs.WriteJSONAtomic(old, ck); err != nil {
			t.Fatal(err)
		}
		os.Remove(p)
	}
	evalOld, stderr, code := gorl(t, "eval", dir, "--episodes", "2", "--step-every", "-1", "--out", filepath.Join(tmp, "e2"))
	if code != 0 || strings.Split(evalOld, ";")[0] != strings.Split(evalNew, ";")[0] {
		t.Fatalf("eval of the format-1 run: exit %d %q %s; the same run in format 2: %q", code, evalOld, stderr, evalNew)
	}
	if out, stderr, code := gorl(t, "train", "--resume", "--run-dir", dir); code != 0 || !strings.Contains(out, "has finished its 1024 steps") {
		t.Fatalf("resume of the finished format-1 run: exit %d %s %s", code, out, stderr)
	}
	if out, _, code := gorl(t, "logs", "ls", tmp); code != 0 || !strings.Contains(out, "CartPole-v1") {
		t.Fatalf("logs ls: %s", out)
	}
	rc["format"] = 9
	data, _ = json.Marshal(rc)
	os.WriteFile(filepath.Join(dir, "config.json"), data, 0o644)
	wantOneLineError(t, "format 9; this gorl reads formats 1 to 2", "eval", dir)
}

package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"gorl/agents"
	"gorl/logs"
)

func TestRolloutWritesRun(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	out, stderr, code := gorl(t, "rollout", "--env", "CartPole-v1", "--episodes", "7", "--seed", "3", "--envs", "3", "--run-dir", dir, "-q")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(out, "7 episodes of CartPole-v1") {
		t.Fatalf("output %q", out)
	}
	var cfg agents.RolloutConfig
	data, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil || json.Unmarshal(data, &cfg) != nil || cfg.Seed != 3 || cfg.Envs != 3 || cfg.Episodes != 7 {
		t.Fatalf("config.json %s (%v)", data, err)
	}
	eps, err := logs.ReadEpisodes(dir)
	if err != nil || len(eps) != 7 {
		t.Fatalf("episodes %d, err %v", len(eps), err)
	}
	ids := map[int64]bool{}
	lengths := map[int64]int64{}
	for _, e := range eps {
		if ids[e.Episode] {
			t.Fatalf("duplicate episode id %d", e.Episode)
		}
		ids[e.Episode] = true
		lengths[e.Episode] = e.Length
	}
	// Every logged step belongs to a finished episode, steps count from 0 in order.
	next := map[int64]int64{}
	err = logs.ScanSteps(dir, func(s *logs.StepRow) error {
		if s.Step != next[s.Episode] {
			t.Fatalf("episode %d: step %d, want %d", s.Episode, s.Step, next[s.Episode])
		}
		next[s.Episode]++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for ep, n := range next {
		if lengths[ep] != n {
			t.Fatalf("episode %d: %d step rows, length %d", ep, n, lengths[ep])
		}
	}
}

func TestRolloutSameSeedAnyWorkers(t *testing.T) {
	read := func(workers string) []logs.EpisodeRow {
		dir := filepath.Join(t.TempDir(), "run")
		if _, stderr, code := gorl(t, "rollout", "--episodes", "12", "--seed", "9", "--envs", "4", "--workers", workers, "--run-dir", dir, "-q"); code != 0 {
			t.Fatal(stderr)
		}
		eps, err := logs.ReadEpisodes(dir)
		if err != nil {
			t.Fatal(err)
		}
		return eps
	}
	a, b := read("1"), read("2")
	for i := range a {
		if a[i].Episode != b[i].Episode || a[i].Return != b[i].Return || a[i].EnvSteps != b[i].EnvSteps {
			t.Fatalf("episode row %d differs: %+v vs %+v", i, a[i], b[i])
		}
	}
}

func TestRolloutBadInput(t *testing.T) {
	dir := t.TempDir()
	wantOneLineError(t, `unknown env "Nope-v0"`, "rollout", "--env", "Nope-v0", "--run-dir", filepath.Join(dir, "a"))
	wantOneLineError(t, "--episodes must be at least 1", "rollout", "--episodes", "0", "--run-dir", filepath.Join(dir, "b"))
	wantOneLineError(t, `invalid argument "many"`, "rollout", "--episodes", "many")
	wantOneLineError(t, `unknown policy`, "rollout", "--policy", "smart")
	wantOneLineError(t, `--env-opt "x": want key=value`, "rollout", "--env-opt", "x")
	wantOneLineError(t, `unknown command "rollouts"`, "rollouts")
	os.MkdirAll(filepath.Join(dir, "full"), 0o755)
	os.WriteFile(filepath.Join(dir, "full", "x"), []byte("keep"), 0o644)
	wantOneLineError(t, "already exists and is not empty", "rollout", "--run-dir", filepath.Join(dir, "full"))
	if data, _ := os.ReadFile(filepath.Join(dir, "full", "x")); string(data) != "keep" {
		t.Fatal("an existing run directory was overwritten")
	}
}

// A rollout killed with SIGKILL leaves only complete part files, whose rows are a
// prefix of what the uninterrupted run writes.
func TestRolloutKilledLeavesReadablePrefix(t *testing.T) {
	killed := filepath.Join(t.TempDir(), "killed")
	cmd := exec.Command(gorlBin, "rollout", "--episodes", "1000000", "--seed", "5", "--part-rows", "2000",
		"--flush-every", "0.01", "--run-dir", killed, "-q")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		parts, _ := logs.StepParts(killed)
		_, err := os.Stat(filepath.Join(killed, "episodes.parquet"))
		if len(parts) >= 3 && err == nil {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("no part files after 60 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	var st logs.Status
	data, _ := os.ReadFile(filepath.Join(killed, "status.json"))
	if err := json.Unmarshal(data, &st); err != nil || st.Status != "running" {
		t.Fatalf("status.json %q: the run should have been killed mid-way", data)
	}
	var got []logs.StepRow
	if err := logs.ScanSteps(killed, func(s *logs.StepRow) error {
		r := *s
		r.Obs = append([]float64(nil), s.Obs...)
		r.Action = append([]float64(nil), s.Action...)
		got = append(got, r)
		return nil
	}); err != nil {
		t.Fatalf("reading the killed run: %v", err)
	}
	eps, err := logs.ReadEpisodes(killed)
	if err != nil {
		t.Fatalf("reading the killed run's episodes: %v", err)
	}
	// The uninterrupted run with the same seed, long enough to cover what was read.
	full := filepath.Join(t.TempDir(), "full")
	n := len(eps) + int(got[len(got)-1].Episode) + 2
	if _, stderr, code := gorl(t, "rollout", "--episodes", strconv.Itoa(n), "--seed", "5", "--run-dir", full, "-q"); code != 0 {
		t.Fatal(stderr)
	}
	i := 0
	if err := logs.ScanSteps(full, func(s *logs.StepRow) error {
		if i < len(got) {
			g := got[i]
			if g.Episode != s.Episode || g.Step != s.Step || g.Reward != s.Reward || g.Obs[2] != s.Obs[2] || g.Action[0] != s.Action[0] {
				t.Fatalf("step row %d of the killed run differs from the full run: %+v vs %+v", i, g, *s)
			}
		}
		i++
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if i < len(got) {
		t.Fatalf("full run has %d rows, killed run %d", i, len(got))
	}
	fullEps, _ := logs.ReadEpisodes(full)
	for j, e := range eps {
		if fullEps[j].Return != e.Return || fullEps[j].Episode != e.Episode {
			t.Fatalf("episode row %d differs", j)
		}
	}
}

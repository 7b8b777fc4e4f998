package ppo

import (
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"syscall"
	"testing"
	"time"

	"gorl/agents"
	"gorl/logs"
)

// The resume test runs training in a child process (this test binary re-executed with
// resumeChildEnv set), kills it with SIGKILL after a few checkpoints, resumes the run
// here and compares everything with an uninterrupted run of the same seed.
// resumeEnvChild names the child's environment: CartPole-v1 (no normalisation) or
// Pendulum-v1 (normalisation on by default for its Box actions).
const (
	resumeChildEnv = "GORL_PPO_RESUME_CHILD"
	resumeEnvChild = "GORL_PPO_RESUME_ENV"
)

func resumeConfig(envID string) (agents.TrainConfig, Config, logs.Options) {
	tc := agents.TrainConfig{Env: envID, Seed: 5, Steps: 24 * 256, Envs: 2, RolloutSteps: 128,
		CheckpointEvery: 3, EvalEvery: 4, EvalEpisodes: 2}
	pc := Config{Minibatches: 2}
	if envID == "Pendulum-v1" {
		pc.Epochs = 4 // the other settings: CleanRL's continuous defaults
	}
	// Flush often so that rows written after the last checkpoint reach the disk before
	// the kill: Resume must cut them.
	return tc, pc, logs.Options{EnvID: tc.Env, PartRows: 700, FlushEvery: time.Millisecond}
}

func TestMain(m *testing.M) {
	if dir := os.Getenv(resumeChildEnv); dir != "" {
		if err := resumeChild(dir, os.Getenv(resumeEnvChild)); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// resumeChild trains slowly (a pause after each update) until it is killed.
func resumeChild(dir, envID string) error {
	tc, pc, opts := resumeConfig(envID)
	run, err := logs.Create(dir, tc, opts)
	if err != nil {
		return err
	}
	l, err := agents.NewLoop(tc, run, newAgentFunc(pc, tc.Seed))
	if err != nil {
		return err
	}
	l.Hooks.OnUpdate = func(agents.Status) { time.Sleep(40 * time.Millisecond) }
	_, err = l.Run()
	return err
}

func trainRun(t *testing.T, dir, envID string) {
	tc, pc, opts := resumeConfig(envID)
	run, err := logs.Create(dir, tc, opts)
	if err != nil {
		t.Fatal(err)
	}
	l, err := agents.NewLoop(tc, run, newAgentFunc(pc, tc.Seed))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Run(); err != nil {
		t.Fatal(err)
	}
}

func TestResumeAfterSIGKILLMatchesUninterruptedRun(t *testing.T) {
	resumeAfterKill(t, "CartPole-v1")
}

// TestResumeNormalizedAfterSIGKILL: with observation and reward normalisation (each
// environment's running statistics and discounted return live in its snapshot, the raw
// observations in the checkpoint) a killed run still resumes exactly.
func TestResumeNormalizedAfterSIGKILL(t *testing.T) {
	resumeAfterKill(t, "Pendulum-v1")
}

func resumeAfterKill(t *testing.T, envID string) {
	tmp := t.TempDir()
	ref, killed := filepath.Join(tmp, "ref"), filepath.Join(tmp, "killed")
	trainRun(t, ref, envID)

	// Child: kill it once a checkpoint past update 6 exists (of 24 updates).
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), resumeChildEnv+"="+killed, resumeEnvChild+"="+envID)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Kill it once a checkpoint past update 6 exists and step rows logged after that
	// checkpoint have reached the disk (Resume must cut them).
	stepRows := func() int64 {
		var n int64
		logs.ScanSteps(killed, func(*logs.StepRow) error { n++; return nil })
		return n
	}
	deadline := time.Now().Add(60 * time.Second)
	var seen *agents.Checkpoint
	for {
		ck, err := agents.LatestCheckpoint(killed)
		if err == nil && ck.Update >= 7 && stepRows() > ck.Marks.Steps {
			seen = ck
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("child wrote no checkpoint past update 6 in 60 s")
		}
		time.Sleep(2 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	st, err := os.ReadFile(filepath.Join(killed, "status.json"))
	if err != nil {
		t.Fatal(err)
	}
	ck, err := agents.LatestCheckpoint(killed)
	if err != nil {
		t.Fatal(err)
	}
	if ck.Update >= 24 {
		t.Fatalf("the child finished before it was killed (status %s)", st)
	}
	if n := stepRows(); ck.Update == seen.Update && n <= ck.Marks.Steps {
		t.Fatalf("%d step rows on disk, checkpoint marks %d: nothing to cut", n, ck.Marks.Steps)
	} else {
		t.Logf("killed after the checkpoint of update %d: %d step rows on disk, %d at the checkpoint", ck.Update, n, ck.Marks.Steps)
	}

	tc, pc, opts := resumeConfig(envID)
	l, err := agents.Resume(killed, tc, opts, newAgentFunc(pc, tc.Seed))
	if err != nil {
		t.Fatal(err)
	}
	s, err := l.Run()
	if err != nil {
		t.Fatal(err)
	}
	if s.Resumed != ck.Update || s.Update != 24 {
		t.Fatalf("resumed from %d and ended at update %d, want %d and 24", s.Resumed, s.Update, ck.Update)
	}
	compareRuns(t, ref, killed)
}

// compareRuns checks that two runs logged the same metrics (but timing), episodes and
// steps, and that the step table has each (episode, step) key exactly once with no gap.
func compareRuns(t *testing.T, ref, got string) {
	t.Helper()
	m1, err := logs.ReadMetrics(ref)
	if err != nil {
		t.Fatal(err)
	}
	m2, err := logs.ReadMetrics(got)
	if err != nil {
		t.Fatal(err)
	}
	r1, r2 := m1.Rows(), m2.Rows()
	if len(r1) != len(r2) {
		t.Fatalf("metrics rows: %d uninterrupted, %d resumed", len(r1), len(r2))
	}
	for i, r := range r1 { // EvalEvery 4: periodic evaluation after updates 4, 8, ...
		if _, ok := r.Values["eval_return"]; ok != ((i+1)%4 == 0) {
			t.Fatalf("metrics row %d (update %d): eval_return present %v", i, r.Iteration, ok)
		}
	}
	for i := range r1 {
		a, b := r1[i], r2[i]
		if a.Iteration != b.Iteration || a.EnvSteps != b.EnvSteps {
			t.Fatalf("metrics row %d: iteration/env_steps %d/%d vs %d/%d", i, a.Iteration, a.EnvSteps, b.Iteration, b.EnvSteps)
		}
		for k, v := range a.Values {
			if k == "sps" {
				continue
			}
			if w, ok := b.Values[k]; !ok || !(w == v || math.IsNaN(v) && math.IsNaN(w)) {
				t.Fatalf("metrics row %d (update %d): %s = %v uninterrupted, %v resumed", i, a.Iteration, k, v, w)
			}
		}
	}
	e1, err := logs.ReadEpisodes(ref)
	if err != nil {
		t.Fatal(err)
	}
	e2, err := logs.ReadEpisodes(got)
	if err != nil {
		t.Fatal(err)
	}
	if len(e1) != len(e2) {
		t.Fatalf("episodes: %d uninterrupted, %d resumed", len(e1), len(e2))
	}
	for i := range e1 {
		a, b := e1[i], e2[i]
		a.WallSeconds, b.WallSeconds = 0, 0
		if a != b {
			t.Fatalf("episode row %d: %+v uninterrupted, %+v resumed", i, a, b)
		}
	}
	steps := func(dir string) []logs.StepRow {
		var out []logs.StepRow
		err := logs.ScanSteps(dir, func(s *logs.StepRow) error {
			c := *s
			c.Obs, c.Action = append([]float64(nil), s.Obs...), append([]float64(nil), s.Action...)
			out = append(out, c)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	s1, s2 := steps(ref), steps(got)
	seen := map[[2]int64]bool{}
	maxStep := map[int64]int64{}
	for _, s := range s2 {
		k := [2]int64{s.Episode, s.Step}
		if seen[k] {
			t.Fatalf("resumed run logs step (episode %d, step %d) twice", s.Episode, s.Step)
		}
		seen[k] = true
		maxStep[s.Episode] = max(maxStep[s.Episode], s.Step)
	}
	for ep, m := range maxStep {
		for st := int64(0); st <= m; st++ {
			if !seen[[2]int64{ep, st}] {
				t.Fatalf("resumed run misses step %d of episode %d", st, ep)
			}
		}
	}
	if len(s1) != len(s2) {
		t.Fatalf("steps: %d uninterrupted, %d resumed", len(s1), len(s2))
	}
	for i := range s1 {
		if !reflect.DeepEqual(s1[i], s2[i]) {
			t.Fatalf("step row %d: %+v uninterrupted, %+v resumed", i, s1[i], s2[i])
		}
	}
}

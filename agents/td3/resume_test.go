package td3

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"gorl/agents"
	"gorl/env"
	"gorl/logs"
	"gorl/physics3d/morph"
)

// tinyPendulum is a short run whose replay buffer wraps (capacity 400 < 1000 steps) and
// whose checkpoints fall inside episodes.
func tinyPendulum() TrainConfig {
	return TrainConfig{Env: "Pendulum-v1", Seed: 11, Steps: 1000, MetricsEvery: 100, StepEvery: 2,
		CheckpointEvery: 350, CheckpointSeconds: -1,
		TD3: Config{Hidden: []int{16, 16}, Batch: 32, WarmUp: 300, BufferSize: 400}}
}

// copyDir copies a run directory (regular files only).
func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.Walk(src, func(path string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		target := filepath.Join(dst, rel)
		if info.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func trainRun(t *testing.T, dir string, cfg TrainConfig, arch Arch) Summary {
	t.Helper()
	return trainRunCopying(t, dir, cfg, arch, -1, "")
}

// trainRunCopying trains as trainRun and copies the run directory to copyTo right after
// the checkpoint of env step at: the run as a SIGKILL then would leave it.
func trainRunCopying(t *testing.T, dir string, cfg TrainConfig, arch Arch, at int64, copyTo string) Summary {
	t.Helper()
	run, err := logs.Create(dir, cfg, logs.Options{EnvID: cfg.Env, StepEvery: cfg.StepEvery})
	if err != nil {
		t.Fatal(err)
	}
	s, err := Train(cfg, arch, run, Hooks{OnCheckpoint: func(steps int64, _ string) {
		if steps == at {
			copyDir(t, dir, copyTo)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if err := run.Close(); err != nil {
		t.Fatal(err)
	}
	return s
}

// sameRuns compares the tables and final checkpoints of two run directories.
func sameRuns(t *testing.T, a, b string) {
	t.Helper()
	e1, err1 := logs.ReadEpisodes(a)
	e2, err2 := logs.ReadEpisodes(b)
	if err1 != nil || err2 != nil || len(e1) == 0 || len(e1) != len(e2) {
		t.Fatalf("episodes: %d uninterrupted, %d resumed (%v, %v)", len(e1), len(e2), err1, err2)
	}
	for i := range e1 {
		x, y := e1[i], e2[i]
		if x.Episode != y.Episode || x.Return != y.Return || x.Length != y.Length || x.EnvSteps != y.EnvSteps || x.Terminated != y.Terminated {
			t.Fatalf("episode row %d: %+v uninterrupted, %+v resumed", i, x, y)
		}
	}
	m1, err1 := logs.ReadMetrics(a)
	m2, err2 := logs.ReadMetrics(b)
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	r1, r2 := m1.Rows(), m2.Rows()
	if len(r1) == 0 || len(r1) != len(r2) {
		t.Fatalf("metrics rows: %d uninterrupted, %d resumed", len(r1), len(r2))
	}
	for i := range r1 {
		if r1[i].EnvSteps != r2[i].EnvSteps || r1[i].Iteration != r2[i].Iteration || len(r1[i].Values) != len(r2[i].Values) {
			t.Fatalf("metrics row %d: %+v vs %+v", i, r1[i], r2[i])
		}
		for k, v := range r1[i].Values {
			if w := r2[i].Values[k]; k != "steps_per_second" && v != w && !(math.IsNaN(v) && math.IsNaN(w)) {
				t.Fatalf("metrics row %d (env step %d): %s = %v uninterrupted, %v resumed", i, r1[i].EnvSteps, k, v, w)
			}
		}
	}
	steps := func(dir string) []string {
		var out []string
		if err := logs.ScanSteps(dir, func(s *logs.StepRow) error {
			out = append(out, fmt.Sprint(s.Episode, s.Step, s.Obs, s.Action, s.Reward, s.Terminated, s.Truncated))
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return out
	}
	s1, s2 := steps(a), steps(b)
	if len(s1) == 0 || !slices.Equal(s1, s2) {
		t.Fatalf("step rows differ: %d uninterrupted, %d resumed", len(s1), len(s2))
	}
	f1, err1 := os.ReadFile(FinalCheckpointPath(a))
	f2, err2 := os.ReadFile(FinalCheckpointPath(b))
	if err1 != nil || err2 != nil || !bytes.Equal(f1, f2) {
		t.Fatalf("final checkpoints differ (%v, %v)", err1, err2)
	}
}

// TestResumeMatchesUninterrupted resumes a copy of a finished run from its latest
// checkpoint (env step 700): the logs are cut back to it and the rest is redone, which
// must reproduce the uninterrupted run's tables and final networks bit for bit; with one
// environment, and with two stepped by two workers.
func TestResumeMatchesUninterrupted(t *testing.T) {
	for _, envs := range []int{1, 2} {
		t.Run(fmt.Sprintf("envs=%d", envs), func(t *testing.T) {
			cfg := tinyPendulum()
			cfg.Envs, cfg.Workers = envs, envs
			testResume(t, cfg)
		})
	}
}

func testResume(t *testing.T, cfg TrainConfig) {
	tmp := t.TempDir()
	ref, cut := filepath.Join(tmp, "ref"), filepath.Join(tmp, "cut")
	var seen []int64
	run, err := logs.Create(ref, cfg, logs.Options{EnvID: cfg.Env, StepEvery: cfg.StepEvery})
	if err != nil {
		t.Fatal(err)
	}
	// The copy made right after the checkpoint of env step 700 is the run as a SIGKILL
	// then would leave it.
	sum, err := Train(cfg, nil, run, Hooks{OnCheckpoint: func(steps int64, _ string) {
		seen = append(seen, steps)
		if steps == 700 {
			copyDir(t, ref, cut)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	run.Close()
	if !slices.Equal(seen, []int64{0, 350, 700, 1000}) {
		t.Fatalf("checkpoints at env steps %v, want [0 350 700 1000]", seen)
	}
	names, _ := filepath.Glob(filepath.Join(ref, "checkpoints", "*"))
	if len(names) != 2 || filepath.Base(names[0]) != "final.ckpt" || filepath.Base(names[1]) != "steps-000000001000.ckpt" {
		t.Fatalf("checkpoints/ holds %v, want the final networks and the final resumable checkpoint", names)
	}
	tr, err := Resume(cut, cfg, nil, logs.Options{EnvID: cfg.Env, StepEvery: cfg.StepEvery})
	if err != nil {
		t.Fatal(err)
	}
	if tr.EnvSteps() != 700 || tr.Replay().Len() != 400 {
		t.Fatalf("resumed at env step %d with %d transitions, want 700 and 400", tr.EnvSteps(), tr.Replay().Len())
	}
	sum2, err := tr.Train()
	if err != nil {
		t.Fatal(err)
	}
	tr.Log.Close()
	if sum2.Resumed != 700 || sum2.Updates != sum.Updates || sum2.EnvSteps != 1000 || !slices.Equal(sum.LastEpisodes, sum2.LastEpisodes) {
		t.Fatalf("resumed summary %+v, uninterrupted %+v", sum2, sum)
	}
	sameRuns(t, ref, cut)
}

// TestResumeSETOnHopper does the same with SET networks on sgrl/hopper-3, whose random
// episodes end early (terminations) and whose MuJoCo state the snapshots carry.
func TestResumeSETOnHopper(t *testing.T) {
	cfg := TrainConfig{Env: "sgrl/hopper-3", Seed: 3, Steps: 240, MetricsEvery: 40, CheckpointEvery: 90, CheckpointSeconds: -1,
		TD3: Config{Batch: 8, WarmUp: 100}}
	e, err := env.Make(cfg.Env, nil)
	if err != nil {
		t.Fatal(err)
	}
	m, _ := env.As[morph.Morphological](e)
	if c, ok := e.(io.Closer); ok {
		c.Close()
	}
	arch := SETArch{Graph: m.Graph(), Config: tinySET}
	tmp := t.TempDir()
	ref, cut := filepath.Join(tmp, "ref"), filepath.Join(tmp, "cut")
	trainRunCopying(t, ref, cfg, arch, 180, cut)
	tr, err := Resume(cut, cfg, arch, logs.Options{EnvID: cfg.Env, StepEvery: cfg.StepEvery})
	if err != nil {
		t.Fatal(err)
	}
	if tr.EnvSteps() != 180 {
		t.Fatalf("resumed at env step %d, want 180", tr.EnvSteps())
	}
	if _, err := tr.Train(); err != nil {
		t.Fatal(err)
	}
	tr.Log.Close()
	sameRuns(t, ref, cut)
}

// TestTrainerCheckpointRoundTrip stops a trainer at env step 600 (the buffer has wrapped),
// saves it, loads the file into a fresh trainer, checks the restored state and then runs
// both to the end: they must finish identically.
func TestTrainerCheckpointRoundTrip(t *testing.T) {
	cfg := tinyPendulum()
	t1, err := NewTrainer(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer t1.Close()
	t1.start = time.Now()
	t1.Config.Steps = 600
	if err := t1.loop(); err != nil {
		t.Fatal(err)
	}
	t1.Config.Steps = cfg.Steps
	path := filepath.Join(t.TempDir(), "c.ckpt")
	writeTestCheckpoint(t, t1, path)

	t2, err := NewTrainer(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer t2.Close()
	if _, err := t2.load(path); err != nil {
		t.Fatal(err)
	}
	b1, b2 := t1.bufs[0], t2.bufs[0]
	if b1.pos != b2.pos || b1.size != b2.size || b1.pos != 200 || !slices.Equal(b1.obs, b2.obs) || !slices.Equal(b1.next, b2.next) ||
		!slices.Equal(b1.act, b2.act) || !slices.Equal(b1.rew, b2.rew) || !slices.Equal(b1.done, b2.done) {
		t.Fatalf("replay buffer: pos %d/%d size %d/%d or contents differ", b1.pos, b2.pos, b1.size, b2.size)
	}
	for _, p := range [][2][]float32{
		{t1.agent.ActorParams.Flatten(nil), t2.agent.ActorParams.Flatten(nil)},
		{t1.agent.CriticTargetParams.Flatten(nil), t2.agent.CriticTargetParams.Flatten(nil)},
	} {
		if !slices.Equal(p[0], p[1]) {
			t.Fatal("parameters differ after loading")
		}
	}
	o1, _ := t1.agent.CriticOpt.MarshalBinary()
	o2, _ := t2.agent.CriticOpt.MarshalBinary()
	if !bytes.Equal(o1, o2) {
		t.Fatal("critic Adam state differs after loading")
	}
	if t1.envSteps != t2.envSteps || t1.nextEpisode != t2.nextEpisode || !slices.Equal(t1.episode, t2.episode) ||
		!slices.Equal(t1.epLen, t2.epLen) || !slices.Equal(t1.obs[0], t2.obs[0]) || t1.agent.critUpdates != t2.agent.critUpdates {
		t.Fatal("loop state differs after loading")
	}
	s1, _ := t1.vec.Snapshot()
	s2, _ := t2.vec.Snapshot()
	if !bytes.Equal(s1[0], s2[0]) {
		t.Fatal("environment state differs after loading")
	}
	if err := t1.loop(); err != nil {
		t.Fatal(err)
	}
	if err := t2.loop(); err != nil {
		t.Fatal(err)
	}
	a, b := t1.summary(), t2.summary()
	if a.Updates != 700 || a.Updates != b.Updates || a.FinalCritic != b.FinalCritic || a.FinalActor != b.FinalActor || !slices.Equal(a.LastEpisodes, b.LastEpisodes) ||
		!slices.Equal(t1.agent.ActorParams.Flatten(nil), t2.agent.ActorParams.Flatten(nil)) {
		t.Fatalf("runs differ after the round trip:\n%+v\n%+v", a, b)
	}
}

func writeTestCheckpoint(t *testing.T, tr *Trainer, path string) {
	t.Helper()
	st, err := tr.state(logs.Marks{})
	if err != nil {
		t.Fatal(err)
	}
	if err := logs.WriteFileAtomic(path, func(f *os.File) error { return tr.writeCheckpoint(f, st) }); err != nil {
		t.Fatal(err)
	}
}

// TestDamagedCheckpoint: truncated, bit-flipped and foreign files are refused with a
// one-line error that says what is wrong, and so is another run's config.
func TestDamagedCheckpoint(t *testing.T) {
	cfg := tinyPendulum()
	cfg.Steps = 500
	tr, err := NewTrainer(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	tr.start = time.Now()
	if err := tr.loop(); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	good := filepath.Join(dir, "good.ckpt")
	writeTestCheckpoint(t, tr, good)
	data, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	rply := bytes.Index(data, []byte("RPLY"))
	if rply < 0 {
		t.Fatal("no replay section")
	}
	variant := func(name string, change func([]byte) []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, change(slices.Clone(data)), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cases := []struct {
		path, want string
	}{
		{variant("half", func(b []byte) []byte { return b[:len(b)/2] }), "truncated"},
		{variant("short", func(b []byte) []byte { return b[:len(b)-3] }), "truncated"},
		{variant("replay-bit", func(b []byte) []byte { b[rply+12+40+1000] ^= 0x10; return b }), "checksum of section RPLY"},
		{variant("state-bit", func(b []byte) []byte { b[bytes.Index(b, []byte("STAT"))+12+5] ^= 1; return b }), "checksum of section STAT"},
		{variant("trailing", func(b []byte) []byte { return append(b, 0) }), "after the last section"},
		{variant("foreign", func(b []byte) []byte { return []byte("not a checkpoint at all") }), "not a gorl checkpoint"},
		{variant("empty", func(b []byte) []byte { return nil }), "truncated"},
	}
	for _, c := range cases {
		fresh, err := NewTrainer(cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, err = fresh.load(c.path)
		fresh.Close()
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error %v, want one line containing %q", filepath.Base(c.path), err, c.want)
		}
	}
	other := cfg
	other.Seed++
	fresh, err := NewTrainer(other, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	if _, err := fresh.load(good); err == nil || !strings.Contains(err.Error(), "other settings") {
		t.Errorf("checkpoint of another config: %v", err)
	}
	// gorl eval reads the networks of a resumable checkpoint too.
	a, _ := New(nil, 3, 1, cfg.TD3, env.NewRand(1, 0))
	if err := a.LoadCheckpoint(good); err != nil || !slices.Equal(a.ActorParams.Flatten(nil), tr.agent.ActorParams.Flatten(nil)) {
		t.Fatalf("agent from a resumable checkpoint: %v", err)
	}
}

// TestCheckpointCadence: by time (a tiny interval: after every env step), off (only the
// initial and the final one), and by count (plus the final one).
func TestCheckpointCadence(t *testing.T) {
	for _, c := range []struct {
		every   int64
		seconds float64
		want    int
	}{{-1, 1e-9, 41}, {-1, -1, 2}, {15, -1, 4}} {
		cfg := tinyPendulum()
		cfg.Steps, cfg.CheckpointEvery, cfg.CheckpointSeconds = 40, c.every, c.seconds
		dir := filepath.Join(t.TempDir(), "run")
		run, err := logs.Create(dir, cfg, logs.Options{EnvID: cfg.Env})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		if _, err := Train(cfg, nil, run, Hooks{OnCheckpoint: func(int64, string) { n++ }}); err != nil {
			t.Fatal(err)
		}
		run.Close()
		names, _ := filepath.Glob(filepath.Join(dir, "checkpoints", "steps-*.ckpt"))
		if n != c.want || len(names) != 1 {
			t.Errorf("checkpoint_every %d, checkpoint_seconds %v: %d checkpoints written, %d kept; want %d and 1", c.every, c.seconds, n, len(names), c.want)
		}
	}
}

// TestInterruptThroughTrainer cancels a run through the agents.Trainer contract: it
// stops with a checkpoint, status "interrupted" and ErrInterrupted, and Settings.Resume
// continues it to the uninterrupted run's tables and networks.
func TestInterruptThroughTrainer(t *testing.T) {
	tmp := t.TempDir()
	ref, stopped := filepath.Join(tmp, "ref"), filepath.Join(tmp, "stopped")
	trainRun(t, ref, tinyPendulum(), nil)
	s := &Settings{TD3: tinyPendulum()}
	if err := s.Resolve(); err != nil {
		t.Fatal(err)
	}
	opts := logs.Options{EnvID: s.TD3.Env, StepEvery: s.TD3.StepEvery}
	run, err := logs.Create(stopped, s.TD3, opts)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := s.NewTrainer(run)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, err = tr.Train(ctx, agents.Hooks{OnUpdate: func(st agents.Status) {
		if st.EnvSteps >= 500 {
			cancel()
		}
	}})
	if !errors.Is(err, agents.ErrInterrupted) {
		t.Fatalf("Train after cancel: %v, want ErrInterrupted", err)
	}
	info, _ := logs.ReadRunInfo(stopped)
	if _, steps, err := LatestCheckpointSteps(stopped); err != nil || steps != 500 || info.Status != "interrupted" {
		t.Fatalf("after cancel: checkpoint at %d (%v), status %q; want 500 and interrupted", steps, err, info.Status)
	}
	tr, err = s.Resume(stopped, opts)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := tr.Train(context.Background(), agents.Hooks{})
	if err != nil || sum.ResumedSteps != 500 || sum.EnvSteps != 1000 {
		t.Fatalf("resumed: %+v, %v", sum, err)
	}
	sameRuns(t, ref, stopped)
}

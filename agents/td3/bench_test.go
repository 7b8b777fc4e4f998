package td3

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"gorl/env"
	"gorl/logs"
)

// BenchmarkUpdate times one TD3 update (critic step, and the actor and target step
// every second call) with the paper's 256-256 MLPs and batch 256 on Pendulum's sizes.
func BenchmarkUpdate(b *testing.B) {
	a, err := New(nil, 3, 1, Config{}, env.NewRand(1, 0))
	if err != nil {
		b.Fatal(err)
	}
	batch := randomBatch(a, 1)
	if _, err := a.Update(batch); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := a.Update(batch); err != nil {
			b.Fatal(err)
		}
	}
}

// hopperTrainer is a trainer on sgrl/hopper-3 (123-value observations, 9 actions) with
// the paper's 256-256 MLPs and its replay buffer filled with n random transitions.
func hopperTrainer(b *testing.B, n int) *Trainer {
	cfg := TrainConfig{Env: "sgrl/hopper-3", Seed: 1, Steps: int64(n), CheckpointSeconds: -1, TD3: Config{BufferSize: n}}
	t, err := NewTrainer(cfg, nil)
	if err != nil {
		b.Fatal(err)
	}
	rng := env.NewRand(2, 0)
	o, a, next := make([]float64, t.agent.ObsDim), make([]float64, t.agent.ActDim), make([]float64, t.agent.ObsDim)
	for range n {
		for j := range o {
			o[j], next[j] = rng.NormFloat64(), rng.NormFloat64()
		}
		for j := range a {
			a[j] = rng.Float64()*2 - 1
		}
		t.bufs[0].Add(o, a, rng.NormFloat64(), next, rng.IntN(100) == 0)
	}
	t.start = time.Now()
	return t
}

// BenchmarkCheckpointHopper1e6 writes a resumable checkpoint (fsynced and renamed) of a
// run on sgrl/hopper-3 whose replay buffer holds 1e6 transitions; BENCH_DIR names the
// directory (default: the test's temporary directory).
func BenchmarkCheckpointHopper1e6(b *testing.B) {
	t := hopperTrainer(b, 1000000)
	defer t.Close()
	dir := os.Getenv("BENCH_DIR")
	if dir == "" {
		dir = b.TempDir()
	}
	path := filepath.Join(dir, "bench.ckpt")
	defer os.Remove(path)
	b.ResetTimer()
	for b.Loop() {
		st, err := t.state(logs.Marks{})
		if err != nil {
			b.Fatal(err)
		}
		if err := logs.WriteFileAtomic(path, func(f *os.File) error { return t.writeCheckpoint(f, st) }); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if info, err := os.Stat(path); err == nil {
		b.ReportMetric(float64(info.Size())/1e6, "MB")
		b.SetBytes(info.Size())
	}
}

// BenchmarkLoadCheckpointHopper1e6 reads that checkpoint back into a fresh trainer (the
// work of a resume besides cutting the logs).
func BenchmarkLoadCheckpointHopper1e6(b *testing.B) {
	t := hopperTrainer(b, 1000000)
	dir := os.Getenv("BENCH_DIR")
	if dir == "" {
		dir = b.TempDir()
	}
	path := filepath.Join(dir, "bench.ckpt")
	defer os.Remove(path)
	st, err := t.state(logs.Marks{})
	if err != nil {
		b.Fatal(err)
	}
	if err := logs.WriteFileAtomic(path, func(f *os.File) error { return t.writeCheckpoint(f, st) }); err != nil {
		b.Fatal(err)
	}
	t.Close()
	t = nil
	fresh, err := NewTrainer(TrainConfig{Env: "sgrl/hopper-3", Seed: 1, Steps: 1000000, CheckpointSeconds: -1, TD3: Config{BufferSize: 1000000}}, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer fresh.Close()
	b.ResetTimer()
	for b.Loop() {
		if _, err := fresh.load(path); err != nil {
			b.Fatal(err)
		}
	}
	if info, err := os.Stat(path); err == nil {
		b.SetBytes(info.Size())
	}
}

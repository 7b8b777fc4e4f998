package td3

import (
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	setnet "gorl/agents/set"
	"gorl/env"
	"gorl/logs"
	"gorl/physics3d/morph"
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

// BenchmarkUpdateHopperPP times one TD3 update (batch 256; the actor and target step every
// second call) on sgrl/hopper++ (three hoppers of 3, 4 and 5 limbs, rows padded to 5), the
// members taken in turn, each from its own replay buffer filled by 3000 uniformly random
// environment steps. Archs: the paper's 256-256 MLP on the padded rows, SET and the
// SWAT-style baseline at the CLI's small sizes (E 32, FF 64, 2 layers; SET C 8) and at the
// paper's (E 128, FF 256, 3 layers, 2 heads; SET C 32). updates/s is reported.
func BenchmarkUpdateHopperPP(b *testing.B) {
	gs := func() []*morph.Graph {
		e, err := env.Make("sgrl/hopper++", nil)
		if err != nil {
			b.Fatal(err)
		}
		if c, ok := env.As[io.Closer](e); ok {
			defer c.Close()
		}
		m, _ := env.As[interface{ Graphs() []*morph.Graph }](e)
		return m.Graphs()
	}()
	smallSET := setnet.Config{Embed: 32, Heads: 2, FF: 64, Layers: 2, Channels: 8}
	smallSWAT := setnet.SWATConfig{Embed: 32, Heads: 2, FF: 64, Layers: 2}
	for _, c := range []struct {
		name string
		arch Arch
	}{
		{"mlp-256x2", nil},
		{"set-small", SETArch{Graphs: gs, Config: smallSET}},
		{"swat-small", SWATArch{Graphs: gs, Config: smallSWAT}},
		{"set-paper", SETArch{Graphs: gs}},
		{"swat-paper", SWATArch{Graphs: gs}},
	} {
		b.Run(c.name, func(b *testing.B) {
			const fill = 3000
			cfg := TrainConfig{Env: "sgrl/hopper++", Seed: 1, Steps: fill, CheckpointSeconds: -1,
				TD3: Config{WarmUp: fill, LR: 1e-4, GradClip: 0.1}}
			t, err := NewTrainer(cfg, c.arch)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := t.Train(); err != nil { // warm-up only: random actions, no updates
				b.Fatal(err)
			}
			var members []int
			for k, r := range t.Replays() {
				if r.Len() > 0 {
					members = append(members, k)
				}
			}
			if err := t.update(members[0]); err != nil { // sizes the tapes
				b.Fatal(err)
			}
			b.ResetTimer()
			i := 0
			for b.Loop() {
				if err := t.update(members[i%len(members)]); err != nil {
					b.Fatal(err)
				}
				i++
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "updates/s")
		})
	}
}

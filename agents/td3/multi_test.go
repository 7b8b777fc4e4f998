package td3

import (
	"io"
	"path/filepath"
	"testing"

	"gorl/env"
	"gorl/logs"
	"gorl/physics3d/morph"
)

// setGraphs returns the member graphs of a multi-task id.
func setGraphs(t *testing.T, id string) []*morph.Graph {
	t.Helper()
	e, err := env.Make(id, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c, ok := env.As[io.Closer](e); ok { // the Multi or Env under the time limit
		defer c.Close()
	}
	m, ok := env.As[interface{ Graphs() []*morph.Graph }](e)
	if !ok {
		t.Fatalf("%s has no member graphs", id)
	}
	return m.Graphs()
}

// TestMultiTaskReplays trains on sgrl/hopper++ (3, 4 and 5 limbs, rows padded to 5) with
// SET and with the padded MLP: each member's transitions go to its own replay buffer (the
// padding of a smaller hopper's rows stays zero there), every episode row names its member
// as context, and the episode lengths of each member add up to its buffer's size.
func TestMultiTaskReplays(t *testing.T) {
	gs := setGraphs(t, "sgrl/hopper++")
	for _, c := range []struct {
		name string
		arch Arch
	}{{"set", SETArch{Graphs: gs, Config: tinySET}}, {"mlp", nil}} {
		t.Run(c.name, func(t *testing.T) {
			cfg := TrainConfig{Env: "sgrl/hopper++", Seed: 6, Steps: 300, Envs: 2, Workers: 2, MetricsEvery: 100, CheckpointSeconds: -1,
				TD3: Config{Hidden: []int{16, 16}, Batch: 8, WarmUp: 100}}
			dir := filepath.Join(t.TempDir(), "run")
			sum := trainRun(t, dir, cfg, c.arch)
			if sum.EnvSteps != 300 || sum.Updates != 200 {
				t.Fatalf("summary %+v", sum)
			}
			eps, err := logs.ReadEpisodes(dir)
			if err != nil {
				t.Fatal(err)
			}
			lengths := make([]int64, len(gs))
			for _, e := range eps {
				if e.Context < 0 || int(e.Context) >= len(gs) {
					t.Fatalf("episode %d has context %d, want a member index", e.Episode, e.Context)
				}
				lengths[e.Context] += e.Length
			}
			tr, err := NewTrainer(cfg, c.arch) // a twin run, to look at its buffers
			if err != nil {
				t.Fatal(err)
			}
			if _, err := tr.Train(); err != nil {
				t.Fatal(err)
			}
			total := 0
			for k, b := range tr.Replays() {
				n := gs[k].N()
				total += b.Len()
				// Finished episodes of member k are in its buffer; running ones add the rest.
				// (Seed 6 draws every member within the 300 steps.)
				if b.Len() == 0 || int64(b.Len()) < lengths[k] {
					t.Errorf("member %d: %d transitions stored, its finished episodes took %d steps", k, b.Len(), lengths[k])
				}
				batch := b.NewBatch(b.Len())
				for i := range batch.Index {
					batch.Index[i] = i
				}
				b.Gather(batch)
				for i := range b.Len() {
					row := batch.Obs[i*b.ObsDim : (i+1)*b.ObsDim]
					for j := n * morph.NodeFeatures; j < b.ObsDim; j++ {
						if row[j] != 0 {
							t.Fatalf("member %d (%d limbs): transition %d has %v in padded slot %d", k, n, i, row[j], j)
						}
					}
				}
				t.Logf("member %d (%d limbs): %d transitions, finished episodes %d steps", k, n, b.Len(), lengths[k])
			}
			if len(tr.Replays()) != 3 || total != 300 {
				t.Fatalf("%d replay buffers with %d transitions, want 3 with 300", len(tr.Replays()), total)
			}
		})
	}
}

// TestResumeMultiTask resumes a SET run on sgrl/hopper++ (three replay buffers in the
// checkpoint) and compares it with the uninterrupted run bit for bit.
func TestResumeMultiTask(t *testing.T) {
	cfg := TrainConfig{Env: "sgrl/hopper++", Seed: 6, Steps: 260, MetricsEvery: 40, CheckpointEvery: 90, CheckpointSeconds: -1,
		TD3: Config{Batch: 8, WarmUp: 100}}
	arch := SETArch{Graphs: setGraphs(t, cfg.Env), Config: tinySET}
	tmp := t.TempDir()
	ref, cut := filepath.Join(tmp, "ref"), filepath.Join(tmp, "cut")
	trainRunCopying(t, ref, cfg, arch, 180, cut)
	tr, err := Resume(cut, cfg, arch, logs.Options{EnvID: cfg.Env, StepEvery: cfg.StepEvery})
	if err != nil {
		t.Fatal(err)
	}
	if tr.EnvSteps() != 180 || len(tr.Replays()) != 3 {
		t.Fatalf("resumed at env step %d with %d buffers, want 180 and 3", tr.EnvSteps(), len(tr.Replays()))
	}
	filled := 0
	for _, b := range tr.Replays() {
		filled += b.Len()
	}
	if filled != 180 {
		t.Fatalf("resumed buffers hold %d transitions, want 180", filled)
	}
	if _, err := tr.Train(); err != nil {
		t.Fatal(err)
	}
	tr.Log.Close()
	sameRuns(t, ref, cut)
	// A checkpoint of a multi-task run does not resume a single-morphology run.
	single := cfg
	single.Env = "sgrl/hopper-5"
	if _, err := Resume(ref, single, SETArch{Graphs: arch.Graphs[2:], Config: tinySET}, logs.Options{EnvID: single.Env}); err == nil {
		t.Error("a multi-task checkpoint resumed a single-morphology run")
	}
}

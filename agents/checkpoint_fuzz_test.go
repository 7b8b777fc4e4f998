package agents

import (
	"os"
	"path/filepath"
	"testing"
)

// Any checkpoint file, container or version-1 JSON, reads as a checkpoint whose
// counters a run could have produced, or fails with an error; never a panic or an
// allocation the file's size cannot justify.
func FuzzReadCheckpoint(f *testing.F) {
	run := f.TempDir()
	ck := &Checkpoint{Update: 2, Updates: 4, EnvSteps: 512, Episodes: 3, NextEpisode: 5,
		EpisodeIDs: []int64{3, 4}, EpisodeSteps: []int64{7, 1}, EpisodeReturns: []float64{7, 1},
		Obs: [][]float64{{0.1, -0.2}, {0, 1}}, RecentReturns: []float64{10, 20, 30}, Agent: []byte("agent state"), Algo: "ppo"}
	if err := SaveCheckpoint(run, ck, 1); err != nil {
		f.Fatal(err)
	}
	matches, err := filepath.Glob(filepath.Join(CheckpointDir(run), "*.ckpt"))
	if err != nil || len(matches) != 1 {
		f.Fatalf("checkpoint files %v, %v", matches, err)
	}
	good, err := os.ReadFile(matches[0])
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good, false)
	f.Add(good[:len(good)-7], false)
	f.Add([]byte(`{"version":1,"update":1,"updates":2,"episode_ids":[0],"episode_steps":[0],"episode_returns":[0],"obs":[[0]]}`), true)
	f.Fuzz(func(t *testing.T, data []byte, asJSON bool) {
		name := "update-0000001.ckpt"
		if asJSON {
			name = "update-0000001.json"
		}
		path := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		c, err := ReadCheckpoint(path)
		if err != nil {
			return
		}
		if err := c.checkCounts(); err != nil {
			t.Fatalf("a checkpoint that read has impossible counters: %v", err)
		}
	})
}

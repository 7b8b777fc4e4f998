package board

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"gorl/logs"
)

// fixtureRun is one run of the fixture sweep: lr x seed, with 20 + 3*index episodes.
type fixtureRun struct {
	name     string
	lr       string
	seed     int
	episodes int
}

// writeSweep writes a sweep of 2 lrs x 3 seeds under root/sw with a sweep.json, as gorl
// sweep lays it out. The last run is left open (status running) and returned with its
// writer, so that a test can append rows to it.
func writeSweep(t testing.TB, root string) ([]fixtureRun, *logs.Run) {
	t.Helper()
	dir := filepath.Join(root, "sw")
	var runs []fixtureRun
	type planRun struct {
		Name   string            `json:"name"`
		Params map[string]string `json:"params"`
		Seed   int               `json:"seed"`
	}
	var plan struct {
		Command string    `json:"command"`
		Runs    []planRun `json:"runs"`
	}
	plan.Command = "sweep"
	for _, lr := range []string{"0.0001", "0.0003"} {
		for seed := 1; seed <= 3; seed++ {
			r := fixtureRun{name: fmt.Sprintf("lr=%s_seed=%d", lr, seed), lr: lr, seed: seed, episodes: 20 + 3*len(runs)}
			runs = append(runs, r)
			plan.Runs = append(plan.Runs, planRun{Name: r.name, Params: map[string]string{"lr": lr}, Seed: seed})
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	data, _ := json.Marshal(plan)
	if err := os.WriteFile(filepath.Join(dir, "sweep.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	var open *logs.Run
	for i, r := range runs {
		cfg := map[string]any{"command": "train", "algo": "ppo", "train": map[string]any{"env": "CartPole-v1", "seed": r.seed}, "ppo": map[string]any{"lr": r.lr}}
		w, err := logs.Create(filepath.Join(dir, r.name), cfg, logs.Options{EnvID: "CartPole-v1"})
		if err != nil {
			t.Fatal(err)
		}
		steps := int64(0)
		for ep := 0; ep < r.episodes; ep++ {
			length := int64(10 + (ep*7+i)%13)
			steps += length
			ret := float64(length) * (1 + float64(i%3)/10)
			if err := w.LogEpisode(logs.EpisodeRow{Episode: int64(ep), Seed: int64(r.seed), Return: ret, Length: length, EnvSteps: steps, WallSeconds: float64(ep) / 10}); err != nil {
				t.Fatal(err)
			}
			if ep%5 == 4 {
				w.LogMetrics(logs.MetricRow{Seed: int64(r.seed), Iteration: int64(ep/5 + 1), EnvSteps: steps, WallSeconds: float64(ep) / 10, Values: map[string]float64{"loss": 1 / float64(ep+1)}})
			}
		}
		if i == len(runs)-1 {
			if err := w.Flush(); err != nil {
				t.Fatal(err)
			}
			open = w
			continue
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return runs, open
}

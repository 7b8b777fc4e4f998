package logs

import (
	"path/filepath"
	"testing"
)

// testRun describes a small generated run.
type testRun struct {
	name    string
	config  map[string]any
	lengths []int64   // episode lengths; each step's reward is 1 + step/10
	seed    int64     // written in episode and metric rows
	fitness []float64 // one metrics row per value, at env_steps 100*(i+1)
	status  string    // "finished" (Close), "failed" or "open" (left running)
}

// stepReward is the reward logged at step s of episode ep.
func stepReward(ep, s int64) float64 { return 1 + float64(s)/10 + float64(ep%3) }

// episodeReturn is the sum of stepReward over an episode.
func episodeReturn(ep, length int64) float64 {
	r := 0.0
	for s := int64(0); s < length; s++ {
		r += stepReward(ep, s)
	}
	return r
}

func writeTestRun(t testing.TB, root string, tr testRun) string {
	t.Helper()
	dir := filepath.Join(root, tr.name)
	r, err := Create(dir, tr.config, Options{EnvID: "Test-v0", PartRows: 16})
	if err != nil {
		t.Fatal(err)
	}
	var envSteps int64
	for ep, length := range tr.lengths {
		ep := int64(ep)
		for s := int64(0); s < length; s++ {
			row := StepRow{Episode: ep, Step: s, Obs: []float64{float64(s), 1, 2, 3}, Action: []float64{float64(s % 2)},
				Reward: stepReward(ep, s), Terminated: s == length-1 && ep%2 == 0, Truncated: s == length-1 && ep%2 == 1,
				Context: NoContext, LogProb: -0.5, Value: 1}
			if err := r.LogStep(&row); err != nil {
				t.Fatal(err)
			}
		}
		envSteps += length
		if err := r.LogEpisode(EpisodeRow{Episode: ep, Seed: tr.seed, Return: episodeReturn(ep, length), Length: length,
			Terminated: ep%2 == 0, Truncated: ep%2 == 1, EnvSteps: envSteps, WallSeconds: float64(ep+1) / 4, Context: NoContext}); err != nil {
			t.Fatal(err)
		}
	}
	for i, f := range tr.fitness {
		vals := map[string]float64{"fitness": f}
		if i%2 == 0 {
			vals["loss"] = float64(i)
		}
		if err := r.LogMetrics(MetricRow{Seed: tr.seed, Iteration: int64(i), EnvSteps: int64(100 * (i + 1)),
			WallSeconds: float64(i) / 2, Values: vals}); err != nil {
			t.Fatal(err)
		}
	}
	switch tr.status {
	case "failed":
		err = r.Fail(errTest)
	case "open":
		err = r.Flush()
	default:
		err = r.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

type testError string

func (e testError) Error() string { return string(e) }

const errTest = testError("test failure")

package td3

import (
	"math"
	"testing"

	"gorl/env"
)

// The term means of two finished episodes (the second closed by EpisodeTermMeans itself)
// add up to their mean return; the metrics row carries the same means.
func TestEpisodeTermMeans(t *testing.T) {
	e, err := env.Make("sgrl/hopper-3", nil)
	if err != nil {
		t.Fatal(err)
	}
	e.Seed(2)
	rng := env.NewRand(3, 0)
	act := make([]float64, e.ActionSpace().Dim())
	total := 0.0
	for ep := 0; ep < 2; ep++ {
		e.Reset()
		for done := false; !done; {
			for j := range act {
				act[j] = 2*rng.Float64() - 1
			}
			tr := e.Step(act)
			total += tr.Reward
			done = tr.Done()
		}
	}
	vals := map[string]float64{}
	putRewardTerms([]env.Env{e}, vals) // the second episode is still open here
	if len(vals) != 4 {
		t.Fatalf("metrics terms %v, want 4", vals)
	}
	names, means, n, ok := EpisodeTermMeans(e)
	if !ok || n != 2 || len(names) != 4 || names[0] != "progress" {
		t.Fatalf("terms %v %v over %d episodes (ok %v), want 4 over 2", names, means, n, ok)
	}
	if sum := means[0] + means[1] + means[2] + means[3]; math.Abs(sum-total/2) > 1e-9*math.Abs(total) {
		t.Errorf("term means sum to %v, mean return %v", sum, total/2)
	}
	if _, _, _, ok := EpisodeTermMeans(must(env.Make("Pendulum-v1", nil))); ok {
		t.Error("Pendulum reports reward terms")
	}
}

func must(e env.Env, err error) env.Env {
	if err != nil {
		panic(err)
	}
	return e
}

package ppo

import (
	"runtime"
	"testing"

	"gorl/agents"
)

// BenchmarkTrainCartPole measures training throughput with CleanRL's defaults: each
// iteration is one update (4 envs x 128 steps collected, 4 epochs x 4 minibatches).
func BenchmarkTrainCartPole(b *testing.B) {
	tc := agents.TrainConfig{Env: "CartPole-v1", Seed: 1, Steps: int64(b.N+1) * 512}
	l, err := agents.NewLoop(tc, nil, newAgentFunc(Config{}, 1))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	s, err := l.Run()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(s.EnvSteps)/b.Elapsed().Seconds(), "steps/s")
}

// TestNoPerStepAllocation counts heap allocations over updates 6 to 20 (after the
// warm-up, 7680 environment steps): buffers are sized once, so the count stays far below
// one per step (a few per update remain: the metrics map, the shuffle).
func TestNoPerStepAllocation(t *testing.T) {
	tc := agents.TrainConfig{Env: "CartPole-v1", Seed: 1, Steps: 20 * 512}
	l, err := agents.NewLoop(tc, nil, newAgentFunc(Config{}, 1))
	if err != nil {
		t.Fatal(err)
	}
	var at5 runtime.MemStats
	l.Hooks.OnUpdate = func(s agents.Status) {
		if s.Update == 5 {
			runtime.ReadMemStats(&at5)
		}
	}
	if _, err := l.Run(); err != nil {
		t.Fatal(err)
	}
	var end runtime.MemStats
	runtime.ReadMemStats(&end)
	perUpdate := float64(end.Mallocs-at5.Mallocs) / 15
	t.Logf("%.1f allocations per update of 512 steps", perUpdate)
	if perUpdate > 100 {
		t.Errorf("%.1f allocations per update of 512 steps: something allocates per step", perUpdate)
	}
}

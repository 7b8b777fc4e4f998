package ppo

import (
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

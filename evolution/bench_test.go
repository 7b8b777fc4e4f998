package evolution

import (
	"math/rand/v2"
	"runtime"
	"testing"

	"gorl/agents"
	_ "gorl/env/minatar"
)

// The inner loops of meta-training, as environment steps per second with updates:
// PPO on MinAtar (TA-LPO's inner runs) and LPG on grid worlds (groove's agents). Each
// iteration evaluates GOMAXPROCS members at once, so -cpu 1,2 compares one and two
// cores: go test ./evolution -run ^$ -bench InnerLoop -cpu 1,2 -benchtime 3x
func BenchmarkInnerLoopPPOMinAtar(b *testing.B) {
	cfg := MetaConfig{Objective: "ta-lpo", Hidden: 16, Population: 2, FitnessEpisodes: 1,
		Inner: agents.TrainConfig{Env: "MinAtar/SpaceInvaders-v1", Steps: 4096}}.WithDefaults()
	benchMembers(b, cfg, func(gen, m int, x []float64) (int64, error) {
		_, steps, err := cfg.MemberFitness(gen, m, x, nil)
		return steps, err
	})
}

func BenchmarkInnerLoopLPGGrid(b *testing.B) {
	cfg := MetaConfig{Objective: "ta-lpg", Protocol: "groove", Population: 2, FitnessEpisodes: 1,
		Inner: agents.TrainConfig{Env: "grid/random"}}.WithDefaults()
	ag := cfg.spawnAgents()[0]
	ag.Lifetime = 1 << 20
	benchMembers(b, cfg, func(gen, m int, x []float64) (int64, error) {
		_, _, steps, err := cfg.grooveMember(gen, x, ag)
		return steps, err
	})
}

func benchMembers(b *testing.B, cfg MetaConfig, member func(gen, m int, x []float64) (int64, error)) {
	es, err := cfg.startStrategy(nil)
	if err != nil {
		b.Fatal(err)
	}
	w := runtime.GOMAXPROCS(0)
	pop := make([][]float64, w)
	for i := range pop {
		pop[i] = es.Mean()
	}
	fit := make([]float64, w)
	cost := make([]int64, w)
	var steps int64
	b.ResetTimer()
	for i := range b.N {
		err := Pool{Workers: w}.Evaluate(i, pop, fit, cost, func(gen, m int, x []float64, _ *rand.Rand) (float64, int64, error) {
			s, err := member(gen, m, x)
			return 0, s, err
		})
		if err != nil {
			b.Fatal(err)
		}
		for _, c := range cost {
			steps += c
		}
	}
	b.ReportMetric(float64(steps)/b.Elapsed().Seconds(), "env-steps/s")
}

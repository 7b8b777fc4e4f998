package minatar

import (
	"testing"

	"gorl/env"
)

// benchmarkGame steps one game through the env.Env interface with uniformly random
// actions of its minimal set, resetting when an episode ends, as a training loop would.
// One op is one environment step.
func benchmarkGame(b *testing.B, name string) {
	var e env.Env
	e, err := New(name, Config{})
	if err != nil {
		b.Fatal(err)
	}
	e.Seed(1)
	e.Reset()
	rng := env.NewRand(2)
	n := e.ActionSpace().N
	act := []float64{0}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		act[0] = float64(rng.IntN(n))
		if e.Step(act).Terminated {
			e.Reset()
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds()/1e6, "Msteps/s")
}

func BenchmarkAsterix(b *testing.B)       { benchmarkGame(b, "asterix") }
func BenchmarkBreakout(b *testing.B)      { benchmarkGame(b, "breakout") }
func BenchmarkFreeway(b *testing.B)       { benchmarkGame(b, "freeway") }
func BenchmarkSeaquest(b *testing.B)      { benchmarkGame(b, "seaquest") }
func BenchmarkSpaceInvaders(b *testing.B) { benchmarkGame(b, "space_invaders") }

package minatar

import (
	"syscall"
	"testing"
	"time"

	"gorl/env"
)

// cpuTime is the process's user plus system CPU time. On a shared machine wall-clock
// ns/op includes time spent waiting for a core; cpu-ns/op does not.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchmarkGame steps one game through the env.Env interface with uniformly random
// actions of its minimal set, resetting when an episode ends, as a training loop would.
// One op is one environment step; Msteps/s is wall-clock, cpu-ns/op the process's CPU
// time per step.
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
	cpu := cpuTime()
	for i := 0; i < b.N; i++ {
		act[0] = float64(rng.IntN(n))
		if e.Step(act).Terminated {
			e.Reset()
		}
	}
	if cpu = cpuTime() - cpu; cpu > 0 {
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds()/1e6, "Msteps/s")
}

func BenchmarkAsterix(b *testing.B)       { benchmarkGame(b, "asterix") }
func BenchmarkBreakout(b *testing.B)      { benchmarkGame(b, "breakout") }
func BenchmarkFreeway(b *testing.B)       { benchmarkGame(b, "freeway") }
func BenchmarkSeaquest(b *testing.B)      { benchmarkGame(b, "seaquest") }
func BenchmarkSpaceInvaders(b *testing.B) { benchmarkGame(b, "space_invaders") }

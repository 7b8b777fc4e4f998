package classic

import (
	"fmt"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"gorl/env"
)

// cpuTime is the process's user plus system CPU time. On a shared machine wall-clock
// ns/op includes time spent waiting for a core; the single-threaded benchmarks also
// report CPU time per step, which does not.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportSteps reports wall-clock and CPU-time step rates for b.N steps that used cpu.
func reportSteps(b *testing.B, cpu time.Duration) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds()/1e6, "Msteps/s")
	if cpu > 0 {
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
}

// BenchmarkCartPoleStep steps one CartPole through the env.Env interface with an
// alternating action, resetting when an episode ends, as a training loop would.
// One op is one environment step; Msteps/s is reported alongside ns/op.
func BenchmarkCartPoleStep(b *testing.B) {
	var e env.Env = NewCartPole()
	e.Seed(1)
	e.Reset()
	actions := [2][]float64{{0}, {1}}
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpuTime()
	for i := 0; i < b.N; i++ {
		if tr := e.Step(actions[i>>2&1]); tr.Terminated {
			e.Reset()
		}
	}
	reportSteps(b, cpuTime()-cpu)
}

// BenchmarkCartPoleStepTimeLimit is the same through env.Make, i.e. with the TimeLimit
// wrapper of the registry.
func BenchmarkCartPoleStepTimeLimit(b *testing.B) {
	e, err := env.Make("CartPole-v1", nil)
	if err != nil {
		b.Fatal(err)
	}
	e.Seed(1)
	e.Reset()
	actions := [2][]float64{{0}, {1}}
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpuTime()
	for i := 0; i < b.N; i++ {
		if tr := e.Step(actions[i>>2&1]); tr.Done() {
			e.Reset()
		}
	}
	reportSteps(b, cpuTime()-cpu)
}

// BenchmarkStep measures one step of each environment (through env.Make).
func BenchmarkStep(b *testing.B) {
	for _, id := range []string{"CartPole-v1", "Acrobot-v1", "Pendulum-v1", "MountainCar-v0", "MountainCarContinuous-v0"} {
		b.Run(id, func(b *testing.B) {
			e, err := env.Make(id, nil)
			if err != nil {
				b.Fatal(err)
			}
			e.Seed(1)
			e.Reset()
			acts := [][]float64{{0}, {1}}
			b.ReportAllocs()
			b.ResetTimer()
			cpu := cpuTime()
			for i := 0; i < b.N; i++ {
				if e.Step(acts[i>>2&1]).Done() {
					e.Reset()
				}
			}
			reportSteps(b, cpuTime()-cpu)
		})
	}
}

// BenchmarkVectorCartPole steps 64 and 1024 CartPole-v1 instances (with time limits)
// through env.Vector, with 1 and 2 worker goroutines. One op is one vector step, i.e. n
// environment steps; Menv-steps/s counts environment steps per wall-clock second and
// cpu-ns/op the CPU time of all the process's threads (2 workers that poll between steps
// use up to two cores' worth even where they gain little).
func BenchmarkVectorCartPole(b *testing.B) {
	for _, c := range [][2]int{{64, 1}, {64, 2}, {1024, 1}, {1024, 2}} {
		n, workers := c[0], c[1]
		b.Run(fmt.Sprintf("envs=%d/workers=%d", n, workers), func(b *testing.B) {
			v, err := env.MakeVector("CartPole-v1", nil, n, workers)
			if err != nil {
				b.Fatal(err)
			}
			defer v.Close()
			v.Seed(1)
			v.Reset()
			actions := make([][]float64, n)
			for i := range actions {
				actions[i] = []float64{float64(i & 1)}
			}
			b.ReportAllocs()
			b.ResetTimer()
			cpu := cpuTime()
			for i := 0; i < b.N; i++ {
				for j := range actions {
					actions[j][0] = float64((i>>2 + j) & 1)
				}
				v.Step(actions)
			}
			b.ReportMetric(float64(b.N)*float64(n)/b.Elapsed().Seconds()/1e6, "Menv-steps/s")
			b.ReportMetric(float64((cpuTime()-cpu).Nanoseconds())/float64(b.N), "cpu-ns/op")
		})
	}
}

// BenchmarkCartPoleParallel steps independent CartPole-v1 environments (with time
// limits) in GOMAXPROCS goroutines with no coordination between them: the machine's
// ceiling for env.Vector's throughput. One op is one environment step.
func BenchmarkCartPoleParallel(b *testing.B) {
	b.ReportAllocs()
	var seed atomicSeed
	b.RunParallel(func(pb *testing.PB) {
		e, err := env.Make("CartPole-v1", nil)
		if err != nil {
			b.Error(err)
			return
		}
		e.Seed(seed.next())
		e.Reset()
		actions := [2][]float64{{0}, {1}}
		for i := 0; pb.Next(); i++ {
			if e.Step(actions[i>>2&1]).Done() {
				e.Reset()
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds()/1e6, "Msteps/s")
}

type atomicSeed struct{ n atomic.Uint64 }

func (s *atomicSeed) next() uint64 { return s.n.Add(1) }

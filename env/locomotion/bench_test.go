package locomotion

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"syscall"
	"testing"
	"time"

	"gorl/env"
)

var benchModels = []string{"hopper-3-shin", "hopper-5-full", "walker-7-full", "humanoid-9-full", "cheetah-14-full"}

// BenchmarkControlStep compares one control step of the task (env) with stepping the same
// model by the same frame skip through the binding alone (raw). Both follow the same
// trajectory: the same uniform random torques, a reset every 50 control steps.
func BenchmarkControlStep(b *testing.B) {
	for _, name := range benchModels {
		b.Run(name+"/env", func(b *testing.B) {
			e := newTask(b, name, TargetV1)
			rng := rand.New(rand.NewPCG(1, 1))
			act := make([]float64, e.ActionSpace().Dim())
			e.Reset()
			b.ReportAllocs()
			b.ResetTimer()
			cpu0 := cpuTime()
			for i := 0; i < b.N; i++ {
				if i%50 == 49 {
					e.Reset()
				}
				randomAction(rng, act)
				e.Step(act)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "steps/s")
			reportCPU(b, cpu0)
		})
		// overhead: the work the task adds to the physics in each control step.
		b.Run(name+"/overhead", func(b *testing.B) {
			e := newTask(b, name, TargetV1)
			e.Reset()
			e.Step(make([]float64, e.ActionSpace().Dim()))
			b.ReportAllocs()
			b.ResetTimer()
			cpu0 := cpuTime()
			for i := 0; i < b.N; i++ {
				_ = e.data.Kinematics()
				e.healthy()
				e.observe()
			}
			reportCPU(b, cpu0)
		})
		b.Run(name+"/raw", func(b *testing.B) {
			e := newTask(b, name, TargetV1)
			rng := rand.New(rand.NewPCG(1, 1))
			d := e.data
			act := make([]float64, e.ActionSpace().Dim())
			ctrl := make([]float64, e.model.NU())
			e.Reset()
			b.ReportAllocs()
			b.ResetTimer()
			cpu0 := cpuTime()
			for i := 0; i < b.N; i++ {
				if i%50 == 49 {
					e.Reset()
				}
				randomAction(rng, act)
				for n := 1; n < e.nodes; n++ {
					for k, a := range e.actuator[n] {
						if a >= 0 {
							ctrl[a] = act[3*n+k]
						}
					}
				}
				_ = d.SetCtrl(ctrl)
				if err := d.Step(e.frameSkip); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "steps/s")
			reportCPU(b, cpu0)
		})
	}
}

// BenchmarkVector steps 8 environments in lock step with 1 and 2 worker goroutines; one
// op is one step of all 8. "free" is the ceiling for 2 workers: two goroutines that each
// step 4 of the environments with no synchronisation between them. cpu-ns/op counts every
// thread of the process, so a worker count that adds overhead shows more CPU per op than
// workers=1 even where wall-clock figures are blurred by other load on the machine.
func BenchmarkVector(b *testing.B) {
	for _, name := range []string{"walker-7-full", "humanoid-9-full"} {
		for _, workers := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/workers=%d", name, workers), func(b *testing.B) {
				v, acts := newBenchVector(b, name, 8, workers)
				rng := rand.New(rand.NewPCG(1, 1))
				b.ResetTimer()
				cpu0 := cpuTime()
				for i := 0; i < b.N; i++ {
					for _, a := range acts {
						randomAction(rng, a)
					}
					v.Step(acts)
				}
				b.ReportMetric(float64(8*b.N)/b.Elapsed().Seconds(), "steps/s")
				reportCPU(b, cpu0)
			})
		}
		b.Run(name+"/free", func(b *testing.B) {
			var halves [2]*env.Vector
			var acts [2][][]float64
			for h := range halves {
				halves[h], acts[h] = newBenchVector(b, name, 4, 1)
			}
			b.ResetTimer()
			cpu0 := cpuTime()
			var wg sync.WaitGroup
			for h := range halves {
				wg.Go(func() {
					rng := rand.New(rand.NewPCG(1, uint64(h)))
					for i := 0; i < b.N; i++ {
						for _, a := range acts[h] {
							randomAction(rng, a)
						}
						halves[h].Step(acts[h])
					}
				})
			}
			wg.Wait()
			b.ReportMetric(float64(8*b.N)/b.Elapsed().Seconds(), "steps/s")
			reportCPU(b, cpu0)
		})
	}
}

// newBenchVector makes a seeded, reset Vector of n copies of a built-in model, closed when
// the benchmark ends, and a zero action per environment.
func newBenchVector(b *testing.B, name string, n, workers int) (*env.Vector, [][]float64) {
	v, err := env.MakeVector("sgrl/"+name, nil, n, workers)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(v.Close)
	v.Seed(1)
	v.Reset()
	acts := make([][]float64, v.Num())
	for i := range acts {
		acts[i] = make([]float64, v.ActionSpace().Dim())
	}
	return v, acts
}

// cpuTime is the process's user+system CPU time. On a shared machine the CPU time per
// step is a steadier measure than wall time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64((cpuTime()-start).Nanoseconds())/float64(b.N), "cpu-ns/op")
}

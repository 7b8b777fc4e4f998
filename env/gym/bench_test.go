package gym

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"strconv"
	"testing"
)

// BenchmarkBridge steps gym:CartPole-v1 through the bridge: a Batch of procs worker
// processes with per environments each; one iteration is one vector step (procs*per env
// steps). BenchmarkPythonLoop measures the peer in the same run: the same environments
// stepped by Python itself in procs processes (a plain loop; vector: SyncVectorEnv).
// Compare env-steps/s of matching sub-benchmarks.
//
//	go test -run '^$' -bench 'Bridge|PythonLoop' ./env/gym
func BenchmarkBridge(b *testing.B) {
	for _, procs := range []int{1, 2} {
		for _, per := range []int{1, 8} {
			b.Run(fmt.Sprintf("procs=%d/envs=%d", procs, per), func(b *testing.B) {
				needGymB(b)
				batch, err := NewBatch("CartPole-v1", procs, per, WorkerOptions{})
				if err != nil {
					b.Fatal(err)
				}
				defer batch.Close()
				if err := batch.Reset(1); err != nil {
					b.Fatal(err)
				}
				acts := make([][][]float64, 64)
				for t := range acts {
					acts[t] = make([][]float64, batch.Num())
					for i := range acts[t] {
						acts[t][i] = []float64{float64((t*7 + i*3) % 2)}
					}
				}
				b.ResetTimer()
				for t := 0; t < b.N; t++ {
					if err := batch.Step(acts[t%64]); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.N*batch.Num())/b.Elapsed().Seconds(), "env-steps/s")
			})
		}
	}
}

func BenchmarkPythonLoop(b *testing.B) {
	for _, vector := range []bool{false, true} {
		for _, procs := range []int{1, 2} {
			for _, per := range []int{1, 8} {
				name := fmt.Sprintf("procs=%d/envs=%d", procs, per)
				if vector {
					name = "vector/" + name
				}
				b.Run(name, func(b *testing.B) {
					needGymB(b)
					python, _ := FindPython("")
					// Starting Python takes far longer than a step: every call runs enough
					// vector steps to time (the peer times itself), whatever b.N.
					steps := max(b.N, 40000/per)
					args := []string{"-m", "gorl_gym.bench", "--envs", strconv.Itoa(per), "--procs", strconv.Itoa(procs),
						"--steps", strconv.Itoa(steps)}
					if vector {
						args = append(args, "--vector")
					}
					out, err := exec.Command(python, args...).Output()
					if err != nil {
						b.Fatal(err)
					}
					var res struct {
						Seconds      float64 `json:"seconds"`
						EnvStepsPerS float64 `json:"env_steps_per_s"`
					}
					if err := json.Unmarshal(out, &res); err != nil {
						b.Fatal(err)
					}
					// The peer times itself (start-up excluded); its time per vector step
					// replaces the benchmark's own, which includes starting Python.
					b.ReportMetric(res.Seconds*1e9/float64(steps), "ns/op")
					b.ReportMetric(res.EnvStepsPerS, "env-steps/s")
				})
			}
		}
	}
}

func needGymB(b *testing.B) {
	pythonOnce.Do(checkPython)
	if pythonErr != nil {
		b.Skipf("no Python with Gymnasium (run make deps): %v", pythonErr)
	}
}

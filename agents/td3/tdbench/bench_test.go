package tdbench

import (
	"fmt"
	"testing"

	setnet "gorl/agents/set"
)

// BenchmarkTD3Update times one TD3 update (the actor and target step every second call)
// at batch 256 with each update's products on 1 and on 2 goroutines: the MLP shapes, SET
// small and SET at the paper's sizes (hopper++ members in turn). -cpu 2 or more is needed
// for workers=2 to use a second core.
func BenchmarkTD3Update(b *testing.B) {
	type mk func() (*Setup, error)
	cases := []struct {
		name string
		mk   mk
	}{}
	for _, sh := range MLPShapes {
		cases = append(cases, struct {
			name string
			mk   mk
		}{"mlp-" + sh.Name, func() (*Setup, error) { return MLP(sh, 256, 1) }})
	}
	cases = append(cases, struct {
		name string
		mk   mk
	}{"set-small", func() (*Setup, error) { return SET(SmallSET, 256, 1) }}, struct {
		name string
		mk   mk
	}{"set-paper", func() (*Setup, error) { return SET(setnet.Config{}, 256, 1) }})
	for _, c := range cases {
		for _, w := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/workers=%d", c.name, w), func(b *testing.B) {
				s, err := c.mk()
				if err != nil {
					b.Fatal(err)
				}
				s.Agent.SetWorkers(w)
				if err := s.Step(); err != nil { // sizes the tapes
					b.Fatal(err)
				}
				b.ReportAllocs()
				b.ResetTimer()
				for b.Loop() {
					if err := s.Step(); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "updates/s")
			})
		}
	}
}

// Updates on 2 goroutines equal updates on 1 bit for bit (SET small, two updates, so that
// an actor step and the target updates are included).
func TestWorkersSameUpdates(t *testing.T) {
	run := func(w int) []float32 {
		s, err := SET(SmallSET, 128, 3) // large enough that products are split
		if err != nil {
			t.Fatal(err)
		}
		s.Agent.SetWorkers(w)
		for range 2 {
			if err := s.Step(); err != nil {
				t.Fatal(err)
			}
		}
		return append(s.Agent.ActorParams.Flatten(nil), s.Agent.CriticTargetParams.Flatten(nil)...)
	}
	a, b := run(1), run(2)
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("parameter %d: %v with 1 worker, %v with 2", i, a[i], b[i])
		}
	}
}

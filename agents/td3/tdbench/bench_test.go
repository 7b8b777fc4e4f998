package tdbench

import (
	"fmt"
	"testing"

	setnet "gorl/agents/set"
	"gorl/agents/td3"
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

// Updates on 2 goroutines equal updates on 1 bit for bit (SET small, whose products are
// split, and the MLP, whose twin critics also run on a goroutine each), over four updates
// so that actor steps and the target updates are included.
func TestWorkersSameUpdates(t *testing.T) {
	for _, c := range []struct {
		name string
		mk   func() (*Setup, error)
	}{
		{"set-small", func() (*Setup, error) { return SET(SmallSET, 128, 3) }}, // large enough that products are split
		{"set-small-mean", func() (*Setup, error) { // the averaged critic form
			s, err := SET(SmallSET, 128, 3)
			if err == nil {
				s.Agent.Cfg.CriticForm = td3.CriticMean
			}
			return s, err
		}},
		{"mlp", func() (*Setup, error) { return MLP(MLPShapes[1], 128, 3) }},
	} {
		run := func(w int) []float32 {
			s, err := c.mk()
			if err != nil {
				t.Fatal(err)
			}
			s.Agent.SetWorkers(w)
			var losses []float32
			for range 4 {
				st, err := s.Agent.Update(s.batches[0])
				if err != nil {
					t.Fatal(err)
				}
				losses = append(losses, float32(st.CriticLoss), float32(st.QMean))
			}
			out := append(s.Agent.ActorParams.Flatten(nil), s.Agent.CriticParams.Flatten(nil)...)
			return append(append(out, s.Agent.CriticTargetParams.Flatten(nil)...), losses...)
		}
		a, b := run(1), run(2)
		for i := range a {
			if a[i] != b[i] {
				t.Fatalf("%s: value %d: %v with 1 worker, %v with 2", c.name, i, a[i], b[i])
			}
		}
	}
}

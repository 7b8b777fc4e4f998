package lmdp

import (
	"fmt"
	"testing"

	"gorl/env/latent"
)

// benchLearn measures one learning run (one seed, one goroutine, so one core) including
// re-planning and exact policy evaluation at every re-plan. The reported regret is the
// run's final cumulative regret.
func benchLearn(b *testing.B, solver string, M, S, A, H, G, K int) {
	l, err := latent.Random(M, S, A, H, G, 1)
	if err != nil {
		b.Fatal(err)
	}
	benchLearnOn(b, l, Config{Solver: solver, K: K})
}

func benchLearnOn(b *testing.B, l *latent.LMDP, cfg Config) {
	K := cfg.K
	ref, err := ReferenceValues(l, cfg.Planner)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	var r *Result
	for i := 0; i < b.N; i++ {
		if r, err = Learn(l, ref, cfg, uint64(i+1)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(r.CumRegret[K-1], "regret")
	b.ReportMetric(float64(r.Replans), "replans")
	if !ref.VStarExact {
		b.ReportMetric(1, "vstar-lower-bound")
	}
}

func BenchmarkLearn(b *testing.B) {
	for _, solver := range []string{SolverValueOptimistic, SolverModelOptimistic} {
		b.Run(fmt.Sprintf("%s/M2S4A2H6K32768", solver), func(b *testing.B) { benchLearn(b, solver, 2, 4, 2, 6, 2, 32768) })
		b.Run(fmt.Sprintf("%s/M3S8A3H10K4096", solver), func(b *testing.B) { benchLearn(b, solver, 3, 8, 3, 10, 3, 4096) })
	}
	b.Run("value-optimistic/M8S8A3H10K4096", func(b *testing.B) { benchLearn(b, SolverValueOptimistic, 8, 8, 3, 10, 3, 4096) })
}

// BenchmarkLearnLatent is learning on the latent family of the must-show run, at the
// size of the speed claim (M=3 S=8 A=3 H=10) and at M = 8 contexts (log-beliefs rounded
// to 1/4 there, or the learned models' reachable beliefs outgrow the node budget).
func BenchmarkLearnLatent(b *testing.B) {
	for _, c := range []struct {
		M, S, A, H, K, res int
	}{{3, 5, 3, 8, 4096, 0}, {3, 8, 3, 10, 4096, 0}, {8, 5, 3, 8, 1024, 4}} {
		l, err := latent.Shared(c.M, c.S, c.A, c.H, 2, 0.5, 1)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("shared/M%dS%dA%dH%dK%d", c.M, c.S, c.A, c.H, c.K), func(b *testing.B) {
			benchLearnOn(b, l, Config{K: c.K, Planner: PBVI{Resolution: c.res}})
		})
	}
}

// BenchmarkPlanExact is V* by PBVI over the reachable beliefs of the true model.
func BenchmarkPlanExact(b *testing.B) {
	for _, c := range []struct{ M, S, A, H int }{{2, 4, 2, 6}, {3, 8, 3, 10}, {2, 4, 2, 32}} {
		l, err := latent.Random(c.M, c.S, c.A, c.H, min(3, c.S), 1)
		if err != nil {
			b.Fatal(err)
		}
		md := ModelOf(l)
		b.Run(fmt.Sprintf("M%dS%dA%dH%d", c.M, c.S, c.A, c.H), func(b *testing.B) {
			var p *Policy
			for i := 0; i < b.N; i++ {
				if p, err = (PBVI{}).Plan(md, Exact{md}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(p.Nodes), "nodes")
		})
	}
}

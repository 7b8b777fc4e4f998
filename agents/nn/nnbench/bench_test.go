package nnbench

import (
	"math/rand/v2"
	"testing"

	"gorl/agents/nn"
)

func BenchmarkMLPStep(b *testing.B) {
	for _, sh := range MLPShapes {
		b.Run(sh.Name, func(b *testing.B) {
			s, err := NewMLPStep(sh.Sizes, sh.Batch, 7)
			if err != nil {
				b.Fatal(err)
			}
			for range 50 {
				s.Step()
			}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if _, err := s.Step(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkAttention: one block, batch 256 × 10 tokens × width 128, 4 heads.
func BenchmarkAttention(b *testing.B) {
	s, err := NewAttentionStep(256, 10, 128, 4, 7)
	if err != nil {
		b.Fatal(err)
	}
	for range 5 {
		s.Step()
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if err := s.Step(); err != nil {
			b.Fatal(err)
		}
	}
}

// The workloads run and learn: the MLP's loss falls over a few steps.
func TestMLPStepLearns(t *testing.T) {
	s, err := NewMLPStep([]int{4, 64, 64, 2}, 64, 1)
	if err != nil {
		t.Fatal(err)
	}
	first, _ := s.Step()
	var last float32
	for range 200 {
		last, _ = s.Step()
	}
	if !(last < first) {
		t.Fatalf("loss did not fall: %g → %g", first, last)
	}
	a, err := NewAttentionStep(4, 5, 16, 2, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Step(); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkBatchMatMul: per-node products of 3×32 features (x, y, z channels of a
// subequivariant node) with 32×32 matrices, forward and backward, for 1024 nodes: with
// one weight per node (rank-3 b) and with a weight shared by all nodes (rank-2 b).
func BenchmarkBatchMatMul(b *testing.B) {
	const G = 1024
	for _, shared := range []bool{false, true} {
		name := "per-node"
		if shared {
			name = "shared"
		}
		b.Run(name, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 1))
			x := nn.NewParam(G, 3, 32)
			x.FillNormal(rng, 1)
			w := nn.NewParam(G, 32, 32)
			if shared {
				w = nn.NewParam(32, 32)
			}
			w.FillNormal(rng, 0.1)
			tape := nn.NewTape()
			step := func() {
				tape.Reset()
				if err := tape.Backward(tape.Sum(tape.BatchMatMul(x, w, false, false))); err != nil {
					b.Fatal(err)
				}
			}
			step()
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				step()
			}
		})
	}
}

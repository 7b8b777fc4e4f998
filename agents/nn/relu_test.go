package nn

import (
	"math"
	"math/rand/v2"
	"testing"
)

// The vectorised ReLU and its backward pass equal the scalar definitions, on lengths
// with and without a tail, with zeros, negative zeros and NaN among the inputs.
func TestReLUVec(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	nan := float32(math.NaN())
	for _, n := range []int{1, 7, 8, 9, 31, 256, 1029} {
		x, dy, da := make([]float32, n), make([]float32, n), make([]float32, n)
		for i := range x {
			x[i], dy[i], da[i] = float32(rng.NormFloat64()), float32(rng.NormFloat64()), float32(rng.NormFloat64())
			switch i % 11 {
			case 3:
				x[i] = 0
			case 5:
				x[i] = float32(math.Copysign(0, -1))
			case 7:
				x[i] = nan
			}
		}
		y := make([]float32, n)
		reluVec(y, x)
		want := append([]float32(nil), da...)
		for i, v := range x {
			switch {
			case v != v:
				if y[i] == y[i] {
					t.Fatalf("n %d: relu(NaN) = %v", n, y[i])
				}
			case y[i] != max(v, 0):
				t.Fatalf("n %d, i %d: relu(%v) = %v", n, i, v, y[i])
			}
			if y[i] > 0 {
				want[i] += dy[i]
			}
		}
		reluGrad(da, dy, y)
		for i := range da {
			if da[i] != want[i] {
				t.Fatalf("n %d, i %d: grad %v, want %v", n, i, da[i], want[i])
			}
		}
	}
}

// The vectorised soft update equals v + τ(s − v) rounded step by step, as Go computes it.
func TestPolyakVec(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{1, 8, 13, 300} {
		dst, src := make([]float32, n), make([]float32, n)
		for i := range dst {
			dst[i], src[i] = float32(rng.NormFloat64()), float32(rng.NormFloat64())
		}
		want := make([]float32, n)
		for i, v := range dst {
			d := src[i] - v
			m := float32(0.005) * d
			want[i] = v + m
		}
		polyak(dst, src, 0.005)
		for i := range dst {
			if dst[i] != want[i] {
				t.Fatalf("n %d, i %d: %v, want %v", n, i, dst[i], want[i])
			}
		}
	}
}

package nn

import (
	"math"
	"testing"
)

// The fast float32 functions stay within a few ulps of float64 references; the vector
// (AVX2) and scalar versions agree with each other.
func TestFastMath(t *testing.T) {
	var xs []float32
	for x := -20.0; x <= 20; x += 0.00731 {
		xs = append(xs, float32(x))
	}
	xs = append(xs, 0, 1e-6, -1e-6, 0.3999, 0.4, 0.4001, 9.1, -9.1, 80, -80, 87, -87)
	check := func(name string, got []float32, ref func(float64) float64, scalar func(float32) float32) {
		t.Helper()
		for i, x := range xs {
			want := ref(float64(x))
			g := float64(got[i])
			if e := math.Abs(g - want); e > 4e-7*math.Abs(want)+1e-30 {
				t.Errorf("%s(%g) = %g, want %g (rel err %.2g)", name, x, g, want, e/math.Abs(want))
				return
			}
			if s := float64(scalar(x)); math.Abs(s-want) > 4e-7*math.Abs(want)+1e-30 {
				t.Errorf("%s scalar(%g) = %g, want %g", name, x, s, want)
				return
			}
		}
	}
	got := make([]float32, len(xs))
	tanhVec(got, xs)
	check("tanh", got, math.Tanh, tanh32)
	expVec(got, xs)
	check("exp", got, math.Exp, exp32)
	for _, x := range xs {
		want := 0.5 * (1 + math.Erf(float64(x)/math.Sqrt2))
		if e := math.Abs(float64(phi32(x)) - want); e > 3e-7 {
			t.Fatalf("Φ(%g) = %g, want %g (abs err %.2g)", x, phi32(x), want, e)
		}
	}
}

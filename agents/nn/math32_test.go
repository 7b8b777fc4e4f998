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

// NaN inputs give NaN outputs (training code detects divergence by NaN losses).
func TestNaNPropagates(t *testing.T) {
	nan := float32(math.NaN())
	src := make([]float32, 19)
	for i := range src {
		src[i] = float32(i) - 9
	}
	src[3], src[17] = nan, nan // one in the vector body, one in the scalar tail
	got := make([]float32, len(src))
	for name, f := range map[string]func(dst, src []float32){"tanh": tanhVec, "exp": expVec} {
		f(got, src)
		for i, v := range got {
			if (src[i] != src[i]) != (v != v) {
				t.Fatalf("%s(%g) = %g", name, src[i], v)
			}
		}
	}
	x, _ := FromData(src, 1, len(src))
	tp := NewTape()
	for name, y := range map[string]*Tensor{"Sigmoid": tp.Sigmoid(x), "GELU": tp.GELU(x), "Softplus": tp.Softplus(x)} {
		if v := y.Data[3]; v == v {
			t.Fatalf("%s(NaN) = %g", name, v)
		}
	}
	if v := tp.Softmax(x).Data[0]; v == v {
		t.Fatalf("softmax of a row with NaN gave %g", v)
	}
}

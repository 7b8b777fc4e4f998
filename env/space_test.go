package env_test

import (
	"math"
	"testing"

	"gorl/env"
)

func TestDiscreteContains(t *testing.T) {
	s := env.NewDiscrete(3)
	if s.Dim() != 1 {
		t.Fatalf("Dim = %d", s.Dim())
	}
	for _, x := range [][]float64{{0}, {1}, {2}} {
		if !s.Contains(x) {
			t.Errorf("Discrete(3) rejects %v", x)
		}
	}
	for _, x := range [][]float64{{-1}, {3}, {0.5}, {math.NaN()}, {math.Inf(1)}, {}, {1, 1}, nil} {
		if s.Contains(x) {
			t.Errorf("Discrete(3) accepts %v", x)
		}
	}
}

func TestBoxContains(t *testing.T) {
	s := env.NewBox([]float64{-1, 0, math.Inf(-1)}, []float64{1, 2, math.Inf(1)})
	if s.Dim() != 3 {
		t.Fatalf("Dim = %d", s.Dim())
	}
	for _, x := range [][]float64{{0, 1, 0}, {-1, 0, -1e300}, {1, 2, 1e300}, {0.5, 1.5, math.Inf(1)}} {
		if !s.Contains(x) {
			t.Errorf("box rejects %v", x)
		}
	}
	for _, x := range [][]float64{{1.0000001, 1, 0}, {0, -1e-12, 0}, {0, 2.5, 0}, {math.NaN(), 1, 0}, {0, 1, math.NaN()}, {0, 1}, {0, 1, 0, 0}} {
		if s.Contains(x) {
			t.Errorf("box accepts %v", x)
		}
	}
}

func TestNewBoxCopiesBounds(t *testing.T) {
	lo, hi := []float64{0, 0}, []float64{1, 1}
	s := env.NewBox(lo, hi)
	lo[0], hi[0] = -5, 5
	if s.Low[0] != 0 || s.High[0] != 1 {
		t.Fatal("NewBox shares its input slices")
	}
	u := env.UniformBox(4, -2, 3)
	if u.Dim() != 4 || u.Low[3] != -2 || u.High[3] != 3 {
		t.Fatalf("UniformBox: %+v", u)
	}
}

func TestSpaceString(t *testing.T) {
	cases := map[string]env.Space{
		"Discrete(4)":                         env.NewDiscrete(4),
		"Box(-1, 1, (3,))":                    env.UniformBox(3, -1, 1),
		"Box(-inf, inf, (2,))":                env.UniformBox(2, math.Inf(-1), math.Inf(1)),
		"Box([-1 0], [1 inf], (2,))":          env.NewBox([]float64{-1, 0}, []float64{1, math.Inf(1)}),
		"Box([-1.2 -0.07], [0.6 0.07], (2,))": env.NewBox([]float64{-1.2, -0.07}, []float64{0.6, 0.07}),
	}
	for want, s := range cases {
		if got := s.String(); got != want {
			t.Errorf("String = %q, want %q", got, want)
		}
	}
}

func TestDiscreteSampleUniform(t *testing.T) {
	s := env.NewDiscrete(5)
	rng := env.NewRand(1)
	const draws = 50000
	var counts [5]int
	x := make([]float64, 1)
	for i := 0; i < draws; i++ {
		s.Sample(rng, x)
		if !s.Contains(x) {
			t.Fatalf("sample %v outside %v", x, s)
		}
		counts[int(x[0])]++
	}
	// Each count is Binomial(50000, 0.2): sd ≈ 89; allow 5 sd.
	for v, c := range counts {
		if math.Abs(float64(c)-draws/5) > 5*89 {
			t.Errorf("value %d drawn %d times of %d", v, c, draws)
		}
	}
}

func TestBoxSample(t *testing.T) {
	inf := math.Inf(1)
	s := env.NewBox([]float64{-2, -inf, 1, -inf}, []float64{4, inf, inf, -3})
	rng := env.NewRand(2)
	const draws = 40000
	x := make([]float64, 4)
	var sum, sumSq [4]float64
	for i := 0; i < draws; i++ {
		s.Sample(rng, x)
		if !s.Contains(x) {
			t.Fatalf("sample %v outside %v", x, s)
		}
		for j, v := range x {
			if math.IsInf(v, 0) {
				t.Fatalf("infinite sample %v", x)
			}
			sum[j] += v
			sumSq[j] += v * v
		}
	}
	mean := func(j int) float64 { return sum[j] / draws }
	variance := func(j int) float64 { return sumSq[j]/draws - mean(j)*mean(j) }
	// Bounded: U(−2, 4) has mean 1 and variance 36/12 = 3.
	// Unbounded: N(0, 1). Lower-bounded: 1 + Exp(1), mean 2, variance 1.
	// Upper-bounded: −3 − Exp(1), mean −4, variance 1.
	wantMean := [4]float64{1, 0, 2, -4}
	wantVar := [4]float64{3, 1, 1, 1}
	for j := range wantMean {
		if math.Abs(mean(j)-wantMean[j]) > 0.05 || math.Abs(variance(j)-wantVar[j]) > 0.1 {
			t.Errorf("dim %d: mean %.3f variance %.3f, want %.3f and %.3f", j, mean(j), variance(j), wantMean[j], wantVar[j])
		}
	}
}

func TestSampleDeterministic(t *testing.T) {
	s := env.UniformBox(3, -1, 1)
	a, b := make([]float64, 3), make([]float64, 3)
	ra, rb := env.NewRand(9, 1), env.NewRand(9, 1)
	for i := 0; i < 100; i++ {
		s.Sample(ra, a)
		s.Sample(rb, b)
		if a[0] != b[0] || a[1] != b[1] || a[2] != b[2] {
			t.Fatal("same stream, different samples")
		}
	}
}

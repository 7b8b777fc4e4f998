package evolution

import (
	"encoding/json"
	"math"
	"reflect"
	"testing"

	"gonum.org/v1/gonum/optimize/functions"
)

// runStrategy drives s through gens generations of maximising -f (ask/tell only).
func runStrategy(t *testing.T, s Strategy, f func([]float64) float64, gens int) {
	t.Helper()
	var pop [][]float64
	for range gens {
		var err error
		if pop, err = s.Ask(pop); err != nil {
			t.Fatal(err)
		}
		fit := make([]float64, len(pop))
		for i, x := range pop {
			fit[i] = -f(x)
		}
		if err := s.Tell(fit); err != nil {
			t.Fatal(err)
		}
	}
}

func TestStrategiesConvergeOnSphere10(t *testing.T) {
	for _, tc := range []struct {
		s    Strategy
		gens int
		tol  float64
	}{
		{&SNES{Sigma: 0.5}, 600, 1e-6},
		{&CMAES{InitStepSize: 0.5}, 300, 1e-8},
	} {
		if err := tc.s.Init(start10(), 1); err != nil {
			t.Fatal(err)
		}
		f0 := sphere(tc.s.Mean())
		runStrategy(t, tc.s, sphere, tc.gens)
		if f := sphere(tc.s.Mean()); !(f < tc.tol) {
			t.Fatalf("%s on the 10-D sphere: f(mean) = %v after %d generations (start %v), want < %v", tc.s.Name(), f, tc.gens, f0, tc.tol)
		}
	}
}

func TestCMAESRastrigin(t *testing.T) {
	// gonum's CmaEsChol test: 2-D Rastrigin, population 200, to 0 within 1e-6, here
	// from a start off the optimum with a step size that spans several local minima.
	c := &CMAES{Population: 200, InitStepSize: 2}
	if err := c.Init([]float64{1.3, -0.8}, 1); err != nil {
		t.Fatal(err)
	}
	runStrategy(t, c, functions.Rastrigin{}.Func, 200)
	if m := c.Mean(); math.Abs(m[0]) > 1e-6 || math.Abs(m[1]) > 1e-6 {
		t.Fatalf("CMA-ES on 2-D Rastrigin ended at %v, want 0 within 1e-6", m)
	}
}

// TestStrategiesResume saves each strategy's state mid-run (through JSON, as
// es_state.json holds it), restores it into a fresh strategy and checks the rest of
// the run is identical.
func TestStrategiesResume(t *testing.T) {
	for _, name := range Strategies {
		run := func(split bool) json.RawMessage {
			s, err := NewStrategy(name, StrategySettings{Population: 8, Sigma: 0.3})
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Init(start10(), 2); err != nil {
				t.Fatal(err)
			}
			for g := range 10 {
				if split && g == 5 {
					st, err := s.SaveState()
					if err != nil {
						t.Fatal(err)
					}
					s, _ = NewStrategy(name, StrategySettings{Population: 8, Sigma: 0.3})
					if err := s.LoadState(st); err != nil {
						t.Fatal(err)
					}
				}
				runStrategy(t, s, sphere, 1)
			}
			st, _ := s.SaveState()
			return st
		}
		a, b := run(false), run(true)
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("%s: a restored strategy does not continue as the uninterrupted one", name)
		}
		if g, _ := stateGeneration(a); g != 10 {
			t.Fatalf("%s: state records generation %d, want 10", name, g)
		}
	}
	if err := (&CMAES{}).LoadState(json.RawMessage(`{"mean":[1,2],"sigma":1,"c":[1],"p_c":[0,0],"p_sigma":[0,0]}`)); err == nil {
		t.Fatal("inconsistent CMA-ES state accepted")
	}
}

func TestCMAESTooLarge(t *testing.T) {
	if err := (&CMAES{}).Init(make([]float64, MaxCMADim+1), 1); err == nil {
		t.Fatal("CMA-ES accepted a dimension above MaxCMADim")
	}
}

func TestShape(t *testing.T) {
	f := []float64{1, 4, math.Inf(-1), 3}
	r, _ := Shape("rank", nil, f)
	for i, want := range []float64{-1.0 / 6, 0.5, -0.5, 1.0 / 6} {
		if math.Abs(r[i]-want) > 1e-15 {
			t.Fatalf("rank shaping %v", r)
		}
	}
	// z-score by hand: -Inf counts as the lowest finite value, 1: values [1 4 1 3],
	// mean 9/4, std sqrt(((5/4)^2 (x2) + (7/4)^2 + (3/4)^2)/4) = sqrt(108/64).
	z, _ := Shape("zscore", nil, f)
	std := math.Sqrt(108.0 / 64)
	want := []float64{-1.25 / std, 1.75 / std, -1.25 / std, 0.75 / std}
	for i := range want {
		if math.Abs(z[i]-want[i]) > 1e-7 {
			t.Fatalf("z-score shaping %v, want %v", z, want)
		}
	}
	p, _ := Shape("pair-rank", nil, f) // pairs (1, -Inf) and (4, 3)
	if want := []float64{1, 1, 0, 0}; !reflect.DeepEqual(p, want) {
		t.Fatalf("pair-rank shaping %v, want %v", p, want)
	}
	if _, err := Shape("pair-rank", nil, []float64{1, 2, 3}); err == nil {
		t.Fatal("pair ranks of an odd population accepted")
	}
	if _, err := Shape("ranks", nil, f); err == nil {
		t.Fatal("unknown shaping accepted")
	}
}

// TestOpenESTwoStepsGolden recomputes two OpenES generations from the equations of
// the reference (evosax OpenES: antithetic z, centred ranks, g = sum f z/(N sigma),
// Adam with bias correction, decays) with N = 6 and d = 3.
func TestOpenESTwoStepsGolden(t *testing.T) {
	o := OpenES{Population: 6, LR: 0.1, LRDecay: 0.9, LRMin: 1e-3, Sigma: 0.3, SigmaDecay: 0.8, SigmaMin: 1e-3}
	mean := []float64{0.5, -1, 2}
	if err := o.Init(mean, 7); err != nil {
		t.Fatal(err)
	}
	fitness := func(x []float64) float64 { return -(x[0]-1)*(x[0]-1) - 2*x[1]*x[1] + x[2] }
	m, v := make([]float64, 3), make([]float64, 3)
	lr, sigma := 0.1, 0.3
	for gen := 1; gen <= 2; gen++ {
		pop, err := o.Ask(nil)
		if err != nil {
			t.Fatal(err)
		}
		z := make([][]float64, 6)
		f := make([]float64, 6)
		for i, x := range pop {
			z[i] = make([]float64, 3)
			for j := range x {
				z[i][j] = (x[j] - mean[j]) / sigma
			}
			f[i] = fitness(x)
		}
		for i := range 3 { // antithetic
			for j := range 3 {
				if math.Abs(z[i][j]+z[i+3][j]) > 1e-9 {
					t.Fatalf("member %d is not the mirror of member %d", i+3, i)
				}
			}
		}
		// Centred ranks by counting: rank_i = #{k: f_k < f_i}.
		shaped := make([]float64, 6)
		for i := range f {
			for k := range f {
				if f[k] < f[i] {
					shaped[i]++
				}
			}
			shaped[i] = shaped[i]/5 - 0.5
		}
		for j := range 3 {
			var g float64
			for i := range 6 {
				g += shaped[i] * z[i][j]
			}
			g /= 6 * sigma
			m[j] = 0.99*m[j] + 0.01*g
			v[j] = 0.999*v[j] + 0.001*g*g
			mh, vh := m[j]/(1-math.Pow(0.99, float64(gen))), v[j]/(1-math.Pow(0.999, float64(gen)))
			mean[j] += lr * mh / (math.Sqrt(vh) + 1e-8)
		}
		lr, sigma = math.Max(lr*0.9, 1e-3), math.Max(sigma*0.8, 1e-3)
		if err := o.Tell(f); err != nil {
			t.Fatal(err)
		}
		for j := range 3 {
			if math.Abs(o.Mean()[j]-mean[j]) > 1e-12 {
				t.Fatalf("generation %d: mean %v, want %v", gen, o.Mean(), mean)
			}
		}
		if math.Abs(o.SigmaNow()-sigma) > 1e-15 || math.Abs(o.LRNow()-lr) > 1e-15 {
			t.Fatalf("generation %d: sigma %v lr %v, want %v and %v", gen, o.SigmaNow(), o.LRNow(), sigma, lr)
		}
	}
}

package evolution

import (
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
)

func sphere(x []float64) float64 {
	var s float64
	for _, v := range x {
		s += v * v
	}
	return s
}

func TestCentredRanks(t *testing.T) {
	got := CentredRanks(nil, []float64{1, 5, 3})
	if want := []float64{-0.5, 0.5, 0}; !reflect.DeepEqual(got, want) {
		t.Fatalf("centred ranks of [1 5 3] = %v, want %v", got, want)
	}
	got = CentredRanks(nil, []float64{-2, 7, 9})
	if want := []float64{-0.5, 0, 0.5}; !reflect.DeepEqual(got, want) {
		t.Fatalf("centred ranks of [a b c] = %v, want %v", got, want)
	}
	// Ties: ranked in index order (stable), so ranks stay a permutation.
	got = CentredRanks(nil, []float64{2, 2, 1})
	if want := []float64{0, 0.5, -0.5}; !reflect.DeepEqual(got, want) {
		t.Fatalf("tied centred ranks = %v, want %v", got, want)
	}
	// NaN ranks lowest.
	got = CentredRanks(nil, []float64{math.NaN(), 0, -1})
	if want := []float64{-0.5, 0.5, 0}; !reflect.DeepEqual(got, want) {
		t.Fatalf("centred ranks with NaN = %v, want %v", got, want)
	}
}

func TestNESUtilities(t *testing.T) {
	u := NESUtilities(nil, []float64{3, 1, 2, 0})
	var sum float64
	for _, v := range u {
		sum += v
	}
	if math.Abs(sum) > 1e-12 {
		t.Fatalf("utilities sum to %v, want 0", sum)
	}
	if !(u[0] > u[2] && u[2] > u[1] && u[1] >= u[3]) {
		t.Fatalf("utilities %v not ordered by fitness", u)
	}
	z := ZScore(nil, []float64{1, 2, 3})
	if math.Abs(z[1]) > 1e-12 || math.Abs(z[0]+z[2]) > 1e-12 || z[2] <= 0 {
		t.Fatalf("z-scores %v", z)
	}
}

func TestOpenESAntithetic(t *testing.T) {
	o := OpenES{Population: 8, Sigma: 0.5}
	mean := []float64{1, -2, 3}
	if err := o.Init(mean, 7); err != nil {
		t.Fatal(err)
	}
	pop, err := o.Ask(nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 4; i++ {
		for j := range mean {
			zi := (pop[i][j] - mean[j]) / 0.5
			zk := (pop[i+4][j] - mean[j]) / 0.5
			if math.Abs(zi+zk) > 1e-12 || zi == 0 {
				t.Fatalf("z[%d][%d] = %v, z[%d][%d] = %v: not antithetic", i, j, zi, i+4, j, zk)
			}
		}
	}
	if err := (&OpenES{Population: 7}).Init(mean, 1); err == nil {
		t.Fatal("odd population accepted")
	}
}

// runES runs a strategy on the negated sphere for gens generations.
func runES(t *testing.T, ask func([][]float64) ([][]float64, error), tell func([]float64) error, gens, workers int) []float64 {
	t.Helper()
	var pop [][]float64
	var fit []float64
	var best []float64
	for g := range gens {
		var err error
		if pop, err = ask(pop); err != nil {
			t.Fatal(err)
		}
		if len(fit) != len(pop) {
			fit = make([]float64, len(pop))
		}
		err = Pool{Workers: workers, Seed: 3}.Evaluate(g, pop, fit, nil, func(_, _ int, x []float64, _ *rand.Rand) (float64, int64, error) {
			return -sphere(x), 0, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := tell(fit); err != nil {
			t.Fatal(err)
		}
		best = append(best, -fit[0])
	}
	return best
}

func start10() []float64 {
	x := make([]float64, 10)
	for i := range x {
		x[i] = 1 + 0.1*float64(i)
	}
	return x
}

func TestOpenESSphere(t *testing.T) {
	o := OpenES{Population: 40, LR: 0.05, LRDecay: 0.995, LRMin: 1e-4, Sigma: 0.1, SigmaDecay: 0.995, SigmaMin: 1e-3}
	if err := o.Init(start10(), 1); err != nil {
		t.Fatal(err)
	}
	f0 := sphere(o.Mean())
	runES(t, o.Ask, o.Tell, 600, 2)
	if f := sphere(o.Mean()); !(f < 1e-3) {
		t.Fatalf("OpenES on the 10-D sphere: f(mean) = %v after 600 generations (start %v), want < 1e-3", f, f0)
	}
}

func TestSNESSphere(t *testing.T) {
	s := SNES{Sigma: 0.5}
	if err := s.Init(start10(), 1); err != nil {
		t.Fatal(err)
	}
	runES(t, s.Ask, s.Tell, 600, 2)
	if f := sphere(s.Mean()); !(f < 1e-6) {
		t.Fatalf("SNES on the 10-D sphere: f(mean) = %v after 600 generations, want < 1e-6", f)
	}
}

func TestWorkersDeterministic(t *testing.T) {
	traj := func(workers int) ([]float64, OpenESState) {
		o := OpenES{Population: 16}
		if err := o.Init(start10(), 9); err != nil {
			t.Fatal(err)
		}
		var pop [][]float64
		fit := make([]float64, 16)
		var out []float64
		for g := range 20 {
			pop, _ = o.Ask(pop)
			err := Pool{Workers: workers, Seed: 5}.Evaluate(g, pop, fit, nil, func(_, _ int, x []float64, rng *rand.Rand) (float64, int64, error) {
				return -sphere(x) + 0.01*rng.NormFloat64(), 0, nil // noisy: uses the member stream
			})
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, fit...)
			if err := o.Tell(fit); err != nil {
				t.Fatal(err)
			}
		}
		return out, o.State()
	}
	a, sa := traj(1)
	b, sb := traj(2)
	if !reflect.DeepEqual(a, b) || !reflect.DeepEqual(sa, sb) {
		t.Fatal("1 and 2 workers give different trajectories")
	}
}

func TestOpenESResume(t *testing.T) {
	run := func(split bool) OpenESState {
		o := OpenES{Population: 8}
		if err := o.Init(start10(), 2); err != nil {
			t.Fatal(err)
		}
		for g := range 10 {
			if split && g == 5 {
				st := o.State()
				o = OpenES{Population: 8}
				if err := o.SetState(st); err != nil {
					t.Fatal(err)
				}
			}
			pop, _ := o.Ask(nil)
			fit := make([]float64, len(pop))
			for i := range pop {
				fit[i] = -sphere(pop[i])
			}
			if err := o.Tell(fit); err != nil {
				t.Fatal(err)
			}
		}
		return o.State()
	}
	if a, b := run(false), run(true); !reflect.DeepEqual(a, b) {
		t.Fatal("a restored OpenES does not continue as the uninterrupted one")
	}
	s := SNES{}
	if err := s.Init([]float64{1, 2}, 1); err != nil {
		t.Fatal(err)
	}
	if err := s.SetState(SNESState{Mean: []float64{1}, Sigma: nil}); err == nil {
		t.Fatal("inconsistent SNES state accepted")
	}
}

// One generation by hand: N = 2, so z = [z0, -z0]; member 1 fitter gives shaped
// fitness [-0.5, 0.5], g = (-0.5 z0 - 0.5 z0)/(2 sigma) = -z0/(2 sigma), and Adam's first
// step is lr g/(|g| + eps) (bias corrections cancel), then lr and sigma decay.
func TestOpenESOneStepByHand(t *testing.T) {
	o := OpenES{Population: 2, LR: 0.1, LRDecay: 0.5, LRMin: 0.03, Sigma: 0.2, SigmaDecay: 0.5, SigmaMin: 0.15}
	if err := o.Init([]float64{1}, 4); err != nil {
		t.Fatal(err)
	}
	pop, _ := o.Ask(nil)
	z0 := (pop[0][0] - 1) / 0.2
	if err := o.Tell([]float64{0, 1}); err != nil {
		t.Fatal(err)
	}
	g := -z0 / (2 * 0.2)
	want := 1 + 0.1*g/(math.Abs(g)+1e-8)
	if got := o.Mean()[0]; math.Abs(got-want) > 1e-12 {
		t.Fatalf("mean after one step %v, want %v", got, want)
	}
	if o.LRNow() != 0.05 || o.SigmaNow() != 0.15 {
		t.Fatalf("lr %v sigma %v after one decay, want 0.05 and the floor 0.15", o.LRNow(), o.SigmaNow())
	}
}

// SNES by hand: N = 2, the fitter member gets utility 1/2, the other -1/2
// (max(0, ln 2 - ln 1) / ln 2 - 1/2 and 0 - 1/2).
func TestSNESOneStepByHand(t *testing.T) {
	s := SNES{Population: 2, LRMean: 1, LRSigma: 0.3, Sigma: 0.5}
	if err := s.Init([]float64{0}, 8); err != nil {
		t.Fatal(err)
	}
	pop, _ := s.Ask(nil)
	z := []float64{pop[0][0] / 0.5, pop[1][0] / 0.5}
	if err := s.Tell([]float64{1, 0}); err != nil {
		t.Fatal(err)
	}
	w := []float64{0.5, -0.5}
	wantMean := 0.5 * (w[0]*z[0] + w[1]*z[1])
	wantSigma := 0.5 * math.Exp(0.5*0.3*(w[0]*(z[0]*z[0]-1)+w[1]*(z[1]*z[1]-1)))
	st := s.State()
	if math.Abs(st.Mean[0]-wantMean) > 1e-12 || math.Abs(st.Sigma[0]-wantSigma) > 1e-12 {
		t.Fatalf("SNES step: mean %v sigma %v, want %v and %v", st.Mean[0], st.Sigma[0], wantMean, wantSigma)
	}
	if d := 10.0; math.Abs((&SNES{}).withDefaults(10).LRSigma-(3+math.Log(d))/(5*math.Sqrt(d))) > 1e-15 {
		t.Fatal("SNES default sigma learning rate is not (3 + ln d)/(5 sqrt d)")
	}
}

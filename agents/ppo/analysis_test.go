package ppo

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

var (
	testAdvs     = []float64{-3, -1, -0.5, -0.1, 0.1, 0.5, 1, 3}
	testProgress = []float64{0, 0.3, 0.9}
)

// TestEffectiveClipPPO checks that PPO-clip's effective bounds are 1 + eps for A > 0 and
// 1 - eps for A < 0 at every progress, within the grid's resolution.
func TestEffectiveClipPPO(t *testing.T) {
	var ec EffectiveClip
	step := ec.Step()
	if math.Abs(step-0.001) > 1e-12 {
		t.Fatalf("default grid step %v, want 0.001", step)
	}
	for _, eps := range []float64{0.2, 0.3} {
		obj := Clip{Eps: float32(eps)}
		pts, err := ec.Table(obj, testAdvs, testProgress, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(pts) != len(testAdvs)*len(testProgress) {
			t.Fatalf("%d points, want %d", len(pts), len(testAdvs)*len(testProgress))
		}
		for _, p := range pts {
			want := 1 + eps
			if p.Adv < 0 {
				want = 1 - eps
			}
			if math.Abs(p.Ratio-want) > step/2+1e-9 || p.AtEdge {
				t.Errorf("clip eps %v: r*(A=%v, n/N=%v) = %v (edge %v), want %v", eps, p.Adv, p.Progress, p.Ratio, p.AtEdge, want)
			}
			if math.Abs(p.Surrogate-want*p.Adv) > 1e-5*math.Abs(p.Adv)+1e-6 {
				t.Errorf("clip eps %v: max surrogate at A=%v is %v, want %v", eps, p.Adv, p.Surrogate, want*p.Adv)
			}
		}
	}
}

// dpoLowerBound solves r = tanh^2(A log(r) / beta) on (lo, 1) by bisection: where the
// derivative of DPO's surrogate, (A/r)(r - tanh^2(A log(r)/beta)), vanishes for A < 0.
func dpoLowerBound(a, beta, lo float64) float64 {
	g := func(r float64) float64 { th := math.Tanh(a * math.Log(r) / beta); return r - th*th }
	hi := 1 - 1e-9
	for range 200 {
		mid := (lo + hi) / 2
		if g(mid) < 0 { // surrogate still increasing at mid (A < 0)
			lo = mid
		} else {
			hi = mid
		}
	}
	return (lo + hi) / 2
}

// TestEffectiveClipDPO checks DPO at hand-computed points. For A > 0 its surrogate
// is A + alpha tanh((r-1)A/alpha), increasing in r: no bound inside the grid (r* at the
// grid's end). For A < 0 the maximum is interior, at r = tanh^2(A log(r)/beta).
func TestEffectiveClipDPO(t *testing.T) {
	ec := EffectiveClip{RMin: 0.2, RMax: 3, Points: 2801}
	step := ec.Step()
	for _, a := range []float64{0.5, 1, 2} {
		p, err := ec.Ratio(&DPO{}, a, 0.5)
		if err != nil {
			t.Fatal(err)
		}
		want := a + 2*math.Tanh((3-1)*a/2)
		if p.Ratio != 3 || !p.AtEdge || math.Abs(p.Surrogate-want) > 1e-5 {
			t.Errorf("dpo: r*(A=%v) = %v (edge %v, surrogate %v), want 3 at the edge with surrogate %v", a, p.Ratio, p.AtEdge, p.Surrogate, want)
		}
	}
	for _, a := range []float64{-0.5, -1, -2} {
		p, err := ec.Ratio(&DPO{}, a, 0.5)
		if err != nil {
			t.Fatal(err)
		}
		want := dpoLowerBound(a, 0.6, 0.2)
		if math.Abs(p.Ratio-want) > step || p.AtEdge {
			t.Errorf("dpo: r*(A=%v) = %v (edge %v), want %v", a, p.Ratio, p.AtEdge, want)
		}
		// The bound is a real interior maximum: a clear gain over r = 1 (value A).
		if !(p.Surrogate > a+0.01) {
			t.Errorf("dpo: max surrogate at A=%v is %v, not above its value %v at r = 1", a, p.Surrogate, a)
		}
	}
	// Spot values from a dense search of the float64 surrogate (steps of 1e-6) guard
	// the bisection itself.
	for _, c := range []struct{ a, r float64 }{{-0.5, 0.405335}, {-1, 0.55938}, {-2, 0.696889}} {
		if got := dpoLowerBound(c.a, 0.6, 0.01); math.Abs(got-c.r) > 2e-6 {
			t.Errorf("dpoLowerBound(%v) = %v, want about %v", c.a, got, c.r)
		}
	}
}

// TestEffectiveClipZeroLPOIsClip checks that a zero-weight LPO or TA-LPO with PPO init
// has PPO-clip's effective bounds (up to the grid step and the 1e-4 offset's shift of
// 1e-4/|A|).
func TestEffectiveClipZeroLPOIsClip(t *testing.T) {
	var ec EffectiveClip
	for _, eps := range []float32{0, 0.3} {
		clip, err := ec.Table(Clip{Eps: eps}, testAdvs, testProgress, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, temporal := range []bool{false, true} {
			l := NewLPO(temporal, true, 16)
			l.ClipEps = eps
			pts, err := ec.Table(l, testAdvs, testProgress, nil)
			if err != nil {
				t.Fatal(err)
			}
			for i, p := range pts {
				if d := math.Abs(p.Ratio - clip[i].Ratio); d > ec.Step()+DriftOffset/math.Abs(p.Adv)+1e-9 || p.AtEdge {
					t.Errorf("%s eps %v: r*(A=%v, n/N=%v) = %v, clip's %v", l.Name(), eps, p.Adv, p.Progress, p.Ratio, clip[i].Ratio)
				}
			}
		}
	}
}

// TestEffectiveClipProgress checks that r* of a non-temporal drift does not move with
// n/N while that of a temporal one (random weights) does, and that A = 0 gives r* = 1.
func TestEffectiveClipProgress(t *testing.T) {
	var ec EffectiveClip
	progress := []float64{0, 0.25, 0.5, 0.75, 1}
	advs := []float64{-1, 1}
	spread := func(l *LPO) float64 {
		pts, err := ec.Table(l, advs, progress, nil)
		if err != nil {
			t.Fatal(err)
		}
		s := 0.0
		for i := 0; i < len(pts); i += len(progress) {
			rs := make([]float64, len(progress))
			for j := range rs {
				rs[j] = pts[i+j].Ratio
			}
			s = math.Max(s, slices.Max(rs)-slices.Min(rs))
		}
		return s
	}
	if s := spread(randomLPO(false, true, 11)); s != 0 {
		t.Errorf("lpo: r* moves by %v with n/N, want 0", s)
	}
	moved := 0
	for seed := uint64(20); seed < 25; seed++ {
		if spread(randomLPO(true, true, seed)) > 10*ec.Step() {
			moved++
		}
	}
	if moved == 0 {
		t.Errorf("ta-lpo: r* of no random temporal drift moves with n/N")
	}
	for _, o := range objectives() {
		p, err := ec.Ratio(o, 0, 0.5)
		if err != nil {
			t.Fatal(err)
		}
		if p.Ratio != 1 {
			t.Errorf("%s: r*(A=0) = %v, want 1", o.Name(), p.Ratio)
		}
	}
}

func TestEffectiveClipBadInput(t *testing.T) {
	for _, ec := range []EffectiveClip{{RMin: 1}, {RMin: -1}, {RMin: math.NaN()}, {RMax: 0.9}, {RMax: math.Inf(1)}, {Points: 2}, {Tol: math.NaN()}} {
		if _, err := ec.Table(Clip{}, []float64{1}, []float64{0}, nil); err == nil {
			t.Errorf("%+v: no error", ec)
		}
	}
	var ec EffectiveClip
	if _, err := ec.Ratio(Clip{}, math.NaN(), 0); err == nil {
		t.Error("NaN advantage: no error")
	}
	if _, err := ec.Ratio(nil, 1, 0); err == nil {
		t.Error("nil objective: no error")
	}
	bad := NewLPO(true, true, 8)
	bad.W1 = NewLPO(false, true, 8).W1 // 8 inputs for a 16-input drift
	if _, err := ec.Ratio(bad, 1, 0); err == nil {
		t.Error("misshapen drift: no error")
	}
	if _, err := NewShuffledProgress(bad, 10, rand.New(rand.NewPCG(1, 1))); err == nil {
		t.Error("shuffled progress of a misshapen drift: no error")
	}
	if _, err := NewShuffledProgress(Clip{}, 0, rand.New(rand.NewPCG(1, 1))); err == nil {
		t.Error("shuffled progress of 0 updates: no error")
	}
}

// TestShuffledProgress checks that over a run's schedule n/N (as PPO passes it, in
// float32) the wrapped objective sees every k/N once, that it computes the inner
// objective at the permuted progress, and that the permutation follows the seed.
func TestShuffledProgress(t *testing.T) {
	inner := randomLPO(true, true, 5)
	for _, n := range []int{1, 7, 39, 1000} {
		s, err := NewShuffledProgress(inner, n, rand.New(rand.NewPCG(3, uint64(n))))
		if err != nil {
			t.Fatal(err)
		}
		seen := make([]bool, n)
		for u := range n {
			p := float32(float64(u) / float64(n)) // agents.Progress.Fraction, as PPO passes it
			k := int(math.Round(float64(s.Progress(p)) * float64(n)))
			if k != s.Perm[u] || seen[k] {
				t.Fatalf("N=%d: update %d sees k=%d, want Perm[%d]=%d once", n, u, k, u, s.Perm[u])
			}
			seen[k] = true
		}
		if n == 1000 && slices.Equal(s.Perm, slices.Sorted(slices.Values(s.Perm))) {
			t.Fatal("N=1000: the permutation is the identity")
		}
	}
	s, _ := NewShuffledProgress(inner, 10, rand.New(rand.NewPCG(9, 9)))
	s2, _ := NewShuffledProgress(inner, 10, rand.New(rand.NewPCG(9, 9)))
	if !slices.Equal(s.Perm, s2.Perm) {
		t.Fatal("same seed, different permutations")
	}
	r := []float32{0.5, 0.9, 1.1, 1.6, 0.7}
	a := []float32{1, -1, 2, -0.5, 0.3}
	for u := range 10 {
		p := float32(float64(u) / 10)
		got := driftAt(t, s, r, a, p)
		want := driftAt(t, inner, r, a, float32(float64(s.Perm[u])/10))
		if !slices.Equal(got, want) {
			t.Fatalf("update %d: shuffled drift %v, want the inner drift at %d/10 %v", u, got, s.Perm[u], want)
		}
	}
	// Objectives that ignore n/N are unchanged.
	c, _ := NewShuffledProgress(Clip{}, 10, rand.New(rand.NewPCG(1, 2)))
	if got, want := driftAt(t, c, r, a, 0.3), driftAt(t, Clip{}, r, a, 0.3); !slices.Equal(got, want) {
		t.Fatalf("shuffled clip drift %v, want %v", got, want)
	}
}

func TestFixedProgress(t *testing.T) {
	inner := randomLPO(true, true, 6)
	f := FixedProgress{Objective: inner, Progress: 0.25}
	r := []float32{0.5, 0.9, 1.1, 1.6}
	a := []float32{1, -1, 2, -0.5}
	want := driftAt(t, inner, r, a, 0.25)
	for _, p := range []float32{0, 0.5, 0.99} {
		if got := driftAt(t, f, r, a, p); !slices.Equal(got, want) {
			t.Fatalf("n/N=%v: fixed-progress drift %v, want %v", p, got, want)
		}
	}
	if other := driftAt(t, inner, r, a, 0.99); slices.Equal(other, want) {
		t.Fatal("the random temporal drift does not depend on n/N: the test proves nothing")
	}
	if f.Name() != "ta-lpo (n/N=0.25)" {
		t.Fatalf("name %q", f.Name())
	}
}

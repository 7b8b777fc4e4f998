package glow

import (
	"testing"

	"gorl/env"
)

// randomProblem draws a small MDP (S <= 4, A <= 3, H <= 4) for seed.
func randomProblem(t *testing.T, seed uint64) *Problem {
	t.Helper()
	rng := env.NewRand(seed, 0xabc)
	m := RandomMDP(rng, 2+rng.IntN(3), 2+rng.IntN(3), 2+rng.IntN(2))
	p, err := MDPProblem(m)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// validityScale is the multiplier of the paper's beta_t used by the validity checks:
// with the paper's constants nothing is eliminated within a test's budget (the mixture
// risk stays near that of a random member of the class), so the checks run GLOW with
// beta_t / 10^5 and verify that Q* still survives.
const validityScale = 1e-5

// Q* stays in every confidence set F^(1..T) in at least 95% of 200 random MDPs whose
// finite value class contains Q*.
func TestValidityQStarInConfidenceSets(t *testing.T) {
	const seeds = 200
	in := 0
	for seed := uint64(0); seed < seeds; seed++ {
		p := randomProblem(t, seed)
		r, err := Run(p, Config{Algo: AlgoGLOW, Class: "finite", Episodes: 300, BetaScale: validityScale}, seed)
		if err != nil {
			t.Fatal(err)
		}
		if r.QStarAlwaysIn {
			in++
		}
	}
	t.Logf("Q* in every confidence set: %d/%d seeds", in, seeds)
	if in < seeds*95/100 {
		t.Fatalf("Q* stayed in every confidence set in %d/%d seeds, want >= 95%%", in, seeds)
	}
}

// Negative control: with a threshold 100 times smaller still, the check above fails,
// so it is not vacuous.
func TestValidityFailsWithTooSmallBeta(t *testing.T) {
	const seeds = 40
	in := 0
	for seed := uint64(0); seed < seeds; seed++ {
		p := randomProblem(t, seed)
		r, err := Run(p, Config{Algo: AlgoGLOW, Class: "finite", Episodes: 300, BetaScale: validityScale / 100}, seed)
		if err != nil {
			t.Fatal(err)
		}
		if r.QStarAlwaysIn {
			in++
		}
	}
	t.Logf("beta/100: Q* in every confidence set: %d/%d seeds", in, seeds)
	if in >= seeds*95/100 {
		t.Fatalf("with beta_t/10^7 Q* still survived in %d/%d seeds: the validity check cannot fail", in, seeds)
	}
}

// GLOW's output (the uniform mixture of its policies) is near-optimal: mean risk
// V* - V(mixture) over 20 random MDPs <= 0.05.
func TestGLOWMixtureRisk(t *testing.T) {
	const seeds = 20
	risk := 0.0
	for seed := uint64(0); seed < seeds; seed++ {
		p := randomProblem(t, 1000+seed)
		r, err := Run(p, Config{Algo: AlgoGLOW, Class: "finite", Episodes: 1000, BetaScale: validityScale}, seed)
		if err != nil {
			t.Fatal(err)
		}
		risk += r.OptimalValue - r.MixtureValue
	}
	risk /= seeds
	t.Logf("mean mixture risk over %d MDPs: %.4f", seeds, risk)
	if risk > 0.05 {
		t.Fatalf("mean risk of GLOW's mixture %.4f > 0.05", risk)
	}
}

// With the paper's beta_t the confidence set is all of F until VacuousUntil, whatever
// the data: the closed form agrees with Schedule, a maximally inconsistent f (residual
// 1 on every tuple) is kept up to that iteration, and is eliminated once t is large
// enough (so the bound is not vacuous itself).
func TestPaperBetaIsVacuousUntil(t *testing.T) {
	for _, g := range []*GLOW{
		{Tabular: &Tabular{S: 3, A: 10}, T: 5000},
		{Tabular: &Tabular{S: 3, A: 10}, T: 5000, GOLF: true},
		{Tabular: &Tabular{S: 3, A: 10}, T: 5000, NoPenalty: true},
		{Tabular: &Tabular{S: 3, A: 10}, T: 5000, BetaScale: 1e-6},
	} {
		t0 := g.VacuousUntil(10, 3, 10)
		bound := func(tt int) float64 {
			s := g.Schedule(tt, 10, 3, 10)
			switch {
			case g.GOLF:
				return 4
			case g.NoPenalty:
				return 2 * s.Gamma
			}
			return s.Gamma / 8
		}
		if s := g.Schedule(t0, 10, 3, 10); t0 > 1 && s.Beta < bound(t0) {
			t.Errorf("%+v: beta_%d = %g < bound %g", *g, t0, s.Beta, bound(t0))
		}
		if s := g.Schedule(t0+1, 10, 3, 10); s.Beta >= bound(t0+1) {
			t.Errorf("%+v: beta_%d = %g >= bound %g: VacuousUntil too small", *g, t0+1, s.Beta, bound(t0+1))
		}
		t.Logf("GOLF=%v NoPenalty=%v BetaScale=%g: F^(t) = F for t <= %d", g.GOLF, g.NoPenalty, g.BetaScale, t0)
	}

	// One layer, one cell: f = 1, r = 0, so D = 1 on every tuple.
	g := &GLOW{Tabular: &Tabular{S: 1, A: 1}, T: 1 << 20}
	t0 := g.VacuousUntil(1, 1, 1)
	f := NewTable(1, 1, 1)
	f.Q[0][0] = 1
	d := NewData(1, 1, 1)
	for i := 0; i < 64*t0; i++ {
		d.Add(0, Tuple{Last: true})
	}
	if !g.InSet(d, t0, f) {
		t.Fatalf("f with residual 1 eliminated at t = %d <= VacuousUntil", t0)
	}
	if g.InSet(d, 64*t0, f) {
		t.Fatalf("f with residual 1 kept at t = %d = 64 VacuousUntil", 64*t0)
	}
}

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

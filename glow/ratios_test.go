package glow

import (
	"math"
	"testing"

	"gorl/env"
	"gorl/env/lock"
)

// clipTestMDP: H = 2, S = 2, A = 2, start in state 0. Action 0 stays in state 0; action 1
// reaches state 0 or 1 with probability 1/2. At the last layer only (state 1, action 0)
// pays 0.5, so pi* plays action 1 first.
func clipTestMDP() *MDP {
	m := RandomMDP(env.NewRand(0), 2, 2, 2)
	m.Init = []float64{1, 0}
	for s := 0; s < 2; s++ {
		for a := 0; a < 2; a++ {
			m.R[0][s][a], m.R[1][s][a] = 0, 0
			m.P[1][s][a] = []float64{1, 0}
			m.P[0][s][a] = []float64{1, 0}
		}
	}
	m.P[0][0][1] = []float64{0.5, 0.5}
	m.R[1][1][0] = 0.5
	return m
}

// The clip binds: with the density-ratio class, GLOW eliminates a wrong, optimistic f
// only because clip_{gamma_t} caps the ratio of a rarely logged cell, and NoClip (the
// --no-clip ablation) changes the chosen f.
//
// The data logs action 1 twice in 560 episodes, so state 1 of the last layer has
// frequency p = 1/560 while pi*'s occupancy puts 1/2 on it: its ratio is 280. The decoy
// f_b claims 1 for (state 0, action 0) at the last layer (residual D = 1 there). With
// gamma_t = 5 (alpha_t = 8/5) the weight of pi* gains p_0 w_0 D - alpha p_0 w_0^2 ~ 0.1 on
// state 0 and pays alpha p_1 min(280, 5)^2 = 0.07 on state 1 when clipped, but
// alpha * 0.25 / p_1 = 224 unclipped; the weight of the decoy's own policy pays more
// than it gains. So the clipped confidence set drops f_b and the unclipped one keeps it,
// and optimism (f_b promises 1, Q* 0.25) picks f_b.
func TestNoClipChangesChosenF(t *testing.T) {
	m := clipTestMDP()
	qstar := m.OptimalQ()
	decoy := NewTable(2, 2, 2)
	decoy.Q[1] = []float64{1, 0, 0.5, 0}  // (s0,a0) wrong: 1 instead of 0
	decoy.Q[0] = []float64{1, 0.75, 0, 0} // its own backups
	f := &Finite{S: 2, A: 2, Joint: true, Models: []*MDP{m}, Cands: [][][]float64{{qstar.Q[0], decoy.Q[0]}, {qstar.Q[1], decoy.Q[1]}}}
	d := NewData(2, 2, 2)
	for i := 0; i < 558; i++ {
		d.Add(0, Tuple{S: 0, A: 0, Next: 0})
		d.Add(1, Tuple{S: 0, A: 0, Last: true})
	}
	d.Add(0, Tuple{S: 0, A: 1, Next: 0})
	d.Add(1, Tuple{S: 0, A: 0, Last: true})
	d.Add(0, Tuple{S: 0, A: 1, Next: 1})
	d.Add(1, Tuple{S: 1, A: 0, R: 0.5, Last: true})
	const T = 561
	base := GLOW{Finite: f, W: ModelRatios(f.Models, f), T: 1000, Gamma: 5.0 / T, BetaScale: 1e-9}
	if s := base.Schedule(T, 2, 2, 2); math.Abs(s.Clip-5) > 1e-12 || math.Abs(s.Alpha-1.6) > 1e-12 {
		t.Fatalf("schedule clip %g alpha %g, want 5 and 1.6", s.Clip, s.Alpha)
	}
	clipped, _, err := base.Select(d, T)
	if err != nil {
		t.Fatal(err)
	}
	noClip := base
	noClip.NoClip = true
	unclipped, _, _ := noClip.Select(d, T)
	if clipped.Q[1][0] != 0 || unclipped.Q[1][0] != 1 {
		t.Fatalf("chosen f(s0, a0) at the last layer: clipped %g (want Q* = 0), unclipped %g (want the decoy's 1)", clipped.Q[1][0], unclipped.Q[1][0])
	}
}

// The closed-form ratio class of the lock family equals the ratio class enumerated from
// every combination as a model and every greedy policy of the family, on a small lock.
func TestLockRatiosMatchEnumeration(t *testing.T) {
	const H, A = 3, 2
	l, err := lock.New(lock.Config{H: H, Actions: A, LockSeed: 3})
	if err != nil {
		t.Fatal(err)
	}
	f, _ := LockFamily(l.Model())
	var models []*MDP
	for code := 0; code < 1<<(2*H); code++ {
		m := FromLock(l.Model())
		for h := 0; h < H; h++ {
			for s := 0; s < 2; s++ {
				c := code >> (2*h + s) & 1
				for a := 0; a < A; a++ {
					if a == c {
						m.P[h][s][a] = []float64{0.5, 0.5, 0}
					} else {
						m.P[h][s][a] = []float64{0, 0, 1}
					}
				}
			}
		}
		models = append(models, m)
	}
	enum := ModelRatios(models, f)
	closed := LockRatios{H: H, A: A, Dead: 0}
	rng := env.NewRand(5)
	S := lock.NumStates
	for trial := 0; trial < 300; trial++ {
		h := rng.IntN(H)
		p, dd := make([]float64, S*A), make([]float64, S*A)
		for c := range p {
			if rng.IntN(3) > 0 {
				p[c] = rng.Float64()
			}
			dd[c] = 2*rng.Float64() - 1
		}
		alpha := []float64{0, 0.5, 4}[rng.IntN(3)]
		clip := []float64{0.5, 3, math.Inf(1)}[rng.IntN(3)]
		if a, b := closed.Sup(h, p, dd, alpha, clip), enum.Sup(h, p, dd, alpha, clip); math.Abs(a-b) > 1e-12 {
			t.Fatalf("layer %d: closed form %g, enumeration %g", h, a, b)
		}
	}
	for h := 0; h < H; h++ {
		want := A * A
		if h > 0 {
			want = (h+1)*A*A + 1
		}
		if got := len(enum.Num[h]); got != want {
			t.Errorf("layer %d: %d distinct ratio tables, want %d", h, got, want)
		}
		if math.Abs(closed.LogSize(H, S, A)-enum.LogSize(H, S, A)) > 1e-12 {
			t.Errorf("log |W|: closed form %g, enumeration %g", closed.LogSize(H, S, A), enum.LogSize(H, S, A))
		}
	}
}

// maboBrute is MABO.CR's layer objective computed from its definition: the max over
// the weights w_k = n_k / p of W, their negations and zero (the product closure of
// W u -W u per-layer copies) of | sum_c p_c min(w_c, g) D_c | - alpha sum_c p_c min(w_c, g)^2.
// The flags drop one element each.
func maboBrute(p, D []float64, nums [][]float64, alpha, g float64, noAbs, noNeg, noZero, noClip bool) float64 {
	if noClip {
		g = math.Inf(1)
	}
	var ws [][]float64
	for _, n := range nums {
		w, neg := make([]float64, len(p)), make([]float64, len(p))
		for c := range p {
			if p[c] > 0 {
				w[c] = n[c] / p[c]
				neg[c] = -w[c]
			}
		}
		ws = append(ws, w)
		if !noNeg {
			ws = append(ws, neg)
		}
	}
	best := math.Inf(-1)
	if !noZero {
		best = 0
	}
	for _, w := range ws {
		gain, pen := 0.0, 0.0
		for c := range p {
			wc := math.Min(w[c], g)
			gain += p[c] * wc * D[c]
			pen += p[c] * wc * wc
		}
		if !noAbs {
			gain = math.Abs(gain)
		}
		best = math.Max(best, gain-alpha*pen)
	}
	return best
}

// MABO.CR's objective on fixed inputs equals its definition, and every element of the
// definition (the absolute value, -W, the per-layer copies, the clip) changes the value
// on these inputs, so dropping any of them from MABO makes this test fail.
func TestMABOObjectiveMatchesDefinition(t *testing.T) {
	// One layer, one state, three actions logged 600, 399 and 1 times (p = 0.6, 0.399,
	// 0.001) with mean rewards 0.1, 200/399 and 0.
	counts := []int{600, 399, 1}
	data := func(ones []int) (*Data, []float64) {
		d := NewData(1, 1, 3)
		mean := make([]float64, 3)
		for a := range counts {
			for i := 0; i < counts[a]; i++ {
				r := 0.0
				if i < ones[a] {
					r = 1
				}
				d.Add(0, Tuple{S: 0, A: a, R: r, Last: true})
			}
			mean[a] = float64(ones[a]) / float64(counts[a])
		}
		return d, mean
	}
	low, high := []int{60, 200, 0}, []int{540, 200, 1}
	_, lowMean := data(low)
	p := []float64{0.6, 0.399, 0.001}
	nums := [][]float64{{0.5, 0.5, 0}, {0.6, 0, 0.4}, {0, 0.2, 0.8}}
	W := &Ratios{Num: [][][]cellMass{nil}}
	for _, n := range nums {
		var sparse []cellMass
		for c, x := range n {
			if x > 0 {
				sparse = append(sparse, cellMass{C: c, N: x})
			}
		}
		W.Num[0] = append(W.Num[0], sparse)
	}
	cases := []struct {
		name      string
		ones      []int
		q         []float64
		t         int
		noPenalty bool
	}{
		{"underestimates with a rarely logged cell (abs)", high, []float64{0, 0.5, 0}, 20, false},
		{"overestimates with a rarely logged cell (clip)", low, []float64{0.9, 0.5, 0.9}, 20, false},
		{"no residual: every test is negative (per-layer copies)", low, lowMean, 20, false},
		{"no penalty (-W is never clipped)", low, []float64{0.9, 0.5, 0.9}, 20, true},
	}
	changed := map[string]bool{}
	for _, c := range cases {
		d, mean := data(c.ones)
		m := &MABO{W: W, Gamma: 1, NoPenalty: c.noPenalty}
		alpha, g := m.Schedule(c.t)
		got := m.objective(d, c.t)(0, c.q, nil)
		D := make([]float64, 3)
		for a := range D {
			D[a] = c.q[a] - mean[a]
		}
		want := maboBrute(p, D, nums, alpha, g, false, false, false, false)
		if math.Abs(got-want) > 1e-12 {
			t.Fatalf("%s: MABO objective %g, definition %g", c.name, got, want)
		}
		for i, name := range []string{"abs", "-W", "copies", "clip"} {
			v := maboBrute(p, D, nums, alpha, g, i == 0, i == 1, i == 2, i == 3)
			if math.Abs(v-want) > 1e-6 {
				changed[name] = true
				t.Logf("%s: without %s %g, full %g", c.name, name, v, want)
			}
		}
	}
	for _, name := range []string{"abs", "-W", "copies", "clip"} {
		if !changed[name] {
			t.Errorf("no case tells the objective without %s from the full one", name)
		}
	}
}

// ratiosRisk runs GLOW with the ratio class on 40 small random MDPs whose finite model
// class holds the true model and returns in how many Q* stayed in every confidence set
// and the mean risk V* - V(mixture) of the output mixture.
func ratiosRisk(t *testing.T, gamma float64, T int) (in int, risk float64) {
	const seeds = 40
	for seed := uint64(0); seed < seeds; seed++ {
		rng := env.NewRand(seed, 0xabd)
		m := RandomMDP(rng, 2+rng.IntN(2), 2+rng.IntN(3), 2+rng.IntN(2))
		p, err := MDPProblem(m)
		if err != nil {
			t.Fatal(err)
		}
		r, err := Run(p, Config{Algo: AlgoGLOW, Class: "finite", Weights: WeightsRatios, ModelClassSize: 4, Episodes: T, Gamma: gamma, BetaScale: validityScale}, seed)
		if err != nil {
			t.Fatal(err)
		}
		if r.QStarAlwaysIn {
			in++
		}
		risk += r.OptimalValue - r.MixtureValue
	}
	return in, risk / seeds
}

// With the ratio class, Q* stays in every confidence set on small random MDPs whose
// finite model class holds the true model, and GLOW's output mixture is near-optimal
// with gamma = 1 (mean risk < 0.05; measured 0.005 after 1000 episodes).
//
// With the paper's default gamma = sqrt(Ccov / (T log(|F||W|/delta))) (0.008 to 0.03
// here) it is not, within these budgets: mean risk 0.073 after 1000 episodes, 0.070
// after 3000, 0.049 after 10^4. A ratio weight, unlike a box weight, cannot shrink to
// trade gain for penalty: w = d^pi / mu has E_mu[w^2] = E_{d^pi}[w] >= 1, so its
// penalised objective E_{d^pi}[D] - (8 / (gamma t)) E_{d^pi}[w~] exposes a Bellman
// error on d^pi only once it exceeds about 8 / (gamma t): 0.3 at t = 1000 for
// gamma = 0.025. The paper's gamma balances the worst-case regret bound (it shrinks with
// T), not the residual this small instance needs. The test asserts both sides.
func TestRatiosValidityAndMixtureRisk(t *testing.T) {
	in, risk := ratiosRisk(t, 1, 1000)
	t.Logf("ratios, gamma 1, T 1000: Q* in every confidence set in %d/40 MDPs; mean mixture risk %.4f", in, risk)
	if in < 38 {
		t.Errorf("Q* stayed in every confidence set in %d/40 MDPs, want >= 95%%", in)
	}
	if risk > 0.05 {
		t.Errorf("mean risk of GLOW's mixture with the ratio class %.4f > 0.05", risk)
	}
	in1, risk1 := ratiosRisk(t, 0, 1000)
	in3, risk3 := ratiosRisk(t, 0, 3000)
	t.Logf("ratios, paper's gamma: T 1000 risk %.4f (Q* in %d/40), T 3000 risk %.4f (Q* in %d/40)", risk1, in1, risk3, in3)
	if in1 < 38 || in3 < 38 {
		t.Errorf("paper's gamma: Q* stayed in every confidence set in %d/40 and %d/40 MDPs, want >= 95%%", in1, in3)
	}
	if !(risk1 > 0.05 && risk3 < risk1 && risk1 > 5*risk) {
		t.Errorf("paper's gamma: risk %.4f after 1000 episodes and %.4f after 3000 (gamma 1: %.4f); the documented gap is gone", risk1, risk3, risk)
	}
}

// While beta_t is vacuous GLOW skips the residuals; the shortcut selects what the full
// computation selects.
func TestVacuousShortcutMatchesFullSelection(t *testing.T) {
	p, err := LockProblem(lock.Config{H: 6, Actions: 3, LockSeed: 4}, false)
	if err != nil {
		t.Fatal(err)
	}
	off, _ := offlineTuples(p, lock.Mixed, 30, 2)
	d := NewData(p.H, p.S, p.A)
	for h := range off {
		for _, tu := range off[h] {
			d.Add(h, tu)
		}
	}
	for _, joint := range []bool{false, true} {
		f, _ := LockFamily(p.Lock.Model())
		var W WeightClass = LockRatios{H: p.H, A: p.A}
		if joint {
			f, _ = incompleteClass(p, 1)
			W = ModelRatios(f.Models, f)
		}
		g := &GLOW{Finite: f, W: W, T: 100}
		const it = 20
		if it > g.VacuousUntil(p.H, p.S, p.A) {
			t.Fatal("beta_t is not vacuous at the test's iteration")
		}
		got, _, err := g.Select(d, it)
		if err != nil {
			t.Fatal(err)
		}
		s := g.Schedule(it, p.H, p.S, p.A)
		var want Table
		if joint {
			i, _ := g.selectJoint(d, s)
			want = f.member(i)
		} else {
			idx, _ := g.selectFinite(d, s)
			want = f.Table(idx)
		}
		for h := range want.Q {
			if !sameTable(got.Q[h], want.Q[h]) {
				t.Fatalf("joint=%v layer %d: shortcut and full selection differ", joint, h)
			}
		}
	}
}

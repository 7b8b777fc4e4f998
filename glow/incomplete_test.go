package glow

import (
	"math"
	"testing"

	"gorl/env"
	"gorl/env/lock"
)

func sameTable(a, b []float64) bool {
	for i := range a {
		if math.Abs(a[i]-b[i]) > 1e-12 {
			return false
		}
	}
	return true
}

// The incomplete class holds Q* (realizability) and its ratios come from a model
// class that holds the truth, but it is not Bellman complete: the Bellman backup of the
// broken lock's Q-function under the true lock is no member of the class.
func TestIncompleteClassRealizableNotComplete(t *testing.T) {
	p, err := IncompleteProblem(lock.Config{H: 6, Actions: 4, LockSeed: 2})
	if err != nil {
		t.Fatal(err)
	}
	f, ti := incompleteClass(p, 7)
	qstar := p.Model.OptimalQ()
	for h := range qstar.Q {
		if !sameTable(f.Cands[h][ti], qstar.Q[h]) {
			t.Fatalf("layer %d: member %d is not Q*", h, ti)
		}
		for _, row := range qstar.Q[h] {
			if row < 0 || row > 1 {
				t.Fatalf("Q* outside [0, 1]: %g", row)
			}
		}
	}
	if len(f.Cands[0]) != p.A+1 || len(f.Models) != p.A+1 {
		t.Fatalf("%d members and %d models, want A+1 = %d", len(f.Cands[0]), len(f.Models), p.A+1)
	}
	// Find the broken lock: it pays only the anti-reward before the last step.
	broken := -1
	for i := range f.Cands[0] {
		if v, _ := p.Model.Evaluate(f.member(i).Greedy()); i != ti && f.Cands[0][i][lock.GoodA*p.A+p.Lock.Correct[0][0]] == 0 && v < 0.1 {
			broken = i
		}
	}
	if broken < 0 {
		t.Fatal("no broken-lock member")
	}
	// T f for f = the broken lock, under the true model.
	m, fb := p.Model, f.member(broken)
	tf := NewTable(m.H, m.S, m.A)
	v := make([]float64, m.S)
	for h := 0; h < m.H; h++ {
		if h < m.H-1 {
			fb.V(h+1, v)
		}
		for s := 0; s < m.S; s++ {
			for a := 0; a < m.A; a++ {
				x := m.R[h][s][a]
				if h < m.H-1 {
					for s2, q := range m.P[h][s][a] {
						x += q * v[s2]
					}
				}
				tf.Q[h][s*m.A+a] = x
			}
		}
	}
	for i := range f.Cands[0] {
		all := true
		for h := range tf.Q {
			all = all && sameTable(f.Cands[h][i], tf.Q[h])
		}
		if all {
			t.Fatalf("T f_broken is member %d: the class is complete at f_broken", i)
		}
	}
	// Every member's values lie in [0, 1].
	for h := range f.Cands {
		for _, q := range f.Cands[h] {
			for _, x := range q {
				if x < 0 || x > 1+1e-12 {
					t.Fatalf("member value %g outside [0, 1]", x)
				}
			}
		}
	}
}

// On mixed offline data FQI settles on the broken lock (its projected Bellman fixed
// point), while MABO.CR with the ratio class rejects it; once the data also shows that
// no escape action pays, MABO.CR returns Q*.
func TestFQIFixedPointAndMABOOnIncomplete(t *testing.T) {
	p, err := IncompleteProblem(lock.Config{H: 8, Actions: 4, LockSeed: 1})
	if err != nil {
		t.Fatal(err)
	}
	f, ti := incompleteClass(p, 3)
	off, err := offlineTuples(p, lock.Mixed, 400, 9)
	if err != nil {
		t.Fatal(err)
	}
	d := NewData(p.H, p.S, p.A)
	for h := range off {
		for _, tu := range off[h] {
			d.Add(h, tu)
		}
	}
	fq := fqiJoint(f, d)
	if v, _ := p.Model.Evaluate(f.member(fq).Greedy()); v > 0.1 || f.Cands[0][fq][lock.GoodA*p.A+p.Lock.Correct[0][0]] != 0 {
		t.Fatalf("FQI chose member %d (value %g), want the broken lock", fq, v)
	}
	mabo := &MABO{Finite: f, W: ModelRatios(f.Models, f)}
	pick := func() int { return argminJoint(jointLosses(f, mabo.objective(d, 400)), nil) }
	if i := pick(); i == fq {
		t.Fatalf("MABO.CR chose the broken lock (member %d)", i)
	}
	// The escape actions, tried in the dead state at the last step, pay nothing.
	for e := 1; e < p.A; e++ {
		for k := 0; k < 20; k++ {
			d.Add(p.H-1, Tuple{S: lock.Dead, A: e, Last: true})
		}
	}
	if i := pick(); i != ti {
		t.Fatalf("with the escapes refuted MABO.CR chose member %d, Q* is %d", i, ti)
	}
}

// The separation on lock/incomplete with mixed offline data, H = 5, 5 seeds, T = 2000:
// HyGLOW's output mixture succeeds (>= 0.9) in at least 4 seeds, Hy-Q's fails (< 0.5)
// in at least 4, and so does the offline-only baseline in every seed: its tied
// minimisers are Q* and the A-1 escape locks, so its mixture succeeds about 1/A of the
// time. The reported mixture is the uniform mixture of every iterate: the mean of the
// logged success column, not the last policy.
func TestIncompleteSeparatesHyGLOWFromHyQ(t *testing.T) {
	p, err := IncompleteProblem(lock.Config{H: 5})
	if err != nil {
		t.Fatal(err)
	}
	const T = 2000
	seeds := []uint64{0, 1, 2, 3, 4}
	run := func(algo string) []Result {
		rs, err := RunSeeds(p, Config{Algo: algo, Offline: "mixed", Episodes: T}, seeds, 0, nil)
		if err != nil {
			t.Fatal(err)
		}
		differs := false
		for _, r := range rs {
			mean := 0.0
			for _, row := range r.Rows {
				mean += row.Values["success"]
			}
			mean /= float64(len(r.Rows))
			if math.Abs(mean-r.MixtureSuccess) > 1e-12 || len(r.Rows) != T {
				t.Fatalf("%s seed %d: mixture success %g, mean over %d iterates %g", algo, r.Seed, r.MixtureSuccess, len(r.Rows), mean)
			}
			differs = differs || r.MixtureSuccess != r.FinalSuccess
		}
		if algo == AlgoHyGLOW && !differs {
			t.Errorf("hyglow: the mixture equals the last policy in every seed; the test cannot tell them apart")
		}
		return rs
	}
	hyr, qr, offr := run(AlgoHyGLOW), run(AlgoHyQ), run(AlgoOffline)
	hy, q, off := Summarise(hyr), Summarise(qr), Summarise(offr)
	t.Logf("H=5: hyglow mixture %.3f (>= 0.9 in %d/5); hyq %.3f (< 0.5 in %d/5); offline %.3f (< 0.5 in %d/5)",
		hy.MeanMixtureSuccess, hy.MixtureAtLeast90, q.MeanMixtureSuccess, q.MixtureBelow50, off.MeanMixtureSuccess, off.MixtureBelow50)
	if hy.MixtureAtLeast90 < 4 || q.MixtureBelow50 < 4 {
		t.Fatalf("hyglow mixture >= 0.9 in %d/5 seeds (want >= 4), hyq < 0.5 in %d/5 (want >= 4)", hy.MixtureAtLeast90, q.MixtureBelow50)
	}
	// 1/A of the fits draw Q*: T draws per seed put the mixture within a few 0.01 of it.
	for _, r := range offr {
		if math.Abs(r.MixtureSuccess-1/float64(p.A)) > 0.05 {
			t.Errorf("offline seed %d: mixture success %.3f, want about 1/A = %.2f", r.Seed, r.MixtureSuccess, 1/float64(p.A))
		}
	}
}

// The mixed offline data cannot tell Q* from an escape lock: it logs states of d^{pi*}
// only, never the dead state, so never (dead, e) at the last step, the one cell where
// an escape model differs; every layer's MABO.CR objective is the same for Q* and each
// escape lock on every mixed sample, while the escape lock's greedy policy never opens
// the lock. Online episodes of the escape policy break the tie. (The epsilon design
// does log (dead, e): its random actions continue in the dead state.)
func TestOfflineDataCannotTellQStarFromEscapes(t *testing.T) {
	p, err := IncompleteProblem(lock.Config{H: 6, Actions: 4, LockSeed: 5})
	if err != nil {
		t.Fatal(err)
	}
	f, ti := incompleteClass(p, 11)
	mabo := &MABO{Finite: f, W: ModelRatios(f.Models, f)}
	for _, design := range []lock.Design{lock.Mixed} {
		off, err := offlineTuples(p, design, 300, 4)
		if err != nil {
			t.Fatal(err)
		}
		d := NewData(p.H, p.S, p.A)
		for _, n := range []int{10, 300} {
			for h := range off {
				for _, tu := range off[h][d.Len(h):n] {
					d.Add(h, tu)
				}
			}
			losses := jointLosses(f, mabo.objective(d, n))
			escapes := 0
			for i, m := range f.Models {
				if i == ti || m.R[p.H-1][lock.Dead][1]+m.R[p.H-1][lock.Dead][2]+m.R[p.H-1][lock.Dead][3] == 0 {
					continue // Q* or the broken lock
				}
				escapes++
				for h := range losses[i] {
					if math.Abs(losses[i][h]-losses[ti][h]) > 1e-12 {
						t.Fatalf("%s, %d tuples, layer %d: escape member %d has objective %g, Q* %g", design, n, h, i, losses[i][h], losses[ti][h])
					}
				}
				if _, s := p.Model.Evaluate(f.member(i).Greedy()); s != 0 {
					t.Fatalf("escape member %d: greedy policy succeeds with probability %g, want 0", i, s)
				}
			}
			if escapes != p.A-1 {
				t.Fatalf("%d escape members, want A-1 = %d", escapes, p.A-1)
			}
		}
		// The escape policy run online: its last tuple, (dead, e), pays 0.
		e := p.NewEnv()
		e.Seed(3)
		esc := (ti + 1) % len(f.Models)
		if f.Models[esc].R[p.H-1][lock.Dead][1]+f.Models[esc].R[p.H-1][lock.Dead][2]+f.Models[esc].R[p.H-1][lock.Dead][3] == 0 {
			esc = (ti + 2) % len(f.Models)
		}
		for k := 0; k < 20; k++ {
			traj, _ := rollout(p, e, TablePolicy(f.member(esc).Greedy()))
			for h, tu := range traj {
				d.Add(h, tu)
			}
		}
		losses := jointLosses(f, mabo.objective(d, 320))
		sum := func(i int) (s float64) {
			for _, l := range losses[i] {
				s += l
			}
			return s
		}
		if !(sum(esc) > sum(ti)+0.1) {
			t.Fatalf("%s: after 20 online episodes of escape member %d its objective is %g, Q*'s %g", design, esc, sum(esc), sum(ti))
		}
	}
}

// Over a product class H projected Bellman iterations from f = 0 are backward FQI.
func TestJointFQIOnProductClassIsBackwardFQI(t *testing.T) {
	for seed := uint64(0); seed < 10; seed++ {
		rng := env.NewRand(seed, 31)
		m := RandomMDP(rng, 3, 3, 2)
		f, _ := ModelClass(m, 4, rng)
		p, _ := MDPProblem(m)
		e := p.NewEnv()
		e.Seed(seed)
		d := NewData(3, 3, 2)
		for i := 0; i < 50; i++ {
			traj, _ := rollout(p, e, TablePolicy(f.Table([]int{rng.IntN(4), rng.IntN(4), rng.IntN(4)}).Greedy()))
			for h, tu := range traj {
				d.Add(h, tu)
			}
		}
		back := finiteFQI(f, d)
		// The product class as a joint class of all 4^3 combinations.
		joint := &Finite{S: 3, A: 2, Joint: true, Cands: make([][][]float64, 3)}
		for i := 0; i < 64; i++ {
			tb := f.Table([]int{i % 4, i / 4 % 4, i / 16})
			for h := range joint.Cands {
				joint.Cands[h] = append(joint.Cands[h], tb.Q[h])
			}
		}
		got := joint.member(fqiJoint(joint, d))
		for h := range got.Q {
			if !sameTable(got.Q[h], back.Q[h]) {
				t.Fatalf("seed %d layer %d: joint FQI %v, backward FQI %v", seed, h, got.Q[h], back.Q[h])
			}
		}
	}
}

// argminJoint: the lowest index on ties without a stream, a draw among the tied
// minimisers (and only them) with one.
func TestArgminJointTies(t *testing.T) {
	losses := [][]float64{{0.5, 0}, {0.2, 0.1}, {0.3, 0}, {0.1, 0.2 + 1e-15}, {0.3, 0.0001}}
	if i := argminJoint(losses, nil); i != 1 {
		t.Fatalf("no stream: %d, want 1", i)
	}
	seen := map[int]int{}
	rng := env.NewRand(1)
	for k := 0; k < 300; k++ {
		seen[argminJoint(losses, rng)]++
	}
	if len(seen) != 3 || seen[1] == 0 || seen[2] == 0 || seen[3] == 0 {
		t.Fatalf("draws %v, want each of the tied 1, 2, 3", seen)
	}
}

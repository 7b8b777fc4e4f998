package glow

import (
	"math"
	"testing"

	"gorl/env"
	"gorl/env/lock"
	"gorl/logs"
)

func TestClipAndResidual(t *testing.T) {
	if Clip(3, 2) != 2 || Clip(1.5, 2) != 1.5 || Clip(-4, 2) != -4 || Clip(7, math.Inf(1)) != 7 {
		t.Error("Clip is not min(w, g)")
	}
	if got := Residual(0.9, 0.1, 0.5); math.Abs(got-0.3) > 1e-15 {
		t.Errorf("Residual(0.9, 0.1, 0.5) = %g, want 0.3", got)
	}
}

// The closed-form inner sup of the box classes equals brute force over a grid of
// weights, for random residuals, frequencies, penalties and clip bounds (including no
// clipping and no penalty).
func TestBoxSupEqualsGrid(t *testing.T) {
	rng := env.NewRand(1)
	for trial := 0; trial < 200; trial++ {
		cells := 1 + rng.IntN(5)
		p := make([]float64, cells)
		d := make([]float64, cells)
		sum := 0.0
		for c := range p {
			p[c] = rng.Float64()
			if rng.IntN(4) == 0 {
				p[c] = 0
			}
			sum += p[c]
			d[c] = 2*rng.Float64() - 1
		}
		if sum == 0 {
			continue
		}
		for c := range p {
			p[c] /= sum
		}
		alpha := []float64{0, 0.1, 1, 8}[rng.IntN(4)]
		clip := []float64{0.5, 2, 10, math.Inf(1)}[rng.IntN(4)]
		if alpha == 0 && math.IsInf(clip, 1) {
			clip = 3
		}
		for _, signed := range []bool{false, true} {
			got := Box{Signed: signed}.Sup(0, p, d, alpha, clip)
			// Brute force: the objective is separable, so maximise each cell over a grid
			// of w in [lo, min(clip, 20)] (unclipped maximisers d/(2 alpha) <= 20/2 here).
			hi := min(clip, 20.0)
			lo := 0.0
			if signed {
				lo = -hi
			}
			want := 0.0
			for c := range p {
				best := math.Inf(-1)
				const n = 20000
				for i := 0; i <= n; i++ {
					w := lo + (hi-lo)*float64(i)/n
					best = max(best, p[c]*(Clip(w, clip)*d[c]-alpha*w*w))
				}
				want += best
			}
			if math.Abs(got-want) > 1e-5 {
				t.Fatalf("signed=%v alpha=%g clip=%g: closed form %g, grid %g (p=%v d=%v)", signed, alpha, clip, got, want, p, d)
			}
			// An enumerated class holding the grid's weights agrees too.
			if cells == 1 && !signed {
				var ws [][]float64
				for i := 0; i <= 400; i++ {
					ws = append(ws, []float64{hi * float64(i) / 400})
				}
				en := Enumerated{W: [][][]float64{ws}}.Sup(0, p, d, alpha, clip)
				if en > got+1e-12 || got-en > 0.01 {
					t.Fatalf("enumerated sup %g, closed form %g", en, got)
				}
			}
		}
	}
}

func TestBoxGainInverse(t *testing.T) {
	for _, c := range []struct{ y, alpha, g float64 }{{0.1, 1, 1}, {5, 1, 1}, {0.3, 0, 2}, {0.3, 2, math.Inf(1)}, {0, 1, 1}} {
		d := boxGainInverse(c.y, c.alpha, c.g)
		if got := boxGain(d, c.alpha, c.g); math.Abs(got-c.y) > 1e-12 {
			t.Errorf("gain(inverse(%g)) = %g (alpha %g, g %g)", c.y, got, c.alpha, c.g)
		}
		if boxGain(d+1e-6, c.alpha, c.g) <= c.y {
			t.Errorf("inverse(%g) = %g is not the largest residual within budget", c.y, d)
		}
	}
}

// Data.Residuals averages the per-tuple residuals of each cell.
func TestResidualsAverageTuples(t *testing.T) {
	rng := env.NewRand(2)
	m := RandomMDP(rng, 3, 3, 2)
	d := NewData(3, 3, 2)
	f := NewTable(3, 3, 2)
	for h := range f.Q {
		for c := range f.Q[h] {
			f.Q[h][c] = rng.Float64()
		}
	}
	for i := 0; i < 50; i++ {
		s := m.SampleInit(rng)
		for h := 0; h < 3; h++ {
			a := rng.IntN(2)
			next, r := m.Sample(rng, h, s, a)
			d.Add(h, Tuple{S: s, A: a, R: r, Next: next, Last: h == 2})
			s = next
		}
	}
	D, p := make([]float64, 6), make([]float64, 6)
	v := make([]float64, 3)
	for h := 0; h < 3; h++ {
		var vn []float64
		if h < 2 {
			f.V(h+1, v)
			vn = v
		}
		d.Residuals(h, f.Q[h], vn, D, p)
		sum, cnt := make([]float64, 6), make([]float64, 6)
		for _, tu := range d.Layers[h] {
			c := tu.S*2 + tu.A
			next := 0.0
			if !tu.Last {
				next = vn[tu.Next]
			}
			sum[c] += Residual(f.Q[h][c], tu.R, next)
			cnt[c]++
		}
		for c := range sum {
			if cnt[c] == 0 {
				continue
			}
			if math.Abs(sum[c]/cnt[c]-D[c]) > 1e-12 || math.Abs(p[c]-cnt[c]/50) > 1e-12 {
				t.Fatalf("layer %d cell %d: residual %g vs %g, p %g vs %g", h, c, D[c], sum[c]/cnt[c], p[c], cnt[c]/50)
			}
		}
	}
}

// H2O hands the learner t offline and t online tuples per layer after t iterations,
// the offline ones in order.
func TestH2OKeepsEqualCounts(t *testing.T) {
	p, err := LockProblem(lock.Config{H: 4, Actions: 3}, false)
	if err != nil {
		t.Fatal(err)
	}
	off, err := offlineTuples(p, lock.Mixed, 20, 1)
	if err != nil {
		t.Fatal(err)
	}
	o := NewH2O(&FQI{Tabular: &Tabular{S: 3, A: 3}}, off, 4, 3, 3)
	e := p.NewEnv()
	e.Seed(3)
	for it := 1; it <= 20; it++ {
		pi, err := o.Policy(it)
		if err != nil {
			t.Fatal(err)
		}
		traj, _ := rollout(p, e, pi)
		if err := o.Observe(traj); err != nil {
			t.Fatal(err)
		}
		nOff, nOn := o.Counts()
		for h := 0; h < 4; h++ {
			if nOff != it || nOn != it || o.Data.Len(h) != 2*it {
				t.Fatalf("after %d iterations layer %d: %d offline, %d online, %d tuples", it, h, nOff, nOn, o.Data.Len(h))
			}
			// Tuples alternate online, offline; offline ones are the first it in order.
			if got := o.Data.Layers[h][2*it-1]; got.S != off[h][it-1].S || got.A != off[h][it-1].A {
				t.Fatalf("layer %d: offline tuple %d out of order", h, it-1)
			}
		}
	}
	if err := o.Observe(make([]Tuple, 4)); err == nil {
		t.Error("observing past the offline data: want an error")
	}
}

// Exact GLOW over a finite class: the selected function is in the confidence set and
// maximises the optimism objective among all members of the product class that are.
func TestGLOWFiniteSelectionIsOptimal(t *testing.T) {
	for seed := uint64(0); seed < 20; seed++ {
		rng := env.NewRand(seed, 9)
		m := RandomMDP(rng, 3, 2, 2)
		f, _ := ModelClass(m, 3, rng)
		g := &GLOW{Finite: f, T: 100, BetaScale: 1e-6}
		d := NewData(3, 2, 2)
		p, _ := MDPProblem(m)
		e := p.NewEnv()
		e.Seed(seed)
		for i := 0; i < 40; i++ {
			traj, _ := rollout(p, e, TablePolicy(f.Table([]int{rng.IntN(3), rng.IntN(3), rng.IntN(3)}).Greedy()))
			for h, tu := range traj {
				d.Add(h, tu)
			}
		}
		got, empty, err := g.Select(d, 41)
		if err != nil {
			t.Fatal(err)
		}
		objective := func(tb Table) float64 {
			v := 0.0
			for s, n := range d.Initial {
				v += n * maxRow(tb.Q[0][s*2:(s+1)*2])
			}
			return v
		}
		best, members := math.Inf(-1), 0
		for i := 0; i < 27; i++ {
			tb := f.Table([]int{i % 3, i / 3 % 3, i / 9})
			if g.InSet(d, 41, tb) {
				members++
				best = max(best, objective(tb))
			}
		}
		if members == 0 {
			if !empty {
				t.Fatalf("seed %d: empty confidence set not reported", seed)
			}
			continue
		}
		if empty || !g.InSet(d, 41, got) || math.Abs(objective(got)-best) > 1e-12 {
			t.Fatalf("seed %d: selected f in set=%v objective %g, best member %g (%d members)", seed, g.InSet(d, 41, got), objective(got), best, members)
		}
	}
}

// Tabular GLOW (per-cell budget): the selected function lies in the confidence set at
// every iteration. (GOLF's signed set is not checked: cells whose optimistic backup
// exceeds the class bound 1 are clamped, which can break its lower side.)
func TestGLOWTabularInSetAndOptimistic(t *testing.T) {
	for seed := uint64(0); seed < 20; seed++ {
		rng := env.NewRand(seed, 10)
		m := RandomMDP(rng, 3, 3, 2)
		p, _ := MDPProblem(m)
		for _, golf := range []bool{false} {
			g := &GLOW{Tabular: &Tabular{S: 3, A: 2}, T: 200, BetaScale: 1e-5, GOLF: golf}
			d := NewData(3, 3, 2)
			e := p.NewEnv()
			e.Seed(seed)
			for i := 0; i < 200; i++ {
				f, _, err := g.Select(d, i+1)
				if err != nil {
					t.Fatal(err)
				}
				if !g.InSet(d, i+1, f) {
					t.Fatalf("seed %d golf=%v iteration %d: selected f is not in the confidence set", seed, golf, i+1)
				}
				traj, _ := rollout(p, e, TablePolicy(f.Greedy()))
				for h, tu := range traj {
					d.Add(h, tu)
				}
			}
		}
	}
}

// Viterbi over the layers finds the minimum of the summed layer losses (checked by
// enumeration), and MABO.CR's tabular solution zeroes its objective.
func TestMinimiseChainAndMABO(t *testing.T) {
	rng := env.NewRand(4)
	m := RandomMDP(rng, 3, 2, 2)
	f, _ := ModelClass(m, 4, rng)
	p, _ := MDPProblem(m)
	d := NewData(3, 2, 2)
	e := p.NewEnv()
	e.Seed(1)
	for i := 0; i < 30; i++ {
		traj, _ := rollout(p, e, TablePolicy(f.Table([]int{rng.IntN(4), rng.IntN(4), rng.IntN(4)}).Greedy()))
		for h, tu := range traj {
			d.Add(h, tu)
		}
	}
	mabo := &MABO{Finite: f}
	loss := mabo.objective(d, 5)
	total := func(tb Table) float64 {
		v := make([]float64, 2)
		s := 0.0
		for h := 0; h < 3; h++ {
			var vn []float64
			if h < 2 {
				tb.V(h+1, v)
				vn = v
			}
			s += loss(h, tb.Q[h], vn)
		}
		return s
	}
	idx := minimiseChain(chainLosses(f, loss))
	got := total(f.Table(idx))
	for i := 0; i < 64; i++ {
		if v := total(f.Table([]int{i % 4, i / 4 % 4, i / 16})); v < got-1e-12 {
			t.Fatalf("Viterbi loss %g, but candidate %d has %g", got, i, v)
		}
	}
	if z := total(EmpiricalBackup(d)); z > 1e-12 {
		t.Errorf("MABO.CR objective of the empirical backup = %g, want 0", z)
	}
}

// HyGLOW with mixed offline data solves small latent locks; without offline data the
// tabular learner is trapped by the anti-reward.
func TestHyGLOWSolvesSmallLock(t *testing.T) {
	for _, H := range []int{5, 10} {
		p, err := LockProblem(lock.Config{H: H, Actions: 5, LockSeed: uint64(H)}, false)
		if err != nil {
			t.Fatal(err)
		}
		rs, err := RunSeeds(p, Config{Algo: AlgoHyGLOW, Offline: "mixed", Episodes: 300}, []uint64{1, 2, 3}, 2, nil)
		if err != nil {
			t.Fatal(err)
		}
		none, err := RunSeeds(p, Config{Algo: AlgoHyGLOW, Offline: "none", Episodes: 300}, []uint64{1, 2, 3}, 2, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i := range rs {
			if !rs[i].Solved || rs[i].FinalSuccess < 0.95 {
				t.Errorf("H=%d seed %d: mixed data: solved=%v final success %g", H, rs[i].Seed, rs[i].Solved, rs[i].FinalSuccess)
			}
			if none[i].Solved {
				t.Errorf("H=%d seed %d: no offline data solved the lock (expected the anti-reward trap)", H, none[i].Seed)
			}
		}
	}
}

// Hy-Q with the linear class solves the rich-observation lock at H = 5.
func TestHyQRichLock(t *testing.T) {
	p, err := LockProblem(lock.Config{H: 5, Actions: 4, LockSeed: 2}, true)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Run(p, Config{Algo: AlgoHyQ, Offline: "mixed", Episodes: 150, StopOnSolve: true, EvalEpisodes: 200}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Solved {
		t.Fatalf("rich lock H=5 not solved in 150 episodes (final success %g)", r.FinalSuccess)
	}
}

// Results do not depend on the number of workers.
func TestRunSeedsDeterministic(t *testing.T) {
	p, _ := LockProblem(lock.Config{H: 6, Actions: 4}, false)
	cfg := Config{Algo: AlgoGLOW, Class: "finite", Episodes: 60, BetaScale: 1e-6}
	seeds := []uint64{3, 4, 5, 6}
	a, err := RunSeeds(p, cfg, seeds, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := RunSeeds(p, cfg, seeds, 3, nil)
	for i := range a {
		if len(a[i].Rows) != len(b[i].Rows) || a[i].MixtureValue != b[i].MixtureValue || a[i].SolveSamples != b[i].SolveSamples {
			t.Fatalf("seed %d differs between 1 and 3 workers", seeds[i])
		}
		for j := range a[i].Rows {
			if a[i].Rows[j].Values["value"] != b[i].Rows[j].Values["value"] {
				t.Fatalf("seed %d row %d differs", seeds[i], j)
			}
		}
	}
}

func TestConfigErrors(t *testing.T) {
	lat, _ := LockProblem(lock.Config{H: 4, Actions: 3}, false)
	rich, _ := LockProblem(lock.Config{H: 4, Actions: 3}, true)
	for _, c := range []struct {
		p   *Problem
		cfg Config
	}{
		{lat, Config{Algo: "ppo", Episodes: 10}},
		{lat, Config{Algo: AlgoGLOW, Offline: "mixed", Episodes: 10}},
		{lat, Config{Algo: AlgoHyGLOW, Offline: "uniform", Episodes: 10}},
		{lat, Config{Algo: AlgoHyGLOW, Episodes: 0}},
		{lat, Config{Algo: AlgoHyQ, Class: "linear", Episodes: 10}},
		{rich, Config{Algo: AlgoGLOW, Episodes: 10}},
		{rich, Config{Algo: AlgoHyQ, Class: "tabular", Episodes: 10}},
	} {
		if _, err := Run(c.p, c.cfg, 0); err == nil {
			t.Errorf("%s %+v: want an error", c.p.EnvID, c.cfg)
		}
	}
}

func TestFitExponent(t *testing.T) {
	x := []float64{5, 10, 20, 50}
	y := make([]float64, len(x))
	for i, v := range x {
		y[i] = 3 * math.Pow(v, 1.7)
	}
	b, c, err := FitExponent(x, y)
	if err != nil || math.Abs(b-1.7) > 1e-12 || math.Abs(c-math.Log(3)) > 1e-12 {
		t.Fatalf("FitExponent = %g, %g, %v; want 1.7, log 3", b, c, err)
	}
	if _, _, err := FitExponent([]float64{1}, []float64{1}); err == nil {
		t.Error("one point: want an error")
	}
}

// Q-learning updates toward r + max Q_{h+1}; the exact evaluation of the optimal
// policy of a lock is 1.
func TestQLearningUpdateAndLockOptimum(t *testing.T) {
	q := NewQLearning(2, 2, 2)
	q.LRPower = 1
	q.Q.Q[1][1*2+0] = 0.5
	q.Update(0, Tuple{S: 0, A: 1, R: 0.25, Next: 1})
	if got := q.Q.Q[0][1]; math.Abs(got-0.75) > 1e-15 {
		t.Errorf("first update with step 1: Q = %g, want 0.75", got)
	}
	l, _ := lock.New(lock.Config{H: 7, Actions: 4, LockSeed: 5})
	m := FromLock(l.Model())
	v, s := m.Evaluate(m.OptimalQ().Greedy())
	if v != 1 || s != 1 {
		t.Errorf("optimal lock policy: value %g success %g, want 1, 1", v, s)
	}
}

// H2O reads a Parquet offline data set written by lock.WriteDataset and learns from it
// as from generated data.
func TestH2OFromParquetDataset(t *testing.T) {
	p, err := LockProblem(lock.Config{H: 5, Actions: 4, LockSeed: 1}, false)
	if err != nil {
		t.Fatal(err)
	}
	eps, err := lock.Generate(lock.NewLatent(p.Lock), lock.Mixed, 200, 7)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir() + "/data"
	run, err := logs.Create(dir, map[string]any{"design": "mixed"}, logs.Options{EnvID: p.EnvID})
	if err != nil {
		t.Fatal(err)
	}
	if err := lock.WriteDataset(run, eps, 0); err != nil {
		t.Fatal(err)
	}
	if err := run.Close(); err != nil {
		t.Fatal(err)
	}
	r, err := Run(p, Config{Algo: AlgoHyGLOW, Offline: "mixed", OfflineDir: dir, Episodes: 200}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Solved || r.FinalSuccess < 0.95 {
		t.Fatalf("H2O on the Parquet data set: solved=%v final success %g", r.Solved, r.FinalSuccess)
	}
	if _, err := Run(p, Config{Algo: AlgoHyGLOW, Offline: "mixed", OfflineDir: dir, Episodes: 300}, 1); err == nil {
		t.Error("more episodes than offline tuples: want an error")
	}
}

// The lock family's true candidate is Q* of the lock, with and without the diabolical
// step penalty (the family reads the path values from the model's rewards).
func TestLockFamilyContainsQStar(t *testing.T) {
	for _, penalty := range []float64{0, 0.1, 1} {
		l, err := lock.New(lock.Config{H: 6, Actions: 4, LockSeed: 11, StepPenalty: penalty})
		if err != nil {
			t.Fatal(err)
		}
		f, idx := LockFamily(l.Model())
		got, want := f.Table(idx), FromLock(l.Model()).OptimalQ()
		for h := range want.Q {
			for c, v := range want.Q[h] {
				if math.Abs(got.Q[h][c]-v) > 1e-12 {
					t.Fatalf("penalty %g: candidate Q[%d][%d] = %g, Q* = %g", penalty, h, c, got.Q[h][c], v)
				}
				if v < 0 || v > 1 {
					t.Fatalf("penalty %g: Q*[%d][%d] = %g is outside [0, 1]", penalty, h, c, v)
				}
			}
		}
	}
}

// Epsilon-greedy Q-learning with 10^5 episodes at H = 10: Hy-Q's lock (no step penalty)
// is opened, because bootstrapping from a max over noisy anti-reward estimates makes
// the correct action look better than falling; the diabolical lock's step penalty
// (0.1 over the combination) removes that bias's advantage and the lock stays shut.
// HyGLOW with mixed offline data opens the diabolical lock within 400 episodes.
func TestQLearningAndHyGLOWOnDiabolicalLock(t *testing.T) {
	if testing.Short() {
		t.Skip("10^5-episode Q-learning runs")
	}
	seeds := []uint64{1, 2, 3}
	q := Config{Algo: AlgoQLearning, Episodes: 100000}
	for _, c := range []struct {
		penalty float64
		opened  bool
	}{{0, true}, {0.1, false}} {
		p, err := LockProblem(lock.Config{H: 10, StepPenalty: c.penalty}, false)
		if err != nil {
			t.Fatal(err)
		}
		rs, err := RunSeeds(p, q, seeds, 0, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rs {
			if c.opened && !r.Solved {
				t.Errorf("Hy-Q lock: Q-learning seed %d did not open it (final success %g)", r.Seed, r.FinalSuccess)
			}
			if !c.opened && (r.FinalSuccess > 0.05 || r.MixtureSuccess > 0.05) {
				t.Errorf("diabolical lock: Q-learning seed %d final success %g, mixture %g; want ~0", r.Seed, r.FinalSuccess, r.MixtureSuccess)
			}
		}
		if c.opened {
			continue
		}
		hy, err := RunSeeds(p, Config{Algo: AlgoHyGLOW, Offline: "mixed", Episodes: 400}, seeds, 0, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range hy {
			if !r.Solved || r.FinalSuccess < 0.95 {
				t.Errorf("diabolical lock: HyGLOW seed %d solved=%v final success %g", r.Seed, r.Solved, r.FinalSuccess)
			}
		}
	}
}

package env_test

import (
	"math"
	"strings"
	"testing"

	"gorl/env"
)

func TestTransitionDone(t *testing.T) {
	for _, c := range []struct {
		tr   env.Transition
		done bool
	}{
		{env.Transition{}, false},
		{env.Transition{Terminated: true}, true},
		{env.Transition{Truncated: true}, true},
		{env.Transition{Terminated: true, Truncated: true}, true},
	} {
		if c.tr.Done() != c.done {
			t.Errorf("%+v: Done = %v", c.tr, !c.done)
		}
	}
}

func TestAs(t *testing.T) {
	inner := &context{walk: *newWalk()}
	stats := env.NewEpisodeStats(inner)
	var e env.Env = env.NewNormalizeObservation(env.NewTimeLimit(stats, 10))

	if tl, ok := env.As[*env.TimeLimit](e); !ok || tl.MaxSteps != 10 {
		t.Fatal("As did not find the TimeLimit")
	}
	if s, ok := env.As[*env.EpisodeStats](e); !ok || s != stats {
		t.Fatal("As did not find the EpisodeStats")
	}
	if n, ok := env.As[*env.NormalizeObservation](e); !ok || n != e {
		t.Fatal("As does not consider e itself")
	}
	if c, ok := env.As[env.ContextRevealer](e); !ok || c.Context() != 3 {
		t.Fatal("As did not find the ContextRevealer at the bottom of the chain")
	}
	if c, ok := env.As[*context](e); !ok || c != inner {
		t.Fatal("As did not find the innermost environment")
	}
	if _, ok := env.As[env.BodyPoser](e); ok {
		t.Fatal("As found a BodyPoser that is not there")
	}
	if _, ok := env.As[*env.ClipAction](e); ok {
		t.Fatal("As found a ClipAction that is not there")
	}
	if _, ok := env.As[*env.TimeLimit](nil); ok {
		t.Fatal("As on nil found something")
	}
}

func TestTimeLimit(t *testing.T) {
	w := newWalk()
	tl := env.NewTimeLimit(w, 5)
	tl.Seed(1)
	zero := []float64{0}
	for episode := 0; episode < 3; episode++ {
		tl.Reset()
		for step := 1; step <= 5; step++ {
			w.pos = 0 // keep the walk from terminating on its own
			tr := tl.Step(zero)
			if tr.Truncated != (step == 5) || tr.Terminated {
				t.Fatalf("episode %d step %d: %+v", episode, step, tr)
			}
		}
	}
	// A step that both terminates and reaches the limit reports both flags.
	tl.Reset()
	for step := 1; step < 5; step++ {
		w.pos = 0
		tl.Step(zero)
	}
	w.pos = 10
	if tr := tl.Step(zero); !tr.Terminated || !tr.Truncated {
		t.Fatalf("terminating at the limit: %+v, want both flags", tr)
	}
	// Seeding reaches the wrapped environment.
	a, b := env.NewTimeLimit(newWalk(), 5), newWalk()
	a.Seed(3)
	b.Seed(3)
	if a.Reset()[0] != b.Reset()[0] {
		t.Fatal("TimeLimit.Seed did not seed the inner environment")
	}
}

func TestEpisodeStats(t *testing.T) {
	w := newWalk()
	s := env.NewEpisodeStats(w)
	s.Seed(4)
	s.Reset()
	act := []float64{0.4}
	var ret float64
	var length, finished int
	for i := 0; i < 2000; i++ {
		tr := s.Step(act)
		ret += tr.Reward
		length++
		if s.Return != ret || s.Length != length {
			t.Fatalf("step %d: running %v/%d, want %v/%d", i, s.Return, s.Length, ret, length)
		}
		if tr.Done() {
			finished++
			if s.LastReturn != ret || s.LastLength != length || s.Finished != finished {
				t.Fatalf("episode end: last %v/%d finished %d, want %v/%d %d", s.LastReturn, s.LastLength, s.Finished, ret, length, finished)
			}
			s.Reset()
			ret, length = 0, 0
			if s.Return != 0 || s.Length != 0 {
				t.Fatal("Reset did not clear the running return")
			}
		}
	}
	if finished < 5 {
		t.Fatalf("only %d episodes finished", finished)
	}
}

func TestClipAction(t *testing.T) {
	w := newWalk()
	c := env.NewClipAction(w)
	c.Reset()
	for _, a := range [][2]float64{{2.5, 1}, {-7, -1}, {0.3, 0.3}, {math.Inf(1), 1}} {
		c.Step([]float64{a[0]})
		if w.lastAction[0] != a[1] {
			t.Errorf("action %v reached the environment as %v, want %v", a[0], w.lastAction[0], a[1])
		}
	}
	// The caller's slice is not modified.
	act := []float64{3}
	c.Step(act)
	if act[0] != 3 {
		t.Fatal("ClipAction modified the caller's action")
	}
	// Discrete actions pass through unchanged.
	p := &plain{}
	d := env.NewClipAction(p)
	d.Reset()
	if tr := d.Step([]float64{1}); tr.Obs[0] != 1 {
		t.Fatalf("discrete action changed: %v", tr.Obs)
	}
}

// TestNormalizeObservationRunningStats compares the running mean and variance with a
// two-pass computation over every observation seen (resets included), pooled with the
// initial pseudo-sample (count 1e-4, mean 0, variance 1) the running statistics start from.
func TestNormalizeObservationRunningStats(t *testing.T) {
	w := newWalk()
	n := env.NewNormalizeObservation(w)
	n.Seed(6)
	var seen [][]float64
	record := func(normalized []float64) {
		raw := append([]float64(nil), w.obs[:]...)
		seen = append(seen, raw)
		// The output uses the statistics after this observation was folded in.
		for i, v := range raw {
			want := (v - n.Stats.Mean[i]) / math.Sqrt(n.Stats.Var[i]+1e-8)
			if normalized[i] != want {
				t.Fatalf("normalized[%d] = %v, want %v", i, normalized[i], want)
			}
		}
	}
	record(n.Reset())
	act := []float64{0.2}
	for i := 0; i < 3000; i++ {
		tr := n.Step(act)
		record(tr.Obs)
		if tr.Done() {
			record(n.Reset())
		}
	}
	const c0, m0, v0 = 1e-4, 0.0, 1.0
	total := c0 + float64(len(seen))
	for d := 0; d < 2; d++ {
		// Pass 1: the pooled mean.
		sum := c0 * m0
		for _, x := range seen {
			sum += x[d]
		}
		mean := sum / total
		// Pass 2: squared deviations from it; the pseudo-sample contributes its variance
		// plus its squared offset.
		m2 := c0 * (v0 + (m0-mean)*(m0-mean))
		for _, x := range seen {
			m2 += (x[d] - mean) * (x[d] - mean)
		}
		variance := m2 / total
		if math.Abs(n.Stats.Mean[d]-mean) > 1e-9*math.Max(1, math.Abs(mean)) ||
			math.Abs(n.Stats.Var[d]-variance) > 1e-9*math.Max(1, variance) {
			t.Errorf("dim %d: running mean %v var %v, two-pass %v %v", d, n.Stats.Mean[d], n.Stats.Var[d], mean, variance)
		}
	}
	if math.Abs(n.Stats.Count-total) > 1e-9 {
		t.Errorf("count %v, want %v", n.Stats.Count, total)
	}

	// Frozen statistics stay put.
	n.Frozen = true
	before := append([]float64(nil), n.Stats.Mean...)
	n.Step(act)
	n.Reset()
	if n.Stats.Mean[0] != before[0] || n.Stats.Mean[1] != before[1] {
		t.Fatal("frozen statistics changed")
	}
}

func TestRunningMeanStdStartsAtPrior(t *testing.T) {
	r := env.NewRunningMeanStd(2)
	if r.Mean[0] != 0 || r.Var[1] != 1 || r.Count != 1e-4 {
		t.Fatalf("start %+v", r)
	}
	// One sample x: mean = x·1/(1+1e-4), var = (1e-4·1 + 1e-4·x²/(1+1e-4))/(1+1e-4).
	r.Update([]float64{2, -2})
	n := 1 + 1e-4
	if math.Abs(r.Mean[0]-2/n) > 1e-15 || math.Abs(r.Var[0]-(1e-4+1e-4*4/n)/n) > 1e-15 || r.Mean[1] != -r.Mean[0] {
		t.Fatalf("after one sample %+v", r)
	}
}

// stepAll runs e for steps with a fixed action pattern and autoreset, returning the
// observations it produced.
func stepAll(e env.Env, steps int) [][]float64 {
	var out [][]float64
	for i := 0; i < steps; i++ {
		tr := e.Step([]float64{0.3 * float64(i%3-1)})
		out = append(out, append([]float64{tr.Reward}, tr.Obs...))
		if tr.Done() {
			out = append(out, append([]float64{-1}, e.Reset()...))
		}
	}
	return out
}

func sameRows(a, b [][]float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if len(a[i]) != len(b[i]) {
			return false
		}
		for j := range a[i] {
			if math.Float64bits(a[i][j]) != math.Float64bits(b[i][j]) {
				return false
			}
		}
	}
	return true
}

func TestWrapperSnapshotRoundTrip(t *testing.T) {
	build := func() (env.Env, *env.EpisodeStats, *env.NormalizeObservation) {
		s := env.NewEpisodeStats(env.NewTimeLimit(newWalk(), 25))
		n := env.NewNormalizeObservation(env.NewClipAction(s))
		return n, s, n
	}
	e, stats, norm := build()
	e.Seed(9)
	e.Reset()
	stepAll(e, 137)
	snap, err := env.SnapshotOf(e)
	if err != nil {
		t.Fatal(err)
	}
	wantStats, wantMean, wantCount := *stats, append([]float64(nil), norm.Stats.Mean...), norm.Stats.Count
	want := stepAll(e, 400)

	f, fstats, fnorm := build()
	f.Seed(100)
	f.Reset()
	stepAll(f, 10)
	if err := env.RestoreOf(f, snap); err != nil {
		t.Fatal(err)
	}
	if fstats.Return != wantStats.Return || fstats.Length != wantStats.Length || fstats.LastReturn != wantStats.LastReturn ||
		fstats.LastLength != wantStats.LastLength || fstats.Finished != wantStats.Finished {
		t.Fatalf("restored stats %+v, want %+v", *fstats, wantStats)
	}
	if fnorm.Stats.Mean[0] != wantMean[0] || fnorm.Stats.Mean[1] != wantMean[1] || fnorm.Stats.Count != wantCount {
		t.Fatalf("restored normalisation mean %v count %v", fnorm.Stats.Mean, fnorm.Stats.Count)
	}
	if got := stepAll(f, 400); !sameRows(got, want) {
		t.Fatal("restored stack continues differently")
	}
	if stats.Finished <= wantStats.Finished+3 {
		t.Fatalf("only %d episodes after the snapshot; time limits and resets went untested", stats.Finished-wantStats.Finished)
	}
}

func TestSnapshotErrors(t *testing.T) {
	if _, err := env.SnapshotOf(env.NewTimeLimit(&plain{}, 3)); err == nil || !strings.Contains(err.Error(), "plain") {
		t.Fatalf("snapshot of a wrapped non-Snapshotter: %v", err)
	}
	if err := env.RestoreOf(&plain{}, nil); err == nil {
		t.Fatal("restore into a non-Snapshotter succeeded")
	}
	// A TimeLimit snapshot does not restore into an EpisodeStats, nor a truncated one.
	tl := env.NewTimeLimit(newWalk(), 3)
	snap, err := env.SnapshotOf(tl)
	if err != nil {
		t.Fatal(err)
	}
	if err := env.RestoreOf(env.NewEpisodeStats(newWalk()), snap); err == nil {
		t.Fatal("EpisodeStats accepted a TimeLimit snapshot")
	}
	if err := env.RestoreOf(tl, snap[:6]); err == nil {
		t.Fatal("TimeLimit accepted a truncated snapshot")
	}
}

// TestFailedRestoreLeavesWrapperUnchanged restores a snapshot whose wrapper part is
// valid but whose inner part is not: the wrapper must keep its own state.
func TestFailedRestoreLeavesWrapperUnchanged(t *testing.T) {
	s := env.NewEpisodeStats(newWalk())
	s.Reset()
	s.Step([]float64{0.5})
	good, _ := env.SnapshotOf(s)

	other := env.NewEpisodeStats(newWalk())
	other.Reset()
	for i := 0; i < 3; i++ {
		other.Step([]float64{0.1})
	}
	before := *other
	bad := good[:len(good)-4] // the inner walk's stream is cut short
	if err := env.RestoreOf(other, bad); err == nil {
		t.Fatal("restore of a cut snapshot succeeded")
	}
	if other.Return != before.Return || other.Length != before.Length {
		t.Fatalf("failed restore changed the wrapper: %+v, was %+v", *other, before)
	}
}

// FuzzWrapperRestore feeds arbitrary bytes to a wrapper stack's Restore: it must return
// an error or succeed, never panic.
func FuzzWrapperRestore(f *testing.F) {
	build := func() env.Env {
		return env.NewNormalizeObservation(env.NewEpisodeStats(env.NewTimeLimit(newWalk(), 5)))
	}
	e := build()
	e.Reset()
	e.Step([]float64{0.5})
	snap, _ := env.SnapshotOf(e)
	f.Add(snap)
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		e := build()
		if env.RestoreOf(e, data) == nil {
			e.Step([]float64{0.1})
			e.Reset()
		}
	})
}

// pooledMeanVar is the two-pass mean and variance of xs pooled with the initial
// pseudo-sample of the running statistics (count 1e-4, mean 0, variance 1).
func pooledMeanVar(xs []float64) (mean, variance, count float64) {
	const c0 = 1e-4
	count = c0 + float64(len(xs))
	for _, x := range xs {
		mean += x
	}
	mean /= count
	m2 := c0 * (1 + mean*mean)
	for _, x := range xs {
		m2 += (x - mean) * (x - mean)
	}
	return mean, m2 / count, count
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

// TestNormalizeRewardDiscountedReturn checks NormalizeReward against a direct
// computation: the discounted return G_t = gamma G_{t-1} (1 - terminated_t) + r_t (a
// truncation does not restart it, nor does Reset), its pooled two-pass variance over
// every G so far, and the scaled reward r_t / sqrt(Var + 1e-8).
func TestNormalizeRewardDiscountedReturn(t *testing.T) {
	const gamma = 0.9
	w := newWalk()
	tl := env.NewTimeLimit(w, 6)
	n := env.NewNormalizeReward(tl, gamma)
	n.Seed(3)
	n.Reset()
	var gs []float64
	g := 0.0
	terms, truncs := 0, 0
	for i := 0; i < 400; i++ {
		a := 0.4 * float64(i%5-2)
		if i%60 < 30 {
			a = 0.9 // drives the walk to its terminal bound within the time limit
		}
		tr := n.Step([]float64{a})
		r := -math.Abs(w.pos) // the walk's reward
		if n.Raw() != r {
			t.Fatalf("step %d: Raw %v, the walk's reward %v", i, n.Raw(), r)
		}
		if tr.Terminated {
			g = 0
		}
		g = gamma*g + r
		gs = append(gs, g)
		_, variance, count := pooledMeanVar(gs)
		if !near(n.Return, g) || !near(n.Stats.Var[0], variance) || !near(n.Stats.Count, count) {
			t.Fatalf("step %d: G %v var %v count %v, by hand %v %v %v", i, n.Return, n.Stats.Var[0], n.Stats.Count, g, variance, count)
		}
		if want := r / math.Sqrt(variance+1e-8); !near(tr.Reward, want) {
			t.Fatalf("step %d: scaled reward %v, by hand %v", i, tr.Reward, want)
		}
		if tr.Terminated {
			terms++
		} else if tr.Truncated {
			truncs++
		}
		if tr.Done() {
			n.Reset()
		}
	}
	if terms < 3 || truncs < 3 {
		t.Fatalf("%d terminations and %d truncations: both kinds of episode end must occur", terms, truncs)
	}

	// A hand-computed start: rewards 1 then 2 with gamma 0.5 give G = 1 then 2.5.
	c := &constant{rewards: []float64{1, 2}}
	h := env.NewNormalizeReward(c, 0.5)
	h.Reset()
	r1, r2 := h.Step(nil).Reward, h.Step(nil).Reward
	n1 := 1 + 1e-4
	m1 := 1 / n1
	v1 := (1e-4 + 1e-4*1/n1) / n1
	n2 := n1 + 1
	v2 := (v1*n1 + (2.5-m1)*(2.5-m1)*n1/n2) / n2
	if !near(r1, 1/math.Sqrt(v1+1e-8)) || !near(r2, 2/math.Sqrt(v2+1e-8)) || h.Return != 2.5 {
		t.Fatalf("scaled rewards %v %v (G %v), by hand %v %v", r1, r2, h.Return, 1/math.Sqrt(v1+1e-8), 2/math.Sqrt(v2+1e-8))
	}

	// Frozen statistics stay put but still scale; G keeps running.
	h.Frozen = true
	before := *h.Stats
	beforeVar := h.Stats.Var[0]
	r3 := h.Step(nil).Reward
	if h.Stats.Count != before.Count || h.Stats.Var[0] != beforeVar || !near(r3, 1/math.Sqrt(beforeVar+1e-8)) || h.Return != 0.5*2.5+1 {
		t.Fatalf("frozen: stats %+v, reward %v, G %v", *h.Stats, r3, h.Return)
	}
}

// constant returns a fixed cycle of rewards and never ends an episode.
type constant struct {
	rewards []float64
	k       int
	obs     [1]float64
}

func (c *constant) ObservationSpace() env.Space { return env.UniformBox(1, -1, 1) }
func (c *constant) ActionSpace() env.Space      { return env.UniformBox(1, -1, 1) }
func (c *constant) Seed(uint64)                 {}
func (c *constant) Reset() []float64            { return c.obs[:] }
func (c *constant) Step([]float64) env.Transition {
	r := c.rewards[c.k%len(c.rewards)]
	c.k++
	return env.Transition{Obs: c.obs[:], Reward: r}
}

func TestClipObservationAndReward(t *testing.T) {
	c := &constant{rewards: []float64{-30, 4, 12}}
	c.obs[0] = 25
	e := env.NewClipReward(env.NewClipObservation(c, -10, 10), -10, 10)
	if o := e.Reset(); o[0] != 10 {
		t.Fatalf("reset observation %v, want 10", o[0])
	}
	for _, want := range []float64{-10, 4, 10} {
		tr := e.Step(nil)
		if tr.Reward != want || tr.Obs[0] != 10 {
			t.Fatalf("reward %v obs %v, want %v and 10", tr.Reward, tr.Obs[0], want)
		}
	}
	c.obs[0] = -3
	if tr := e.Step(nil); tr.Obs[0] != -3 {
		t.Fatalf("observation inside the bounds changed to %v", tr.Obs[0])
	}
	if c.obs[0] != -3 {
		t.Fatal("clipping wrote into the wrapped environment's observation")
	}
}

// TestRunningMeanStdMerge: merging two running statistics equals the statistics of all
// samples pooled with both initial pseudo-samples (count 2e-4).
func TestRunningMeanStdMerge(t *testing.T) {
	a, b := env.NewRunningMeanStd(1), env.NewRunningMeanStd(1)
	xs := []float64{3, -1, 4, 1, -5, 9, 2, 6}
	for i, x := range xs {
		if i < 3 {
			a.Update([]float64{x})
		} else {
			b.Update([]float64{x})
		}
	}
	a.Merge(b)
	// Two pseudo-samples of count 1e-4, mean 0 and variance 1 pool to one of count 2e-4.
	const c0 = 2e-4
	count := c0 + float64(len(xs))
	mean := 0.0
	for _, x := range xs {
		mean += x
	}
	mean /= count
	m2 := c0 * (1 + mean*mean)
	for _, x := range xs {
		m2 += (x - mean) * (x - mean)
	}
	if !near(a.Count, count) || !near(a.Mean[0], mean) || !near(a.Var[0], m2/count) {
		t.Fatalf("merged %+v, want count %v mean %v var %v", *a, count, mean, m2/count)
	}
	c := env.NewRunningMeanStd(1)
	c.CopyFrom(a)
	if c.Count != a.Count || c.Mean[0] != a.Mean[0] || c.Var[0] != a.Var[0] {
		t.Fatalf("copy %+v of %+v", *c, *a)
	}
}

// cleanRLStack wraps a walk as CleanRL's continuous PPO does.
func cleanRLStack() (env.Env, *env.NormalizeObservation, *env.NormalizeReward) {
	no := env.NewNormalizeObservation(env.NewClipAction(env.NewEpisodeStats(env.NewTimeLimit(newWalk(), 25))))
	nr := env.NewNormalizeReward(env.NewClipObservation(no, -10, 10), 0.95)
	return env.NewClipReward(nr, -10, 10), no, nr
}

func TestNormalizationStackSnapshotRoundTrip(t *testing.T) {
	e, no, nr := cleanRLStack()
	e.Seed(9)
	e.Reset()
	stepAll(e, 137)
	snap, err := env.SnapshotOf(e)
	if err != nil {
		t.Fatal(err)
	}
	wantG, wantCount, wantVar := nr.Return, nr.Stats.Count, nr.Stats.Var[0]
	wantObsVar := append([]float64(nil), no.Stats.Var...)
	want := stepAll(e, 400)

	f, fno, fnr := cleanRLStack()
	f.Seed(100)
	f.Reset()
	stepAll(f, 10)
	if err := env.RestoreOf(f, snap); err != nil {
		t.Fatal(err)
	}
	if fnr.Return != wantG || fnr.Stats.Count != wantCount || fnr.Stats.Var[0] != wantVar || fno.Stats.Var[1] != wantObsVar[1] {
		t.Fatalf("restored G %v count %v var %v obs var %v", fnr.Return, fnr.Stats.Count, fnr.Stats.Var[0], fno.Stats.Var)
	}
	if got := stepAll(f, 400); !sameRows(got, want) {
		t.Fatal("restored normalisation stack continues differently")
	}
	// A NormalizeReward snapshot cut short or of another wrapper is refused, and leaves
	// the wrapper as it was.
	g, _, gnr := cleanRLStack()
	g.Reset()
	stepAll(g, 30)
	before := *gnr.Stats
	if err := env.RestoreOf(g, snap[:20]); err == nil {
		t.Fatal("a cut snapshot restored")
	}
	tl, _ := env.SnapshotOf(env.NewTimeLimit(newWalk(), 3))
	if err := env.RestoreOf(g, tl); err == nil {
		t.Fatal("a TimeLimit snapshot restored into the normalisation stack")
	}
	if gnr.Stats.Count != before.Count {
		t.Fatal("a failed restore changed the reward statistics")
	}
}

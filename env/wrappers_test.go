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

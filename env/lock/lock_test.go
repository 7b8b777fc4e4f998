package lock

import (
	"math"
	"path/filepath"
	"testing"

	"gorl/env"
	"gorl/logs"
)

func TestRichDimAndHadamard(t *testing.T) {
	for _, c := range []struct{ h, d int }{{1, 8}, {4, 8}, {5, 16}, {10, 16}, {12, 16}, {13, 32}, {100, 128}} {
		if got := RichDim(c.h); got != c.d {
			t.Errorf("RichDim(%d) = %d, want %d", c.h, got, c.d)
		}
	}
	m := Hadamard(16)
	for i := range m {
		for j := range m {
			var dot float64
			for k := range m {
				dot += m[i][k] * m[j][k]
			}
			want := 0.0
			if i == j {
				want = 1
			}
			if math.Abs(dot-want) > 1e-12 {
				t.Fatalf("Hadamard rows %d,%d: dot %g, want %g", i, j, dot, want)
			}
		}
	}
}

// The latent environment's empirical transitions and rewards match Model, for Hy-Q's
// lock and the diabolical one.
func TestLatentMatchesModel(t *testing.T) {
	for _, penalty := range []float64{0, 0.3} {
		latentMatchesModel(t, penalty)
	}
}

func latentMatchesModel(t *testing.T, penalty float64) {
	l, err := New(Config{H: 4, Actions: 3, LockSeed: 7, StepPenalty: penalty})
	if err != nil {
		t.Fatal(err)
	}
	m := l.Model()
	e := NewLatent(l)
	e.Seed(1)
	rng := env.NewRand(2)
	const n = 60000
	count := map[[3]int]float64{}
	next := map[[4]int]float64{}
	rew := map[[3]int]float64{}
	act := []float64{0}
	for i := 0; i < n; i++ {
		obs := e.Reset()
		for h := 0; h < l.H; h++ {
			s := int(obs[0])
			if int(obs[1]) != h || s != e.Context() {
				t.Fatalf("observation %v at step %d, latent %d", obs, h, e.Context())
			}
			a := rng.IntN(l.Actions)
			act[0] = float64(a)
			tr := e.Step(act)
			if tr.Terminated != (h == l.H-1) || tr.Truncated {
				t.Fatalf("step %d: terminated=%v truncated=%v", h, tr.Terminated, tr.Truncated)
			}
			count[[3]int{h, s, a}]++
			next[[4]int{h, s, a, int(tr.Obs[0])}]++
			rew[[3]int{h, s, a}] += tr.Reward
			obs = tr.Obs
		}
	}
	for k, c := range count {
		if c < 500 {
			continue
		}
		h, s, a := k[0], k[1], k[2]
		if d := math.Abs(rew[k]/c - m.R[h][s][a]); d > 5/math.Sqrt(c)*0.1+1e-9 {
			t.Errorf("penalty %g: R[%d][%d][%d]: empirical %g, model %g", penalty, h, s, a, rew[k]/c, m.R[h][s][a])
		}
		for s2 := 0; s2 < NumStates; s2++ {
			p := next[[4]int{h, s, a, s2}] / c
			if d := math.Abs(p - m.P[h][s][a][s2]); d > 5*math.Sqrt(0.25/c) {
				t.Errorf("penalty %g: P[%d][%d][%d][%d]: empirical %g, model %g", penalty, h, s, a, s2, p, m.P[h][s][a][s2])
			}
		}
	}
}

// The optimal policy opens the lock every time; its return is exactly 1, or 1 - P on
// the diabolical lock, whose correct non-final steps each pay -P/(H-1).
func TestOptimalOpens(t *testing.T) {
	for _, penalty := range []float64{0, 0.1} {
		for _, rich := range []bool{false, true} {
			l, _ := New(Config{H: 12, Actions: 5, LockSeed: 3, StepPenalty: penalty})
			e := NewLatent(l)
			if rich {
				e = NewRich(l)
			}
			e.Seed(9)
			for ep := 0; ep < 20; ep++ {
				e.Reset()
				ret := 0.0
				for h := 0; h < l.H; h++ {
					tr := e.Step([]float64{float64(l.Correct[h][e.Context()])})
					if want := -penalty / 11; h < l.H-1 && tr.Reward != want {
						t.Fatalf("penalty %g step %d: reward %g, want %g", penalty, h, tr.Reward, want)
					}
					ret += tr.Reward
				}
				if math.Abs(ret-(1-penalty)) > 1e-12 {
					t.Fatalf("rich=%v penalty %g: optimal return %g, want %g", rich, penalty, ret, 1-penalty)
				}
			}
		}
	}
}

// The rich observation decodes back to one-hot latent and step plus small noise.
func TestRichDecodes(t *testing.T) {
	l, _ := New(Config{H: 10, Actions: 4, LockSeed: 1})
	e := NewRich(l)
	e.Seed(4)
	had := Hadamard(RichDim(10))
	obs := e.Reset()
	for h := 0; ; h++ {
		raw := make([]float64, len(obs))
		for i := range had { // H is symmetric and orthonormal: raw = H obs
			for j := range had {
				raw[i] += had[i][j] * obs[j]
			}
		}
		for i, v := range raw {
			want := 0.0
			if i == e.Context() || i == NumStates+h {
				want = 1
			}
			if math.Abs(v-want) > 0.6 {
				t.Fatalf("step %d entry %d: decoded %g, want %g +- noise", h, i, v, want)
			}
		}
		if h == l.H {
			break
		}
		obs = e.Step([]float64{0}).Obs
	}
}

func TestSnapshotRestore(t *testing.T) {
	l, _ := New(Config{H: 6, Actions: 3})
	a, b := NewRich(l), NewRich(l)
	a.Seed(5)
	a.Reset()
	a.Step([]float64{1})
	snap, err := a.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Restore(snap); err != nil {
		t.Fatal(err)
	}
	if err := b.Restore(snap[:len(snap)-3]); err == nil {
		t.Error("truncated snapshot: want an error")
	}
	if err := b.Restore(snap); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 4; i++ {
		x, y := a.Step([]float64{2}), b.Step([]float64{2})
		if x.Reward != y.Reward || x.Obs[0] != y.Obs[0] || a.Context() != b.Context() {
			t.Fatalf("restored environment diverged at step %d", i)
		}
	}
}

func TestRegistryAndOptions(t *testing.T) {
	e, err := env.Make("lock/rich", env.Options{"H": "20", "actions": "4"})
	if err != nil {
		t.Fatal(err)
	}
	if d := e.ObservationSpace().Dim(); d != 32 {
		t.Errorf("lock/rich H=20 dim %d, want 32", d)
	}
	if _, ok := env.As[env.ContextRevealer](e); !ok {
		t.Error("lock/rich does not reveal its context")
	}
	d, err := env.Make("lock/latent", env.Options{"H": "3", "step_penalty": "0.2"})
	if err != nil {
		t.Fatal(err)
	}
	if l := d.(*Env).Lock; l.StepPenalty != 0.2 || l.Model().R[0][GoodA][l.Correct[0][0]] != -0.1 {
		t.Errorf("step_penalty=0.2, H=3: penalty %g, correct first-step reward %g; want 0.2, -0.1", l.StepPenalty, l.Model().R[0][GoodA][l.Correct[0][0]])
	}
	for _, bad := range []env.Options{{"H": "0"}, {"actions": "1"}, {"H": "x"}, {"noise": "-1"}, {"lock_seed": "-2"}, {"step_penalty": "-0.1"}, {"step_penalty": "1.5"}, {"step_penalty": "NaN"}} {
		if _, err := env.Make("lock/latent", bad); err == nil {
			t.Errorf("options %v: want an error", bad)
		}
	}
}

// lock/incomplete is the latent lock paying IncompleteFinalReward for the opened
// combination; final_reward sets it on any lock and is checked.
func TestFinalRewardAndIncompleteEnv(t *testing.T) {
	e, err := env.Make("lock/incomplete", env.Options{"H": "3", "actions": "2"})
	if err != nil {
		t.Fatal(err)
	}
	l := e.(*Env).Lock
	m := l.Model()
	if got := m.R[2][GoodB][l.Correct[2][1]]; got != IncompleteFinalReward || l.FinalReward != 0.9 {
		t.Errorf("lock/incomplete final reward %g (config %g), want 0.9", got, l.FinalReward)
	}
	e.Seed(4)
	e.Reset()
	ret := 0.0
	for h := 0; h < 3; h++ {
		tr := e.Step([]float64{float64(l.Correct[h][e.(*Env).Context()])})
		ret += tr.Reward
	}
	if ret != 0.9 {
		t.Errorf("opening lock/incomplete returned %g, want 0.9", ret)
	}
	if d, err := env.Make("lock/latent", env.Options{"H": "2", "final_reward": "0.5"}); err != nil || d.(*Env).Model().R[1][GoodA][d.(*Env).Correct[1][0]] != 0.5 {
		t.Errorf("final_reward=0.5: err %v", err)
	}
	for _, bad := range []string{"0", "-1", "1.5", "NaN"} {
		if _, err := env.Make("lock/latent", env.Options{"final_reward": bad}); err == nil {
			t.Errorf("final_reward=%s: want an error", bad)
		}
	}
}

// Offline data: designs behave as specified, and a data set survives Parquet.
func TestOfflineDesignsAndParquet(t *testing.T) {
	l, _ := New(Config{H: 8, Actions: 4, LockSeed: 2})
	e := NewLatent(l)
	mixed, err := Generate(e, Mixed, 400, 11)
	if err != nil {
		t.Fatal(err)
	}
	deviations := 0
	for _, ep := range mixed {
		if len(ep) != l.H {
			t.Fatalf("episode length %d, want %d", len(ep), l.H)
		}
		off := 0
		for h, tr := range ep {
			if tr.State != Dead && tr.Action != l.Correct[h][tr.State] {
				off++
			}
		}
		if off > 1 {
			t.Fatalf("mixed episode deviates from pi* %d times, want at most 1", off)
		}
		deviations += off
	}
	// One uniform action per episode, wrong with probability 3/4 (unless already dead).
	if deviations < 250 || deviations > 350 {
		t.Errorf("mixed: %d deviations in 400 episodes, want about 300", deviations)
	}
	again, _ := Generate(e, Mixed, 400, 11)
	for i := range mixed {
		for h := range mixed[i] {
			if mixed[i][h].Action != again[i][h].Action || mixed[i][h].State != again[i][h].State {
				t.Fatal("Generate is not deterministic in its seed")
			}
		}
	}
	if _, err := Generate(e, "uniform", 1, 0); err == nil {
		t.Error("unknown design: want an error")
	}

	eps, _ := Generate(NewRich(l), Epsilon, 30, 3)
	dir := filepath.Join(t.TempDir(), "offline")
	run, err := logs.Create(dir, map[string]any{"design": "epsilon"}, logs.Options{EnvID: "lock/rich"})
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteDataset(run, eps, 0); err != nil {
		t.Fatal(err)
	}
	if err := run.Close(); err != nil {
		t.Fatal(err)
	}
	back, err := ReadDataset(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(back) != len(eps) {
		t.Fatalf("read %d episodes, wrote %d", len(back), len(eps))
	}
	for i := range eps {
		for h := range eps[i] {
			w, r := eps[i][h], back[i][h]
			if w.Action != r.Action || w.Reward != r.Reward || w.State != r.State || w.NextState != r.NextState ||
				w.Terminated != r.Terminated || len(w.Obs) != len(r.Obs) || w.Obs[3] != r.Obs[3] || (w.Next == nil) != (r.Next == nil) {
				t.Fatalf("episode %d step %d: wrote %+v, read %+v", i, h, w, r)
			}
		}
	}
}

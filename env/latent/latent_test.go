package latent

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gorl/env"
)

func mustRandom(t *testing.T, M, S, A, H, G int, seed uint64) *LMDP {
	t.Helper()
	l, err := Random(M, S, A, H, G, seed)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestFamiliesValidate(t *testing.T) {
	for _, f := range Families {
		l, err := New(f, Params{M: 3, S: 6, A: 3, H: 7, Gamma: 3, Noise: 0.5, Seed: 4})
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if err := l.Validate(); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		want := map[string]int{"random": 3, "deterministic": 1, "cue": 1, "hard": 2, "shared": 3, "noisy": 3, "spread": 2, "lowerbound": 2}[f]
		if g := l.Gamma(); g != want {
			t.Errorf("%s: Gamma %d, want %d", f, g, want)
		}
		for m := 0; m < l.M; m++ {
			if r := l.MaxEpisodeReward(m); r > 1+1e-12 {
				t.Errorf("%s: context %d can collect %v > 1", f, m, r)
			}
		}
	}
	// Same seed, same instance; another seed, another one.
	a, b, c := mustRandom(t, 2, 4, 2, 5, 2, 9), mustRandom(t, 2, 4, 2, 5, 2, 9), mustRandom(t, 2, 4, 2, 5, 2, 10)
	if !equalLMDP(a, b) || equalLMDP(a, c) {
		t.Error("random instances are not a function of the seed")
	}
}

// The shared family hides the context in the transitions: one reward table for all
// contexts, one support per (s,a) for all contexts, and a bright-part probability that
// is p_hi for exactly the context's good action. Noise 0 is deterministic.
func TestSharedFamilyStructure(t *testing.T) {
	const M, S, A, H = 3, 6, 3, 8
	l, err := Shared(M, S, A, H, 3, 0.5, 2)
	if err != nil {
		t.Fatal(err)
	}
	pLo := (0.5 - sharedSignal) * 0.5
	for s := 0; s < S; s++ {
		goods := map[int]bool{}
		for a := 0; a < A; a++ {
			for m := 0; m < M; m++ {
				if l.Reward(m, s, a) != l.Reward(0, s, a) {
					t.Fatalf("R_%d(%d,%d) differs from context 0", m, s, a)
				}
				for s2 := range S {
					if (l.Next(m, s, a)[s2] > 0) != (l.Next(0, s, a)[s2] > 0) {
						t.Fatalf("supports of P_%d(.|%d,%d) and P_0 differ", m, s, a)
					}
				}
				bright := 0.0
				for s2, p := range l.Next(m, s, a) {
					if l.Reward(0, s2, 0) > 0 {
						bright += p
					}
				}
				switch {
				case math.Abs(bright-(1-pLo)) < 1e-12:
					if goods[m] {
						t.Fatalf("context %d has two good actions in state %d", m, s)
					}
					goods[m] = true
				case math.Abs(bright-pLo) > 1e-12:
					t.Fatalf("P_%d(bright|%d,%d) = %v, want %v or %v", m, s, a, bright, pLo, 1-pLo)
				}
			}
		}
		if len(goods) != M {
			t.Fatalf("state %d: %d contexts have a good action, want %d", s, len(goods), M)
		}
	}
	det, err := Shared(M, S, A, H, 3, 0, 2)
	if err != nil {
		t.Fatal(err)
	}
	if g := det.Gamma(); g != 1 {
		t.Errorf("noise 0: Gamma %d, want 1 (deterministic)", g)
	}
}

// The shared family's first state earns nothing, so its bright-state reward is 1/(H-1):
// the best path collects exactly 1 at every horizon (with 1/H it collected 1 - 1/H).
func TestSharedReturnRangeIsOne(t *testing.T) {
	for _, H := range []int{2, 4, 32} {
		for seed := uint64(1); seed <= 3; seed++ {
			l, err := Shared(2, 4, 2, H, 2, 0.5, seed)
			if err != nil {
				t.Fatal(err)
			}
			for m := 0; m < l.M; m++ {
				if r := l.MaxEpisodeReward(m); math.Abs(r-1) > 1e-12 {
					t.Errorf("H=%d seed %d context %d: best return %v, want 1", H, seed, m, r)
				}
			}
		}
	}
	if _, err := Shared(2, 4, 2, 1, 2, 0.5, 1); err == nil || !strings.Contains(err.Error(), "H >= 2") {
		t.Errorf("H=1: %v", err)
	}
}

// The spread family's noise changes the spread of the step rewards only: rewards are
// common to the contexts, the expected next-step reward of every (m,s,a) is the same at
// every noise (SpreadHigh for exactly the context's good action, SpreadLow otherwise),
// two contexts' next-state supports at (s,a) are equal when their levels are and
// disjoint otherwise (a step tells exactly whether a = g_m(s)), and the transitions are
// the same at every noise.
func TestSpreadFamilyStructure(t *testing.T) {
	const M, S, A, H = 3, 7, 4, 6
	level := func(l *LMDP, m, s, a int) float64 { // sum_s' P_m(s'|s,a) r(s') (H-1)
		e := 0.0
		for s2, p := range l.Next(m, s, a) {
			e += p * l.Reward(0, s2, 0) * (H - 1)
		}
		return e
	}
	base, err := Spread(M, S, A, H, 0, 3)
	if err != nil {
		t.Fatal(err)
	}
	if g := base.Gamma(); g != 2 {
		t.Errorf("noise 0: Gamma %d, want 2", g)
	}
	for _, noise := range []float64{0.3, 1} {
		l, err := Spread(M, S, A, H, noise, 3)
		if err != nil {
			t.Fatal(err)
		}
		if !equalSlices(l.P, base.P) || !equalSlices(l.Init, base.Init) {
			t.Fatalf("noise %v: transitions differ from noise 0", noise)
		}
		for s := 0; s < S; s++ {
			for a := 0; a < A; a++ {
				goods := 0
				for m := 0; m < M; m++ {
					if l.Reward(m, s, a) != l.Reward(0, s, a) {
						t.Fatalf("R_%d(%d,%d) differs from context 0", m, s, a)
					}
					e, e0 := level(l, m, s, a), level(base, m, s, a)
					if math.Abs(e-e0) > 1e-12 || (math.Abs(e-SpreadHigh) > 1e-12 && math.Abs(e-SpreadLow) > 1e-12) {
						t.Fatalf("noise %v: expected next level of (%d,%d,%d) is %v (noise 0: %v)", noise, m, s, a, e, e0)
					}
					if e == SpreadHigh {
						goods++
					}
					for k := 0; k < m; k++ {
						same, disjoint := true, true
						for s2 := range S {
							pm, pk := l.Next(m, s, a)[s2] > 0, l.Next(k, s, a)[s2] > 0
							same = same && pm == pk
							disjoint = disjoint && !(pm && pk)
						}
						if (level(l, k, s, a) == e) != same || (level(l, k, s, a) != e) != disjoint {
							t.Fatalf("noise %v: supports of contexts %d and %d at (%d,%d): same %v, disjoint %v", noise, k, m, s, a, same, disjoint)
						}
					}
				}
				if goods > 1 {
					t.Fatalf("(%d,%d) is good for %d contexts", s, a, goods)
				}
			}
		}
	}
}

// The noisy family shows the context through rewards only: every context has the same
// transitions, and rewards differ between contexts only in the signal states.
func TestNoisyFamilyStructure(t *testing.T) {
	l, err := Noisy(3, 6, 3, 8, 2, 0.4, 5)
	if err != nil {
		t.Fatal(err)
	}
	differ := 0
	for s := 0; s < l.S; s++ {
		for a := 0; a < l.A; a++ {
			for m := 1; m < l.M; m++ {
				if !equalSlices(l.Next(m, s, a), l.Next(0, s, a)) {
					t.Fatalf("P_%d(.|%d,%d) differs from context 0", m, s, a)
				}
				if l.Reward(m, s, a) != l.Reward(0, s, a) {
					differ++
				}
			}
		}
	}
	if differ == 0 {
		t.Error("no reward differs between contexts: the context cannot be inferred")
	}
}

func equalSlices(x, y []float64) bool {
	for i := range x {
		if x[i] != y[i] {
			return false
		}
	}
	return len(x) == len(y)
}

func TestImpossibleParameters(t *testing.T) {
	cases := []struct {
		name string
		fn   func() error
		want string
	}{
		{"gamma>S", func() error { _, err := Random(2, 4, 2, 5, 5, 1); return err }, "Gamma=5"},
		{"M=0", func() error { _, err := Random(0, 4, 2, 5, 2, 1); return err }, "M, S, A, H must be >= 1"},
		{"H=0", func() error { _, err := Cue(2, 0); return err }, "must be >= 1"},
		{"cue M=1", func() error { _, err := Cue(1, 4); return err }, "M >= 2"},
		{"hard S=2", func() error { _, err := Hard(2, 2, 2, 4, 0.1, 1); return err }, "S >= 3"},
		{"hard eps", func() error { _, err := Hard(2, 4, 2, 4, 0.7, 1); return err }, "eps"},
		{"family", func() error { _, err := New("nope", Params{}); return err }, "unknown LMDP family"},
		{"shared gamma", func() error { _, err := Shared(2, 4, 2, 5, 1, 0.5, 1); return err }, "Gamma=1 must be in [2, S=4]"},
		{"shared noise", func() error { _, err := Shared(2, 4, 2, 5, 2, 1.5, 1); return err }, "noise=1.5"},
		{"noisy M=1", func() error { _, err := Noisy(1, 4, 2, 5, 2, 0.5, 1); return err }, "M >= 2"},
		{"lowerbound S", func() error { _, err := LowerBound(3, 5, 2, 5, 0.1, 0.5, 1); return err }, "S >= M+3"},
		{"lowerbound p", func() error { _, err := LowerBound(2, 6, 2, 5, 0.3, 0.8, 1); return err }, "p + eps <= 1"},
	}
	for _, c := range cases {
		err := c.fn()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to mention %q", c.name, err, c.want)
		}
	}
}

func TestValidateNamesTheProblem(t *testing.T) {
	base := mustRandom(t, 2, 3, 2, 4, 2, 1)
	cases := []struct {
		name   string
		mutate func(l *LMDP)
		want   string
	}{
		{"weights sum", func(l *LMDP) { l.Weights[0] += 0.1 }, "context weights: sums to"},
		{"zero weight", func(l *LMDP) { l.Weights[0], l.Weights[1] = 0, 1 }, "weight of context 0"},
		{"transition sum", func(l *LMDP) { l.Next(1, 2, 1)[0] += 0.5 }, "P_1(.|s=2,a=1)"},
		{"negative prob", func(l *LMDP) { p := l.Next(0, 0, 0); p[0], p[1], p[2] = -0.5, 1, 0.5 }, "must be a probability"},
		{"init", func(l *LMDP) { l.InitDist(1)[0] = math.NaN() }, "initial distribution of context 1"},
		{"reward range", func(l *LMDP) { l.R[l.SA(0, 1, 1)] = 1.5 }, "outside [0,1]"},
		{"episode reward", func(l *LMDP) {
			for i := range l.R {
				l.R[i] = 0.5
			}
		}, "per episode, must be <= 1"},
		{"sizes", func(l *LMDP) { l.P = l.P[:len(l.P)-1] }, "transitions have"},
	}
	for _, c := range cases {
		l := base.Clone()
		c.mutate(l)
		err := l.Validate()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to mention %q", c.name, err, c.want)
		}
	}
}

func equalLMDP(a, b *LMDP) bool {
	eq := func(x, y []float64) bool {
		if len(x) != len(y) {
			return false
		}
		for i := range x {
			if x[i] != y[i] {
				return false
			}
		}
		return true
	}
	return a.M == b.M && a.S == b.S && a.A == b.A && a.H == b.H && eq(a.Weights, b.Weights) && eq(a.Init, b.Init) && eq(a.P, b.P) && eq(a.R, b.R)
}

func TestSaveLoadRoundTrip(t *testing.T) {
	dir := t.TempDir()
	for _, f := range Families {
		l, err := New(f, Params{M: 3, S: 6, A: 3, H: 6, Gamma: 2, Noise: 0.3, Seed: 7})
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, f+".json")
		if err := l.Save(path); err != nil {
			t.Fatal(err)
		}
		got, err := Load(path)
		if err != nil {
			t.Fatal(err)
		}
		if !equalLMDP(l, got) || got.Name != l.Name {
			t.Errorf("%s: loaded instance differs", f)
		}
	}
}

func TestMalformedFiles(t *testing.T) {
	dir := t.TempDir()
	l := mustRandom(t, 2, 3, 2, 4, 2, 1)
	good, err := json.Marshal(l)
	if err != nil {
		t.Fatal(err)
	}
	edit := func(fn func(m map[string]any)) string {
		var m map[string]any
		if err := json.Unmarshal(good, &m); err != nil {
			t.Fatal(err)
		}
		fn(m)
		b, _ := json.Marshal(m)
		return string(b)
	}
	cases := []struct {
		name, content, want string
	}{
		{"truncated", string(good[:len(good)/2]), "unexpected end of JSON"},
		{"not json", "M=2", "invalid character"},
		{"version", edit(func(m map[string]any) { m["version"] = 99 }), "version 99 not supported"},
		{"format", edit(func(m map[string]any) { m["format"] = "other" }), "not an LMDP instance"},
		{"unknown field", edit(func(m map[string]any) { m["extra"] = 1 }), "unknown field"},
		{"weights", edit(func(m map[string]any) { m["weights"] = []float64{0.7, 0.7} }), "context weights: sums to"},
		{"weight count", edit(func(m map[string]any) { m["weights"] = []float64{1} }), "1 weights for M=2"},
		{"M mismatch", edit(func(m map[string]any) { m["M"] = 3 }), "2 weights for M=3"},
		{"rows", edit(func(m map[string]any) { m["init"] = []any{[]float64{1, 0, 0}} }), "init has 1 rows"},
		{"row length", edit(func(m map[string]any) {
			m["transitions"].([]any)[0].([]any)[1].([]any)[0] = []float64{1, 0}
		}), "transitions[0][1][0] has 2 entries"},
		{"probabilities", edit(func(m map[string]any) {
			m["transitions"].([]any)[1].([]any)[0].([]any)[1] = []float64{0.5, 0.6, 0}
		}), "P_1(.|s=0,a=1): sums to"},
		{"reward", edit(func(m map[string]any) { m["rewards"].([]any)[0].([]any)[0].([]any)[0] = 2.0 }), "outside [0,1]"},
	}
	for _, c := range cases {
		path := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_")+".json")
		if err := os.WriteFile(path, []byte(c.content), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Load(path)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), path) {
			t.Errorf("%s: error %v, want it to name the file and mention %q", c.name, err, c.want)
		}
	}
	if _, err := Load(filepath.Join(dir, "missing.json")); err == nil {
		t.Error("missing file: no error")
	}
}

func TestEnvEpisodes(t *testing.T) {
	l := mustRandom(t, 3, 4, 2, 5, 2, 3)
	e, err := NewEnv(l)
	if err != nil {
		t.Fatal(err)
	}
	e.Seed(11)
	counts := make([]float64, l.M)
	const episodes = 20000
	var first []float64
	for ep := 0; ep < episodes; ep++ {
		obs := e.Reset()
		s := int(obs[0])
		m := e.Context()
		counts[m]++
		if l.InitDist(m)[s] == 0 {
			t.Fatalf("first state %d impossible in context %d", s, m)
		}
		ret := 0.0
		for h := 0; h < l.H; h++ {
			a := (h + ep) % l.A
			tr := e.Step([]float64{float64(a)})
			if tr.Reward != l.Reward(m, s, a) {
				t.Fatalf("reward %v, want R_%d(%d,%d)=%v", tr.Reward, m, s, a, l.Reward(m, s, a))
			}
			s2 := int(tr.Obs[0])
			if l.Next(m, s, a)[s2] == 0 {
				t.Fatalf("transition %d -%d-> %d impossible in context %d", s, a, s2, m)
			}
			if tr.Terminated != (h == l.H-1) || tr.Truncated {
				t.Fatalf("step %d: terminated=%v truncated=%v", h, tr.Terminated, tr.Truncated)
			}
			ret += tr.Reward
			s = s2
		}
		if ret > 1+1e-12 {
			t.Fatalf("return %v > 1", ret)
		}
		if ep == 0 {
			first = append(first, float64(m), ret)
		}
	}
	for m, c := range counts {
		p := l.Weights[m]
		se := math.Sqrt(p * (1 - p) / episodes)
		if got := c / episodes; math.Abs(got-p) > 5*se {
			t.Errorf("context %d drawn with frequency %.4f, weight %.4f (5 se = %.4f)", m, got, p, 5*se)
		}
	}
	// Same seed, same episodes.
	e.Seed(11)
	e.Reset()
	if float64(e.Context()) != first[0] {
		t.Error("reseeding does not replay the episodes")
	}
}

func TestRegistry(t *testing.T) {
	for _, id := range []string{"lmdp/random", "lmdp/deterministic", "lmdp/cue", "lmdp/hard", "lmdp/shared", "lmdp/noisy", "lmdp/spread", "lmdp/lowerbound"} {
		e, err := env.Make(id, env.Options{"M": "3", "H": "5", "S": "6"})
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		cr, ok := env.As[env.ContextRevealer](e)
		if !ok {
			t.Fatalf("%s: no ContextRevealer", id)
		}
		e.Reset()
		if c := cr.Context(); c < 0 || c >= 3 {
			t.Errorf("%s: context %d", id, c)
		}
		if e.ActionSpace().Kind != env.Discrete {
			t.Errorf("%s: action space %v", id, e.ActionSpace())
		}
	}
	if _, err := env.Make("lmdp/random", env.Options{"gamma": "9"}); err == nil || !strings.Contains(err.Error(), "Gamma=9") {
		t.Errorf("gamma > S through options: %v", err)
	}
	if _, err := env.Make("lmdp/random", env.Options{"colour": "red"}); err == nil || !strings.Contains(err.Error(), "unknown option") {
		t.Errorf("unknown option: %v", err)
	}
	if _, err := env.Make("lmdp/file", env.Options{}); err == nil || !strings.Contains(err.Error(), "path") {
		t.Errorf("file without path: %v", err)
	}
	path := filepath.Join(t.TempDir(), "cue.json")
	l, _ := Cue(2, 4)
	if err := l.Save(path); err != nil {
		t.Fatal(err)
	}
	e, err := env.Make("lmdp/file", env.Options{"path": path})
	if err != nil {
		t.Fatal(err)
	}
	if e.ObservationSpace().N != 4 {
		t.Errorf("cue from file: observation space %v", e.ObservationSpace())
	}
}

func TestSnapshotRestore(t *testing.T) {
	l := mustRandom(t, 2, 4, 2, 6, 3, 5)
	e, _ := NewEnv(l)
	e.Seed(3)
	e.Reset()
	e.Step([]float64{1})
	snap, err := e.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	play := func() []float64 {
		var out []float64
		for ep := 0; ep < 5; ep++ {
			for h := 0; h < l.H; h++ {
				tr := e.Step([]float64{float64(h % 2)})
				out = append(out, tr.Obs[0], tr.Reward, float64(e.Context()))
				if tr.Terminated {
					out = append(out, e.Reset()[0])
				}
			}
		}
		return out
	}
	a := play()
	if err := e.Restore(snap); err != nil {
		t.Fatal(err)
	}
	b := play()
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("restored run differs at %d", i)
		}
	}
	if err := e.Restore(snap[:10]); err == nil {
		t.Error("truncated snapshot restored")
	}
}

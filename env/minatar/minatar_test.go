package minatar

import (
	"bytes"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"gorl/env"
)

// newEnv builds game name with cfg, seeded and reset.
func newEnv(t testing.TB, name string, cfg Config) *Env {
	t.Helper()
	e, err := New(name, cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.Seed(1)
	e.Reset()
	return e
}

// cell reads cell (row y, column x, channel ch) of the current observation.
func cell(e *Env, y, x, ch int) bool {
	return e.obs[(y*Size+x)*len(e.info.channels)+ch] == 1
}

// count is the number of cells set in channel ch.
func count(e *Env, ch int) int {
	n := 0
	for y := 0; y < Size; y++ {
		for x := 0; x < Size; x++ {
			if cell(e, y, x, ch) {
				n++
			}
		}
	}
	return n
}

// step takes the full-set action a (the env is built with FullActionSet and no sticky
// actions in mechanics tests) and returns the transition.
func step(e *Env, a int) env.Transition { return e.Step([]float64{float64(a)}) }

// mechanics is the configuration of the hand-constructed tests: every action of the full
// set reachable by its own index, no sticky actions.
var mechanics = Config{FullActionSet: true, StickyActionProb: -1}

func TestRegisteredIDs(t *testing.T) {
	want := map[string]struct {
		channels, actions, limit int
	}{
		"MinAtar/Asterix-v1":       {4, 5, DefaultMaxEpisodeSteps},
		"MinAtar/Breakout-v1":      {4, 3, DefaultMaxEpisodeSteps},
		"MinAtar/Freeway-v1":       {7, 3, 0},
		"MinAtar/Seaquest-v1":      {10, 6, DefaultMaxEpisodeSteps},
		"MinAtar/SpaceInvaders-v1": {6, 4, DefaultMaxEpisodeSteps},
	}
	for id, w := range want {
		spec, ok := env.Lookup(id)
		if !ok {
			t.Fatalf("%s not registered", id)
		}
		if spec.MaxEpisodeSteps != w.limit {
			t.Errorf("%s: time limit %d, want %d", id, spec.MaxEpisodeSteps, w.limit)
		}
		e, err := env.Make(id, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := e.ObservationSpace(); got.Dim() != 100*w.channels || got.Low[0] != 0 || got.High[0] != 1 {
			t.Errorf("%s: observation space %v, want Box(0, 1, (%d,))", id, got, 100*w.channels)
		}
		if got := e.ActionSpace(); got.Kind != env.Discrete || got.N != w.actions {
			t.Errorf("%s: action space %v, want Discrete(%d)", id, got, w.actions)
		}
		full, err := env.Make(id, env.Options{"action_set": "full"})
		if err != nil {
			t.Fatal(err)
		}
		if full.ActionSpace().N != 6 {
			t.Errorf("%s action_set=full: %v, want Discrete(6)", id, full.ActionSpace())
		}
		if _, ok := env.As[env.Snapshotter](e); !ok {
			t.Errorf("%s: not a Snapshotter", id)
		}
	}
	for _, name := range Games() {
		if _, ok := want[ID(name)]; !ok {
			t.Errorf("game %s has id %q, not in the table", name, ID(name))
		}
	}
}

func TestMinimalActionSets(t *testing.T) {
	want := map[string]string{
		"asterix": "nlurd", "breakout": "nlr", "freeway": "nud", "seaquest": "nlurdf", "space_invaders": "nlrf",
	}
	for name, w := range want {
		e := newEnv(t, name, Config{})
		if got := strings.Join(e.Actions(), ""); got != w {
			t.Errorf("%s: minimal actions %q, want %q", name, got, w)
		}
		f := newEnv(t, name, Config{FullActionSet: true})
		if got := strings.Join(f.Actions(), ""); got != "nlurdf" {
			t.Errorf("%s: full actions %q, want nlurdf", name, got)
		}
	}
}

func TestOptions(t *testing.T) {
	good := []struct {
		opts env.Options
		want Config
	}{
		{nil, Config{StickyActionProb: 0.1}},
		{env.Options{"sticky_action_prob": "0"}, Config{StickyActionProb: -1}},
		{env.Options{"sticky_action_prob": "0.25", "ramping": "false", "action_set": "full"},
			Config{StickyActionProb: 0.25, NoRamping: true, FullActionSet: true}},
		{env.Options{"ramping": "true", "action_set": "minimal", "max_episode_steps": "1000"}, Config{StickyActionProb: 0.1}},
	}
	for _, c := range good {
		got, err := ConfigFromOptions(c.opts)
		if err != nil || got != c.want {
			t.Errorf("%v: %+v, %v; want %+v", c.opts, got, err, c.want)
		}
	}
	for _, bad := range []env.Options{
		{"sticky_action_prob": "1.5"}, {"sticky_action_prob": "-0.1"}, {"sticky_action_prob": "x"},
		{"sticky_action_prob": "NaN"}, {"ramping": "maybe"}, {"action_set": "some"}, {"difficulty": "3"},
	} {
		if _, err := env.Make("MinAtar/Breakout-v1", bad); err == nil {
			t.Errorf("options %v accepted", bad)
		}
	}
	if _, err := New("pong", Config{}); err == nil {
		t.Error("unknown game accepted")
	}
	if _, err := New("breakout", Config{StickyActionProb: 2}); err == nil {
		t.Error("sticky probability 2 accepted")
	}
	e, err := env.Make("MinAtar/Seaquest-v1", env.Options{"max_episode_steps": "7"})
	if err != nil {
		t.Fatal(err)
	}
	e.Seed(3)
	e.Reset()
	for i := 1; ; i++ {
		tr := e.Step([]float64{0}) // no-op at the surface: Seaquest survives 7 frames
		if tr.Done() {
			if i != 7 || !tr.Truncated || tr.Terminated {
				t.Errorf("max_episode_steps=7: episode ended after %d steps (%+v)", i, tr)
			}
			break
		}
	}
}

// checkGrid verifies that the observation is a 0/1 grid and that the objects every
// state has appear exactly where they must.
func checkGrid(t *testing.T, e *Env) {
	t.Helper()
	for i, v := range e.obs {
		if v != 0 && v != 1 {
			t.Fatalf("%s: obs[%d] = %v, not 0 or 1", e.Game(), i, v)
		}
	}
	if !e.ObservationSpace().Contains(e.obs) {
		t.Fatalf("%s: observation outside its space", e.Game())
	}
	one := func(ch int) {
		if n := count(e, ch); n != 1 {
			t.Fatalf("%s: channel %s has %d cells, want 1", e.Game(), e.info.channels[ch], n)
		}
	}
	switch g := e.g.(type) {
	case *breakout:
		one(0)
		one(1)
		one(2)
		if !cell(e, 9, g.paddle, 0) || !cell(e, g.ballY, g.ballX, 1) {
			t.Fatalf("breakout: paddle or ball misplaced")
		}
	case *spaceInvaders:
		one(0)
		for y := 0; y < Size; y++ {
			for x := 0; x < Size; x++ {
				a := cell(e, y, x, 1)
				if a != (cell(e, y, x, 2) || cell(e, y, x, 3)) || (cell(e, y, x, 2) && cell(e, y, x, 3)) {
					t.Fatalf("space invaders: alien at (%d, %d) not in exactly one direction channel", y, x)
				}
			}
		}
	case *freeway:
		one(0)
		if n := count(e, 1); n != fwCars {
			t.Fatalf("freeway: %d car cells, want 8", n)
		}
		trails := 0
		for ch := 2; ch < 7; ch++ {
			trails += count(e, ch)
		}
		if trails != fwCars {
			t.Fatalf("freeway: %d trail cells, want 8", trails)
		}
	case *asterix:
		one(0)
		if g.py < 1 || g.py > 8 {
			t.Fatalf("asterix: player on row %d", g.py)
		}
	case *seaquest:
		one(0)
		one(1)
		if !cell(e, g.subY, g.subX, 0) || !cell(e, g.subY, g.subBack(), 1) {
			t.Fatalf("seaquest: submarine misplaced")
		}
		if n, want := count(e, 7), max(0, g.oxygen)*10/sqMaxOxygen; n != want {
			t.Fatalf("seaquest: oxygen bar %d cells, want %d (oxygen %d)", n, want, g.oxygen)
		}
		if n := count(e, 8); n != max(0, g.diverCount) {
			t.Fatalf("seaquest: diver bar %d cells, %d divers", n, g.diverCount)
		}
	}
}

// TestObservationsAreGrids plays every game at random for many frames and checks every
// observation.
func TestObservationsAreGrids(t *testing.T) {
	for _, name := range Games() {
		e := newEnv(t, name, Config{FullActionSet: true})
		rng := env.NewRand(5)
		checkGrid(t, e)
		for i := 0; i < 20000; i++ {
			tr := step(e, rng.IntN(6))
			checkGrid(t, e)
			if tr.Reward < 0 || tr.Reward != math.Trunc(tr.Reward) {
				t.Fatalf("%s: reward %v", name, tr.Reward)
			}
			if tr.Terminated {
				e.Reset()
				checkGrid(t, e)
			}
		}
	}
}

// rollout plays n steps with actions from a fixed stream and records observations and
// rewards; it resets after episodes end.
func rollout(e env.Env, n int, actionSeed uint64) ([]float64, []float64) {
	rng := env.NewRand(actionSeed)
	var obs, rewards []float64
	act := []float64{0}
	for i := 0; i < n; i++ {
		act[0] = float64(rng.IntN(e.ActionSpace().N))
		tr := e.Step(act)
		obs = append(obs, tr.Obs...)
		rewards = append(rewards, tr.Reward)
		if tr.Done() {
			obs = append(obs, e.Reset()...)
		}
	}
	return obs, rewards
}

func TestSameSeedSameTrajectory(t *testing.T) {
	for _, name := range Games() {
		play := func(seed uint64) ([]float64, []float64) {
			e, err := env.Make(ID(name), nil)
			if err != nil {
				t.Fatal(err)
			}
			e.Seed(seed)
			first := e.Reset()
			o, r := rollout(e, 3000, 11)
			return append(append([]float64(nil), first...), o...), r
		}
		o1, r1 := play(42)
		o2, r2 := play(42)
		if !slices.Equal(o1, o2) || !slices.Equal(r1, r2) {
			t.Errorf("%s: same seed, different trajectories", name)
		}
		o3, _ := play(43)
		if slices.Equal(o1, o3) {
			t.Errorf("%s: seeds 42 and 43 gave the same trajectory", name)
		}
	}
}

// TestSnapshotRestore: a copy restored from a snapshot taken mid-episode continues bit
// for bit as the original, through later episodes too; so does the original itself
// after it is restored.
func TestSnapshotRestore(t *testing.T) {
	for _, name := range Games() {
		for _, at := range []int{0, 37, 500} {
			orig, err := env.Make(ID(name), nil)
			if err != nil {
				t.Fatal(err)
			}
			orig.Seed(9)
			orig.Reset()
			rollout(orig, at, 1)
			snap, err := env.SnapshotOf(orig)
			if err != nil {
				t.Fatal(err)
			}
			wantObs, wantRew := rollout(orig, 2000, 2)

			fresh, _ := env.Make(ID(name), nil)
			fresh.Seed(12345) // overwritten by Restore
			fresh.Reset()
			if err := env.RestoreOf(fresh, snap); err != nil {
				t.Fatal(err)
			}
			gotObs, gotRew := rollout(fresh, 2000, 2)
			if !slices.Equal(gotObs, wantObs) || !slices.Equal(gotRew, wantRew) {
				t.Errorf("%s: restored copy (snapshot after %d steps) diverged", name, at)
			}
			if err := env.RestoreOf(orig, snap); err != nil {
				t.Fatal(err)
			}
			againObs, againRew := rollout(orig, 2000, 2)
			if !slices.Equal(againObs, wantObs) || !slices.Equal(againRew, wantRew) {
				t.Errorf("%s: original restored (snapshot after %d steps) diverged", name, at)
			}
		}
	}
}

func TestRestoreRejectsBadSnapshots(t *testing.T) {
	b := newEnv(t, "breakout", Config{})
	s := newEnv(t, "seaquest", Config{})
	for i := 0; i < 40; i++ {
		step(s, i%6)
	}
	snap, err := s.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Restore(snap); err == nil {
		t.Error("breakout restored a seaquest snapshot")
	}
	before, _ := s.Snapshot()
	for _, bad := range [][]byte{nil, snap[:len(snap)/2], snap[:len(s.tag())+3], append([]byte("minatar/seaquest\x00\x7f"), snap[len(s.tag())+1:]...)} {
		if err := s.Restore(bad); err == nil {
			t.Errorf("restored a damaged snapshot of %d bytes", len(bad))
		}
		if after, _ := s.Snapshot(); !bytes.Equal(after, before) {
			t.Fatal("a failed Restore changed the environment")
		}
	}
	// A value out of range: the breakout paddle in column 12.
	e := newEnv(t, "breakout", Config{})
	enc := encoder{b: []byte(e.tag())}
	enc.int(0)
	enc.bool(false)
	g := *e.g.(*breakout)
	g.paddle = 12
	g.encode(&enc)
	out, _ := e.src.AppendBinary(enc.b)
	if err := e.Restore(out); err == nil || !strings.Contains(err.Error(), "paddle") {
		t.Errorf("paddle 12 restored (err %v)", err)
	}
}

// recorder is a game that records the actions it is given.
type recorder struct{ got []int }

func (r *recorder) reset(*rand.Rand)                     {}
func (r *recorder) step(a int, _ *rand.Rand) (int, bool) { r.got = append(r.got, a); return 0, false }
func (r *recorder) render(grid)                          {}
func (r *recorder) ramp() int                            { return 0 }
func (r *recorder) encode(*encoder)                      {}
func (r *recorder) decode(*decoder)                      {}

// TestStickyActions: with probability p the previous action is taken instead of the
// chosen one. Choosing uniformly among six actions, the taken action differs from the
// chosen one with probability p·5/6; the previous action carries over resets.
func TestStickyActions(t *testing.T) {
	for _, p := range []float64{0.1, 0.3} {
		e := newEnv(t, "seaquest", Config{StickyActionProb: p, FullActionSet: true})
		rec := &recorder{}
		e.g = rec
		rng := env.NewRand(77)
		const n = 200000
		chosen := make([]int, n)
		for i := range chosen {
			chosen[i] = rng.IntN(6)
			if i%1000 == 0 {
				e.Reset()
			}
			step(e, chosen[i])
		}
		differ, wrong := 0, 0
		for i, a := range rec.got {
			if a != chosen[i] {
				differ++
				if i == 0 && a != actNoop || i > 0 && a != rec.got[i-1] {
					wrong++ // neither chosen nor the previous action
				}
			}
		}
		if wrong > 0 {
			t.Errorf("p=%v: %d steps took neither the chosen nor the previous action", p, wrong)
		}
		want := p * 5 / 6
		sd := math.Sqrt(want * (1 - want) / n)
		if got := float64(differ) / n; math.Abs(got-want) > 5*sd {
			t.Errorf("p=%v: chosen action replaced in %.4f of steps, want %.4f ± %.4f", p, got, want, 5*sd)
		}
	}
	// p = 0 (option sticky_action_prob=0): never; the action is always the chosen one.
	e := newEnv(t, "seaquest", Config{StickyActionProb: -1, FullActionSet: true})
	rec := &recorder{}
	e.g = rec
	for i := 0; i < 1000; i++ {
		step(e, i%6)
	}
	for i, a := range rec.got {
		if a != i%6 {
			t.Fatalf("no sticky actions: step %d took %d, chose %d", i, a, i%6)
		}
	}
	// p = 1: the first action (no-op) forever.
	e = newEnv(t, "seaquest", Config{StickyActionProb: 1, FullActionSet: true})
	rec = &recorder{}
	e.g = rec
	for i := 0; i < 100; i++ {
		step(e, 1+i%5)
	}
	for _, a := range rec.got {
		if a != actNoop {
			t.Fatalf("sticky probability 1: took %d, want the initial no-op", a)
		}
	}
}

func TestMinimalActionsMapToFullSet(t *testing.T) {
	e := newEnv(t, "space_invaders", Config{StickyActionProb: -1})
	rec := &recorder{}
	e.g = rec
	for a := 0; a < 4; a++ {
		e.Step([]float64{float64(a)})
	}
	e.Step([]float64{9})          // clamped to the last action
	e.Step([]float64{math.NaN()}) // no-op
	e.Step([]float64{1.6})        // rounds to 2 (r)
	want := []int{actNoop, actLeft, actRight, actFire, actFire, actNoop, actRight}
	if !slices.Equal(rec.got, want) {
		t.Errorf("space invaders actions %v, want %v", rec.got, want)
	}
}

func TestStepAfterTerminal(t *testing.T) {
	e := newEnv(t, "breakout", mechanics)
	var tr env.Transition
	for i := 0; i < 1000 && !tr.Terminated; i++ {
		tr = step(e, actNoop)
	}
	if !tr.Terminated {
		t.Fatal("breakout with a still paddle did not end")
	}
	obs := slices.Clone(tr.Obs)
	for i := 0; i < 3; i++ {
		tr = step(e, actLeft)
		if !tr.Terminated || tr.Reward != 0 || !slices.Equal(tr.Obs, obs) {
			t.Fatalf("step after the end: %+v", tr)
		}
	}
	e.Reset()
	if tr = step(e, actNoop); tr.Terminated {
		t.Error("still terminated after Reset")
	}
}

func TestStepAllocatesNothing(t *testing.T) {
	for _, name := range Games() {
		e := newEnv(t, name, Config{FullActionSet: true})
		rng := env.NewRand(3)
		act := []float64{0}
		allocs := testing.AllocsPerRun(20000, func() {
			act[0] = float64(rng.IntN(6))
			if e.Step(act).Terminated {
				e.Reset()
			}
		})
		if allocs != 0 {
			t.Errorf("%s: %v allocations per step", name, allocs)
		}
	}
}

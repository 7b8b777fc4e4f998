package classic

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gorl/env"
)

var allIDs = []string{"CartPole-v1", "Acrobot-v1", "Pendulum-v1", "MountainCar-v0", "MountainCarContinuous-v0"}

func TestStreamMatchesEnvNewRand(t *testing.T) {
	for _, seed := range []uint64{0, 1, 42, math.MaxUint64} {
		s := newStream(seed)
		ref := env.NewRand(seed)
		for i := 0; i < 100; i++ {
			if a, b := s.rng.Uint64(), ref.Uint64(); a != b {
				t.Fatalf("seed %d draw %d: %d != env.NewRand's %d", seed, i, a, b)
			}
		}
		s.seed(seed) // reseeding restarts the same stream
		ref = env.NewRand(seed)
		if s.rng.Float64() != ref.Float64() {
			t.Fatalf("seed %d: reseeded stream differs", seed)
		}
	}
}

func TestDiscreteAction(t *testing.T) {
	cases := []struct {
		action []float64
		n      int
		want   int
	}{
		{[]float64{0}, 2, 0}, {[]float64{1}, 2, 1},
		{[]float64{0.49}, 2, 0}, {[]float64{0.5}, 2, 1}, {[]float64{1.4}, 3, 1}, {[]float64{1.5}, 3, 2},
		{[]float64{7}, 2, 1}, {[]float64{-3}, 3, 0}, {[]float64{-0.4}, 3, 0},
		{[]float64{math.NaN()}, 3, 0}, {[]float64{math.Inf(1)}, 3, 2}, {[]float64{math.Inf(-1)}, 3, 0},
		{nil, 2, 0}, {[]float64{2, 99}, 3, 2},
	}
	for _, c := range cases {
		if got := discreteAction(c.action, c.n); got != c.want {
			t.Errorf("discreteAction(%v, %d) = %d, want %d", c.action, c.n, got, c.want)
		}
	}
}

// TestInvalidActionsDoNotPanic feeds every environment out-of-space actions and checks
// they act as the documented valid action.
func TestInvalidActionsDoNotPanic(t *testing.T) {
	nan := math.NaN()
	equivalent := map[string][][2][]float64{ // {invalid, the valid action it stands for}
		"CartPole-v1":              {{{7}, {1}}, {{-2}, {0}}, {{0.7}, {1}}, {{nan}, {0}}, {nil, {0}}},
		"Acrobot-v1":               {{{5}, {2}}, {{-1}, {0}}, {{1.2}, {1}}, {{nan}, {0}}, {{}, {0}}},
		"MountainCar-v0":           {{{3}, {2}}, {{-9}, {0}}, {{nan}, {0}}, {nil, {0}}},
		"Pendulum-v1":              {{{5}, {2}}, {{-5}, {-2}}, {{nan}, {0}}, {nil, {0}}},
		"MountainCarContinuous-v0": {{{nan}, {0}}, {nil, {0}}},
	}
	for id, pairs := range equivalent {
		for _, p := range pairs {
			a, _ := env.Make(id, nil)
			b, _ := env.Make(id, nil)
			a.Reset()
			b.Reset()
			ta, tb := a.Step(p[0]), b.Step(p[1])
			if !slicesEqual(ta.Obs, tb.Obs) || ta.Terminated != tb.Terminated {
				t.Errorf("%s: action %v gives %v, want the same as %v: %v", id, p[0], ta.Obs, p[1], tb.Obs)
			}
			if id != "MountainCarContinuous-v0" && id != "Pendulum-v1" && ta.Reward != tb.Reward {
				t.Errorf("%s: action %v reward %v, want %v", id, p[0], ta.Reward, tb.Reward)
			}
		}
	}
}

// TestObservationsInSpace runs random policies and checks every observation lies in the
// observation space and every sampled action in the action space.
func TestObservationsInSpace(t *testing.T) {
	for _, id := range allIDs {
		e, err := env.Make(id, nil)
		if err != nil {
			t.Fatal(err)
		}
		obsSpace, actSpace := e.ObservationSpace(), e.ActionSpace()
		rng := env.NewRand(5)
		act := make([]float64, actSpace.Dim())
		e.Seed(5)
		obs := e.Reset()
		for step := 0; step < 5000; step++ {
			if !obsSpace.Contains(obs) {
				t.Fatalf("%s step %d: observation %v outside %v", id, step, obs, obsSpace)
			}
			actSpace.Sample(rng, act)
			if !actSpace.Contains(act) {
				t.Fatalf("%s: sampled action %v outside %v", id, act, actSpace)
			}
			tr := e.Step(act)
			obs = tr.Obs
			if tr.Done() {
				if !obsSpace.Contains(obs) {
					t.Fatalf("%s step %d: final observation %v outside %v", id, step, obs, obsSpace)
				}
				obs = e.Reset()
			}
		}
	}
}

func TestSpaces(t *testing.T) {
	want := map[string][2]string{
		"CartPole-v1":              {"Box([-4.8 -inf -0.4189 -inf], [4.8 inf 0.4189 inf], (4,))", "Discrete(2)"},
		"Acrobot-v1":               {"Box([-1 -1 -1 -1 -12.57 -28.27], [1 1 1 1 12.57 28.27], (6,))", "Discrete(3)"},
		"Pendulum-v1":              {"Box([-1 -1 -8], [1 1 8], (3,))", "Box(-2, 2, (1,))"},
		"MountainCar-v0":           {"Box([-1.2 -0.07], [0.6 0.07], (2,))", "Discrete(3)"},
		"MountainCarContinuous-v0": {"Box([-1.2 -0.07], [0.6 0.07], (2,))", "Box(-1, 1, (1,))"},
	}
	for id, w := range want {
		e, _ := env.Make(id, nil)
		if got := e.ObservationSpace().String(); got != w[0] {
			t.Errorf("%s observation space %s, want %s", id, got, w[0])
		}
		if got := e.ActionSpace().String(); got != w[1] {
			t.Errorf("%s action space %s, want %s", id, got, w[1])
		}
	}
}

func TestUnknownOptionsRejected(t *testing.T) {
	for _, id := range allIDs {
		_, err := env.Make(id, env.Options{"gravity": "3"})
		if err == nil || !strings.Contains(err.Error(), `"gravity"`) || !strings.Contains(err.Error(), id) {
			t.Errorf("%s with an unknown option: error %v", id, err)
		}
	}
	if _, err := env.Make("Pendulum-v1", env.Options{"g": "9.81", "max_episode_steps": "10"}); err != nil {
		t.Errorf("known options rejected: %v", err)
	}
}

// TestStepAllocatesNothing checks the no-allocation contract of Step and Reset.
func TestStepAllocatesNothing(t *testing.T) {
	for _, id := range allIDs {
		e, _ := env.Make(id, nil)
		e.Reset()
		act := []float64{1}
		allocs := testing.AllocsPerRun(1000, func() {
			if e.Step(act).Done() {
				e.Reset()
			}
		})
		if allocs != 0 {
			t.Errorf("%s: %v allocations per step", id, allocs)
		}
	}
}

// rollout records observations, rewards and flags of a seeded run with actions drawn
// from their own stream.
type rollout struct {
	obs     [][]float64
	rewards []float64
	flags   []string
}

func (r *rollout) add(obs []float64, reward float64, flags string) {
	r.obs = append(r.obs, append([]float64(nil), obs...))
	r.rewards = append(r.rewards, reward)
	r.flags = append(r.flags, flags)
}

func (r *rollout) equal(o *rollout) error {
	if len(r.obs) != len(o.obs) {
		return fmt.Errorf("lengths %d and %d", len(r.obs), len(o.obs))
	}
	for i := range r.obs {
		if !slicesEqual(r.obs[i], o.obs[i]) || !sameFloat(r.rewards[i], o.rewards[i]) || r.flags[i] != o.flags[i] {
			return fmt.Errorf("step %d: %v %v %s vs %v %v %s", i, r.obs[i], r.rewards[i], r.flags[i], o.obs[i], o.rewards[i], o.flags[i])
		}
	}
	return nil
}

func slicesEqual(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !sameFloat(a[i], b[i]) {
			return false
		}
	}
	return true
}

// sameFloat is bitwise equality (NaN equals NaN).
func sameFloat(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) }

func runEnv(e env.Env, rng *rand.Rand, steps int) *rollout {
	r := &rollout{}
	act := make([]float64, e.ActionSpace().Dim())
	sp := e.ActionSpace()
	for i := 0; i < steps; i++ {
		sp.Sample(rng, act)
		tr := e.Step(act)
		r.add(tr.Obs, tr.Reward, fmt.Sprint(tr.Terminated, tr.Truncated))
		if tr.Done() {
			r.add(e.Reset(), 0, "reset")
		}
	}
	return r
}

func TestSameSeedSameRollout(t *testing.T) {
	for _, id := range allIDs {
		run := func(seed uint64) *rollout {
			e, _ := env.Make(id, nil)
			e.Seed(seed)
			r := &rollout{}
			r.add(e.Reset(), 0, "reset")
			more := runEnv(e, env.NewRand(seed, 1), 1500)
			r.obs = append(r.obs, more.obs...)
			r.rewards = append(r.rewards, more.rewards...)
			r.flags = append(r.flags, more.flags...)
			return r
		}
		a, b, c := run(11), run(11), run(12)
		if err := a.equal(b); err != nil {
			t.Errorf("%s: same seed, different rollouts: %v", id, err)
		}
		if a.equal(c) == nil {
			t.Errorf("%s: seeds 11 and 12 gave identical rollouts", id)
		}
	}
}

// TestVectorWorkersAndAutoreset steps env.Vector with 1, 2 and 4 workers and checks all
// three agree bitwise, and that they agree with single environments seeded with
// env.DeriveSeed(seed, i) and reset by hand: on the step an episode ends, FinalObs holds
// its last observation and Obs the first observation of the next episode.
func TestVectorWorkersAndAutoreset(t *testing.T) {
	const n, steps, seed = 6, 700, 21
	// A 300-step limit makes every environment end episodes (MountainCarContinuous's own
	// limit is 999).
	opts := env.Options{"max_episode_steps": "300"}
	for _, id := range allIDs {
		type record struct {
			obs, final [][]float64
			rewards    []float64
			term, trun []bool
		}
		var runs []record
		for _, workers := range []int{1, 2, 4} {
			v, err := env.MakeVector(id, opts, n, workers)
			if err != nil {
				t.Fatal(err)
			}
			v.Seed(seed)
			v.Reset()
			rng := env.NewRand(seed, 99)
			actions := make([][]float64, n)
			for i := range actions {
				actions[i] = make([]float64, v.ActionSpace().Dim())
			}
			var rec record
			for s := 0; s < steps; s++ {
				for i := range actions {
					v.ActionSpace().Sample(rng, actions[i])
				}
				v.Step(actions)
				for i := 0; i < n; i++ {
					rec.obs = append(rec.obs, append([]float64(nil), v.Obs[i]...))
					rec.rewards = append(rec.rewards, v.Rewards[i])
					rec.term = append(rec.term, v.Terminated[i])
					rec.trun = append(rec.trun, v.Truncated[i])
					var final []float64
					if v.Terminated[i] || v.Truncated[i] {
						final = append(final, v.FinalObs[i]...)
					}
					rec.final = append(rec.final, final)
				}
			}
			v.Close()
			runs = append(runs, rec)
		}
		for w := 1; w < len(runs); w++ {
			a, b := runs[0], runs[w]
			for k := range a.obs {
				if !slicesEqual(a.obs[k], b.obs[k]) || !slicesEqual(a.final[k], b.final[k]) ||
					!sameFloat(a.rewards[k], b.rewards[k]) || a.term[k] != b.term[k] || a.trun[k] != b.trun[k] {
					t.Fatalf("%s: run %d differs from 1 worker at step %d env %d", id, w, k/n, k%n)
				}
			}
		}

		// Replay with single environments.
		rng := env.NewRand(seed, 99)
		singles := make([]env.Env, n)
		for i := range singles {
			singles[i], _ = env.Make(id, opts)
			singles[i].Seed(env.DeriveSeed(seed, uint64(i)))
			singles[i].Reset()
		}
		act := make([][]float64, n)
		for i := range act {
			act[i] = make([]float64, singles[0].ActionSpace().Dim())
		}
		ends := 0
		for s := 0; s < steps; s++ {
			for i := range act {
				singles[0].ActionSpace().Sample(rng, act[i])
			}
			for i, e := range singles {
				k := s*n + i
				tr := e.Step(act[i])
				if tr.Terminated != runs[0].term[k] || tr.Truncated != runs[0].trun[k] || !sameFloat(tr.Reward, runs[0].rewards[k]) {
					t.Fatalf("%s step %d env %d: flags or reward differ from the single env", id, s, i)
				}
				if tr.Done() {
					ends++
					if !slicesEqual(tr.Obs, runs[0].final[k]) {
						t.Fatalf("%s step %d env %d: FinalObs %v, want the ended episode's last observation %v", id, s, i, runs[0].final[k], tr.Obs)
					}
					if first := e.Reset(); !slicesEqual(first, runs[0].obs[k]) {
						t.Fatalf("%s step %d env %d: Obs %v, want the next episode's first observation %v", id, s, i, runs[0].obs[k], first)
					}
				} else if !slicesEqual(tr.Obs, runs[0].obs[k]) {
					t.Fatalf("%s step %d env %d: Obs differs from the single env", id, s, i)
				}
			}
		}
		if ends == 0 {
			t.Fatalf("%s: no episode ended in %d steps; the autoreset path went untested", id, steps)
		}
	}
}

// wrapped builds id through env.Make (TimeLimit) and adds EpisodeStats and
// NormalizeObservation, the usual training stack.
func wrapped(t *testing.T, id string) (env.Env, *env.EpisodeStats) {
	e, err := env.Make(id, nil)
	if err != nil {
		t.Fatal(err)
	}
	stats := env.NewEpisodeStats(e)
	return env.NewNormalizeObservation(stats), stats
}

// TestSnapshotRestoreContinuesIdentically snapshots a wrapped environment mid-run,
// continues it, then restores the snapshot into a fresh stack and checks that the
// continuation is bitwise identical, episode boundaries (resets drawing from the
// restored stream, time limits, running statistics) included.
func TestSnapshotRestoreContinuesIdentically(t *testing.T) {
	for _, id := range allIDs {
		e, stats := wrapped(t, id)
		e.Seed(8)
		e.Reset()
		runEnv(e, env.NewRand(8, 1), 333)
		snap, err := env.SnapshotOf(e)
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		wantStats := *stats
		want := runEnv(e, env.NewRand(8, 2), 1200)

		f, fstats := wrapped(t, id)
		f.Seed(1234) // a different stream, overwritten by Restore
		f.Reset()
		if err := env.RestoreOf(f, snap); err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		if fstats.Return != wantStats.Return || fstats.Length != wantStats.Length || fstats.Finished != wantStats.Finished {
			t.Fatalf("%s: restored episode stats %+v, want %+v", id, *fstats, wantStats)
		}
		got := runEnv(f, env.NewRand(8, 2), 1200)
		if err := want.equal(got); err != nil {
			t.Fatalf("%s: restored continuation differs: %v", id, err)
		}
		if stats.Finished != fstats.Finished || stats.LastReturn != fstats.LastReturn {
			t.Fatalf("%s: episode stats diverged: %d/%v vs %d/%v", id, stats.Finished, stats.LastReturn, fstats.Finished, fstats.LastReturn)
		}
		if stats.Finished == wantStats.Finished {
			t.Fatalf("%s: no episode ended after the snapshot; resets went untested", id)
		}
		// The same snapshot restored into the original environment rewinds it.
		if err := env.RestoreOf(e, snap); err != nil {
			t.Fatal(err)
		}
		if err := want.equal(runEnv(e, env.NewRand(8, 2), 1200)); err != nil {
			t.Fatalf("%s: rewound continuation differs: %v", id, err)
		}
	}
}

func TestRestoreRejectsBadSnapshots(t *testing.T) {
	envs := []env.Snapshotter{NewCartPole(), NewAcrobot(), NewPendulum(0), NewMountainCar(), NewMountainCarContinuous()}
	snaps := make([][]byte, len(envs))
	for i, e := range envs {
		e.(env.Env).Reset()
		var err error
		if snaps[i], err = e.Snapshot(); err != nil {
			t.Fatal(err)
		}
	}
	for i, e := range envs {
		before, _ := e.Snapshot()
		bad := [][]byte{nil, {1, 2, 3}, snaps[i][:len(snaps[i])-1], append(append([]byte(nil), snaps[i]...), 0)}
		corrupt := append([]byte(nil), snaps[i]...)
		corrupt[len(corrupt)-17] ^= 0xff // the PCG's "pcg:" tag
		bad = append(bad, corrupt)
		for j, s := range snaps {
			if j != i {
				bad = append(bad, s)
			}
		}
		for _, s := range bad {
			if err := e.Restore(s); err == nil {
				t.Errorf("%T accepted a bad snapshot (%d bytes)", e, len(s))
			}
		}
		if after, _ := e.Snapshot(); !bytes.Equal(before, after) {
			t.Errorf("%T: a failed Restore changed the state", e)
		}
	}
}

// FuzzRestore feeds arbitrary bytes to every environment's Restore: it must return an
// error or succeed without panicking, and an environment it accepted must snapshot to
// bytes that restore into a copy which continues identically.
func FuzzRestore(f *testing.F) {
	mk := []func() env.Snapshotter{
		func() env.Snapshotter { return NewCartPole() },
		func() env.Snapshotter { return NewAcrobot() },
		func() env.Snapshotter { return NewPendulum(0) },
		func() env.Snapshotter { return NewMountainCar() },
		func() env.Snapshotter { return NewMountainCarContinuous() },
	}
	for _, m := range mk {
		s, _ := m().Snapshot()
		f.Add(s)
	}
	f.Add([]byte("CartPole-v1"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, m := range mk {
			a := m()
			if err := a.Restore(data); err != nil {
				continue
			}
			snap, err := a.Snapshot()
			if err != nil {
				t.Fatalf("%T: snapshot after an accepted restore: %v", a, err)
			}
			b := m()
			if err := b.Restore(snap); err != nil {
				t.Fatalf("%T: own snapshot %x rejected: %v", a, snap, err)
			}
			for i := 0; i < 3; i++ {
				ta, tb := a.(env.Env).Step([]float64{1}), b.(env.Env).Step([]float64{1})
				if !slicesEqual(ta.Obs, tb.Obs) || !sameFloat(ta.Reward, tb.Reward) || ta.Terminated != tb.Terminated {
					t.Fatalf("%T: restored copies diverge at step %d", a, i)
				}
			}
		}
	})
}

package env_test

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"gorl/env"
)

func newWalkVector(t *testing.T, n, workers, limit int) *env.Vector {
	t.Helper()
	v, err := env.NewVector(n, workers, func(int) (env.Env, error) {
		return env.NewTimeLimit(newWalk(), limit), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(v.Close)
	return v
}

func TestNewVectorErrors(t *testing.T) {
	if _, err := env.NewVector(0, 1, func(int) (env.Env, error) { return newWalk(), nil }); err == nil {
		t.Fatal("a vector of 0 environments was accepted")
	}
	boom := errors.New("boom")
	_, err := env.NewVector(3, 2, func(i int) (env.Env, error) {
		if i == 2 {
			return nil, boom
		}
		return newWalk(), nil
	})
	if !errors.Is(err, boom) {
		t.Fatalf("constructor error lost: %v", err)
	}
	if _, err := env.MakeVector("gorl-test/NoSuchEnv-v0", nil, 2, 1); err == nil || !strings.Contains(err.Error(), "NoSuchEnv") {
		t.Fatalf("MakeVector of an unknown id: %v", err)
	}
}

func TestVectorWorkersClamped(t *testing.T) {
	for _, c := range [][3]int{{4, 0, 1}, {4, -2, 1}, {4, 9, 4}, {5, 2, 2}} {
		v := newWalkVector(t, c[0], c[1], 10)
		if v.Workers() != c[2] || v.Num() != c[0] {
			t.Errorf("NewVector(%d, %d): %d envs, %d workers; want %d workers", c[0], c[1], v.Num(), v.Workers(), c[2])
		}
	}
}

type vectorRun struct{ rows []string }

func (r *vectorRun) record(v *env.Vector) {
	for i := 0; i < v.Num(); i++ {
		row := fmt.Sprintf("%d %x %v %v %v", i, bitsOf(v.Obs[i]), math.Float64bits(v.Rewards[i]), v.Terminated[i], v.Truncated[i])
		if v.Terminated[i] || v.Truncated[i] {
			row += fmt.Sprintf(" final %x", bitsOf(v.FinalObs[i]))
		}
		r.rows = append(r.rows, row)
	}
}

func bitsOf(x []float64) []uint64 {
	out := make([]uint64, len(x))
	for i, v := range x {
		out[i] = math.Float64bits(v)
	}
	return out
}

func runVector(v *env.Vector, seed uint64, steps int) *vectorRun {
	r := &vectorRun{}
	actions := make([][]float64, v.Num())
	rng := env.NewRand(seed, 77)
	for i := range actions {
		actions[i] = make([]float64, 1)
	}
	for s := 0; s < steps; s++ {
		for i := range actions {
			v.ActionSpace().Sample(rng, actions[i])
		}
		v.Step(actions)
		r.record(v)
	}
	return r
}

// TestVectorSameResultForAnyWorkers uses 7 environments so that blocks are uneven.
func TestVectorSameResultForAnyWorkers(t *testing.T) {
	var runs []*vectorRun
	for _, workers := range []int{1, 2, 3, 7} {
		v := newWalkVector(t, 7, workers, 30)
		v.Seed(13)
		v.Reset()
		runs = append(runs, runVector(v, 13, 300))
	}
	for w := 1; w < len(runs); w++ {
		for k := range runs[0].rows {
			if runs[0].rows[k] != runs[w].rows[k] {
				t.Fatalf("run %d differs at row %d: %s vs %s", w, k, runs[w].rows[k], runs[0].rows[k])
			}
		}
	}
}

// slowWalk is a walk whose steps take at least cost, so that a Vector's chunks shrink to
// a few environments.
type slowWalk struct {
	env.Env
	cost time.Duration
}

func (s slowWalk) Step(a []float64) env.Transition {
	for start := time.Now(); time.Since(start) < s.cost; {
	}
	return s.Env.Step(a)
}

// TestVectorSameResultIdleAndSlow checks the parallel paths that cheap back-to-back Steps
// do not take: helpers that park between Steps (pauses longer than their polling), chunks
// that shrink as steps get costly, and more workers than cores.
func TestVectorSameResultIdleAndSlow(t *testing.T) {
	const n, steps = 9, 60
	run := func(workers int) *vectorRun {
		v, err := env.NewVector(n, workers, func(i int) (env.Env, error) {
			return slowWalk{env.NewTimeLimit(newWalk(), 25), time.Duration(i%3) * 20 * time.Microsecond}, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		defer v.Close()
		v.Seed(21)
		v.Reset()
		r := &vectorRun{}
		actions := make([][]float64, n)
		rng := env.NewRand(21, 77)
		for i := range actions {
			actions[i] = make([]float64, 1)
		}
		for s := 0; s < steps; s++ {
			for i := range actions {
				v.ActionSpace().Sample(rng, actions[i])
			}
			if s%4 == 3 {
				time.Sleep(300 * time.Microsecond)
			}
			v.Step(actions)
			r.record(v)
		}
		return r
	}
	want := run(1)
	for _, workers := range []int{2, 4, 9} {
		got := run(workers)
		for k := range want.rows {
			if got.rows[k] != want.rows[k] {
				t.Fatalf("workers=%d differs at row %d: %s vs %s", workers, k, got.rows[k], want.rows[k])
			}
		}
	}
}

// TestVectorAutoreset checks same-step autoreset against one environment stepped by hand.
func TestVectorAutoreset(t *testing.T) {
	const n, seed = 3, 5
	v := newWalkVector(t, n, 2, 12)
	v.Seed(seed)
	obs := v.Reset()
	single := env.NewTimeLimit(newWalk(), 12)
	single.Seed(env.DeriveSeed(seed, 1)) // sub-environment 1's stream
	first := single.Reset()
	if obs[1][0] != first[0] {
		t.Fatalf("Reset obs %v, want %v", obs[1], first)
	}
	actions := [][]float64{{0.9}, {0.9}, {0.9}}
	ends := 0
	for s := 0; s < 200; s++ {
		v.Step(actions)
		tr := single.Step(actions[1])
		if v.Rewards[1] != tr.Reward || v.Terminated[1] != tr.Terminated || v.Truncated[1] != tr.Truncated {
			t.Fatalf("step %d: vector %v %v %v, single %+v", s, v.Rewards[1], v.Terminated[1], v.Truncated[1], tr)
		}
		if tr.Done() {
			ends++
			if v.FinalObs[1][0] != tr.Obs[0] || v.FinalObs[1][1] != tr.Obs[1] {
				t.Fatalf("step %d: FinalObs %v, want the ended episode's last observation %v", s, v.FinalObs[1], tr.Obs)
			}
			next := single.Reset()
			if v.Obs[1][0] != next[0] || v.Obs[1][1] != 0 {
				t.Fatalf("step %d: Obs %v, want the next episode's first observation %v", s, v.Obs[1], next)
			}
		} else if v.Obs[1][0] != tr.Obs[0] {
			t.Fatalf("step %d: Obs %v, want %v", s, v.Obs[1], tr.Obs)
		}
	}
	if ends < 5 {
		t.Fatalf("only %d episodes ended", ends)
	}
}

func TestVectorSnapshotRestore(t *testing.T) {
	v := newWalkVector(t, 4, 2, 20)
	v.Seed(3)
	v.Reset()
	runVector(v, 1, 55)
	states, err := v.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	obs := make([][]float64, v.Num()) // callers keep Obs themselves
	for i := range obs {
		obs[i] = append([]float64(nil), v.Obs[i]...)
	}
	want := runVector(v, 2, 100)

	u := newWalkVector(t, 4, 1, 20)
	u.Seed(99)
	u.Reset()
	if err := u.Restore(states); err != nil {
		t.Fatal(err)
	}
	for i := range obs {
		copy(u.Obs[i], obs[i])
	}
	got := runVector(u, 2, 100)
	for k := range want.rows {
		if want.rows[k] != got.rows[k] {
			t.Fatalf("row %d: %s vs %s", k, got.rows[k], want.rows[k])
		}
	}
	if err := u.Restore(states[:3]); err == nil {
		t.Fatal("Restore accepted 3 states for 4 environments")
	}
	p, _ := env.NewVector(2, 1, func(int) (env.Env, error) { return &plain{}, nil })
	if _, err := p.Snapshot(); err == nil || !strings.Contains(err.Error(), "env 0") {
		t.Fatalf("snapshot of non-Snapshotters: %v", err)
	}
}

func TestVectorCloseTwice(t *testing.T) {
	v := newWalkVector(t, 4, 2, 20)
	v.Close()
	v.Close()
}

// batchedWalk is a walk that a Vector steps in batches (env.Batcher): each batch steps its
// run of walks itself and logs its calls, so a test can check what the Vector did.
type batchedWalk struct {
	env.Env
	log     *[]string
	total   int  // Len the batches report in all (0: the true total)
	decline bool // Batch returns no batches
}

func (b batchedWalk) Batch(envs []env.Env, groups int) ([]env.EnvBatch, error) {
	if b.decline {
		return nil, nil
	}
	var out []env.EnvBatch
	for k := range groups {
		run := envs[k*len(envs)/groups : (k+1)*len(envs)/groups]
		out = append(out, &walkBatch{k: k, envs: run, log: b.log})
	}
	if b.total > 0 {
		out[0].(*walkBatch).extra = b.total - len(envs)
	}
	return out, nil
}

type walkBatch struct {
	k, extra int
	envs     []env.Env
	actions  [][]float64
	log      *[]string
}

func (w *walkBatch) Len() int { return len(w.envs) + w.extra }

func (w *walkBatch) StartStep(actions [][]float64) {
	*w.log = append(*w.log, fmt.Sprintf("start %d", w.k))
	w.actions = actions
}

func (w *walkBatch) FinishStep(obs, final [][]float64, rewards []float64, terminated, truncated []bool) {
	*w.log = append(*w.log, fmt.Sprintf("finish %d", w.k))
	for i, e := range w.envs {
		tr := e.(batchedWalk).Env.Step(w.actions[i])
		rewards[i], terminated[i], truncated[i] = tr.Reward, tr.Terminated, tr.Truncated
		copy(obs[i], tr.Obs)
		if tr.Done() {
			copy(final[i], tr.Obs)
			copy(obs[i], e.Reset())
		}
	}
}

// TestVectorBatches: a Vector of Batchers steps Workers batches, all started before any
// is finished, each over its own rows, with the results of stepping one by one.
func TestVectorBatches(t *testing.T) {
	plain := newWalkVector(t, 7, 1, 30)
	plain.Seed(13)
	plain.Reset()
	want := runVector(plain, 13, 300)
	var log []string
	v, err := env.NewVector(7, 3, func(int) (env.Env, error) {
		return batchedWalk{Env: env.NewTimeLimit(newWalk(), 30), log: &log}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if v.Batches() != 3 || v.Workers() != 1 {
		t.Fatalf("%d batches, %d workers; want 3 and 1", v.Batches(), v.Workers())
	}
	v.Seed(13)
	v.Reset()
	got := runVector(v, 13, 300)
	if !slices.Equal(got.rows, want.rows) {
		t.Fatal("batched results differ from one-by-one stepping")
	}
	if !slices.Equal(log[:6], []string{"start 0", "start 1", "start 2", "finish 0", "finish 1", "finish 2"}) || len(log) != 6*300 {
		t.Fatalf("calls %v ... (%d), want every batch started, then every batch finished", log[:6], len(log))
	}

	// Batch may decline (the Vector steps one by one) and must cover every environment.
	v, err = env.NewVector(4, 2, func(int) (env.Env, error) { return batchedWalk{Env: newWalk(), log: &log, decline: true}, nil })
	if err != nil || v.Batches() != 0 || v.Workers() != 2 {
		t.Fatalf("declined: %v, %v", v, err)
	}
	v.Close()
	if v, err := env.NewVector(4, 2, func(int) (env.Env, error) { return batchedWalk{Env: newWalk(), log: &log, total: 5}, nil }); err == nil {
		t.Fatalf("batches over 5 of 4 environments accepted: %d batches", v.Batches())
	}
}

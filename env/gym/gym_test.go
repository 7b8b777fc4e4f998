package gym

import (
	"os/exec"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"

	"gorl/env"
)

var (
	pythonOnce sync.Once
	pythonErr  error
)

// needGym skips the test when no interpreter with Gymnasium and gorl_gym is found (make
// deps creates .venv with both; CI runs make test, so it runs these tests).
func needGym(t *testing.T) {
	t.Helper()
	pythonOnce.Do(checkPython)
	if pythonErr != nil {
		t.Skipf("no Python with Gymnasium (run make deps): %v", pythonErr)
	}
}

func checkPython() {
	p, err := FindPython("")
	if err == nil {
		var out []byte
		out, err = exec.Command(p, "-c", "import gymnasium, gorl_gym.worker").CombinedOutput()
		if err != nil {
			err = &exec.Error{Name: p, Err: errorString(strings.TrimSpace(string(out)))}
		}
	}
	pythonErr = err
}

type errorString string

func (e errorString) Error() string { return string(e) }

func mustMake(t *testing.T, id string, opts env.Options) env.Env {
	t.Helper()
	e, err := env.Make(id, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if g, ok := env.As[*Env](e); ok {
			g.Close()
		}
	})
	return e
}

func TestCartPoleSpacesSeedsAndTimeLimit(t *testing.T) {
	needGym(t)
	e := mustMake(t, "gym:CartPole-v1", env.Options{"max_episode_steps": "7"})
	if got := e.ActionSpace(); got.Kind != env.Discrete || got.N != 2 {
		t.Fatalf("action space %v", got)
	}
	if got := e.ObservationSpace(); got.Kind != env.Box || got.Dim() != 4 || float32(got.High[0]) != 4.8 {
		t.Fatalf("observation space %v", got)
	}
	// The same seed gives the same first observation; the next reset continues the stream.
	e.Seed(42)
	first := slices.Clone(e.Reset())
	second := slices.Clone(e.Reset())
	e.Seed(42)
	if again := e.Reset(); !slices.Equal(again, first) || slices.Equal(first, second) {
		t.Fatalf("seeded resets %v, %v, again %v", first, second, again)
	}
	// Alternating pushes keep the pole up for more than 7 steps: Gymnasium's TimeLimit
	// (max_episode_steps passed to gymnasium.make) truncates at step 7, not terminates.
	for i := 1; i <= 7; i++ {
		tr := e.Step([]float64{float64(i % 2)})
		if tr.Reward != 1 || tr.Terminated || tr.Truncated != (i == 7) {
			t.Fatalf("step %d: %+v", i, tr)
		}
	}
}

func TestMultiDiscreteActionsAndKwargs(t *testing.T) {
	needGym(t)
	e := mustMake(t, "gym:gorl_gym.testenvs:GorlEcho-v0", env.Options{"length": "2"})
	act := e.ActionSpace()
	if act.Kind != env.Box || !slices.Equal(act.Low, []float64{0, 0}) || !slices.Equal(act.High, []float64{2, 3}) {
		t.Fatalf("MultiDiscrete([3,4]) as %v", act)
	}
	e.Seed(1)
	e.Reset()
	// Rounded and clipped to valid values, then the start offset [1, 0] added back.
	tr := e.Step([]float64{1.6, 7})
	if !slices.Equal(tr.Obs, []float64{3, 3}) || tr.Reward != 1 || tr.Terminated {
		t.Fatalf("first step %+v", tr)
	}
	if tr = e.Step([]float64{-1, 0.2}); !slices.Equal(tr.Obs, []float64{1, 0}) || !tr.Terminated {
		t.Fatalf("second step %+v (length=2 from --env-opt should end the episode)", tr)
	}
}

func TestErrorsAreOneLine(t *testing.T) {
	needGym(t)
	for _, c := range []struct{ id, want string }{
		{"gym:NoSuchEnv-v0", "NameNotFound: Environment `NoSuchEnv` doesn't exist."},
		{"gym:gorl_gym.testenvs:GorlDict-v0", "is not supported (gorl takes Box, Discrete and MultiDiscrete)"},
	} {
		_, err := env.Make(c.id, nil)
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("make %s: %v, want one line with %q", c.id, err, c.want)
		}
	}
	if _, err := env.Make("gym:CartPole-v1", env.Options{"python": "/no/such/python"}); err == nil ||
		!strings.Contains(err.Error(), `python "/no/such/python" not found`) {
		t.Errorf("missing python: %v", err)
	}
}

func TestPythonExceptionInStepFails(t *testing.T) {
	needGym(t)
	e := mustMake(t, "gym:gorl_gym.testenvs:GorlRaise-v0", env.Options{"at": "2"})
	g, _ := env.As[*Env](e)
	e.Reset()
	if tr := e.Step([]float64{0}); tr.Done() || g.Failure() != nil {
		t.Fatalf("step 1: %+v %v", tr, g.Failure())
	}
	tr := e.Step([]float64{0})
	err := g.Failure()
	if !tr.Terminated || err == nil || err.Error() != "env gym:gorl_gym.testenvs:GorlRaise-v0: Python raised ValueError: boom at step 2" {
		t.Fatalf("step 2: %+v, failure %v", tr, err)
	}
	// The environment stays failed: no further message reaches the worker.
	if tr := e.Step([]float64{0}); !tr.Terminated || g.Failure() != err {
		t.Fatalf("after the failure: %+v %v", tr, g.Failure())
	}
}

func TestKilledWorkerFails(t *testing.T) {
	needGym(t)
	e := mustMake(t, "gym:CartPole-v1", nil)
	g, _ := env.As[*Env](e)
	e.Reset()
	if err := syscall.Kill(g.Pid(), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	tr := e.Step([]float64{1})
	err := g.Failure()
	if !tr.Terminated || err == nil || !strings.Contains(err.Error(), "python worker") ||
		!strings.Contains(err.Error(), "died: signal: killed") {
		t.Fatalf("after kill: %+v, %v", tr, err)
	}
}

// A Batch's environments follow the same trajectories as single environments seeded
// alike, with same-step autoreset: FinalObs holds the observation that ended an episode.
func TestBatchMatchesSingleEnvs(t *testing.T) {
	needGym(t)
	b, err := NewBatch("CartPole-v1", 2, 2, WorkerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	const seed = 9
	if err := b.Reset(seed); err != nil {
		t.Fatal(err)
	}
	singles := make([]*Env, b.Num())
	for i := range singles {
		s, err := New("CartPole-v1", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		singles[i] = s
		s.seed = int64(env.DeriveSeed(seed, uint64(i)) >> 1)
		if obs := s.Reset(); !slices.Equal(obs, b.Obs[i]) {
			t.Fatalf("env %d: reset %v, batch %v", i, obs, b.Obs[i])
		}
	}
	actions := make([][]float64, b.Num())
	ended := 0
	for step := range 60 {
		for i := range actions {
			actions[i] = []float64{float64((step / (i + 1)) % 2)}
		}
		if err := b.Step(actions); err != nil {
			t.Fatal(err)
		}
		for i, s := range singles {
			tr := s.Step(actions[i])
			if tr.Reward != b.Rewards[i] || tr.Terminated != b.Terminated[i] || tr.Truncated != b.Truncated[i] {
				t.Fatalf("step %d env %d: %+v, batch %v %v %v", step, i, tr, b.Rewards[i], b.Terminated[i], b.Truncated[i])
			}
			want := tr.Obs
			if tr.Done() {
				ended++
				if !slices.Equal(b.FinalObs[i], tr.Obs) {
					t.Fatalf("step %d env %d: final obs %v, want %v", step, i, b.FinalObs[i], tr.Obs)
				}
				want = s.Reset()
			}
			if !slices.Equal(b.Obs[i], want) {
				t.Fatalf("step %d env %d: obs %v, want %v", step, i, b.Obs[i], want)
			}
		}
	}
	if ended == 0 {
		t.Fatal("no episode ended: autoreset untested")
	}
}

// An env.Vector of gym: environments steps them through StartStep/FinishStep (all
// started, then all finished) with the results of stepping each in turn.
func TestVectorStepsGymEnvsSideBySide(t *testing.T) {
	needGym(t)
	const n, seed = 2, 5
	vec, err := env.NewVector(n, 2, func(int) (env.Env, error) { return New("CartPole-v1", nil) })
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		for _, e := range vec.Envs {
			e.(*Env).Close()
		}
	}()
	if vec.Workers() != 1 {
		t.Fatalf("a vector of gym: envs uses %d goroutines, want 1 (processes step side by side)", vec.Workers())
	}
	singles := make([]*Env, n)
	for i := range singles {
		if singles[i], err = New("CartPole-v1", nil); err != nil {
			t.Fatal(err)
		}
		defer singles[i].Close()
		singles[i].Seed(env.DeriveSeed(seed, uint64(i)))
		singles[i].Reset()
	}
	vec.Seed(seed)
	vec.Reset()
	actions := make([][]float64, n)
	ended := 0
	for step := range 80 {
		for i := range actions {
			actions[i] = []float64{float64((step / (i + 2)) % 2)}
		}
		vec.Step(actions)
		for i, s := range singles {
			tr := s.Step(actions[i])
			want := tr.Obs
			if tr.Done() {
				ended++
				if !slices.Equal(vec.FinalObs[i], tr.Obs) {
					t.Fatalf("step %d env %d: final obs %v, want %v", step, i, vec.FinalObs[i], tr.Obs)
				}
				want = s.Reset()
			}
			if !slices.Equal(vec.Obs[i], want) || vec.Rewards[i] != tr.Reward || vec.Terminated[i] != tr.Terminated {
				t.Fatalf("step %d env %d: obs %v, want %v", step, i, vec.Obs[i], want)
			}
		}
	}
	if ended == 0 || vec.Failure() != nil {
		t.Fatalf("%d episodes ended, failure %v", ended, vec.Failure())
	}
}

// gym:<id> resolves through the registry's family without starting Python; a bare
// prefix is no id.
func TestFamilyLookup(t *testing.T) {
	spec, ok := env.Lookup("gym:Hopper-v5")
	if !ok || spec.ID != "gym:Hopper-v5" || !strings.Contains(spec.Description, "Gymnasium") {
		t.Fatalf("lookup gym:Hopper-v5: %+v %v", spec, ok)
	}
	if _, ok := env.Lookup("gym:"); ok {
		t.Fatal("gym: alone resolved")
	}
	found := false
	for _, f := range env.Families() {
		found = found || f.Prefix == "gym:"
	}
	if !found {
		t.Fatal("gym: family not registered")
	}
}

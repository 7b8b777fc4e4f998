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

// oneByOne hides Batch: a Vector of oneByOne environments steps each with its own Step
// and Reset messages, the path of environments that are not Batchers.
type oneByOne struct{ env.Env }

// stepBoth steps a batched Vector and a one-by-one Vector of the same id and seed with
// the same actions and requires bit-identical results, same-step autoreset included; it
// returns the numbers of terminated and truncated episodes.
func stepBoth(t *testing.T, id string, opts env.Options, n, groups, steps int, action func(step, i int) []float64) (terms, truncs int) {
	t.Helper()
	mk := func(int) (env.Env, error) { return New(id, opts) }
	batched, err := env.NewVector(n, groups, mk)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := env.NewVector(n, 1, func(i int) (env.Env, error) { e, err := mk(i); return oneByOne{e}, err })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for i := range n {
			batched.Envs[i].(*Env).Close()
			plain.Envs[i].(oneByOne).Env.(*Env).Close()
		}
	})
	if batched.Batches() != groups || plain.Batches() != 0 || batched.Workers() != 1 {
		t.Fatalf("batches %d and %d, workers %d; want %d, 0 and 1", batched.Batches(), plain.Batches(), batched.Workers(), groups)
	}
	pids := map[int]bool{}
	for _, e := range batched.Envs {
		pids[e.(*Env).Pid()] = true
	}
	if len(pids) != groups {
		t.Fatalf("%d environments in %d processes, want %d", n, len(pids), groups)
	}
	const seed = 11
	batched.Seed(seed)
	plain.Seed(seed)
	batched.Reset()
	plain.Reset()
	if !slices.EqualFunc(batched.Obs, plain.Obs, slices.Equal) {
		t.Fatalf("reset: %v, one by one %v", batched.Obs, plain.Obs)
	}
	actions := make([][]float64, n)
	for step := range steps {
		for i := range actions {
			actions[i] = action(step, i)
		}
		batched.Step(actions)
		plain.Step(actions)
		for i := range n {
			if batched.Rewards[i] != plain.Rewards[i] || batched.Terminated[i] != plain.Terminated[i] ||
				batched.Truncated[i] != plain.Truncated[i] || !slices.Equal(batched.Obs[i], plain.Obs[i]) {
				t.Fatalf("step %d env %d: %v %v %v %v, one by one %v %v %v %v", step, i, batched.Obs[i], batched.Rewards[i],
					batched.Terminated[i], batched.Truncated[i], plain.Obs[i], plain.Rewards[i], plain.Terminated[i], plain.Truncated[i])
			}
			if batched.Terminated[i] || batched.Truncated[i] {
				if !slices.Equal(batched.FinalObs[i], plain.FinalObs[i]) {
					t.Fatalf("step %d env %d: final obs %v, one by one %v", step, i, batched.FinalObs[i], plain.FinalObs[i])
				}
				if batched.Terminated[i] {
					terms++
				} else {
					truncs++
				}
			}
		}
	}
	if batched.Failure() != nil || plain.Failure() != nil {
		t.Fatalf("failures %v, %v", batched.Failure(), plain.Failure())
	}
	return terms, truncs
}

// A Vector of gym: environments steps them in batches, one message per worker process
// and vector step, with results bit-identical to stepping each alone: terminations
// (CartPole's pole falls) and truncations (a time limit of 25) included.
func TestVectorBatchesMatchOneByOne(t *testing.T) {
	needGym(t)
	for _, groups := range []int{1, 2} {
		terms, truncs := stepBoth(t, "CartPole-v1", env.Options{"max_episode_steps": "25"}, 5, groups, 120,
			func(step, i int) []float64 { return []float64{float64((step / (i + 1)) % 2)} })
		if terms == 0 || truncs == 0 {
			t.Fatalf("groups %d: %d terminated and %d truncated episodes: autoreset untested", groups, terms, truncs)
		}
	}
	// Box actions of several values (Pendulum's torque, one value; MultiDiscrete as a Box).
	stepBoth(t, "Pendulum-v1", env.Options{"max_episode_steps": "7"}, 3, 2, 20,
		func(step, i int) []float64 { return []float64{float64(step%5-2) * 0.7} })
	stepBoth(t, "gorl_gym.testenvs:GorlEcho-v0", env.Options{"length": "3"}, 3, 2, 10,
		func(step, i int) []float64 { return []float64{float64(step % 3), float64((step + i) % 4)} })
}

// A Python exception and a killed worker fail every environment of the batch; the
// Vector reports the failure in one line and its episodes end.
func TestBatchFailures(t *testing.T) {
	needGym(t)
	vec, err := env.NewVector(3, 1, func(int) (env.Env, error) { return New("gorl_gym.testenvs:GorlRaise-v0", env.Options{"at": "2"}) })
	if err != nil {
		t.Fatal(err)
	}
	defer closeAll(vec)
	vec.Reset()
	acts := [][]float64{{0}, {0}, {0}}
	vec.Step(acts)
	if vec.Failure() != nil {
		t.Fatal(vec.Failure())
	}
	vec.Step(acts)
	if err := vec.Failure(); err == nil || err.Error() != "env gym:gorl_gym.testenvs:GorlRaise-v0: Python raised ValueError: boom at step 2" {
		t.Fatalf("failure %v", err)
	}
	if !slices.Equal(vec.Terminated, []bool{true, true, true}) {
		t.Fatalf("terminated %v", vec.Terminated)
	}

	vec, err = env.NewVector(4, 2, func(int) (env.Env, error) { return New("CartPole-v1", nil) })
	if err != nil {
		t.Fatal(err)
	}
	defer closeAll(vec)
	vec.Reset()
	if err := syscall.Kill(vec.Envs[3].(*Env).Pid(), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	vec.Step([][]float64{{0}, {1}, {0}, {1}})
	err = vec.Failure()
	if err == nil || !strings.Contains(err.Error(), "died: signal: killed") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("after kill: %v", err)
	}
	if !slices.Equal(vec.Terminated, []bool{false, false, true, true}) || vec.Envs[0].(*Env).Failure() != nil {
		t.Fatalf("terminated %v (the other process's envs go on), failure of env 0: %v", vec.Terminated, vec.Envs[0].(*Env).Failure())
	}
}

// Describe reports what the run depends on outside gorl.
func TestDescribe(t *testing.T) {
	needGym(t)
	e := mustMake(t, "gym:CartPole-v1", nil)
	d, ok := env.As[env.Describer](e)
	if !ok {
		t.Fatal("gym: env is no env.Describer")
	}
	got := d.Describe()
	p, _ := FindPython("")
	out, err := exec.Command(p, "-c", "import gymnasium, platform; print(gymnasium.__version__, platform.python_version())").Output()
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Fields(string(out))
	if got["gymnasium"] != want[0] || got["python"] != want[1] || got["gorl_gym_protocol"] != "2" || got["numpy"] == "" {
		t.Fatalf("describe %v, want gymnasium %s, python %s, protocol 2", got, want[0], want[1])
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

// An Atari game (ale-py, pinned in python/requirements.txt) through the bridge: its Box
// uint8 image space becomes a flat Box of 210*160*3 values in [0, 255], and its
// observations are whole numbers in it.
func TestAtariImageObservations(t *testing.T) {
	needGym(t)
	p, _ := FindPython("")
	if err := exec.Command(p, "-c", "import ale_py").Run(); err != nil {
		t.Skip("ale-py is not installed (make deps installs it)")
	}
	e := mustMake(t, "gym:ALE/Pong-v5", nil)
	obs, act := e.ObservationSpace(), e.ActionSpace()
	if obs.Kind != env.Box || obs.Dim() != 210*160*3 || obs.Low[0] != 0 || obs.High[obs.Dim()-1] != 255 || act.Kind != env.Discrete || act.N != 6 {
		t.Fatalf("spaces of %d values, %v", obs.Dim(), act)
	}
	e.Seed(1)
	first := slices.Clone(e.Reset())
	var tr env.Transition
	for range 5 {
		tr = e.Step([]float64{2})
	}
	if !obs.Contains(tr.Obs) || tr.Terminated || slices.Max(first) == 0 {
		t.Fatalf("after 5 steps: terminated %v, obs in space %v, first obs max %v", tr.Terminated, obs.Contains(tr.Obs), slices.Max(first))
	}
	for _, v := range tr.Obs {
		if v != float64(uint8(v)) {
			t.Fatalf("observation value %v is no uint8", v)
		}
	}
	if d := env.Describe(e); d["ale_py"] == "" {
		t.Fatalf("describe %v: no ale_py version", d)
	}
}

// A closed environment reports no failure until it is stepped, then fails in one line.
func TestStepAfterClose(t *testing.T) {
	needGym(t)
	e, err := New("CartPole-v1", nil)
	if err != nil {
		t.Fatal(err)
	}
	e.Reset()
	e.Close()
	if e.Failure() != nil {
		t.Fatalf("failure right after close: %v", e.Failure())
	}
	if tr := e.Step([]float64{0}); !tr.Terminated || e.Failure() == nil || e.Failure().Error() != "env gym:CartPole-v1: worker closed" {
		t.Fatalf("step after close: %+v, %v", tr, e.Failure())
	}
}

package agents

import (
	"path/filepath"
	"testing"

	"gorl/env"
	"gorl/logs"
)

// counter is an environment whose observation is the step count within the episode; it
// never terminates, and its registered time limit truncates it after 5 steps.
type counter struct {
	t   float64
	obs []float64
}

func (c *counter) ObservationSpace() env.Space { return env.UniformBox(1, 0, 100) }
func (c *counter) ActionSpace() env.Space      { return env.NewDiscrete(2) }
func (c *counter) Seed(uint64)                 {}
func (c *counter) Reset() []float64 {
	c.t = 0
	c.obs[0] = 0
	return c.obs
}
func (c *counter) Step([]float64) env.Transition {
	c.t++
	c.obs[0] = c.t
	return env.Transition{Obs: c.obs, Reward: 1}
}

func init() {
	env.Register(env.Spec{ID: "test/Counter-v0", MaxEpisodeSteps: 5,
		New: func(env.Options) (env.Env, error) { return &counter{obs: make([]float64, 1)}, nil }})
}

// valueAgent acts 0 and values an observation at 10 times its step count; its Update
// checks what the loop put in the rollout.
type valueAgent struct {
	t       *testing.T
	updates int
}

func (a *valueAgent) Act(obs, actions [][]float64, _ bool) {
	for i := range obs {
		actions[i][0] = 0
	}
}

func (a *valueAgent) Sample(obs, actions [][]float64, logProb, value []float64) {
	for i := range obs {
		actions[i][0], logProb[i], value[i] = 0, -0.5, 10*obs[i][0]
	}
}

func (a *valueAgent) Values(obs [][]float64, value []float64) {
	for i := range obs {
		value[i] = 10 * obs[i][0]
	}
}

func (a *valueAgent) Update(r *Rollout, p Progress) (map[string]float64, error) {
	if p.Update != a.updates || p.Updates != 4 {
		a.t.Errorf("progress %+v, want update %d of 4", p, a.updates)
	}
	a.updates++
	for k := 0; k < r.Len(); k++ {
		obs := r.Obs[k]
		if r.Values[k] != 10*obs {
			a.t.Errorf("step %d: value %v for observation %v", k, r.Values[k], obs)
		}
		if r.Terminated[k] {
			a.t.Errorf("step %d: terminated in an environment that never terminates", k)
		}
		// Observations 0..4 within an episode; the 5th step (from obs 4) is truncated
		// and must bootstrap from the final observation 5 (value 50), not from the
		// next episode's first observation.
		if trunc := obs == 4; r.Truncated[k] != trunc || (trunc && r.TruncValues[k] != 50) {
			a.t.Errorf("step %d (obs %v): truncated %v, bootstrap value %v", k, obs, r.Truncated[k], r.TruncValues[k])
		}
	}
	for i, v := range r.LastValues {
		// 7 steps per env per rollout: the observation after rollout u is (7(u+1)) mod 5.
		if want := float32(10 * ((7 * a.updates) % 5)); v != want {
			a.t.Errorf("env %d: last value %v, want %v", i, v, want)
		}
	}
	return map[string]float64{"loss": float64(a.updates)}, nil
}

func (a *valueAgent) MarshalState() ([]byte, error) { return []byte{byte(a.updates)}, nil }
func (a *valueAgent) UnmarshalState(b []byte) error {
	a.updates = int(b[0])
	return nil
}

// TestLoopBookkeeping checks the rollout the agent receives (truncation bootstraps from
// the final observation), the episode ids (unique across slots, assigned in slot order)
// and the step and metric rows.
func TestLoopBookkeeping(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	run, err := logs.Create(dir, "test", logs.Options{EnvID: "test/Counter-v0"})
	if err != nil {
		t.Fatal(err)
	}
	tc := TrainConfig{Env: "test/Counter-v0", Steps: 4 * 3 * 7, Envs: 3, RolloutSteps: 7}
	agent := &valueAgent{t: t}
	l, err := NewLoop(tc, run, func(env.Space, env.Space) (Agent, error) { return agent, nil })
	if err != nil {
		t.Fatal(err)
	}
	s, err := l.Run()
	if err != nil {
		t.Fatal(err)
	}
	// 28 steps per env: 5 full episodes each (15 in all) and 3 steps of a 6th.
	if s.Update != 4 || s.EnvSteps != 84 || s.Episodes != 15 || s.RecentReturn != 5 {
		t.Fatalf("status %+v", s.Status)
	}
	eps, err := logs.ReadEpisodes(dir)
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range eps {
		// All three envs end episodes at the same steps: ids in slot order.
		if e.Episode != int64(i) || e.Length != 5 || e.Return != 5 || !e.Truncated || e.EnvSteps != int64(15*(i/3+1)) {
			t.Errorf("episode row %d: %+v", i, e)
		}
	}
	n := 0
	err = logs.ScanSteps(dir, func(r *logs.StepRow) error {
		if r.Obs[0] != float64(r.Step) || r.LogProb != -0.5 || r.Value != 10*r.Obs[0] || r.Truncated != (r.Step == 4) {
			t.Errorf("step row %+v", *r)
		}
		n++
		return nil
	})
	if err != nil || n != 84 {
		t.Fatalf("%d step rows (%v), want 84", n, err)
	}
	m, err := logs.ReadMetrics(dir)
	if err != nil || len(m.Rows()) != 4 || m.Rows()[3].Values["loss"] != 4 || m.Rows()[3].EnvSteps != 84 {
		t.Fatalf("metrics %+v (%v)", m, err)
	}
}

// TestCheckpointWithoutEnvState: an environment that cannot save its state still gets
// checkpoints of the agent (for evaluation), and Resume refuses them with a clear error.
func TestCheckpointWithoutEnvState(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	run, err := logs.Create(dir, "test", logs.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tc := TrainConfig{Env: "test/Counter-v0", Steps: 4 * 3 * 7, Envs: 3, RolloutSteps: 7, CheckpointEvery: 2}
	var notes []string
	newAgent := func(env.Space, env.Space) (Agent, error) { return &valueAgent{t: t}, nil }
	l, err := NewLoop(tc, run, newAgent)
	if err != nil {
		t.Fatal(err)
	}
	l.Hooks.Notice = func(m string) { notes = append(notes, m) }
	if _, err := l.Run(); err != nil {
		t.Fatal(err)
	}
	ck, err := LatestCheckpoint(dir)
	if err != nil || ck.Update != 4 || ck.EnvStates != nil || len(ck.Agent) != 1 {
		t.Fatalf("checkpoint %+v (%v)", ck, err)
	}
	if len(notes) != 1 {
		t.Errorf("notices %q, want one about resuming", notes)
	}
	if _, err := Resume(dir, tc, logs.Options{}, newAgent); err == nil {
		t.Fatal("Resume without environment state succeeded")
	} else {
		t.Log(err)
	}
}

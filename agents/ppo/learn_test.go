package ppo

import (
	"math"
	"testing"

	"gorl/agents"
	"gorl/env"
	_ "gorl/env/classic"
)

func newAgentFunc(cfg Config, seed uint64) agents.NewAgentFunc {
	return func(obs, act env.Space) (agents.Agent, error) { return New(obs, act, cfg, seed) }
}

// train runs PPO without logging and returns the final status.
func train(t *testing.T, tc agents.TrainConfig, cfg Config) agents.Summary {
	t.Helper()
	l, err := agents.NewLoop(tc, nil, newAgentFunc(cfg, tc.Seed))
	if err != nil {
		t.Fatal(err)
	}
	s, err := l.Run()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestPPOLearnsCartPole trains for 50k steps: a random policy averages about 22 on
// CartPole-v1; PPO with CleanRL's defaults should be well above 100 by then.
func TestPPOLearnsCartPole(t *testing.T) {
	s := train(t, agents.TrainConfig{Env: "CartPole-v1", Seed: 1, Steps: 50000}, Config{})
	t.Logf("CartPole-v1 after %d steps: mean return of the last 20 episodes %.1f", s.EnvSteps, s.RecentReturn)
	if math.IsNaN(s.RecentReturn) || s.RecentReturn < 100 {
		t.Errorf("mean return %.1f after %d steps, want >= 100 (random: ~22)", s.RecentReturn, s.EnvSteps)
	}
}

// TestPPOLearnsAcrobot trains for 80k steps: a random policy almost never swings up in
// 500 steps (return about -500); PPO should be well above -250 by then.
func TestPPOLearnsAcrobot(t *testing.T) {
	s := train(t, agents.TrainConfig{Env: "Acrobot-v1", Seed: 1, Steps: 81920}, Config{})
	t.Logf("Acrobot-v1 after %d steps: mean return of the last 20 episodes %.1f", s.EnvSteps, s.RecentReturn)
	if math.IsNaN(s.RecentReturn) || s.RecentReturn < -250 {
		t.Errorf("mean return %.1f after %d steps, want >= -250 (random: about -500)", s.RecentReturn, s.EnvSteps)
	}
}

// TestLearnedObjectivesLearnCartPole: PPO with DPO and with a zero-weight TA-LPO drift
// (PPO init) learns CartPole too.
func TestLearnedObjectivesLearnCartPole(t *testing.T) {
	drift := t.TempDir() + "/zero.drift"
	if err := SaveLPO(drift, NewLPO(true, true, 32)); err != nil {
		t.Fatal(err)
	}
	for _, c := range []Config{{Objective: "dpo"}, {Objective: "ta-lpo", ObjectiveParams: drift}} {
		s := train(t, agents.TrainConfig{Env: "CartPole-v1", Seed: 3, Steps: 50000}, c)
		t.Logf("%s: CartPole-v1 after %d steps: mean return %.1f", c.Objective, s.EnvSteps, s.RecentReturn)
		if math.IsNaN(s.RecentReturn) || s.RecentReturn < 100 {
			t.Errorf("%s: mean return %.1f after %d steps, want >= 100 (random: ~22)", c.Objective, s.RecentReturn, s.EnvSteps)
		}
	}
}

// TestDeterministic: the same seed gives the same training, whether one or two
// goroutines step the environments; another seed gives another.
func TestDeterministic(t *testing.T) {
	run := func(seed uint64, workers int) []float64 {
		var out []float64
		l, err := agents.NewLoop(agents.TrainConfig{Env: "CartPole-v1", Seed: seed, Steps: 6 * 512, Workers: workers},
			nil, newAgentFunc(Config{}, seed))
		if err != nil {
			t.Fatal(err)
		}
		l.Hooks.OnUpdate = func(s agents.Status) {
			out = append(out, s.Metrics["policy_loss"], s.Metrics["value_loss"], s.RecentReturn)
		}
		if _, err := l.Run(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	a, b, c := run(11, 1), run(11, 2), run(12, 1)
	for i := range a {
		if a[i] != b[i] && !(math.IsNaN(a[i]) && math.IsNaN(b[i])) {
			t.Fatalf("value %d: %v with 1 worker, %v with 2", i, a[i], b[i])
		}
	}
	if a[len(a)-3] == c[len(c)-3] {
		t.Errorf("seeds 11 and 12 give the same policy loss %v", a[len(a)-3])
	}
}

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

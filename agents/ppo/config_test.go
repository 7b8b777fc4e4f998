package ppo

import (
	"reflect"
	"testing"

	"gorl/agents"
	"gorl/env"
)

// TestDefaultsPerActionSpace: Box actions get CleanRL's ppo_continuous_action.py
// settings where they differ from ppo.py; discrete ones keep ppo.py's, and explicit
// settings win.
func TestDefaultsPerActionSpace(t *testing.T) {
	box, disc := env.UniformBox(1, -2, 2), env.NewDiscrete(2)
	c := Config{}.WithDefaultsFor(box)
	if c.LR != 3e-4 || c.Epochs != 10 || c.Minibatches != 32 || c.EntCoef != -1 || c.entCoef() != 0 ||
		c.Gamma != 0.99 || c.Lambda != 0.95 || c.ClipEps != 0.2 || c.VfCoef != 0.5 || c.MaxGradNorm != 0.5 || c.ConstantLR {
		t.Fatalf("Box defaults %+v", c)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if again := c.WithDefaults(); !reflect.DeepEqual(again, c) {
		t.Fatalf("WithDefaults changed effective Box settings: %+v", again)
	}
	if d := (Config{}).WithDefaultsFor(disc); !reflect.DeepEqual(d, Config{}.WithDefaults()) || d.LR != 2.5e-4 || d.EntCoef != 0.01 {
		t.Fatalf("discrete defaults %+v", d)
	}
	if e := (Config{LR: 1e-3, Epochs: 2, EntCoef: 0.05}).WithDefaultsFor(box); e.LR != 1e-3 || e.Epochs != 2 || e.EntCoef != 0.05 || e.Minibatches != 32 {
		t.Fatalf("explicit settings lost: %+v", e)
	}

	tc, pc, err := Defaults(agents.TrainConfig{Env: "Pendulum-v1"}, Config{})
	if err != nil {
		t.Fatal(err)
	}
	if tc.Envs != 1 || tc.RolloutSteps != 2048 || tc.Steps != 1000000 || tc.Normalize != agents.NormalizeOn || pc.Epochs != 10 {
		t.Fatalf("Pendulum-v1 defaults %+v %+v", tc, pc)
	}
	tc, pc, err = Defaults(agents.TrainConfig{Env: "CartPole-v1"}, Config{})
	if err != nil {
		t.Fatal(err)
	}
	want := agents.TrainConfig{Env: "CartPole-v1"}.WithDefaults()
	want.Normalize = agents.NormalizeOff
	if !reflect.DeepEqual(tc, want) || !reflect.DeepEqual(pc, Config{}.WithDefaults()) {
		t.Fatalf("CartPole-v1 defaults %+v %+v", tc, pc)
	}
	if _, _, err := Defaults(agents.TrainConfig{Env: "NoSuchEnv-v0"}, Config{}); err == nil {
		t.Fatal("unknown env accepted")
	}
	if _, _, err := Defaults(agents.TrainConfig{}, Config{}); err == nil {
		t.Fatal("empty env id accepted")
	}

	a, err := New(env.UniformBox(3, -1, 1), box, Config{}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if a.Config.Epochs != 10 || a.Discount() != 0.99 {
		t.Fatalf("New on a Box: %+v", a.Config)
	}
}

package lpg

import (
	"bytes"
	"testing"

	"gorl/env"
	_ "gorl/env/gridworld"
)

// TestLearnerResumesExactly trains 3 + 3 updates with a save and restore between them
// (into a freshly built learner, as a persistent agent is rebuilt each generation) and
// compares with 6 uninterrupted updates.
func TestLearnerResumesExactly(t *testing.T) {
	rule, err := NewRule(env.NewRand(3), RuleConfig{Temporal: true, Hidden: 8})
	if err != nil {
		t.Fatal(err)
	}
	spec := LearnerSpec{Env: "grid/dense", EnvOptions: env.Options{"level": "1"}, Envs: 2, Steps: 5,
		Agent: Config{Hidden: []int{8}}, Seed: 4, Lifetime: 10}
	mk := func() *Learner {
		l, err := NewLearner(spec, rule)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	a := mk()
	defer a.Close()
	if err := a.Train(6, nil); err != nil {
		t.Fatal(err)
	}
	b := mk()
	if err := b.Train(3, nil); err != nil {
		t.Fatal(err)
	}
	st, err := b.MarshalState()
	b.Close()
	if err != nil {
		t.Fatal(err)
	}
	c := mk()
	defer c.Close()
	if err := c.UnmarshalState(st); err != nil {
		t.Fatal(err)
	}
	if err := c.Train(3, nil); err != nil {
		t.Fatal(err)
	}
	sa, _ := a.MarshalState()
	sc, _ := c.MarshalState()
	if !bytes.Equal(sa, sc) || c.Updates != 6 || c.EnvSteps != 60 {
		t.Fatalf("restored learner differs from the uninterrupted one (updates %d, env steps %d)", c.Updates, c.EnvSteps)
	}
	if err := c.Train(10, nil); err != nil || c.Updates != 10 || !c.Done() {
		t.Fatalf("training past the lifetime: updates %d, err %v", c.Updates, err)
	}
}

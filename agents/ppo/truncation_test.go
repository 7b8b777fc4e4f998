package ppo

import (
	"testing"

	"gorl/agents"
	"gorl/env"
)

// TestTruncationAsTermination: with the setting a time-limit end bootstraps with 0, so
// the update sees the advantages of a terminated transition; without it, it bootstraps
// from the final observation's value.
func TestTruncationAsTermination(t *testing.T) {
	adv := func(tat bool) []float32 {
		a, err := New(env.NewBox(make([]float64, 4), make([]float64, 4)), env.NewDiscrete(2),
			Config{TruncationAsTermination: tat, Minibatches: 1, Epochs: 1}, 1)
		if err != nil {
			t.Fatal(err)
		}
		r := agents.NewRollout(2, 1, 4, 1)
		copy(r.Rewards, []float32{1, 1})
		copy(r.Values, []float32{2, 3})
		r.Truncated[0], r.TruncValues[0] = true, 10
		r.LastValues[0] = 4
		if _, err := a.Update(r, agents.Progress{Updates: 1}); err != nil {
			t.Fatal(err)
		}
		return r.Advantages
	}
	// Step 0 ends its episode: delta = 1 + 0.99 * (0 or 10) - 2; step 1 bootstraps from 4.
	if got := adv(true)[0]; got != 1-2 {
		t.Errorf("truncation as termination: advantage %v, want -1", got)
	}
	if got, want := adv(false)[0], float32(1+0.99*10-2); got != want {
		t.Errorf("bootstrapped truncation: advantage %v, want %v", got, want)
	}
}

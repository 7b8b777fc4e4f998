package glow

import (
	"testing"

	"gorl/env/lock"
)

// On the rich lock with H = 2 and uniform actions in the data, both neural learners
// (Hy-Q's FQI and HyGLOW's descent-ascent) recover the combination from rotated noisy
// observations: their greedy policies open the lock.
func TestNeuralLearnersOpenSmallRichLock(t *testing.T) {
	p, err := LockProblem(lock.Config{H: 2, Actions: 3, LockSeed: 5}, true)
	if err != nil {
		t.Fatal(err)
	}
	off, err := offlineTuples(p, lock.Mixed, 600, 3)
	if err != nil {
		t.Fatal(err)
	}
	d := NewData(p.H, 0, p.A)
	for h := range off {
		for _, tu := range off[h] {
			d.Add(h, tu)
		}
	}
	// Descent-ascent needs more updates than regression: w has to track E[D | x, a].
	for _, c := range []struct {
		da    bool
		steps int
	}{{false, 500}, {true, 2000}} {
		da := c.da
		m := &Neural{Dim: p.Dim, A: p.A, Steps: c.steps, Batch: 512, DescentAscent: da, Seed: 1}
		pi, err := m.Fit(d, 600)
		if err != nil {
			t.Fatal(err)
		}
		e := p.NewEnv()
		e.Seed(9)
		wins := 0
		for i := 0; i < 200; i++ {
			if _, ret := rollout(p, e, pi); ret >= 0.5 {
				wins++
			}
		}
		if wins < 190 {
			t.Errorf("descent-ascent=%v: the fitted policy opened the lock in %d/200 episodes, want >= 190", da, wins)
		}
	}
}

package suggest

import "testing"

func TestClosest(t *testing.T) {
	ids := []string{"CartPole-v1", "Acrobot-v1", "Pendulum-v1", "sgrl/hopper-3"}
	for name, want := range map[string]string{"cartpole-v1": "CartPole-v1", "CartPol-v1": "CartPole-v1", "Pendulum-v0": "Pendulum-v1", "Breakout": ""} {
		if got := Closest(name, ids); got != want {
			t.Errorf("Closest(%q) = %q, want %q", name, got, want)
		}
	}
	if d := Distance("kitten", "sitting"); d != 3 {
		t.Errorf("Distance(kitten, sitting) = %d, want 3", d)
	}
}

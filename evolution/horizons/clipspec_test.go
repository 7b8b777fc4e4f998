package horizons

import (
	"strings"
	"testing"

	"gorl/agents/ppo"
)

// TestClipSpec: PPO-clip's effective range is 1 ± eps at every n/N; bad settings and
// objectives fail in one line naming the flag.
func TestClipSpec(t *testing.T) {
	s := ClipSpec{Objective: "clip", ClipEps: 0.2, Advs: []float64{-1, 1}, Points: 3, RMin: 0.5, RMax: 2, RStep: 0.001}
	c, err := s.Run()
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Points) != 6 || c.PPOEps != 0.2 {
		t.Fatalf("%d points, PPO eps %v", len(c.Points), c.PPOEps)
	}
	for _, p := range c.Points {
		want := 1.2
		if p.Adv < 0 {
			want = 0.8
		}
		if d := p.Ratio - want; d > 1e-9 || d < -1e-9 {
			t.Fatalf("r*(A=%v, n/N=%v) = %v, want %v", p.Adv, p.Progress, p.Ratio, want)
		}
	}
	if _, ok := c.Obj.(ppo.Clip); !ok {
		t.Fatalf("objective %T", c.Obj)
	}
	for want, change := range map[string]func(*ClipSpec){
		"--points":                       func(s *ClipSpec) { s.Points = 1 },
		"--r-min":                        func(s *ClipSpec) { s.RMin = 1 },
		"--clip-eps":                     func(s *ClipSpec) { s.ClipEps = 1 },
		"--adv needs":                    func(s *ClipSpec) { s.Advs = nil },
		"--objective lpo needs a drift":  func(s *ClipSpec) { s.Objective = "lpo" },
		"want a drift file":              func(s *ClipSpec) { s.Objective = "" },
		"drift file nope.drift: no such": func(s *ClipSpec) { s.Objective, s.File = "", "nope.drift" },
	} {
		bad := s
		change(&bad)
		if _, err := bad.Run(); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v", want, err)
		}
	}
}

package agents

import (
	"bytes"
	"math"
	"strings"
	"testing"
)

// A 3D run's summary prints its reward terms beside the return; other runs print none.
func TestSummaryRewardTerms(t *testing.T) {
	rc := &RunConfig{Env: "sgrl/hopper-3-shin", Seed: 1}
	var b bytes.Buffer
	s := Summary{Status: Status{RecentReturn: 223, Metrics: map[string]float64{"alive": 160, "progress": 64.1, "control": -1.5, "heading": 0.4}},
		ReturnWindow: 20, ResumedSteps: -1}
	s.WriteText(&b, "run", rc)
	if want := "terms      progress 64.10, heading 0.40, alive 160.00, control -1.50 (per episode, recent episodes)\n"; !strings.Contains(b.String(), want) {
		t.Fatalf("summary %q lacks %q", b.String(), want)
	}
	b.Reset()
	s.Metrics = nil
	s.RecentReturn = math.NaN()
	s.WriteText(&b, "run", rc)
	if strings.Contains(b.String(), "terms") {
		t.Fatalf("a run without reward terms printed %q", b.String())
	}
}

package plot

import "testing"

func TestCheckSizeAndLabels(t *testing.T) {
	if CheckSize(8, 5) != nil || CheckSize(0, 5) == nil || CheckSize(8, 101) == nil {
		t.Fatal("CheckSize accepts or refuses the wrong sizes")
	}
	f := Figure{YLabel: "kept"}
	f.DefaultLabels("env_steps", "return", 5)
	if f.XLabel != "env steps" || f.YLabel != "kept" {
		t.Fatalf("labels %q, %q", f.XLabel, f.YLabel)
	}
	g := Figure{}
	g.DefaultLabels("wall_seconds", "return", 5)
	if g.YLabel != "return (moving average of 5)" {
		t.Fatalf("y label %q", g.YLabel)
	}
}

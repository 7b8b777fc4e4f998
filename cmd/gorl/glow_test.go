package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gorl/logs"
)

// gorl glow run --env incomplete writes the metrics of hyq and hyglow with the columns
// seed, iteration, success and mixture_success, and prints the output mixture first.
func TestGlowRunIncompleteMetrics(t *testing.T) {
	for _, algo := range []string{"hyq", "hyglow", "offline"} {
		dir := filepath.Join(t.TempDir(), algo)
		out, stderr, code := gorl(t, "glow", "run", "--env", "incomplete", "--algo", algo, "--offline", "mixed", "--H", "5",
			"--seeds", "2", "--episodes", "30", "--run-dir", dir, "--quiet")
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", algo, code, stderr)
		}
		if !strings.Contains(out, "on lock/incomplete") || !strings.Contains(out, "output mixture success") || !strings.Contains(out, "last policy success") {
			t.Fatalf("%s: output %q", algo, out)
		}
		m, err := logs.ReadMetrics(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, col := range []string{"success", "mixture_success"} {
			if _, ok := m.Column(col); !ok {
				t.Fatalf("%s: metrics.parquet has no %s column: %v", algo, col, m.Names)
			}
		}
		if len(m.Seed) != 60 || m.Iteration[len(m.Iteration)-1] != 30 {
			t.Fatalf("%s: %d rows, last iteration %d; want 60 rows up to iteration 30", algo, len(m.Seed), m.Iteration[len(m.Iteration)-1])
		}
	}
}

// gorl glow sweep --plot writes a log-log figure next to the table.
func TestGlowSweepPlot(t *testing.T) {
	png := filepath.Join(t.TempDir(), "sweep.png")
	out, stderr, code := gorl(t, "glow", "sweep", "--env", "incomplete", "--H", "5,6", "--algos", "hyglow,hyq", "--seeds", "3",
		"--episodes", "60", "--plot", png, "--quiet")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(out, "hyglow") || !strings.Contains(out, "exponent") || !strings.Contains(out, "plot: "+png) {
		t.Fatalf("output %q", out)
	}
	if st, err := os.Stat(png); err != nil || st.Size() == 0 {
		t.Fatalf("plot %s: %v", png, err)
	}
}

func TestGlowBadInput(t *testing.T) {
	dir := t.TempDir()
	wantOneLineError(t, `unknown weight class "x"`, "glow", "run", "--weights", "x", "--run-dir", filepath.Join(dir, "a"), "--quiet")
	wantOneLineError(t, "they need class finite, not tabular", "glow", "run", "--weights", "ratios", "--run-dir", filepath.Join(dir, "b"), "--quiet")
	wantOneLineError(t, "they apply to glow, hyglow and offline, not hyq", "glow", "run", "--algo", "hyq", "--class", "finite", "--weights", "ratios", "--run-dir", filepath.Join(dir, "c"), "--quiet")
	wantOneLineError(t, "it needs --offline epsilon or mixed", "glow", "run", "--algo", "offline", "--run-dir", filepath.Join(dir, "d"), "--quiet")
	wantOneLineError(t, `--env "x": want lock, lock-rich or incomplete`, "glow", "sweep", "--env", "x", "--H", "5")
	wantOneLineError(t, "plot", "glow", "sweep", "--env", "incomplete", "--H", "5", "--algos", "hyq", "--seeds", "1", "--episodes", "5", "--plot", filepath.Join(dir, "x.txt"), "--quiet")
}

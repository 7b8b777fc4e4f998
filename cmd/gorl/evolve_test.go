package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gorl/logs"
)

func TestEvolveWritesUsableDrift(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ev")
	out, stderr, code := gorl(t, "evolve", "--objective", "lpo", "--generations", "2", "--population", "4",
		"--inner-steps", "1024", "--hidden", "8", "--fitness-episodes", "2", "--seed", "3", "--run-dir", dir, "--quiet")
	if code != 0 {
		t.Fatalf("gorl evolve: exit %d: %s", code, stderr)
	}
	if !strings.Contains(out, "generation 1:") {
		t.Fatalf("no per-generation lines: %s", out)
	}
	m, err := logs.ReadMetrics(dir)
	if err != nil {
		t.Fatal(err)
	}
	if m.Len() != 2 {
		t.Fatalf("%d metrics rows, want 2", m.Len())
	}
	for _, col := range []string{"fitness_mean", "fitness_max", "fitness_min", "sigma", "lr", "clip_fitness"} {
		if _, ok := m.Column(col); !ok {
			t.Fatalf("metrics.parquet lacks %s", col)
		}
	}
	_, stderr, code = gorl(t, "train", "--objective", "lpo", "--objective-params", filepath.Join(dir, "mean.drift"),
		"--steps", "512", "--run-dir", filepath.Join(t.TempDir(), "tr"), "--quiet")
	if code != 0 {
		t.Fatalf("gorl train with the evolved drift: exit %d: %s", code, stderr)
	}
	// A TA-LPO drift file is refused by --objective lpo.
	wantOneLineError(t, "holds a lpo drift network", "train", "--objective", "ta-lpo", "--objective-params", filepath.Join(dir, "best.drift"),
		"--steps", "512", "--run-dir", filepath.Join(t.TempDir(), "tr2"), "--quiet")
}

func TestEvolveBadFlags(t *testing.T) {
	for _, c := range []struct {
		want string
		args []string
	}{
		{"--objective must be lpo or ta-lpo", []string{"--objective", "clip"}},
		{"--population must be even", []string{"--population", "5"}},
		{"--generations must be in", []string{"--generations", "0"}},
		{"--inner-steps must be in", []string{"--inner-steps", "0"}},
		{"--sigma must be a positive number", []string{"--sigma", "-1"}},
		{"--lr must be a positive number", []string{"--lr", "NaN"}},
		{"--workers must be in", []string{"--workers", "-2"}},
		{"unknown env", []string{"--env", "NoSuchEnv-v0"}},
		{"decays", []string{"--sigma-decay", "1.5"}},
	} {
		wantOneLineError(t, c.want, append([]string{"evolve", "--run-dir", filepath.Join(t.TempDir(), "x")}, c.args...)...)
	}
}

func TestEvolveResume(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ev")
	args := []string{"evolve", "--generations", "1", "--population", "2", "--inner-steps", "512", "--hidden", "4",
		"--fitness-episodes", "1", "--run-dir", dir, "--quiet"}
	if _, stderr, code := gorl(t, args...); code != 0 {
		t.Fatalf("gorl evolve: %s", stderr)
	}
	wantOneLineError(t, "already completed its 1 generations", "evolve", "--resume", "--run-dir", dir)
	wantOneLineError(t, "drop --seed", "evolve", "--resume", "--run-dir", dir, "--seed", "4")
	wantOneLineError(t, "--resume needs --run-dir", "evolve", "--resume")
	// Extend the recorded budget by one generation and continue.
	path := filepath.Join(dir, "config.json")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"generations": 1,`) {
		t.Fatalf("config.json lacks the generations setting: %s", b)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(string(b), `"generations": 1,`, `"generations": 2,`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	// Where members run does not change the result: the resumed generation runs on NATS workers.
	out, stderr, code := gorl(t, "evolve", "--resume", "--run-dir", dir, "--quiet", "--distributed", "--local-workers", "1")
	if code != 0 || !strings.Contains(out, "generation 1:") || strings.Contains(out, "generation 0:") {
		t.Fatalf("resume: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
	m, err := logs.ReadMetrics(dir)
	if err != nil {
		t.Fatal(err)
	}
	if m.Len() != 2 {
		t.Fatalf("%d metrics rows after the resumed generation, want 2", m.Len())
	}
}

package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gorl/logs"
)

// The research commands write run directories that the logs readers understand.

func TestLmdpRunWritesRegretMetrics(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "lmdp")
	out, stderr, code := gorl(t, "lmdp", "run", "--family", "cue", "--M", "2", "--H", "4", "--K", "300",
		"--seeds", "2", "--solver", "value-optimistic", "--run-dir", dir, "--quiet")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(out, "final regret") {
		t.Fatalf("output %q", out)
	}
	m, err := logs.ReadMetrics(dir)
	if err != nil {
		t.Fatal(err)
	}
	regret, ok := m.Column("regret")
	if !ok {
		t.Fatalf("metrics.parquet has no regret column: %v", m.Names)
	}
	seeds := map[int64]int{}
	for i, s := range m.Seed {
		seeds[s]++
		if regret[i] < -1e-9 {
			t.Fatalf("negative cumulative regret %v at row %d", regret[i], i)
		}
	}
	if len(seeds) != 2 {
		t.Fatalf("seeds in metrics: %v", seeds)
	}
	var cfg map[string]any
	data, _ := os.ReadFile(filepath.Join(dir, "config.json"))
	if err := json.Unmarshal(data, &cfg); err != nil {
		t.Fatalf("config.json: %v", err)
	}
	eps, err := logs.ReadEpisodes(dir)
	if err != nil || len(eps) == 0 || eps[0].Context == logs.NoContext {
		t.Fatalf("episodes should carry the context revealed in hindsight: %d rows, err %v", len(eps), err)
	}
}

func TestGlowRunWritesSuccessMetrics(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "glow")
	out, stderr, code := gorl(t, "glow", "run", "--algo", "hyglow", "--offline", "mixed", "--H", "5",
		"--episodes", "200", "--seeds", "2", "--run-dir", dir, "--quiet")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(out, "solved") {
		t.Fatalf("output %q", out)
	}
	m, err := logs.ReadMetrics(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := m.Column("success"); !ok {
		t.Fatalf("metrics.parquet has no success column: %v", m.Names)
	}
}

// On the diabolical lock the run records the step penalty, and GLOW's run records
// where the paper's beta_t stops being vacuous and says so.
func TestGlowRunDiabolicalRecordsPenaltyAndVacuousBeta(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "glow")
	out, stderr, code := gorl(t, "glow", "run", "--algo", "glow", "--H", "4", "--actions", "3", "--step-penalty", "0.1",
		"--episodes", "20", "--seeds", "1", "--run-dir", dir, "--quiet")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(out, "nothing can be eliminated before iteration") {
		t.Errorf("output has no vacuous-beta note: %q", out)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		StepPenalty float64 `json:"step_penalty"`
		Vacuous     int     `json:"beta_vacuous_until"`
	}
	if err := json.Unmarshal(raw, &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.StepPenalty != 0.1 || cfg.Vacuous < 2 {
		t.Errorf("config.json: step_penalty %g, beta_vacuous_until %d; want 0.1 and >= 2", cfg.StepPenalty, cfg.Vacuous)
	}
}

func TestResearchCommandsBadInput(t *testing.T) {
	dir := t.TempDir()
	wantOneLineError(t, "family", "lmdp", "run", "--family", "nope", "--run-dir", filepath.Join(dir, "a"), "--quiet")
	wantOneLineError(t, "solver", "lmdp", "run", "--solver", "nope", "--run-dir", filepath.Join(dir, "b"), "--quiet")
	wantOneLineError(t, "Gamma", "lmdp", "run", "--S", "3", "--gamma", "5", "--run-dir", filepath.Join(dir, "c"), "--quiet")
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"M": 2, "weights": [0.9, 0.9]`), 0o644)
	wantOneLineError(t, "bad.json", "lmdp", "run", "--instance", bad, "--run-dir", filepath.Join(dir, "d"), "--quiet")
	wantOneLineError(t, "algo", "glow", "run", "--algo", "nope", "--run-dir", filepath.Join(dir, "e"), "--quiet")
	wantOneLineError(t, "offline", "glow", "run", "--offline", "lots", "--run-dir", filepath.Join(dir, "f"), "--quiet")
	wantOneLineError(t, "H", "glow", "run", "--H", "0", "--run-dir", filepath.Join(dir, "g"), "--quiet")
}

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// lmdp instance on a latent family prints the reference values and both latency gaps.
func TestLmdpInstanceReportsLatency(t *testing.T) {
	out, stderr, code := gorl(t, "lmdp", "instance", "--family", "shared", "--M", "3", "--S", "5", "--A", "3", "--H", "8")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"V*       0.610575 (exact)", "V_oracle 0.800000", "V_WSU", "Var*", "latency: V_oracle - V* = 0.1894", "sqrt(Var* M Gamma S A K)"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestLmdpRefusals(t *testing.T) {
	dir := t.TempDir()
	saved := filepath.Join(dir, "inst.json")
	if err := os.WriteFile(saved, []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	wantOneLineError(t, "pass --force to overwrite", "lmdp", "instance", "--save-instance", saved)
	if data, _ := os.ReadFile(saved); string(data) != "keep" {
		t.Fatal("the existing file was overwritten without --force")
	}
	if _, stderr, code := gorl(t, "lmdp", "instance", "--save-instance", saved, "--force"); code != 0 {
		t.Fatalf("--force: exit %d: %s", code, stderr)
	}
	wantOneLineError(t, "mostly exact evaluation (--eval-states, --M)", "lmdp", "run", "--M", "100000", "--K", "4", "--run-dir", filepath.Join(dir, "a"), "--quiet")
	wantOneLineError(t, "is not latent by the margin 0.5", "lmdp", "run", "--family", "shared", "--K", "4", "--min-gap", "0.5", "--run-dir", filepath.Join(dir, "b"), "--quiet")
	wantOneLineError(t, "needs the shared, noisy or spread family", "lmdp", "sweep", "--over", "noise", "--values", "0,1", "--K", "4", "--run-dir", filepath.Join(dir, "c"), "--quiet")
	wantOneLineError(t, `noise "2" is not a number in [0, 1]`, "lmdp", "sweep", "--family", "shared", "--over", "noise", "--values", "0,2", "--K", "4", "--run-dir", filepath.Join(dir, "d"), "--quiet")
	wantOneLineError(t, "--bonus must be tuned or theory", "lmdp", "run", "--bonus", "magic", "--run-dir", filepath.Join(dir, "e"), "--quiet")
	wantOneLineError(t, "noise=3 must be in [0, 1]", "lmdp", "run", "--family", "noisy", "--noise", "3", "--run-dir", filepath.Join(dir, "f"), "--quiet")
}

// lmdp rate reads its table off one run and prints the fitted exponent with its
// interval; config.json names the bonus constants.
func TestLmdpRate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "rate")
	out, stderr, code := gorl(t, "lmdp", "rate", "--family", "shared", "--M", "2", "--S", "4", "--A", "2", "--H", "4",
		"--k-min", "16", "--k-max", "64", "--seeds", "2", "--bonus", "theory", "--run-dir", dir, "--quiet")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(out, "fitted K-exponent") || !strings.Contains(out, "95% interval") || strings.Count(out, "\n      ") < 1 {
		t.Errorf("rate output:\n%s", out)
	}
	cfg, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"bonus_constants": "theory"`, `"c1": 1`, `"belief_floor": false`, `"rate_ks": [`} {
		if !strings.Contains(string(cfg), want) {
			t.Errorf("config.json lacks %s", want)
		}
	}
}

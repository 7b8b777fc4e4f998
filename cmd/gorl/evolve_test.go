package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"gorl/agents/lpg"
	"gorl/env"
	"gorl/evolution"
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
		{"--objective must be lpo, ta-lpo, lpg or ta-lpg", []string{"--objective", "clip"}},
		{"--lifetimes must be MIN:MAX", []string{"--objective", "ta-lpg", "--lifetimes", "10-250"}},
		{"want 1 <= MIN <= MAX", []string{"--objective", "ta-lpg", "--lifetimes", "250:10"}},
		{"need discrete actions", []string{"--objective", "lpg", "--env", "Pendulum-v1"}},
		{"--fitness-policy must be mode or sample", []string{"--objective", "lpg", "--fitness-policy", "greedy"}},
		{"even for openes", []string{"--population", "5"}},
		{"--generations must be in", []string{"--generations", "0"}},
		{"--inner-steps must be in", []string{"--inner-steps", "0"}},
		{"--sigma must be a positive number", []string{"--sigma", "-1"}},
		{"--lr must be a positive number", []string{"--lr", "NaN"}},
		{"--workers must be in", []string{"--workers", "-2"}},
		{"unknown env", []string{"--env", "NoSuchEnv-v0"}},
		{"decays", []string{"--sigma-decay", "1.5"}},
		{"--strategy must be openes, snes or cmaes", []string{"--strategy", "bfgs"}},
		{"--shaping must be rank, zscore or pair-rank", []string{"--shaping", "ranks"}},
		{"--protocol must be lifetime or groove", []string{"--objective", "lpg", "--protocol", "x"}},
		{"protocol groove trains LPG agents", []string{"--protocol", "groove"}},
		{"needs antithetic pairs", []string{"--objective", "lpg", "--protocol", "groove", "--strategy", "snes"}},
		{"pair-rank shaping needs antithetic pairs", []string{"--strategy", "cmaes", "--shaping", "pair-rank", "--hidden", "4"}},
		{"exceed 1000", []string{"--strategy", "cmaes", "--hidden", "128", "--generations", "1"}},
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

// gorl evolve --objective ta-lpg writes usable update rule files; the same seed gives the
// same run, and NATS workers give the same run as the local pool.
func TestEvolveTALPG(t *testing.T) {
	base := t.TempDir()
	args := func(dir string, extra ...string) []string {
		return append([]string{"evolve", "--objective", "ta-lpg", "--generations", "2", "--population", "4",
			"--inner-steps", "800", "--hidden", "8", "--fitness-episodes", "1", "--lifetimes", "2:6", "--pair-rank",
			"--seed", "4", "--run-dir", filepath.Join(base, dir), "--quiet"}, extra...)
	}
	out, stderr, code := gorl(t, args("a")...)
	if code != 0 {
		t.Fatalf("gorl evolve --objective ta-lpg: exit %d: %s", code, stderr)
	}
	if !strings.Contains(out, "generation 1:") || !strings.Contains(out, "update rule") {
		t.Fatalf("stdout: %s", out)
	}
	if _, stderr, code := gorl(t, args("b")...); code != 0 {
		t.Fatalf("second run: %s", stderr)
	}
	if _, stderr, code := gorl(t, args("c", "--distributed", "--local-workers", "2")...); code != 0 {
		t.Fatalf("distributed run: %s", stderr)
	}
	read := func(dir, file string) []byte {
		b, err := os.ReadFile(filepath.Join(base, dir, file))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for _, f := range []string{"mean.lpg", "best.lpg"} {
		a := read("a", f)
		if !bytes.HasPrefix(a, []byte("gorl-lpg v1\n")) {
			t.Fatalf("%s is not an update rule file", f)
		}
		if !bytes.Equal(a, read("b", f)) {
			t.Fatalf("%s differs between two runs with the same seed", f)
		}
		if !bytes.Equal(a, read("c", f)) {
			t.Fatalf("%s differs between the local pool and NATS workers", f)
		}
	}
	ma, err := logs.ReadMetrics(filepath.Join(base, "a"))
	if err != nil {
		t.Fatal(err)
	}
	mc, err := logs.ReadMetrics(filepath.Join(base, "c"))
	if err != nil {
		t.Fatal(err)
	}
	for _, col := range []string{"fitness_mean", "fitness_max", "mean_fitness", "clip_fitness"} {
		x, _ := ma.Column(col)
		y, _ := mc.Column(col)
		if len(x) != 2 || !reflect.DeepEqual(x, y) {
			t.Fatalf("%s: local %v, distributed %v", col, x, y)
		}
	}
	tr := filepath.Join(base, "train")
	stdout, stderr, code := gorl(t, "train", "--algo", "lpg", "--update-rule", filepath.Join(base, "a", "mean.lpg"),
		"--steps", "1600", "--checkpoint-every", "640", "--run-dir", tr, "--quiet")
	if code != 0 || !strings.Contains(stdout, "lpg with objective ta-lpg") {
		t.Fatalf("gorl train --algo lpg: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if !bytes.Equal(read("train", "update_rule.lpg"), read("a", "mean.lpg")) {
		t.Fatal("the run directory's copy of the update rule differs from its source")
	}
	// Resumed from update 8 of 10, the run ends as it did uninterrupted.
	if err := os.Remove(filepath.Join(tr, "checkpoints", "steps-000000001600.ckpt")); err != nil {
		t.Fatal(err)
	}
	resumed, stderr, code := gorl(t, "train", "--resume", "--run-dir", tr, "--quiet")
	if code != 0 {
		t.Fatalf("gorl train --resume of an lpg run: %s", stderr)
	}
	keep := func(s string) string { // drop the wall-clock line
		var out []string
		for _, l := range strings.Split(s, "\n") {
			if !strings.HasPrefix(l, "wall") && !strings.HasPrefix(l, "resumed") {
				out = append(out, l)
			}
		}
		return strings.Join(out, "\n")
	}
	if !strings.Contains(resumed, "resumed    from update 8") || keep(resumed) != keep(stdout) {
		t.Fatalf("resumed run:\n%s\nuninterrupted:\n%s", resumed, stdout)
	}
	// gorl eval runs the trained LPG policy from the run's latest checkpoint.
	evalOut, evalErr, evalCode := gorl(t, "eval", tr, "--episodes", "3")
	if evalCode != 0 || !strings.Contains(evalOut, "3 episodes of CartPole-v1") || !strings.Contains(evalOut, "mean return") {
		t.Fatalf("gorl eval of an lpg run: exit %d, stdout %q, stderr %q", evalCode, evalOut, evalErr)
	}
	wantOneLineError(t, "--update-rule applies to --algo lpg only", "train", "--update-rule", filepath.Join(base, "a", "mean.lpg"),
		"--run-dir", filepath.Join(base, "x"))
	wantOneLineError(t, "--algo lpg needs --update-rule", "train", "--algo", "lpg", "--run-dir", filepath.Join(base, "x"))
	wantOneLineError(t, "not a gorl LPG update rule", "train", "--algo", "lpg", "--update-rule", filepath.Join(base, "a", "config.json"),
		"--run-dir", filepath.Join(base, "x"))
	wantOneLineError(t, "--objective does not apply to --algo lpg", "train", "--algo", "lpg", "--objective", "dpo",
		"--update-rule", filepath.Join(base, "a", "mean.lpg"), "--run-dir", filepath.Join(base, "x"))
}

// evolveKilledAndResumed runs args twice: once uninterrupted, once SIGKILLed after its
// first generation's state is written and then resumed with --resume; the two run
// directories must end with the same search mean (the mean network file, byte for
// byte) and the same per-generation metrics.
func evolveKilledAndResumed(t *testing.T, meanFile string, args ...string) {
	t.Helper()
	evolveStoppedAndResumed(t, syscall.SIGKILL, meanFile, args...)
}

// evolveStoppedAndResumed is evolveKilledAndResumed with signal sig. After SIGINT or
// SIGTERM gorl evolve must exit non-zero within a few seconds with the run marked
// interrupted.
func evolveStoppedAndResumed(t *testing.T, sig syscall.Signal, meanFile string, args ...string) {
	t.Helper()
	base := t.TempDir()
	whole, killed := filepath.Join(base, "whole"), filepath.Join(base, "killed")
	if _, stderr, code := gorl(t, append(args, "--run-dir", whole, "--quiet")...); code != 0 {
		t.Fatalf("gorl %v: %s", args, stderr)
	}
	cmd := exec.Command(gorlBin, append(args, "--run-dir", killed, "--quiet")...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		if st, err := evolution.ReadMetaState(killed); err == nil && st.Generation() >= 1 {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("no generation finished")
		}
		time.Sleep(2 * time.Millisecond)
	}
	if err := cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	sent := time.Now()
	err := cmd.Wait()
	if sig != syscall.SIGKILL {
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() <= 0 {
			t.Fatalf("gorl evolve after %v: %v, want a non-zero exit", sig, err)
		}
		if d := time.Since(sent); d > 5*time.Second {
			t.Fatalf("gorl evolve took %v to exit after %v", d, sig)
		}
		if info, err := logs.ReadRunInfo(killed); err != nil || info.Status != "interrupted" {
			t.Fatalf("status after %v: %q (%v), want interrupted", sig, info.Status, err)
		}
		if st, err := evolution.ReadMetaState(killed); err != nil || st.Generation() < 1 {
			t.Fatalf("no state of a finished generation after %v (%v)", sig, err)
		}
	}
	if _, stderr, code := gorl(t, "evolve", "--resume", "--run-dir", killed, "--quiet"); code != 0 {
		if !strings.Contains(stderr, "already completed") { // killed after its last generation
			t.Fatalf("resume: %s", stderr)
		}
	}
	a, err := os.ReadFile(filepath.Join(whole, meanFile))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(killed, meanFile))
	if err != nil || !bytes.Equal(a, b) {
		t.Fatalf("%s differs after SIGKILL and --resume (%v)", meanFile, err)
	}
	ma, _ := logs.ReadMetrics(whole)
	mb, err := logs.ReadMetrics(killed)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := ma.Column("fitness_mean")
	cb, _ := mb.Column("fitness_mean")
	if len(ca) == 0 || !reflect.DeepEqual(ca, cb) {
		t.Fatalf("fitness_mean: uninterrupted %v, killed and resumed %v", ca, cb)
	}
}

func TestEvolveGrooveGridKilledAndResumed(t *testing.T) {
	evolveKilledAndResumed(t, "mean.lpg", "evolve", "--objective", "ta-lpg", "--env", "grid/random", "--protocol", "groove",
		"--generations", "4", "--population", "4", "--lifetimes", "2:4", "--updates-per-generation", "2", "--hidden", "4",
		"--inner-envs", "2", "--inner-rollout-steps", "5", "--fitness-episodes", "1", "--seed", "2")
}

func TestEvolveTALPOMinAtarKilledAndResumed(t *testing.T) {
	evolveKilledAndResumed(t, "mean.drift", "evolve", "--objective", "ta-lpo", "--env", "MinAtar/SpaceInvaders-v1",
		"--strategy", "snes", "--generations", "3", "--population", "2", "--inner-steps", "256", "--inner-envs", "4",
		"--inner-rollout-steps", "16", "--hidden", "4", "--fitness-episodes", "1", "--seed", "2")
}

func TestEvolveCMAESRunsAndResumes(t *testing.T) {
	evolveKilledAndResumed(t, "mean.drift", "evolve", "--objective", "lpo", "--strategy", "cmaes", "--generations", "3",
		"--population", "4", "--inner-steps", "256", "--inner-envs", "2", "--inner-rollout-steps", "32", "--hidden", "4",
		"--fitness-episodes", "1", "--seed", "2")
}

// TestEvolveSIGINTResume: Ctrl-C during gorl evolve (a lifetime run, stopped inside a
// generation) and SIGTERM under the groove protocol (stopped after its generation)
// leave the state of the last finished generation and status "interrupted", and
// --resume ends as the uninterrupted run does.
func TestEvolveSIGINTResume(t *testing.T) {
	evolveStoppedAndResumed(t, syscall.SIGINT, "mean.drift", "evolve", "--objective", "lpo", "--strategy", "snes", "--generations", "6",
		"--population", "4", "--inner-steps", "256", "--inner-envs", "2", "--inner-rollout-steps", "32", "--hidden", "4",
		"--fitness-episodes", "1", "--workers", "2", "--seed", "3")
	evolveStoppedAndResumed(t, syscall.SIGTERM, "mean.lpg", "evolve", "--objective", "ta-lpg", "--env", "grid/random", "--protocol", "groove",
		"--generations", "6", "--population", "4", "--lifetimes", "2:4", "--updates-per-generation", "2", "--hidden", "4",
		"--inner-envs", "2", "--inner-rollout-steps", "5", "--fitness-episodes", "1", "--seed", "2")
}

// TestEvolveEval: gorl evolve eval trains with a rule for each lifetime and seed, prints
// the table with its title and summary, writes lifetimes.csv, and names bad flags.
func TestEvolveEval(t *testing.T) {
	tmp := t.TempDir()
	rulePath := filepath.Join(tmp, "rule.lpg")
	rule, err := lpg.NewRule(env.NewRand(5), lpg.RuleConfig{Temporal: true, Hidden: 4}.WithDefaults())
	if err != nil {
		t.Fatal(err)
	}
	if err := lpg.SaveRule(rulePath, rule); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(tmp, "eval")
	out, stderr, code := gorl(t, "evolve", "eval", rulePath, "--lifetimes", "2,3", "--seeds", "2", "--eval-episodes", "1",
		"--envs", "2", "--rollout-steps", "5", "--shuffle-progress", "--run-dir", dir, "-q")
	if code != 0 {
		t.Fatalf("evolve eval: exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if !strings.HasPrefix(lines[0], "return after training (mean of 1 sample episodes) on held-out grid/random levels, 2 seeds; 2 x 5 steps per update") ||
		!strings.HasSuffix(lines[len(lines)-1], "results in "+dir+" (table: lifetimes.csv, runs: runs.csv)") ||
		strings.Count(out, "rule-shuffled  ta-lpg") != 2 {
		t.Fatalf("evolve eval output:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(dir, "lifetimes.csv")); err != nil {
		t.Fatal(err)
	}
	wantOneLineError(t, "--eval-policy must be sample or mode", "evolve", "eval", rulePath, "--eval-policy", "greedy")
	wantOneLineError(t, "--fixed-progress must be in [0, 1]", "evolve", "eval", rulePath, "--fixed-progress", "2")
	wantOneLineError(t, "update rule file "+filepath.Join(tmp, "none.lpg")+": no such file", "evolve", "eval", filepath.Join(tmp, "none.lpg"))
}

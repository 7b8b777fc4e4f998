package glow

import (
	"bytes"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gorl/logs"
)

// ProblemSpec and CheckFlags refuse bad settings by flag name, before anything runs.
func TestSpecAndFlagChecks(t *testing.T) {
	for _, c := range []struct {
		spec ProblemSpec
		want string
	}{
		{ProblemSpec{Env: "x", H: 5, Actions: 3}, `--env "x": want lock, lock-rich or incomplete`},
		{ProblemSpec{Env: "lock", H: 5, Actions: 3, AntiReward: math.NaN()}, "--anti-reward must be in [0, 1], got NaN"},
		{ProblemSpec{Env: "lock", H: 5, Actions: 3, StepPenalty: 2}, "--step-penalty must be in [0, 1], got 2"},
		{ProblemSpec{Env: "lock-rich", H: 5, Actions: 3, Noise: math.Inf(1)}, "--noise must be finite and >= 0, got +Inf"},
	} {
		if _, err := c.spec.Problem(); err == nil || err.Error() != c.want {
			t.Errorf("%+v: error %v, want %q", c.spec, err, c.want)
		}
	}
	for env, id := range map[string]string{"lock": "lock/latent", "lock-rich": "lock/rich", "incomplete": "lock/incomplete"} {
		p, err := ProblemSpec{Env: env, H: 6, Actions: 3, AntiReward: 0.1}.Problem()
		if err != nil || p.EnvID != id || p.H != 6 || p.A != 3 {
			t.Errorf("%s: problem %v, %v; want %s with H 6, A 3", env, p, err, id)
		}
	}
	lim := FlagLimits{MaxEpisodes: 100, MaxSeeds: 10}
	for _, c := range []struct {
		cfg            Config
		seeds, workers int
		want           string
	}{
		{Config{Episodes: 0}, 1, 0, "--episodes must be in [1, 100], got 0"},
		{Config{Episodes: 5, Gamma: math.Inf(1)}, 1, 0, "--gamma must be finite and >= 0, got +Inf"},
		{Config{Episodes: 5, Ridge: math.NaN()}, 1, 0, "--ridge must be finite and >= 0, got NaN"},
		{Config{Episodes: 5, Epsilon: 2}, 1, 0, "--epsilon must be in [0, 1], got 2"},
		{Config{Episodes: 5}, 11, 0, "--seeds must be in [1, 10], got 11"},
		{Config{Episodes: 5}, 1, -1, "--workers must be >= 0, got -1"},
	} {
		if err := c.cfg.CheckFlags(lim, c.seeds, c.workers); err == nil || err.Error() != c.want {
			t.Errorf("%+v: error %v, want %q", c.cfg, err, c.want)
		}
	}
	if err := (Config{Episodes: 5}).CheckFlags(lim, 3, 0); err != nil {
		t.Errorf("valid flags refused: %v", err)
	}
	if hs, err := ParseHorizons(" 5,10 ,20"); err != nil || len(hs) != 3 || hs[2] != 20 {
		t.Errorf("ParseHorizons: %v, %v", hs, err)
	}
	if a, err := ParseAlgos("hyglow, hyq"); err != nil || len(a) != 2 || a[1] != "hyq" {
		t.Errorf("ParseAlgos: %v, %v", a, err)
	}
	if _, err := ParseAlgos("hyglow,,glow"); err == nil || !strings.Contains(err.Error(), "empty algorithm name") {
		t.Errorf("ParseAlgos(hyglow,,glow): %v", err)
	}
	if _, err := ParseHorizons("5,0"); err == nil || !strings.Contains(err.Error(), `--H "5,0": want positive integers`) {
		t.Errorf("ParseHorizons(5,0): %v", err)
	}
}

// RunLogged writes the run's config and metrics; the summary prints the output mixture
// before the last policy, with the counts of seeds above 0.9 and below 0.5.
func TestRunLoggedAndSummary(t *testing.T) {
	spec := ProblemSpec{Env: "incomplete", H: 5, Actions: 4, AntiReward: 0.1}
	p, err := spec.Problem()
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := Config{Algo: AlgoHyQ, Offline: "mixed", Episodes: 7}.Defaults(p)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "run")
	s, err := RunLogged(dir, spec, p, cfg, []uint64{0, 1}, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	m, err := logs.ReadMetrics(dir)
	if err != nil {
		t.Fatal(err)
	}
	mix, ok := m.Column("mixture_success")
	if !ok || len(m.Seed) != 14 || m.Iteration[13] != 7 {
		t.Fatalf("metrics: %d rows, columns %v", len(m.Seed), m.Names)
	}
	if got := (mix[6] + mix[13]) / 2; math.Abs(got-s.MeanMixtureSuccess) > 1e-12 {
		t.Fatalf("summary mixture success %g, logged last rows %g", s.MeanMixtureSuccess, got)
	}
	var b bytes.Buffer
	WriteRunSummary(&b, p, cfg, 2, s, dir)
	out := b.String()
	i, j := strings.Index(out, "output mixture success"), strings.Index(out, "last policy success")
	if i < 0 || j < i || !strings.Contains(out, "hyq on lock/incomplete H=5 A=4") || !strings.Contains(out, "seeds, < 0.5 in") {
		t.Fatalf("summary:\n%s", out)
	}
	if d := DefaultRunDir(p, cfg, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)); d != filepath.Join("runs", "glow-hyq-lock-incomplete-H5-20260102-030405") {
		t.Fatalf("default run dir %s", d)
	}
	if _, err := (LockData{Spec: spec, Design: "x", Episodes: 5, MaxSteps: 100}).Write(t.TempDir(), p, time.Now()); err == nil || !strings.Contains(err.Error(), `unknown offline design "x"`) {
		t.Fatalf("bad design: %v", err)
	}
	if _, err := (LockData{Spec: spec, Design: "mixed", Episodes: 21, MaxSteps: 100}).Write(t.TempDir(), p, time.Now()); err == nil || !strings.Contains(err.Error(), "21 x 5 steps is too many (at most 100)") {
		t.Fatalf("too many steps: %v", err)
	}
}

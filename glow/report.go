package glow

import (
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"gorl/env/lock"
	"gorl/logs"
)

// ProblemSpec names a problem of the lock line as `gorl glow` does: the environment
// (lock, lock-rich or incomplete) and the lock's settings. Its error messages name the
// command-line flags.
type ProblemSpec struct {
	Env         string  `json:"env"`
	H           int     `json:"H"`
	Actions     int     `json:"actions"`
	LockSeed    uint64  `json:"lock_seed"`
	Noise       float64 `json:"noise"`
	AntiReward  float64 `json:"anti_reward"`  // 0 turns the anti-reward off
	StepPenalty float64 `json:"step_penalty"` // > 0: HOMER's diabolical lock
}

// Validate checks the environment's name and the lock's rewards and noise.
func (s ProblemSpec) Validate() error {
	switch s.Env {
	case "lock", "lock/latent", "lock-rich", "lock/rich", "incomplete", "lock/incomplete":
	default:
		return fmt.Errorf("--env %q: want lock, lock-rich or incomplete", s.Env)
	}
	switch {
	case !(s.AntiReward >= 0 && s.AntiReward <= 1):
		return fmt.Errorf("--anti-reward must be in [0, 1], got %g", s.AntiReward)
	case !(s.StepPenalty >= 0 && s.StepPenalty <= 1):
		return fmt.Errorf("--step-penalty must be in [0, 1], got %g", s.StepPenalty)
	case !(s.Noise >= 0) || math.IsInf(s.Noise, 0):
		return fmt.Errorf("--noise must be finite and >= 0, got %g", s.Noise)
	}
	return nil
}

// Problem validates the spec and builds its problem.
func (s ProblemSpec) Problem() (*Problem, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	cfg := lock.Config{H: s.H, Actions: s.Actions, LockSeed: s.LockSeed, Noise: s.Noise, AntiReward: s.AntiReward,
		NoAntiReward: s.AntiReward == 0, StepPenalty: s.StepPenalty}
	switch s.Env {
	case "incomplete", "lock/incomplete":
		return IncompleteProblem(cfg)
	case "lock-rich", "lock/rich":
		return LockProblem(cfg, true)
	}
	return LockProblem(cfg, false)
}

// Name is the spec's short description in sweep headers.
func (s ProblemSpec) Name() string {
	name := fmt.Sprintf("%s A=%d", s.Env, s.Actions)
	if s.StepPenalty > 0 {
		name += fmt.Sprintf(" step-penalty %g (diabolical)", s.StepPenalty)
	}
	return name
}

// RunRecord is the config.json of a `glow run`: the problem, the seeds, cfg with its
// defaults, the departures from the analysed algorithm and, where GLOW's beta_t is
// vacuous for a while, the last such iteration.
func RunRecord(spec ProblemSpec, p *Problem, cfg Config, seeds []uint64) map[string]any {
	rec := map[string]any{
		"command": "glow run", "env": p.EnvID, "H": spec.H, "actions": spec.Actions, "lock_seed": spec.LockSeed, "noise": spec.Noise,
		"anti_reward": spec.AntiReward, "step_penalty": spec.StepPenalty, "seeds": seeds, "config": cfg, "departures": cfg.Departures(),
	}
	if v := cfg.VacuousUntil(p); v > 0 {
		rec["beta_vacuous_until"] = v
	}
	return rec
}

// DefaultRunDir is runs/glow-<algo>-<env>-H<H>-<time>.
func DefaultRunDir(p *Problem, cfg Config, now time.Time) string {
	return filepath.Join("runs", fmt.Sprintf("glow-%s-%s-H%d-%s", cfg.Algo, strings.ReplaceAll(p.EnvID, "/", "-"), p.H, now.UTC().Format("20060102-150405")))
}

// WriteRunSummary prints a run's summary: the output mixture first (the algorithms'
// output), the last policy beside it, and the notes on departures and vacuous beta_t.
func WriteRunSummary(w io.Writer, p *Problem, cfg Config, seeds int, s Summary, runDir string) {
	fmt.Fprintf(w, "%s on %s H=%d A=%d class=%s weights=%s offline=%s episodes=%d seeds=%d\n", cfg.Algo, p.EnvID, p.H, p.A, cfg.Class, cfg.Weights, cfg.Offline, cfg.Episodes, seeds)
	for _, d := range cfg.Departures() {
		fmt.Fprintf(w, "  note: %s\n", d)
	}
	if v := cfg.VacuousUntil(p); v > 1 {
		fmt.Fprintf(w, "  note: with these constants beta_t exceeds any possible objective for t <= %d: nothing can be eliminated before iteration %d\n", v, v+1)
	}
	fmt.Fprintf(w, "  output mixture success %.3f (value %.4f, risk %.4f); last policy success %.3f\n",
		s.MeanMixtureSuccess, s.MeanMixtureValue, s.MeanMixtureRisk, s.MeanFinalSuccess)
	fmt.Fprintf(w, "  mixture success >= 0.9 in %d/%d seeds, < 0.5 in %d/%d\n", s.MixtureAtLeast90, s.Seeds, s.MixtureBelow50, s.Seeds)
	fmt.Fprintf(w, "  a policy solved (success >= %.2f): %d/%d seeds; samples to solve: median %s, mean %s\n",
		cfg.SolveAt, s.Solved, s.Seeds, FmtSamples(s.MedianSolveSamples), FmtSamples(s.MeanSolveSamples))
	fmt.Fprintf(w, "  run directory: %s\n", runDir)
}

// WriteReport prints the sweep's table (WriteSweepTable) under a header naming the
// problem and the shared settings, the notes on vacuous beta_t, and, when plotPath is
// set, draws the log-log figure (PlotSweep) and names it.
func (s *Sweep) WriteReport(w io.Writer, cells [][]SweepCell, problem string, plotPath string) error {
	b := s.Base
	fmt.Fprintf(w, "samples (transitions) to reach success >= 0.95: median over %d seeds [solved/seeds]; budget %d episodes; env %s; class %s; weights %s; offline %s for hyglow/hyq/offline\n",
		len(s.Seeds), b.Episodes, problem, orDefault(b.Class), orDefault(b.Weights), b.Offline)
	WriteSweepTable(w, cells, s.H)
	scale := "1"
	if b.BetaScale != 0 {
		scale = strconv.FormatFloat(b.BetaScale, 'g', -1, 64)
	}
	for _, n := range VacuousNotes(cells) {
		fmt.Fprintf(w, "note: %s (beta scale %s)\n", n, scale)
	}
	if plotPath == "" {
		return nil
	}
	if err := PlotSweep(plotPath, "samples to solve vs H: "+problem+", offline "+b.Offline, cells); err != nil {
		return err
	}
	fmt.Fprintf(w, "plot: %s\n", plotPath)
	return nil
}

func orDefault(s string) string {
	if s == "" {
		return "default"
	}
	return s
}

// ParseAlgos splits a comma-separated list of algorithm names (the --algos of a sweep);
// Sweep.Check validates the names.
func ParseAlgos(list string) ([]string, error) {
	names := strings.Split(list, ",")
	for i, name := range names {
		if names[i] = strings.TrimSpace(name); names[i] == "" {
			return nil, fmt.Errorf("--algos %q: empty algorithm name", list)
		}
	}
	return names, nil
}

// FlagLimits are the command line's bounds on a run's size.
type FlagLimits struct{ MaxEpisodes, MaxSeeds int }

// CheckFlags checks the numeric settings of `glow run` and `glow sweep` before
// Defaults, naming the flags: episodes and seeds within lim, the rest non-negative and
// finite, epsilon in [0, 1].
func (c Config) CheckFlags(lim FlagLimits, seeds, workers int) error {
	bad := func(x float64) bool { return !(x >= 0) || math.IsInf(x, 0) }
	for _, x := range []struct {
		name string
		bad  bool
		v    any
		want string
	}{
		{"episodes", c.Episodes < 1 || c.Episodes > lim.MaxEpisodes, c.Episodes, fmt.Sprintf("in [1, %d]", lim.MaxEpisodes)},
		{"eval-every", c.EvalEvery < 0, c.EvalEvery, ">= 0"},
		{"eval-episodes", c.EvalEpisodes < 0, c.EvalEpisodes, ">= 0"},
		{"epsilon", !(c.Epsilon >= 0 && c.Epsilon <= 1), c.Epsilon, "in [0, 1]"},
		{"workers", workers < 0, workers, ">= 0"},
		{"neural-steps", c.NeuralSteps < 0, c.NeuralSteps, ">= 0"},
		{"beta-scale", bad(c.BetaScale), c.BetaScale, "finite and >= 0"},
		{"gamma", bad(c.Gamma), c.Gamma, "finite and >= 0"},
		{"ridge", bad(c.Ridge), c.Ridge, "finite and >= 0"},
		{"seeds", seeds < 1 || seeds > lim.MaxSeeds, seeds, fmt.Sprintf("in [1, %d]", lim.MaxSeeds)},
	} {
		if x.bad {
			return fmt.Errorf("--%s must be %s, got %v", x.name, x.want, x.v)
		}
	}
	return nil
}

// ParseHorizons parses a comma-separated list of positive horizons (the --H of a sweep).
func ParseHorizons(list string) ([]int, error) {
	var hs []int
	for _, part := range strings.Split(list, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("--H %q: want positive integers separated by commas", list)
		}
		hs = append(hs, n)
	}
	return hs, nil
}

// LockData is a `glow data` request: Episodes episodes of the offline design Design
// on the lock of Spec, drawn from Seed; MaxSteps bounds Episodes * H.
type LockData struct {
	Spec     ProblemSpec
	Design   string
	Episodes int
	Seed     uint64
	MaxSteps int
}

// Write draws the data set on p (latent or rich observations as p has them) and writes
// it as the step rows of a new run directory (lock.WriteDataset), dir or by default
// runs/lock-data-<design>-H<H>-<time>, with the request in its config; it returns the
// directory.
func (r LockData) Write(dir string, p *Problem, now time.Time) (string, error) {
	d, err := lock.ParseDesign(r.Design)
	switch {
	case err != nil:
		return "", err
	case r.Episodes < 1:
		return "", fmt.Errorf("--episodes must be >= 1, got %d", r.Episodes)
	case r.Episodes > r.MaxSteps/p.H:
		return "", fmt.Errorf("--episodes x --H = %d x %d steps is too many (at most %d)", r.Episodes, p.H, r.MaxSteps)
	case p.Lock == nil:
		return "", fmt.Errorf("offline data needs a combination lock, not %s", p.EnvID)
	}
	e := lock.NewLatent(p.Lock)
	if !p.Tabular() {
		e = lock.NewRich(p.Lock)
	}
	eps, err := lock.Generate(e, d, r.Episodes, r.Seed)
	if err != nil {
		return "", err
	}
	if dir == "" {
		dir = filepath.Join("runs", fmt.Sprintf("lock-data-%s-H%d-%s", r.Design, p.H, now.UTC().Format("20060102-150405")))
	}
	s := r.Spec
	config := map[string]any{"command": "glow data", "env": p.EnvID, "H": p.H, "actions": s.Actions, "lock_seed": s.LockSeed, "noise": s.Noise,
		"anti_reward": s.AntiReward, "step_penalty": s.StepPenalty, "design": r.Design, "episodes": r.Episodes, "seed": r.Seed}
	run, err := logs.Create(dir, config, logs.Options{EnvID: p.EnvID})
	if err != nil {
		return "", err
	}
	if err := lock.WriteDataset(run, eps, 0); err != nil {
		return "", failRun(run, err)
	}
	return dir, run.Close()
}

// RunLogged runs cfg on p for every seed (RunSeeds) into a new run directory dir: its
// config is RunRecord, its metrics every seed's rows (LogResults); a failed run is
// marked failed. It returns the summary over seeds.
func RunLogged(dir string, spec ProblemSpec, p *Problem, cfg Config, seeds []uint64, workers int, done func(Result)) (Summary, error) {
	run, err := logs.Create(dir, RunRecord(spec, p, cfg, seeds), logs.Options{EnvID: p.EnvID, StepEvery: -1})
	if err != nil {
		return Summary{}, err
	}
	results, err := RunSeeds(p, cfg, seeds, workers, done)
	if err != nil {
		return Summary{}, failRun(run, err)
	}
	if err := LogResults(run, results); err != nil {
		return Summary{}, fmt.Errorf("write %s: %w", dir, err)
	}
	return Summarise(results), nil
}

package evolution

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"gorl/agents"
	"gorl/logs"
)

// A gorl evolve run: its config.json, the checks of its settings, resuming it, and
// meta-training that stops cleanly on a cancelled context.

// RunConfig is config.json of a meta-training run (gorl evolve).
type RunConfig struct {
	Command string     `json:"command"`
	Version string     `json:"gorl_version"`
	Meta    MetaConfig `json:"meta"`
	// Evaluation records where the members were evaluated when the run started; the
	// result does not depend on it (nor on the number of workers, not recorded).
	Evaluation *RunEvaluation `json:"evaluation,omitempty"`
}

// RunEvaluation is how a meta-training run evaluates its members over NATS.
type RunEvaluation struct {
	Distributed bool   `json:"distributed"`
	NATS        string `json:"nats,omitempty"` // server URL; empty: the coordinator's embedded server
	Subject     string `json:"subject"`
}

// CheckFlags reports the first setting of c out of range in one line naming its gorl
// evolve flag (Validate names config keys). It checks the settings as given, before
// WithDefaults: zero means the default where a flag allows it.
func (c MetaConfig) CheckFlags(maxPopulation int) error {
	finite := func(x float64) bool { return x-x == 0 }
	switch {
	case !slices.Contains([]string{"lpo", "ta-lpo", "lpg", "ta-lpg"}, c.Objective):
		return fmt.Errorf("--objective must be lpo, ta-lpo, lpg or ta-lpg, got %q", c.Objective)
	case !slices.Contains(Strategies, c.Strategy):
		return fmt.Errorf("--strategy must be openes, snes or cmaes, got %q", c.Strategy)
	case c.Shaping != "" && !slices.Contains(Shapings, c.Shaping):
		return fmt.Errorf("--shaping must be rank, zscore or pair-rank, got %q", c.Shaping)
	case c.Protocol != "" && c.Protocol != "lifetime" && c.Protocol != "groove":
		return fmt.Errorf("--protocol must be lifetime or groove, got %q", c.Protocol)
	case c.Generations < 1 || c.Generations > 1000000:
		return fmt.Errorf("--generations must be in [1, 1000000], got %d", c.Generations)
	case c.Population < 2 || c.Population > maxPopulation || (c.Strategy == "openes" && c.Population%2 != 0):
		return fmt.Errorf("--population must be in [2, %d] and even for openes (antithetic pairs), got %d", maxPopulation, c.Population)
	case c.Inner.Steps < 1 || c.Inner.Steps > 1e10:
		return fmt.Errorf("--inner-steps must be in [1, 1e10], got %d", c.Inner.Steps)
	case c.Inner.Envs < 0 || c.Inner.Envs > 4096 || c.Inner.RolloutSteps < 0 || c.Inner.RolloutSteps > 1<<20:
		return fmt.Errorf("--inner-envs must be in [0, 4096] and --inner-rollout-steps in [0, 1048576], got %d and %d", c.Inner.Envs, c.Inner.RolloutSteps)
	case c.UpdatesPerGeneration < 0 || c.UpdatesPerGeneration > 1<<20:
		return fmt.Errorf("--updates-per-generation must be in [1, 1048576], got %d", c.UpdatesPerGeneration)
	case c.Workers < 0 || c.Workers > 4096:
		return fmt.Errorf("--workers must be in [0, 4096] (0: all cores), got %d", c.Workers)
	case !(finite(c.Sigma) && c.Sigma > 0):
		return fmt.Errorf("--sigma must be a positive number, got %v", c.Sigma)
	case !(finite(c.LR) && c.LR > 0):
		return fmt.Errorf("--lr must be a positive number, got %v", c.LR)
	case c.Hidden < 1 || c.Hidden > 4096:
		return fmt.Errorf("--hidden must be in [1, 4096], got %d", c.Hidden)
	case c.FitnessEpisodes < 1 || c.FitnessEpisodes > 100000:
		return fmt.Errorf("--fitness-episodes must be in [1, 100000], got %d", c.FitnessEpisodes)
	case c.FitnessPolicy != "" && c.FitnessPolicy != "mode" && c.FitnessPolicy != "sample":
		return fmt.Errorf("--fitness-policy must be mode or sample, got %q", c.FitnessPolicy)
	}
	return nil
}

// ParseLifetimes reads --lifetimes MIN:MAX (empty: 0, 0).
func ParseLifetimes(s string) (lo, hi int, err error) {
	if s == "" {
		return 0, 0, nil
	}
	a, b, ok := strings.Cut(s, ":")
	if ok {
		if lo, err = strconv.Atoi(a); err == nil {
			hi, err = strconv.Atoi(b)
		}
	}
	if !ok || err != nil {
		return 0, 0, fmt.Errorf("--lifetimes must be MIN:MAX in updates, e.g. 10:250, got %q", s)
	}
	if lo < 1 || hi < lo || hi > 1e7 {
		return 0, 0, fmt.Errorf("--lifetimes %q: want 1 <= MIN <= MAX <= 10000000", s)
	}
	return lo, hi, nil
}

// PrepareResume reads the run in dir for --resume: its config (strictly: a field this
// gorl does not know is an error) and its state, refusing a run that is still running
// or has completed its generations. workers, when not nil, replaces the recorded number
// of local workers, which the result does not depend on.
func PrepareResume(dir string, workers *int) (RunConfig, *MetaState, error) {
	var cfg RunConfig
	path := filepath.Join(dir, "config.json")
	data, err := os.ReadFile(path)
	if err != nil {
		return cfg, nil, fmt.Errorf("%s is not a run directory (no config.json)", dir)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		return cfg, nil, fmt.Errorf("config %s: %w", path, err)
	}
	if cfg.Command != "evolve" {
		return cfg, nil, fmt.Errorf("%s is not a meta-training run (it was written by gorl %s)", dir, cfg.Command)
	}
	if workers != nil && (*workers < 0 || *workers > 4096) {
		return cfg, nil, fmt.Errorf("--workers must be in [0, 4096] (0: all cores), got %d", *workers)
	} else if workers != nil {
		cfg.Meta.Workers = *workers
	}
	if err := cfg.Meta.Validate(); err != nil {
		return cfg, nil, fmt.Errorf("config %s: %w", path, err)
	}
	if info, err := logs.ReadRunInfo(dir); err == nil && info.Status == "running" {
		return cfg, nil, fmt.Errorf("run %s is still running (process %d); stop it before --resume", dir, info.PID)
	}
	st, err := ReadMetaState(dir)
	if err != nil {
		return cfg, nil, fmt.Errorf("%s: %w", dir, err)
	}
	if st.Generation() >= cfg.Meta.Generations {
		return cfg, nil, fmt.Errorf("run %s already completed its %d generations", dir, cfg.Meta.Generations)
	}
	return cfg, st, nil
}

// MetaTrainContext is MetaTrainOn stopped by ctx: once ctx is cancelled, the generation
// being evaluated is abandoned (under the groove protocol, whose agents train in this
// process, the generation is finished first) and an error wrapping
// agents.ErrInterrupted is returned. The run directory then holds the state of the
// last completed generation (es_state.json, the checkpoint MetaTrainFrom resumes
// from); the caller marks the run interrupted (logs.Run.Interrupt).
func MetaTrainContext(ctx context.Context, ev Evaluator, cfg MetaConfig, run *logs.Run, from *MetaState, onGen func(Generation)) (res *MetaResult, err error) {
	defer func() {
		if p := recover(); p != nil {
			if p != errStopHere {
				panic(p)
			}
			res, err = nil, interrupted(ctx)
		}
	}()
	members := ev
	if !cfg.IsGroove() { // groove needs its Pool as it is; it stops between generations
		members = stoppable{ctx: ctx, ev: ev}
	}
	res, err = MetaTrainOn(members, cfg, run, from, func(g Generation) {
		if onGen != nil {
			onGen(g)
		}
		// The generation's state is written: a stop here loses nothing. MetaTrainOn has
		// no other way out between generations than a panic, recovered above.
		if ctx.Err() != nil && g.Index+1 < cfg.Generations {
			panic(errStopHere)
		}
	})
	if err != nil && ctx.Err() != nil {
		return nil, interrupted(ctx)
	}
	return res, err
}

var errStopHere = errors.New("stop between generations")

func interrupted(ctx context.Context) error {
	return fmt.Errorf("%w (%v)", agents.ErrInterrupted, context.Cause(ctx))
}

// stoppable is an Evaluator that returns as soon as its context is cancelled, leaving
// the members being evaluated to finish unread.
type stoppable struct {
	ctx context.Context
	ev  Evaluator
}

func (s stoppable) Evaluate(gen int, pop [][]float64, fitness []float64, cost []int64, f FitnessFunc) error {
	if err := s.ctx.Err(); err != nil {
		return err
	}
	// The abandoned evaluation writes into buffers of its own, never into the caller's.
	fit, c := make([]float64, len(fitness)), []int64(nil)
	if cost != nil {
		c = make([]int64, len(cost))
	}
	done := make(chan error, 1)
	go func() { done <- s.ev.Evaluate(gen, pop, fit, c, f) }()
	select {
	case err := <-done:
		copy(fitness, fit)
		copy(cost, c)
		return err
	case <-s.ctx.Done():
		return s.ctx.Err()
	}
}

// Counters are the wrapped evaluator's counters (Counter), if it keeps any.
func (s stoppable) Counters() map[string]float64 {
	if c, ok := s.ev.(Counter); ok {
		return c.Counters()
	}
	return nil
}

// WriteHeader writes the lines that open a meta-training run's output: what is evolved
// with what budget, and where a resumed run goes on.
func (c MetaConfig) WriteHeader(w io.Writer, done int) {
	kind := c.Kind()
	budget := fmt.Sprintf("%d inner steps", c.Inner.Steps)
	if c.IsGroove() {
		budget = fmt.Sprintf("%d updates on %d persistent agents", c.UpdatesPerGeneration, c.Population/2)
	}
	fmt.Fprintf(w, "evolve %s on %s with %s: %d generations x %d members x %s (%s: %d parameters)\n",
		c.Objective, c.Inner.Env, c.Strategy, c.Generations, c.Population, budget, kind, c.Dim())
	if c.LifetimeMin > 0 {
		fmt.Fprintf(w, "population members train for lifetimes log-uniform in [%d, %d] updates of %d steps\n",
			c.LifetimeMin, c.LifetimeMax, c.Inner.Envs*c.Inner.RolloutSteps)
	}
	if done > 0 {
		fmt.Fprintf(w, "resuming after generation %d\n", done-1)
	}
}

// Kind names what the objective's search vector is: a drift network or an update rule.
func (c MetaConfig) Kind() string {
	if c.IsLPG() {
		return "update rule"
	}
	return "drift"
}

// Line is the generation's line of gorl evolve's output; groove runs no reference runs.
func (g Generation) Line(groove bool) string {
	refs := fmt.Sprintf("  search mean %.2f  ppo-clip %.2f", g.MeanFitness, g.ClipFitness)
	if groove {
		refs = ""
	}
	return fmt.Sprintf("generation %d: fitness mean %.2f max %.2f min %.2f%s  sigma %.4f lr %.4f  %.1f s",
		g.Index, g.FitnessMean, g.FitnessMax, g.FitnessMin, refs, g.Sigma, g.LR, g.WallSeconds)
}

// Run meta-trains mc into run (from its state from, nil: from the start) until the last
// generation or until ctx is cancelled (MetaTrainContext), writing a line per
// generation and the result to out; onGen, when not nil, sees each generation. It
// closes the run: finished, interrupted (the error then says how to resume) or failed.
func Run(ctx context.Context, ev Evaluator, mc MetaConfig, run *logs.Run, from *MetaState, out io.Writer, onGen func(Generation)) (*MetaResult, error) {
	res, err := MetaTrainContext(ctx, ev, mc, run, from, func(g Generation) {
		if onGen != nil {
			onGen(g)
		}
		fmt.Fprintln(out, g.Line(mc.IsGroove()))
	})
	if errors.Is(err, agents.ErrInterrupted) {
		err = fmt.Errorf("evolve %s: %w; gorl evolve --resume --run-dir %s continues it", run.Dir(), err, run.Dir())
		return nil, errors.Join(err, run.Interrupt(err))
	}
	if err != nil {
		// The run's own error matters only if marking it failed fails.
		if ferr := run.Fail(err); ferr != nil && !errors.Is(ferr, err) {
			err = errors.Join(err, ferr)
		}
		return nil, fmt.Errorf("evolve %s: %w", run.Dir(), err)
	}
	if err := run.Close(); err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "best fitness %.2f; %s files %s, %s\n", res.BestFitness, mc.Kind(),
		filepath.Join(run.Dir(), mc.MeanFile()), filepath.Join(run.Dir(), mc.BestFile()))
	return res, nil
}

// ForLPG gives an LPG objective the search defaults of TA-LPG's ES (groove): sigma 0.1,
// fixed, and the rule's default GRU width, for each of those settings whose gorl
// evolve flag was not given (given reports whether it was). Other objectives are
// returned as they are.
func (c MetaConfig) ForLPG(given func(flag string) bool) MetaConfig {
	if !c.IsLPG() {
		return c
	}
	if !given("hidden") {
		c.Hidden = 0
	}
	if !given("sigma") {
		c.Sigma = 0.1
	}
	if !given("sigma-decay") {
		c.SigmaDecay = 1
	}
	return c
}

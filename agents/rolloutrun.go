package agents

import (
	"errors"
	"fmt"
	"time"

	"gorl/env"
	"gorl/logs"
)

// RolloutConfig is config.json of a gorl rollout run: everything needed to rerun it.
type RolloutConfig struct {
	Command    string      `json:"command"`
	Version    string      `json:"gorl_version"`
	Env        string      `json:"env"`
	EnvOptions env.Options `json:"env_options,omitempty"`
	Policy     string      `json:"policy"`
	Episodes   int         `json:"episodes"`
	Seed       uint64      `json:"seed"`
	Envs       int         `json:"envs"`
	Workers    int         `json:"workers"`
	StepEvery  int         `json:"step_every"`
	PartRows   int         `json:"part_rows"`
}

// Limits of a rollout that keep a typing slip from exhausting memory before any result.
const (
	MaxFlushSeconds = 1e6     // rollout --flush-every
	MaxPartRows     = 1 << 22 // rollout --part-rows (the writer reserves a part's rows up front)
)

// Validate reports the first setting out of range in one line, naming gorl rollout's
// flags; flushSec is how often buffered rows are flushed.
func (c *RolloutConfig) Validate(flushSec float64) error {
	switch {
	case c.Policy != "random":
		return fmt.Errorf("--policy %q: unknown policy (known: random; trained agents: gorl eval)", c.Policy)
	case c.Episodes < 1:
		return fmt.Errorf("--episodes must be at least 1, got %d", c.Episodes)
	case c.Envs < 1 || c.Envs > MaxEnvs:
		return fmt.Errorf("--envs must be in [1, %d], got %d", MaxEnvs, c.Envs)
	case c.Workers < 1:
		return fmt.Errorf("--workers must be at least 1, got %d", c.Workers)
	case c.PartRows < 1 || c.PartRows > MaxPartRows:
		return fmt.Errorf("--part-rows must be in [1, %d], got %d", MaxPartRows, c.PartRows)
	case !(flushSec > 0 && flushSec <= MaxFlushSeconds):
		return fmt.Errorf("--flush-every must be a positive number of seconds up to %g, got %v", float64(MaxFlushSeconds), flushSec)
	}
	return nil
}

// Rollout runs c's episodes in a new run directory runDir and logs them, flushing
// buffered rows at least every flushEvery; onEpisode, when not nil, sees each finished
// episode. The run is closed (or marked failed).
func (c RolloutConfig) Rollout(runDir string, flushEvery time.Duration, onEpisode func(logs.EpisodeRow)) (RolloutSummary, error) {
	vec, err := env.NewVector(c.Envs, c.Workers, func(int) (env.Env, error) { return env.Make(c.Env, c.EnvOptions) })
	if err != nil {
		return RolloutSummary{}, err
	}
	defer vec.Close()
	stepEvery := c.StepEvery
	if stepEvery <= 0 { // none, as --step-every negative means for every command
		stepEvery = -1
	}
	run, err := logs.Create(runDir, c, logs.Options{EnvID: c.Env, StepEvery: stepEvery, PartRows: c.PartRows, FlushEvery: flushEvery})
	if err != nil {
		return RolloutSummary{}, err
	}
	sum, err := RandomRollout(vec, run, c.Episodes, c.Seed, onEpisode)
	if errors.Is(err, ErrNonFinite) {
		err = fmt.Errorf("%s: %w", c.Env, err)
	}
	if err != nil {
		_ = run.Fail(err)
		return RolloutSummary{}, err
	}
	return sum, run.Close()
}

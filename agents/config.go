package agents

import (
	"fmt"
	"math"

	"gorl/env"
	"gorl/logs"
)

// TrainConfig holds the settings of the training loop. Zero values mean defaults
// (WithDefaults fills them); the CLI records the effective values in config.json.
type TrainConfig struct {
	// Env, EnvOptions and Seed are the run's; config.json holds them in its envelope
	// (RunConfig), not here.
	Env        string      `json:"env,omitempty"`
	EnvOptions env.Options `json:"env_options,omitempty"`
	Seed       uint64      `json:"seed,omitempty"`
	// Steps is the training budget in environment steps (default 500000). Training runs
	// Steps / (Envs * RolloutSteps) updates.
	Steps        int64 `json:"steps"`
	Envs         int   `json:"envs"`          // parallel environments (default 4)
	RolloutSteps int   `json:"rollout_steps"` // steps per environment per update (default 128)
	Workers      int   `json:"workers"`       // goroutines stepping the environments (default 1)
	// StopAtReturn, when set, stops training once the mean return of the last
	// ReturnWindow finished episodes reaches it (checked after each rollout).
	StopAtReturn *float64 `json:"stop_at_return,omitempty"`
	ReturnWindow int      `json:"return_window"` // default 20
	// CheckpointEvery writes a checkpoint after the first update that ends at least this
	// many env steps after the last checkpoint (default 50000), and
	// CheckpointSeconds after this much wall time since the last one (default 60),
	// whichever comes first; negative values turn either off (the final checkpoint is
	// always written). KeepCheckpoints is how many are kept (default 2).
	CheckpointEvery   int64   `json:"checkpoint_every"`
	CheckpointSeconds float64 `json:"checkpoint_seconds"`
	KeepCheckpoints   int     `json:"keep_checkpoints" min:"1"`
	// EvalEvery evaluates the deterministic policy on EvalEpisodes episodes every this
	// many updates and logs eval_return (0: never).
	EvalEvery    int `json:"eval_every"`
	EvalEpisodes int `json:"eval_episodes"` // default 10
	// StepEvery logs the steps of every Nth episode (0 or 1: all, negative: none).
	StepEvery int `json:"step_every"`
	// Normalize wraps every training environment as CleanRL's ppo_continuous_action.py
	// does: running observation normalisation, observations clipped to [-10, 10],
	// rewards scaled by the running standard deviation of their discounted return (with
	// the agent's discount) and clipped to [-10, 10]. "auto" (or empty) turns it on for
	// Box action spaces and off for discrete ones, as CleanRL's continuous and discrete
	// PPO scripts do; "on" and "off" force it. The logs keep raw values (package doc).
	Normalize string `json:"normalize"`
}

// Bounds on a rollout: environments stepped in lock step and transitions held in one
// rollout buffer.
const (
	MaxEnvs  = 1 << 16
	MaxBatch = 1 << 24
)

// Normalize settings.
const (
	NormalizeAuto = "auto"
	NormalizeOn   = "on"
	NormalizeOff  = "off"
)

// WithDefaults returns c with zero values replaced by defaults.
func (c TrainConfig) WithDefaults() TrainConfig {
	def := func(p *int, v int) {
		if *p == 0 {
			*p = v
		}
	}
	if c.Steps == 0 {
		c.Steps = 500000
	}
	def(&c.Envs, 4)
	def(&c.RolloutSteps, 128)
	def(&c.Workers, 1)
	def(&c.ReturnWindow, logs.FinalWindow)
	if c.CheckpointEvery == 0 {
		c.CheckpointEvery = 50000
	}
	if c.CheckpointSeconds == 0 {
		c.CheckpointSeconds = 60
	}
	def(&c.KeepCheckpoints, 2)
	def(&c.EvalEpisodes, 10)
	def(&c.StepEvery, 1)
	if c.Normalize == "" {
		c.Normalize = NormalizeAuto
	}
	return c
}

// WithDefaultsFor returns c with zero values replaced by the defaults for an action
// space: for a Box, those of CleanRL's ppo_continuous_action.py (1 environment, 2048
// steps per rollout, 1000000 steps, normalisation on); otherwise those of WithDefaults
// (CleanRL's ppo.py, normalisation off). "auto" normalisation is resolved to on or off.
func (c TrainConfig) WithDefaultsFor(act env.Space) TrainConfig {
	continuous := act.Kind == env.Box
	if continuous {
		if c.Steps == 0 {
			c.Steps = 1000000
		}
		if c.Envs == 0 {
			c.Envs = 1
		}
		if c.RolloutSteps == 0 {
			c.RolloutSteps = 2048
		}
	}
	if c.Normalize == "" || c.Normalize == NormalizeAuto {
		c.Normalize = NormalizeOff
		if continuous {
			c.Normalize = NormalizeOn
		}
	}
	return c.WithDefaults()
}

// Validate reports the first bad setting.
func (c TrainConfig) Validate() error {
	switch {
	case c.Env == "":
		return fmt.Errorf("no env id")
	case c.Steps < 1:
		return fmt.Errorf("steps must be positive, got %d", c.Steps)
	case c.Envs < 1:
		return fmt.Errorf("envs must be positive, got %d", c.Envs)
	case c.RolloutSteps < 1:
		return fmt.Errorf("rollout_steps must be positive, got %d", c.RolloutSteps)
	case c.Workers < 1:
		return fmt.Errorf("workers must be positive, got %d", c.Workers)
	case c.ReturnWindow < 1:
		return fmt.Errorf("return_window must be positive, got %d", c.ReturnWindow)
	case math.IsNaN(c.CheckpointSeconds):
		return fmt.Errorf("checkpoint_seconds must be a number")
	case c.KeepCheckpoints < 1:
		return fmt.Errorf("keep_checkpoints must be positive, got %d", c.KeepCheckpoints)
	case c.EvalEvery < 0:
		return fmt.Errorf("eval_every must be >= 0, got %d", c.EvalEvery)
	case c.EvalEpisodes < 1:
		return fmt.Errorf("eval_episodes must be positive, got %d", c.EvalEpisodes)
	case c.StopAtReturn != nil && (math.IsNaN(*c.StopAtReturn) || math.IsInf(*c.StopAtReturn, 0)):
		return fmt.Errorf("stop_at_return must be finite")
	case c.Normalize != "" && c.Normalize != NormalizeAuto && c.Normalize != NormalizeOn && c.Normalize != NormalizeOff:
		return fmt.Errorf("normalize must be auto, on or off, got %q", c.Normalize)
	case c.Envs > MaxEnvs || int64(c.Envs)*int64(c.RolloutSteps) > MaxBatch:
		return fmt.Errorf("envs x rollout steps = %d x %d is too large (at most %d environments and %d transitions per update)", c.Envs, c.RolloutSteps, MaxEnvs, MaxBatch)
	case int64(c.Envs) > c.Steps/int64(c.RolloutSteps): // envs x rollout_steps > steps, without overflow
		return fmt.Errorf("steps (%d) must cover at least one rollout of envs x rollout_steps = %d x %d", c.Steps, c.Envs, c.RolloutSteps)
	}
	return nil
}

// Updates is the number of updates the budget allows.
func (c TrainConfig) Updates() int { return int(c.Steps / int64(c.Envs*c.RolloutSteps)) }

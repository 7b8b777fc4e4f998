package ppo

import (
	"fmt"
	"io"
	"math"

	"gorl/agents"
	"gorl/env"
)

// Config holds PPO's settings. Zero values mean CleanRL's ppo.py defaults (WithDefaults
// fills them), or for Box action spaces those of ppo_continuous_action.py
// (WithDefaultsFor); where 0 is a meaningful setting, a negative value selects it.
type Config struct {
	LR         float64 `json:"lr"`          // Adam step size (default 2.5e-4; Box actions 3e-4)
	ConstantLR bool    `json:"constant_lr"` // false: anneal linearly to 0 over training
	AdamEps    float64 `json:"adam_eps"`    // default 1e-5
	Gamma      float64 `json:"gamma"`       // discount (default 0.99)
	Lambda     float64 `json:"gae_lambda"`  // GAE lambda (default 0.95)
	Epochs     int     `json:"epochs"`      // passes over each rollout (default 4; Box actions 10)
	// Minibatches splits each rollout (default 4; Box actions 32); it must divide
	// envs x rollout_steps.
	Minibatches int     `json:"minibatches"`
	ClipEps     float64 `json:"clip_eps"` // PPO clip range, also the value clip (default 0.2)
	// ValueClip clips the value update as CleanRL's clip_vloss does. It is off by
	// default, like the PyTorch peer in shared/peers.
	ValueClip   bool    `json:"value_clip"`
	NoAdvNorm   bool    `json:"no_adv_norm"`   // false: normalise advantages per minibatch
	EntCoef     float64 `json:"ent_coef"`      // entropy bonus (default 0.01, Box actions none; negative: none)
	VfCoef      float64 `json:"vf_coef"`       // value-loss weight (default 0.5)
	MaxGradNorm float64 `json:"max_grad_norm"` // global gradient clip (default 0.5; negative: none)
	Hidden      []int   `json:"hidden"`        // tanh hidden layers of actor and critic (default 64, 64)
	// TruncationAsTermination bootstraps a time-limit end with 0, as CleanRL's scripts
	// (and the PyTorch peer) do; false bootstraps it from the value of the final
	// observation (Rollout.GAE).
	TruncationAsTermination bool `json:"truncation_as_termination"`
	// Objective is the policy objective: clip (default), dpo, lpo or ta-lpo. The learned
	// ones read their drift network from ObjectiveParams (see SaveLPO).
	Objective       string `json:"objective"`
	ObjectiveParams string `json:"objective_params,omitempty"`
}

// WithDefaultsFor returns c with zero values replaced by the defaults for an action
// space. For a Box these are CleanRL's ppo_continuous_action.py settings where they
// differ from ppo.py: lr 3e-4, 10 epochs, 32 minibatches and no entropy bonus (recorded
// as ent_coef -1, which WithDefaults keeps); the rest as WithDefaults. One difference
// remains: CleanRL clips the value loss in both scripts, PPO here only with ValueClip.
func (c Config) WithDefaultsFor(act env.Space) Config {
	if act.Kind == env.Box {
		if c.LR == 0 {
			c.LR = 3e-4
		}
		if c.Epochs == 0 {
			c.Epochs = 10
		}
		if c.Minibatches == 0 {
			c.Minibatches = 32
		}
		if c.EntCoef == 0 {
			c.EntCoef = -1
		}
	}
	return c.WithDefaults()
}

// Defaults fills the zero settings of a training loop config and a PPO config with the
// defaults for the action space of env tc.Env (TrainConfig.WithDefaultsFor,
// Config.WithDefaultsFor), probing one instance of the environment.
func Defaults(tc agents.TrainConfig, pc Config) (agents.TrainConfig, Config, error) {
	if tc.Env == "" {
		return tc, pc, fmt.Errorf("no env id")
	}
	e, err := env.Make(tc.Env, tc.EnvOptions)
	if err != nil {
		return tc, pc, err
	}
	act := e.ActionSpace()
	if c, ok := e.(io.Closer); ok {
		c.Close()
	}
	return tc.WithDefaultsFor(act), pc.WithDefaultsFor(act), nil
}

// WithDefaults returns c with zero values replaced by defaults (those of CleanRL's
// ppo.py).
func (c Config) WithDefaults() Config {
	f := func(p *float64, v float64) {
		if *p == 0 {
			*p = v
		}
	}
	f(&c.LR, 2.5e-4)
	f(&c.AdamEps, 1e-5)
	f(&c.Gamma, 0.99)
	f(&c.Lambda, 0.95)
	f(&c.ClipEps, 0.2)
	f(&c.EntCoef, 0.01)
	f(&c.VfCoef, 0.5)
	f(&c.MaxGradNorm, 0.5)
	if c.Epochs == 0 {
		c.Epochs = 4
	}
	if c.Minibatches == 0 {
		c.Minibatches = 4
	}
	if len(c.Hidden) == 0 {
		c.Hidden = []int{64, 64}
	}
	if c.Objective == "" {
		c.Objective = "clip"
	}
	return c
}

// Bounds on Hidden checked by Validate.
const (
	maxHidden       = 1 << 16
	maxLayerWeights = 1 << 26
)

// Validate reports the first bad setting.
func (c Config) Validate() error {
	bad := func(x float64) bool { return math.IsNaN(x) || math.IsInf(x, 0) }
	switch {
	case bad(c.LR) || c.LR <= 0:
		return fmt.Errorf("lr must be positive, got %v", c.LR)
	case bad(c.AdamEps) || c.AdamEps <= 0:
		return fmt.Errorf("adam_eps must be positive, got %v", c.AdamEps)
	case bad(c.Gamma) || c.Gamma <= 0 || c.Gamma > 1:
		return fmt.Errorf("gamma must be in (0, 1], got %v", c.Gamma)
	case bad(c.Lambda) || c.Lambda < 0 || c.Lambda > 1:
		return fmt.Errorf("gae_lambda must be in [0, 1], got %v", c.Lambda)
	case c.Epochs < 1:
		return fmt.Errorf("epochs must be positive, got %d", c.Epochs)
	case c.Minibatches < 1:
		return fmt.Errorf("minibatches must be positive, got %d", c.Minibatches)
	case bad(c.ClipEps) || c.ClipEps <= 0 || c.ClipEps >= 1:
		return fmt.Errorf("clip_eps must be in (0, 1), got %v", c.ClipEps)
	case bad(c.EntCoef) || bad(c.VfCoef) || bad(c.MaxGradNorm) || c.VfCoef < 0:
		return fmt.Errorf("ent_coef, vf_coef and max_grad_norm must be finite (vf_coef >= 0)")
	}
	for i, h := range c.Hidden {
		// The weights are allocated at once: a size past these bounds is a slip that
		// would exhaust memory (or overflow the allocation) rather than a network.
		if h < 1 || h > maxHidden || (i > 0 && c.Hidden[i-1]*h > maxLayerWeights) {
			return fmt.Errorf("hidden layer sizes must be in [1, %d] with at most %d weights between two layers, got %v", maxHidden, maxLayerWeights, c.Hidden)
		}
	}
	switch c.Objective {
	case "clip", "dpo":
	case "lpo", "ta-lpo":
		if c.ObjectiveParams == "" {
			return fmt.Errorf("objective %s needs a drift network file (objective_params, --objective-params)", c.Objective)
		}
	default:
		return fmt.Errorf("unknown objective %q (known: clip, dpo, lpo, ta-lpo)", c.Objective)
	}
	return nil
}

// entCoef and maxGradNorm turn the negative "none" settings into 0.
func (c Config) entCoef() float64 { return math.Max(c.EntCoef, 0) }

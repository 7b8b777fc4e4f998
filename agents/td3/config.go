package td3

import (
	"fmt"
	"math"
	"strings"
)

// Config holds TD3's settings. Zero values mean the defaults of the recorded Defaults:
// "fujimoto" (Fujimoto et al. 2018, MuJoCo tasks) or "sgrl" (Chen et al. 2023, sgrl.md:
// lr 1e-4, grad-norm clip 0.1, exploration 0.126, warm-up 5000, the rest as Fujimoto's).
// Defaults "" picks by environment (ForEnv: "sgrl" for sgrl/ tasks). ExploreNoise,
// PolicyNoise and NoiseClip of 0 mean the defaults; set a tiny positive value to turn one
// off. A negative GradClip means no clipping (0 is the default: none for fujimoto, 0.1 for
// sgrl).
type Config struct {
	Defaults       string  `json:"defaults"`         // fujimoto or sgrl: what zero values mean
	Hidden         []int   `json:"hidden"`           // MLP hidden sizes (default [256, 256]; SGRL's MLP baselines too)
	LR             float64 `json:"lr"`               // Adam learning rate, actor and critic (default 3e-4; sgrl 1e-4)
	Batch          int     `json:"batch"`            // minibatch size (default 256)
	Gamma          float64 `json:"gamma"`            // discount (default 0.99)
	Tau            float64 `json:"tau"`              // target network Polyak rate (default 0.005)
	PolicyNoise    float64 `json:"policy_noise"`     // target smoothing noise std (default 0.2)
	NoiseClip      float64 `json:"noise_clip"`       // target smoothing noise clip (default 0.5)
	PolicyDelay    int     `json:"policy_delay"`     // critic updates per actor update (default 2)
	ExploreNoise   float64 `json:"explore_noise"`    // Gaussian exploration std (default 0.1; sgrl 0.126)
	GradClip       float64 `json:"grad_clip"`        // global grad-norm clip; 0 or negative: none (sgrl: 0 means 0.1)
	WarmUp         int64   `json:"warm_up"`          // uniform random steps before learning (default 25000, sgrl 5000; negative: none)
	BufferSize     int     `json:"buffer_size"`      // replay capacity (default 1e6), per member of a multi-task set
	UpdatesPerStep int     `json:"updates_per_step"` // gradient updates per environment step (default 1)
	// CriticForm is how per-node critics (SET, SWAT) enter the TD loss: "per-node" (SGRL's
	// SECritic: each node's Q_i regresses on its own target r + γ min(Q'1_i, Q'2_i)) or
	// "mean" (the node values are averaged into one Q before the target). Default
	// per-node; whole-body critics (the MLP) ignore it.
	CriticForm string `json:"critic_form"`
}

// Settings names of Config.Defaults and Config.CriticForm.
const (
	DefaultsFujimoto = "fujimoto"
	DefaultsSGRL     = "sgrl"
	CriticPerNode    = "per-node"
	CriticMean       = "mean"
)

// ForEnv returns c with Defaults chosen for environment id when unset: sgrl for the 3D
// SGRL tasks (ids sgrl/...), fujimoto otherwise.
func (c Config) ForEnv(id string) Config {
	if c.Defaults == "" {
		c.Defaults = DefaultsFujimoto
		if strings.HasPrefix(id, "sgrl/") {
			c.Defaults = DefaultsSGRL
		}
	}
	return c
}

// WithDefaults returns c with zero fields replaced by the defaults of c.Defaults ("":
// fujimoto).
func (c Config) WithDefaults() Config {
	if c.Defaults == "" {
		c.Defaults = DefaultsFujimoto
	}
	lr, explore, warmUp, clip := 3e-4, 0.1, int64(25000), 0.0
	if c.Defaults == DefaultsSGRL {
		lr, explore, warmUp, clip = 1e-4, 0.126, 5000, 0.1
	}
	if c.Hidden == nil {
		c.Hidden = []int{256, 256}
	}
	deff := func(p *float64, v float64) {
		if *p == 0 {
			*p = v
		}
	}
	deff(&c.LR, lr)
	deff(&c.Gamma, 0.99)
	deff(&c.Tau, 0.005)
	deff(&c.PolicyNoise, 0.2)
	deff(&c.NoiseClip, 0.5)
	deff(&c.ExploreNoise, explore)
	deff(&c.GradClip, clip)
	if c.Batch == 0 {
		c.Batch = 256
	}
	if c.PolicyDelay == 0 {
		c.PolicyDelay = 2
	}
	if c.WarmUp == 0 {
		c.WarmUp = warmUp
	}
	if c.BufferSize == 0 {
		c.BufferSize = 1000000
	}
	if c.UpdatesPerStep == 0 {
		c.UpdatesPerStep = 1
	}
	if c.CriticForm == "" {
		c.CriticForm = CriticPerNode
	}
	return c
}

// clipping reports whether gradients are clipped (GradClip > 0).
func (c Config) clipping() bool { return c.GradClip > 0 }

// Validate reports the first invalid setting, naming its config.json key.
func (c Config) Validate() error {
	bad := func(x float64) bool { return math.IsNaN(x) || math.IsInf(x, 0) }
	for _, h := range c.Hidden {
		if h < 1 {
			return fmt.Errorf("hidden sizes must be positive, got %v", c.Hidden)
		}
	}
	switch {
	case bad(c.LR) || c.LR <= 0:
		return fmt.Errorf("lr must be positive, got %v", c.LR)
	case c.Batch < 1:
		return fmt.Errorf("batch must be positive, got %d", c.Batch)
	case bad(c.Gamma) || c.Gamma < 0 || c.Gamma > 1:
		return fmt.Errorf("gamma must be in [0, 1], got %v", c.Gamma)
	case bad(c.Tau) || c.Tau <= 0 || c.Tau > 1:
		return fmt.Errorf("tau must be in (0, 1], got %v", c.Tau)
	case bad(c.PolicyNoise) || c.PolicyNoise < 0:
		return fmt.Errorf("policy_noise must be >= 0, got %v", c.PolicyNoise)
	case bad(c.NoiseClip) || c.NoiseClip < 0:
		return fmt.Errorf("noise_clip must be >= 0, got %v", c.NoiseClip)
	case c.PolicyDelay < 1:
		return fmt.Errorf("policy_delay must be positive, got %d", c.PolicyDelay)
	case bad(c.ExploreNoise) || c.ExploreNoise < 0:
		return fmt.Errorf("explore_noise must be >= 0, got %v", c.ExploreNoise)
	case bad(c.GradClip):
		return fmt.Errorf("grad_clip must be a number (negative: none), got %v", c.GradClip)
	case c.BufferSize < 1:
		return fmt.Errorf("buffer_size must be positive, got %d", c.BufferSize)
	case c.UpdatesPerStep < 1:
		return fmt.Errorf("updates_per_step must be positive, got %d", c.UpdatesPerStep)
	case c.Defaults != "" && c.Defaults != DefaultsFujimoto && c.Defaults != DefaultsSGRL:
		return fmt.Errorf("defaults must be %q or %q, got %q", DefaultsFujimoto, DefaultsSGRL, c.Defaults)
	case c.CriticForm != "" && c.CriticForm != CriticPerNode && c.CriticForm != CriticMean:
		return fmt.Errorf("critic_form must be %q or %q, got %q", CriticPerNode, CriticMean, c.CriticForm)
	}
	return nil
}

package td3

import (
	"fmt"
	"math"
)

// Config holds TD3's settings. Zero values mean the defaults of Fujimoto et al. (2018)
// for MuJoCo tasks; sgrl.md's settings are LR 1e-4, GradClip 0.1, ExploreNoise 0.126,
// WarmUp 5000. ExploreNoise, PolicyNoise and NoiseClip of 0 mean the defaults; set a
// tiny positive value to turn one off.
type Config struct {
	Hidden       []int   `json:"hidden"`        // MLP hidden sizes (default [256, 256])
	LR           float64 `json:"lr"`            // Adam learning rate, actor and critic (default 3e-4)
	Batch        int     `json:"batch"`         // minibatch size (default 256)
	Gamma        float64 `json:"gamma"`         // discount (default 0.99)
	Tau          float64 `json:"tau"`           // target network Polyak rate (default 0.005)
	PolicyNoise  float64 `json:"policy_noise"`  // target smoothing noise std (default 0.2)
	NoiseClip    float64 `json:"noise_clip"`    // target smoothing noise clip (default 0.5)
	PolicyDelay  int     `json:"policy_delay"`  // critic updates per actor update (default 2)
	ExploreNoise float64 `json:"explore_noise"` // Gaussian exploration std (default 0.1)
	GradClip     float64 `json:"grad_clip"`     // global grad-norm clip; 0: none
	WarmUp       int64   `json:"warm_up"`       // uniform random steps before learning (default 25000; negative: none)
	BufferSize   int     `json:"buffer_size"`   // replay capacity (default 1e6), per member of a multi-task set
}

// WithDefaults returns c with zero fields replaced by the defaults.
func (c Config) WithDefaults() Config {
	if c.Hidden == nil {
		c.Hidden = []int{256, 256}
	}
	deff := func(p *float64, v float64) {
		if *p == 0 {
			*p = v
		}
	}
	deff(&c.LR, 3e-4)
	deff(&c.Gamma, 0.99)
	deff(&c.Tau, 0.005)
	deff(&c.PolicyNoise, 0.2)
	deff(&c.NoiseClip, 0.5)
	deff(&c.ExploreNoise, 0.1)
	if c.Batch == 0 {
		c.Batch = 256
	}
	if c.PolicyDelay == 0 {
		c.PolicyDelay = 2
	}
	if c.WarmUp == 0 {
		c.WarmUp = 25000
	}
	if c.BufferSize == 0 {
		c.BufferSize = 1000000
	}
	return c
}

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
	case bad(c.GradClip) || c.GradClip < 0:
		return fmt.Errorf("grad_clip must be >= 0 (0: none), got %v", c.GradClip)
	case c.BufferSize < 1:
		return fmt.Errorf("buffer_size must be positive, got %d", c.BufferSize)
	}
	return nil
}

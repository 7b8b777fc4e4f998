package td3

import "testing"

// sgrl/ tasks default to sgrl.md's TD3 settings; other environments keep Fujimoto's.
func TestDefaultsByEnv(t *testing.T) {
	type want struct {
		defaults             string
		lr, clip, noise      float64
		warmUp               int64
		batch, delay, hidden int
	}
	for env, w := range map[string]want{
		"sgrl/hopper++": {DefaultsSGRL, 1e-4, 0.1, 0.126, 5000, 256, 2, 256},
		"Pendulum-v1":   {DefaultsFujimoto, 3e-4, 0, 0.1, 25000, 256, 2, 256},
	} {
		c := TrainConfig{Env: env}.WithDefaults().TD3
		got := want{c.Defaults, c.LR, c.GradClip, c.ExploreNoise, c.WarmUp, c.Batch, c.PolicyDelay, c.Hidden[0]}
		if got != w || c.CriticForm != CriticPerNode || c.UpdatesPerStep != 1 {
			t.Errorf("%s: %+v (critic %q, updates/step %d), want %+v", env, got, c.CriticForm, c.UpdatesPerStep, w)
		}
	}
	// Recorded settings win over the environment's, and a negative clip stays "none".
	c := TrainConfig{Env: "sgrl/hopper-3", TD3: Config{Defaults: DefaultsFujimoto, GradClip: -1}}.WithDefaults().TD3
	if c.LR != 3e-4 || c.clipping() {
		t.Errorf("recorded fujimoto defaults on an sgrl task: lr %v, clip %v", c.LR, c.GradClip)
	}
	if err := (Config{CriticForm: "median"}).WithDefaults().Validate(); err == nil {
		t.Error("critic_form median accepted")
	}
}

package horizons

import (
	"fmt"

	"gorl/agents"
	"gorl/agents/ppo"
	"gorl/evolution"
)

// CheckFlags reports the first setting of hc out of range in one line naming gorl drift
// horizons' flags; workers is the number of runs trained at once (0: all cores).
func (hc DriftConfig) CheckFlags(workers int) error {
	switch {
	case hc.TrainSteps < 1 || hc.TrainSteps > 1e10:
		return fmt.Errorf("--train-steps must be in [1, 1e10], got %d", hc.TrainSteps)
	case hc.Seeds < 1 || hc.Seeds > 1000:
		return fmt.Errorf("--seeds must be in [1, 1000], got %d", hc.Seeds)
	case hc.EvalEpisodes < 1 || hc.EvalEpisodes > 100000:
		return fmt.Errorf("--eval-episodes must be in [1, 100000], got %d", hc.EvalEpisodes)
	}
	return checkCommon(workers, hc.FixedProgress)
}

// CheckFlags reports the first setting of c out of range in one line naming gorl
// evolve eval's flags; workers is the number of runs trained at once (0: all cores).
func (c RulesConfig) CheckFlags(workers int) error {
	switch {
	case c.Seeds < 1 || c.Seeds > 10000:
		return fmt.Errorf("--seeds must be in [1, 10000], got %d", c.Seeds)
	case c.EvalEpisodes < 1 || c.EvalEpisodes > 100000:
		return fmt.Errorf("--eval-episodes must be in [1, 100000], got %d", c.EvalEpisodes)
	case c.EvalPolicy != "sample" && c.EvalPolicy != "mode":
		return fmt.Errorf("--eval-policy must be sample or mode, got %q", c.EvalPolicy)
	case c.Envs < 1 || c.Envs > 4096 || c.RolloutSteps < 1 || c.RolloutSteps > 1<<20:
		return fmt.Errorf("--envs must be in [1, 4096] and --rollout-steps in [1, 1048576], got %d and %d", c.Envs, c.RolloutSteps)
	}
	return checkCommon(workers, c.FixedProgress)
}

func checkCommon(workers int, fixed *float64) error {
	switch {
	case workers < 0:
		return fmt.Errorf("--workers must be >= 0 (0: all cores), got %d", workers)
	case fixed != nil && !(*fixed >= 0 && *fixed <= 1):
		return fmt.Errorf("--fixed-progress must be in [0, 1], got %v", *fixed)
	}
	return nil
}

// InnerFrom returns the inner-run settings (PPO, envs, rollout steps, env) of gorl
// evolve's run directory dir, so that a drift is tested under the PPO it was evolved
// with; the objective, seed, budget and evaluation are left for the experiment to set.
func InnerFrom(dir string) (agents.TrainConfig, ppo.Config, error) {
	mc, err := evolution.ReadRunMeta(dir)
	if err != nil || mc.IsLPG() {
		return agents.TrainConfig{}, ppo.Config{}, fmt.Errorf("--inner-from %s: not a gorl evolve run of a drift objective (%v)", dir, err)
	}
	tc, pc := mc.Inner, mc.PPO
	pc.Objective, pc.ObjectiveParams = "", ""
	tc.Seed, tc.Steps, tc.EvalEvery = 0, 0, 0
	return tc, pc, nil
}

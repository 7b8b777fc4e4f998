package agents

import (
	"fmt"

	"gorl/env"
)

var _ Trainer = (*Loop)(nil)

// LoopCommon points at the run-level settings of a loop config (for Settings.Common of
// algorithms that train on the Loop).
func LoopCommon(c *TrainConfig) Common {
	return Common{Env: &c.Env, EnvOptions: &c.EnvOptions, Seed: &c.Seed, Steps: &c.Steps, StopAtReturn: &c.StopAtReturn,
		StepEvery: &c.StepEvery, CheckpointEvery: &c.CheckpointEvery, CheckpointSeconds: &c.CheckpointSeconds}
}

// UpgradeFormat1 converts a format-1 config's checkpoint_every, counted in updates, to
// env steps.
func (c *TrainConfig) UpgradeFormat1() {
	d := c.WithDefaults()
	if c.CheckpointEvery > 0 {
		c.CheckpointEvery *= int64(d.Envs * d.RolloutSteps)
	}
}

// Finished reports whether nothing is left to train: the budget is spent or the target
// was reached (a resumed run whose last checkpoint is its final one).
func (l *Loop) Finished() bool { return l.update >= l.updates || l.solved }

// LoopPolicy loads the agent of dir's latest readable checkpoint, built by newAgent for
// environment id with opts, as a Policy. The environment normalises observations with
// the checkpoint's statistics when the run did (CheckpointEvalEnv).
func LoopPolicy(dir, id string, opts env.Options, newAgent NewAgentFunc) (Policy, env.Env, string, error) {
	ck, err := LatestCheckpoint(dir)
	if err != nil {
		return nil, nil, "", err
	}
	e, err := CheckpointEvalEnv(id, opts, ck)
	if err != nil {
		return nil, nil, "", err
	}
	a, err := newAgent(e.ObservationSpace(), e.ActionSpace())
	if err != nil {
		return nil, nil, "", err
	}
	if err := a.UnmarshalState(ck.Agent); err != nil {
		return nil, nil, "", fmt.Errorf("checkpoint of %s does not fit env %s: %w", dir, id, err)
	}
	return a, e, fmt.Sprintf("update %d", ck.Update), nil
}

package ppo

import (
	"fmt"
	"os"
	"path/filepath"

	"gorl/agents"
	"gorl/env"
	"gorl/logs"
)

// Algorithm registers PPO with agents (gorl train --algo ppo).
type Algorithm struct{}

// Name is "ppo".
func (Algorithm) Name() string { return "ppo" }

// NewSettings returns zero settings (the defaults).
func (Algorithm) NewSettings() agents.Settings { return &Settings{} }

// Settings are a PPO run's part of config.json: the training loop ("train") and the
// agent ("ppo").
type Settings struct {
	Train agents.TrainConfig `json:"train"`
	PPO   Config             `json:"ppo"`
}

// Common points at the loop's run-level settings.
func (s *Settings) Common() agents.Common { return agents.LoopCommon(&s.Train) }

// UpgradeFormat1 converts a format-1 config.json (checkpoint_every in updates).
func (s *Settings) UpgradeFormat1() { s.Train.UpgradeFormat1() }

// Resolve fills the defaults for the environment's action space (Defaults) and checks
// the settings, the drift file of a learned objective included.
func (s *Settings) Resolve() error {
	if p := s.PPO.ObjectiveParams; p != "" {
		if st, err := os.Stat(p); err != nil {
			return fmt.Errorf("objective_params %s: no such file", p)
		} else if st.IsDir() {
			return fmt.Errorf("objective_params %s is a directory", p)
		}
		abs, err := filepath.Abs(p)
		if err != nil {
			return err
		}
		s.PPO.ObjectiveParams = abs // config.json must work from any directory
	}
	tr, pc, err := Defaults(s.Train, s.PPO)
	if err != nil {
		return err
	}
	if err := tr.Validate(); err != nil {
		return err
	}
	if err := pc.Validate(); err != nil {
		return err
	}
	if n := tr.Envs * tr.RolloutSteps; n%pc.Minibatches != 0 {
		return fmt.Errorf("%d minibatches do not divide envs x rollout_steps = %d", pc.Minibatches, n)
	}
	if _, err := NewObjective(pc); err != nil {
		return err
	}
	s.Train, s.PPO = tr, pc
	return nil
}

func (s *Settings) newAgent() agents.NewAgentFunc {
	pc, seed := s.PPO, s.Train.Seed
	return func(obs, act env.Space) (agents.Agent, error) { return New(obs, act, pc, seed) }
}

func (s *Settings) label(l *agents.Loop) *agents.Loop {
	l.Algo, l.Label, l.Variant = "ppo", "ppo with objective "+s.PPO.Objective, s.PPO.Objective
	return l
}

// NewTrainer builds a fresh PPO run on the training loop.
func (s *Settings) NewTrainer(log *logs.Run) (agents.Trainer, error) {
	l, err := agents.NewLoop(s.Train, log, s.newAgent())
	if err != nil {
		return nil, err
	}
	return s.label(l), nil
}

// Resume continues the run in dir from its latest checkpoint.
func (s *Settings) Resume(dir string, opts logs.Options) (agents.Trainer, error) {
	l, err := agents.Resume(dir, s.Train, opts, s.newAgent())
	if err != nil {
		return nil, err
	}
	return s.label(l), nil
}

// Policy acts with the networks of dir's latest checkpoint; the objective only shapes
// training, so it is not loaded.
func (s *Settings) Policy(dir, id string, opts env.Options) (agents.Policy, env.Env, string, error) {
	pc, seed := s.PPO, s.Train.Seed
	pc.Objective, pc.ObjectiveParams = "clip", ""
	return agents.LoopPolicy(dir, id, opts, func(obs, act env.Space) (agents.Agent, error) { return New(obs, act, pc, seed) })
}

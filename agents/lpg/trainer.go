package lpg

import (
	"errors"
	"fmt"
	"path/filepath"

	"gorl/agents"
	"gorl/env"
	"gorl/logs"
)

// Algorithm registers LPG with agents (gorl train --algo lpg --update-rule FILE): an
// agent learning with a fixed, evolved update rule.
type Algorithm struct{}

// Name is "lpg".
func (Algorithm) Name() string { return "lpg" }

// NewSettings returns zero settings (the defaults).
func (Algorithm) NewSettings() agents.Settings { return &Settings{} }

// RuleFile is the copy of the update rule in an lpg run directory, so that the run does
// not depend on the source file staying put.
const RuleFile = "update_rule.lpg"

// Settings are an LPG run's part of config.json: the training loop, the agent, the
// update rule's architecture and where the rule is.
type Settings struct {
	Train agents.TrainConfig `json:"train"`
	LPG   Config             `json:"lpg"`
	Rule  RuleConfig         `json:"rule" flag:"-"`
	// UpdateRule is the rule's file in the run directory (RuleFile); UpdateRuleSource
	// the file it was copied from (--update-rule).
	UpdateRule       string `json:"update_rule" flag:"-"`
	UpdateRuleSource string `json:"update_rule_source" flagname:"update-rule"`

	rule *Rule
}

var _ agents.Settings = (*Settings)(nil)

// OmitFlags are the loop settings LPG does not read from flags (it trains on raw
// observations).
func (s *Settings) OmitFlags() []string { return []string{"normalize"} }

// Common points at the loop's run-level settings.
func (s *Settings) Common() agents.Common { return agents.LoopCommon(&s.Train) }

// UpgradeFormat1 converts a format-1 config.json (checkpoint_every in updates).
func (s *Settings) UpgradeFormat1() { s.Train.UpgradeFormat1() }

// Resolve fills the defaults (8 environments x 20 steps per update, one LPG step per
// rollout; groove's agent settings) and, for a fresh run, loads the rule from
// UpdateRuleSource.
func (s *Settings) Resolve() error {
	if s.Train.Envs == 0 {
		s.Train.Envs = 8
	}
	if s.Train.RolloutSteps == 0 {
		s.Train.RolloutSteps = 20
	}
	if s.Train.Normalize != "" && s.Train.Normalize != agents.NormalizeOff {
		return fmt.Errorf("normalize %q: lpg trains on raw observations (off)", s.Train.Normalize)
	}
	s.Train.Normalize = agents.NormalizeOff
	s.Train = s.Train.WithDefaults()
	if err := s.Train.Validate(); err != nil {
		return err
	}
	s.LPG = s.LPG.WithDefaults()
	if err := s.LPG.Validate(); err != nil {
		return err
	}
	switch {
	case s.UpdateRule != "": // a recorded run: the rule is in its directory
		if filepath.Base(s.UpdateRule) != s.UpdateRule {
			return fmt.Errorf("update_rule %q must name a file in the run directory", s.UpdateRule)
		}
	case s.UpdateRuleSource == "":
		return errors.New("--algo lpg needs --update-rule FILE (gorl evolve --objective lpg|ta-lpg writes mean.lpg and best.lpg)")
	default:
		abs, err := filepath.Abs(s.UpdateRuleSource)
		if err != nil {
			return err
		}
		if s.rule, err = LoadRule(abs); err != nil {
			return err
		}
		s.UpdateRuleSource, s.UpdateRule, s.Rule = abs, RuleFile, s.rule.Config
	}
	return nil
}

// ForNewRun makes settings read from a --config file (perhaps another run's
// config.json) those of a new run: its rule is read again from UpdateRuleSource.
func (s *Settings) ForNewRun() { s.UpdateRule, s.Rule = "", RuleConfig{} }

// loadRule reads the rule copied into run directory dir.
func (s *Settings) loadRule(dir string) (*Rule, error) {
	r, err := LoadRule(filepath.Join(dir, s.UpdateRule))
	if err != nil {
		return nil, err
	}
	if r.Config != s.Rule {
		return nil, fmt.Errorf("config.json of %s: rule %+v, but %s holds %+v", dir, s.Rule, s.UpdateRule, r.Config)
	}
	return r, nil
}

func (s *Settings) newAgent(rule *Rule) agents.NewAgentFunc {
	c, seed := s.LPG, s.Train.Seed
	return func(obs, act env.Space) (agents.Agent, error) { return New(obs, act, c, seed, rule) }
}

func (s *Settings) label(l *agents.Loop) *agents.Loop {
	// The rule (lpg or ta-lpg) is named where PPO names its objective.
	l.Algo, l.Label, l.Variant = "lpg", "lpg with objective "+s.Rule.Name(), s.Rule.Name()
	return l
}

// NewTrainer copies the rule into the run directory and builds a fresh run.
func (s *Settings) NewTrainer(log *logs.Run) (agents.Trainer, error) {
	if s.rule == nil {
		return nil, errors.New("lpg: no update rule loaded (ForNewRun and Resolve first)")
	}
	if log != nil {
		if err := SaveRule(filepath.Join(log.Dir(), s.UpdateRule), s.rule); err != nil {
			return nil, err
		}
	}
	l, err := agents.NewLoop(s.Train, log, s.newAgent(s.rule))
	if err != nil {
		return nil, err
	}
	return s.label(l), nil
}

// Resume continues the run in dir with the rule copied into it.
func (s *Settings) Resume(dir string, opts logs.Options) (agents.Trainer, error) {
	rule, err := s.loadRule(dir)
	if err != nil {
		return nil, err
	}
	l, err := agents.Resume(dir, s.Train, opts, s.newAgent(rule))
	if err != nil {
		return nil, err
	}
	return s.label(l), nil
}

// Policy acts with the policy network of dir's latest checkpoint (argmax when
// deterministic).
func (s *Settings) Policy(dir, id string, opts env.Options) (agents.Policy, env.Env, string, error) {
	rule, err := s.loadRule(dir)
	if err != nil {
		return nil, nil, "", err
	}
	return agents.LoopPolicy(dir, id, opts, s.newAgent(rule))
}

package lpg

import (
	"encoding/json"
	"errors"
	"fmt"

	"gorl/agents"
	"gorl/env"
)

// Learner is an LPG agent with its own environments that trains a few updates at a
// time and can be saved between them: the persistent agents of groove's meta-training
// (Jackson et al. 2024), which live across ES generations, K updates per generation,
// until their sampled lifetime N ends. Progress n/N given to the rule is the learner's
// own update count over its lifetime.
type Learner struct {
	Agent    *Agent
	Lifetime int   // N, in updates
	Updates  int   // updates done
	EnvSteps int64 // environment steps done

	vec      *env.Vector
	roll     *agents.Rollout
	actions  [][]float64
	logProb  []float64
	value    []float64
	truncVal []float64
}

// LearnerSpec is what a learner is built from: the environment, the rollout shape and
// the agent's settings. Seed keys the agent's initialisation and its environments.
type LearnerSpec struct {
	Env         string
	EnvOptions  env.Options
	Envs, Steps int // environments and steps per rollout (one update each)
	Agent       Config
	Seed        uint64
	Lifetime    int
}

// NewLearner builds a fresh learner that updates with rule.
func NewLearner(s LearnerSpec, rule *Rule) (*Learner, error) {
	if s.Envs < 1 || s.Steps < 1 || s.Lifetime < 1 {
		return nil, fmt.Errorf("lpg learner: %d envs x %d steps, lifetime %d: want positive", s.Envs, s.Steps, s.Lifetime)
	}
	vec, err := env.MakeVector(s.Env, s.EnvOptions, s.Envs, 1)
	if err != nil {
		return nil, err
	}
	a, err := New(vec.ObservationSpace(), vec.ActionSpace(), s.Agent, s.Seed, rule)
	if err != nil {
		vec.Close()
		return nil, err
	}
	n, od, ad := s.Envs, vec.ObservationSpace().Dim(), vec.ActionSpace().Dim()
	l := &Learner{Agent: a, Lifetime: s.Lifetime, vec: vec, roll: agents.NewRollout(s.Steps, n, od, ad),
		actions: make([][]float64, n), logProb: make([]float64, n), value: make([]float64, n), truncVal: make([]float64, n)}
	for i := range l.actions {
		l.actions[i] = make([]float64, ad)
	}
	vec.Seed(env.DeriveSeed(s.Seed, agents.StreamEnvs))
	vec.Reset()
	return l, nil
}

// Close stops the environments.
func (l *Learner) Close() { l.vec.Close() }

// Done reports whether the lifetime is over.
func (l *Learner) Done() bool { return l.Updates >= l.Lifetime }

// Train runs up to k more updates (fewer when the lifetime ends first); each collects
// one rollout and applies the agent's rule-driven update. hook, when non-nil, changes
// the progress the rule sees (ablations).
func (l *Learner) Train(k int, hook func(agents.Progress) agents.Progress) error {
	for ; k > 0 && !l.Done(); k-- {
		l.collect()
		l.Agent.Values(l.vec.Obs, l.value)
		for i, v := range l.value {
			l.roll.LastValues[i] = float32(v)
		}
		p := agents.Progress{Update: l.Updates, Updates: l.Lifetime}
		if hook != nil {
			p = hook(p)
		}
		if _, err := l.Agent.Update(l.roll, p); err != nil {
			return err
		}
		l.Updates++
	}
	return nil
}

// collect fills the rollout as agents.Loop does, without logging.
func (l *Learner) collect() {
	r, v := l.roll, l.vec
	n, od, ad := v.Num(), r.ObsDim, r.ActDim
	for t := 0; t < r.Steps; t++ {
		l.Agent.Sample(v.Obs, l.actions, l.logProb, l.value)
		base := t * n
		for i := 0; i < n; i++ {
			k := base + i
			for j, x := range v.Obs[i] {
				r.Obs[k*od+j] = float32(x)
			}
			for j, a := range l.actions[i] {
				r.Actions[k*ad+j] = float32(a)
			}
			r.LogProbs[k], r.Values[k] = float32(l.logProb[i]), float32(l.value[i])
		}
		v.Step(l.actions)
		l.EnvSteps += int64(n)
		r.StoreStep(base, v, l.Agent, l.truncVal)
	}
}

// learnerState is the JSON form of a learner between updates.
type learnerState struct {
	Updates  int         `json:"updates"`
	Lifetime int         `json:"lifetime"`
	EnvSteps int64       `json:"env_steps"`
	Agent    []byte      `json:"agent"`
	Envs     [][]byte    `json:"envs"`
	Obs      [][]float64 `json:"obs"`
}

// MarshalState saves the agent, the environments and the counters.
func (l *Learner) MarshalState() ([]byte, error) {
	a, err := l.Agent.MarshalState()
	if err != nil {
		return nil, err
	}
	envs, err := l.vec.Snapshot()
	if err != nil {
		return nil, fmt.Errorf("lpg learner: %w", err)
	}
	obs := make([][]float64, l.vec.Num())
	for i, o := range l.vec.Obs {
		obs[i] = append([]float64(nil), o...)
	}
	return json.Marshal(learnerState{Updates: l.Updates, Lifetime: l.Lifetime, EnvSteps: l.EnvSteps, Agent: a, Envs: envs, Obs: obs})
}

// UnmarshalState restores a state saved by MarshalState into a learner built from the
// same spec.
func (l *Learner) UnmarshalState(b []byte) error {
	var s learnerState
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("lpg learner state: %w", err)
	}
	if len(s.Obs) != l.vec.Num() || s.Updates < 0 || s.Lifetime < 1 {
		return errors.New("lpg learner state does not fit this learner")
	}
	if err := l.vec.Restore(s.Envs); err != nil {
		return err
	}
	for i, o := range s.Obs {
		if len(o) != len(l.vec.Obs[i]) {
			return errors.New("lpg learner state: observation sizes differ")
		}
		copy(l.vec.Obs[i], o)
	}
	if err := l.Agent.UnmarshalState(s.Agent); err != nil {
		return err
	}
	l.Updates, l.Lifetime, l.EnvSteps = s.Updates, s.Lifetime, s.EnvSteps
	return nil
}

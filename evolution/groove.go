package evolution

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"gorl/agents"
	"gorl/agents/lpg"
	"gorl/env"
	"gorl/internal/workpool"
)

// groove's meta-training protocol for LPG update rules (Jackson et al. 2024; groove's
// lpg_es_train_step and LevelSampler), one generation:
//
//	for each pair p = (member p, member p + N/2) of antithetic candidates:
//	    both members copy agent p (its parameters, optimiser, environments)
//	    each trains its copy K more updates with its own rule, then is scored by the
//	        mean return of its copy (sampled actions) on agent p's level
//	    fitness_p = [1, 0] or [0, 1]: rank within the pair (pair-rank shaping)
//	    agent p <- the fitter copy
//	    if agent p has done its lifetime N_p updates: a fresh agent on a new level,
//	        N_p ~ log-uniform [LifetimeMin, LifetimeMax]
//
// so every rule is judged on agents at every stage of their lives, and the rule sees
// n/N = (updates done)/N_p of its agent.

// GrooveAgent is one of groove's persistent agents, as es_state.json records it.
type GrooveAgent struct {
	Level    uint64 `json:"level"`    // level index of the inner env (option level for grid/ envs)
	Seed     uint64 `json:"seed"`     // the agent's initialisation and environment streams
	Lifetime int    `json:"lifetime"` // N, in updates
	Updates  int    `json:"updates"`  // updates done
	State    []byte `json:"state,omitempty"`
}

// HeldOutLevels is the first level index not used for meta-training: training levels
// are drawn from [0, HeldOutLevels), so evaluation on levels from HeldOutLevels on is
// on levels never trained on.
const HeldOutLevels = 1 << 32

// Stream ids of groove's protocol under the meta seed.
const metaStreamGroove = 5 // then the generation an agent is spawned in, and its index

// spawnAgents draws the initial agents (spawned "in generation 0").
func (c MetaConfig) spawnAgents() []GrooveAgent {
	out := make([]GrooveAgent, c.Population/2)
	for p := range out {
		out[p] = c.spawnAgent(0, p)
	}
	return out
}

// spawnAgent draws agent p's level, lifetime and seed when it is (re)spawned before
// generation gen.
func (c MetaConfig) spawnAgent(gen, p int) GrooveAgent {
	rng := env.NewRand(c.Seed, metaStreamGroove, uint64(gen), uint64(p))
	a := GrooveAgent{Level: rng.Uint64N(HeldOutLevels), Seed: rng.Uint64()}
	a.Lifetime = logUniformInt(rng.Float64(), c.LifetimeMin, c.LifetimeMax)
	return a
}

// logUniformInt is the floor of a log-uniform draw on [lo, hi+1) from u in [0, 1),
// i.e. an integer in [lo, hi] whose logarithm is (nearly) uniform.
func logUniformInt(u float64, lo, hi int) int {
	a, b := math.Log(float64(lo)), math.Log(float64(hi)+1)
	return min(int(math.Exp(a+u*(b-a))), hi)
}

// LevelOptions are the inner env's options for a level: option level=K for the grid
// worlds; other environments have no levels and get the inner options unchanged.
func (c MetaConfig) LevelOptions(level uint64) env.Options {
	opts := env.Options{}
	for k, v := range c.Inner.EnvOptions {
		opts[k] = v
	}
	if strings.HasPrefix(c.Inner.Env, "grid/") {
		opts["level"] = strconv.FormatUint(level, 10)
	}
	return opts
}

// LearnerSpec is the spec of a learner on the given level with the given lifetime and seed.
func (c MetaConfig) LearnerSpec(level, seed uint64, lifetime int) lpg.LearnerSpec {
	return lpg.LearnerSpec{Env: c.Inner.Env, EnvOptions: c.LevelOptions(level), Envs: c.Inner.Envs,
		Steps: c.Inner.RolloutSteps, Agent: *c.LPG, Seed: seed, Lifetime: lifetime}
}

// grooveGeneration trains and scores every member on its pair's agent (fit and steps
// receive each member's fitness and environment steps) and returns the agents after the
// generation: each pair's fitter copy, or a fresh agent where the lifetime ended.
func (c MetaConfig) grooveGeneration(gen int, pop [][]float64, ag []GrooveAgent, fit []float64, steps []int64) ([]GrooveAgent, error) {
	n, h := len(pop), len(pop)/2
	if len(ag) != h {
		return nil, fmt.Errorf("groove: %d agents for a population of %d", len(ag), n)
	}
	states := make([]GrooveAgent, n)
	err := workpool.Run(n, c.Workers, func(m int) error {
		var err error
		states[m], fit[m], steps[m], err = c.grooveMember(gen, pop[m], ag[m%h])
		return err
	})
	if err != nil {
		return nil, err
	}
	next := make([]GrooveAgent, h)
	for p := range h {
		w := p + h // groove keeps the first of a pair only when it is strictly fitter
		if fit[p] > fit[p+h] {
			w = p
		}
		next[p] = states[w]
		if next[p].Updates >= next[p].Lifetime || next[p].State == nil {
			next[p] = c.spawnAgent(gen+1, p)
		}
	}
	return next, nil
}

// grooveMember trains a copy of agent a for K updates with rule x and scores it.
// A copy whose update diverges scores -Inf and is not kept.
func (c MetaConfig) grooveMember(gen int, x []float64, a GrooveAgent) (GrooveAgent, float64, int64, error) {
	rule, err := c.RuleFromVector(x)
	if err != nil {
		return a, 0, 0, err
	}
	l, err := lpg.NewLearner(c.LearnerSpec(a.Level, a.Seed, a.Lifetime), rule)
	if err != nil {
		return a, 0, 0, err
	}
	defer l.Close()
	if a.State != nil {
		if err := l.UnmarshalState(a.State); err != nil {
			return a, 0, 0, fmt.Errorf("groove agent: %w", err)
		}
	}
	before := l.EnvSteps
	if err := l.Train(c.UpdatesPerGeneration, nil); err != nil {
		if errors.Is(err, agents.ErrNonFinite) {
			out := a
			out.State = nil // replaced by a fresh agent unless the pair's other copy survives
			return out, math.Inf(-1), l.EnvSteps - before, nil
		}
		return a, 0, 0, err
	}
	f, evalSteps, err := c.scoreLearner(l, a, gen)
	if err != nil {
		return a, 0, 0, err
	}
	state, err := l.MarshalState()
	if err != nil {
		return a, 0, 0, err
	}
	out := a
	out.Updates, out.State = l.Updates, state
	return out, f, l.EnvSteps - before + evalSteps, nil
}

// scoreLearner is the mean return of FitnessEpisodes episodes of the learner's policy
// (sampled actions unless FitnessPolicy is "mode") on its level; both members of a pair
// use the same evaluation seed.
func (c MetaConfig) scoreLearner(l *lpg.Learner, a GrooveAgent, gen int) (float64, int64, error) {
	e, err := env.Make(c.Inner.Env, c.LevelOptions(a.Level))
	if err != nil {
		return 0, 0, err
	}
	var p agents.Policy = l.Agent
	if c.FitnessPolicy != "mode" {
		p = sampledActs{l.Agent}
	}
	rows, err := agents.Evaluate(p, e, c.FitnessEpisodes, env.DeriveSeed(a.Seed, agents.StreamEval, uint64(gen)), nil, 0)
	if err != nil {
		return 0, 0, err
	}
	var steps int64
	for _, r := range rows {
		steps += r.Length
	}
	return agents.MeanReturn(rows), steps, nil
}

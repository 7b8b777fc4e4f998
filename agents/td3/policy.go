package td3

import (
	"fmt"
	"math"

	"gorl/env"
)

// Policy acts with an agent's online actor μ(s), mapped to a Box action space. It
// satisfies agents.Policy; TD3's policy is deterministic, so Act ignores its
// deterministic flag (exploration noise belongs to training only).
type Policy struct {
	Agent *Agent
	Space env.Space
	// Morphology, when set, names the morphology of the observations Act receives: the
	// member index of a multi-task environment's running episode (MultiTask.MemberIndex).
	// Nil: morphology 0, the only one of a single-morphology environment.
	Morphology func() int
	norm       []float64
}

// NewPolicy checks that space is a bounded Box of the agent's action width.
func NewPolicy(a *Agent, space env.Space) (*Policy, error) {
	if space.Kind != env.Box || space.Dim() != a.ActDim {
		return nil, fmt.Errorf("td3 policy: action space %s, want a Box of %d values", space, a.ActDim)
	}
	for j := range space.Low {
		if math.IsInf(space.Low[j], 0) || math.IsInf(space.High[j], 0) {
			return nil, fmt.Errorf("td3 policy: action space %s is unbounded", space)
		}
	}
	return &Policy{Agent: a, Space: space, norm: make([]float64, a.ActDim)}, nil
}

// Act writes low + (μ(s)+1)/2·(high − low) into each row of actions. An observation
// of the wrong width yields NaN actions.
func (p *Policy) Act(obs, actions [][]float64, _ bool) {
	for i := range obs {
		err := error(nil)
		if len(obs[i]) != p.Agent.ObsDim {
			err = fmt.Errorf("observation of %d values", len(obs[i]))
		} else if p.Morphology != nil {
			err = p.Agent.UseMorphology(p.Morphology())
		}
		if err == nil {
			err = p.Agent.Act(obs[i], p.norm)
		}
		if err != nil {
			for j := range actions[i] {
				actions[i][j] = math.NaN()
			}
			continue
		}
		scaleAction(p.Space, p.norm, actions[i])
	}
}

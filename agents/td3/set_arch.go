package td3

import (
	"fmt"
	"math/rand/v2"

	setnet "gorl/agents/set"
	"gorl/physics3d/morph"
)

// SETArch builds SubEquivariant Transformer actors and twin critics (agents/set, Chen et
// al. 2023) for one morphology: the flat observation row [B, N·41] of a locomotion
// environment is read as N node rows, each node's action row of 3 torques is written back
// into the flat action row, and Q1, Q2 are the means of the per-node values of two
// independent SET critics. Graph is the environment's morphology (physics3d/morph,
// found with env.As[morph.Morphological]); rows wider than the graph are padding.
// Config's zero values are the paper's sizes (about 4M parameters per network).
type SETArch struct {
	Graph  *morph.Graph
	Config setnet.Config
}

// check verifies that the flat widths are whole node rows holding the graph.
func (s SETArch) check(obsDim, actDim int) error {
	if s.Graph == nil {
		return fmt.Errorf("td3 set arch: no morphology graph")
	}
	if obsDim%morph.NodeFeatures != 0 || actDim%morph.NodeActions != 0 || obsDim/morph.NodeFeatures != actDim/morph.NodeActions {
		return fmt.Errorf("td3 set arch: observation width %d and action width %d are not rows of %d and %d values per node", obsDim, actDim, morph.NodeFeatures, morph.NodeActions)
	}
	if n := obsDim / morph.NodeFeatures; n < s.Graph.N() {
		return fmt.Errorf("td3 set arch: rows hold %d nodes, the morphology has %d", n, s.Graph.N())
	}
	return nil
}

// NewActor returns a SET policy on flat rows.
func (s SETArch) NewActor(rng *rand.Rand, obsDim, actDim int) (Actor, error) {
	if err := s.check(obsDim, actDim); err != nil {
		return nil, err
	}
	a, err := setnet.NewFlatActor(rng, s.Config, s.Graph)
	if err != nil {
		return nil, fmt.Errorf("td3 set actor: %w", err)
	}
	return a, nil
}

// NewCritic returns two independent SET Q-networks on flat rows.
func (s SETArch) NewCritic(rng *rand.Rand, obsDim, actDim int) (Critic, error) {
	if err := s.check(obsDim, actDim); err != nil {
		return nil, err
	}
	c, err := setnet.NewFlatCritic(rng, s.Config, s.Graph)
	if err != nil {
		return nil, fmt.Errorf("td3 set critic: %w", err)
	}
	return c, nil
}

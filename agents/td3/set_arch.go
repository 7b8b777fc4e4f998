package td3

import (
	"fmt"
	"math/rand/v2"

	setnet "gorl/agents/set"
	"gorl/physics3d/morph"
)

// Morphologies is implemented by networks that serve several morphologies (the members of
// a multi-task set): UseMorphology(k) makes member k's structure the one of the next
// forward passes. Agent.UseMorphology forwards to the networks that implement it.
type Morphologies interface {
	UseMorphology(k int) error
}

// SETArch builds SubEquivariant Transformer actors and twin critics (agents/set, Chen et
// al. 2023): the flat observation row [B, N·41] of a locomotion environment is read as N
// node rows, each node's action row of 3 torques is written back into the flat action row,
// and two independent SET critics give per-node values Q1_i, Q2_i (NodeCritic; with
// Config.CriticForm per-node, SGRL's per-node targets and losses) and their means Q1, Q2.
// Graphs are the morphologies (physics3d/morph, found with env.As[morph.Morphological], or
// a multi-task set's members in order); Graph alone is the one-morphology form. Rows wider
// than a graph are padding. Config's zero values are the paper's sizes (about 4M
// parameters per network). The parameters do not depend on the morphology, so networks
// trained on some morphologies act on any other (zero-shot).
type SETArch struct {
	Graph  *morph.Graph
	Graphs []*morph.Graph
	Config setnet.Config
}

// SWATArch builds the SWAT-style Transformer baseline (agents/set.SWAT) as actor and twin
// critics, on flat rows as SETArch does.
type SWATArch struct {
	Graphs []*morph.Graph
	Config setnet.SWATConfig
}

func (s SETArch) graphs() []*morph.Graph {
	if len(s.Graphs) > 0 {
		return s.Graphs
	}
	if s.Graph != nil {
		return []*morph.Graph{s.Graph}
	}
	return nil
}

// checkGraphs verifies that the flat widths are whole node rows holding every graph.
func checkGraphs(name string, gs []*morph.Graph, obsDim, actDim int) error {
	if len(gs) == 0 {
		return fmt.Errorf("td3 %s arch: no morphology graph", name)
	}
	if obsDim%morph.NodeFeatures != 0 || actDim%morph.NodeActions != 0 || obsDim/morph.NodeFeatures != actDim/morph.NodeActions {
		return fmt.Errorf("td3 %s arch: observation width %d and action width %d are not rows of %d and %d values per node", name, obsDim, actDim, morph.NodeFeatures, morph.NodeActions)
	}
	for _, g := range gs {
		if g == nil {
			return fmt.Errorf("td3 %s arch: a nil morphology graph", name)
		}
		if n := obsDim / morph.NodeFeatures; n < g.N() {
			return fmt.Errorf("td3 %s arch: rows hold %d nodes, a morphology has %d", name, n, g.N())
		}
	}
	return nil
}

// NewActor returns a SET policy on flat rows.
func (s SETArch) NewActor(rng *rand.Rand, obsDim, actDim int) (Actor, error) {
	gs := s.graphs()
	if err := checkGraphs("set", gs, obsDim, actDim); err != nil {
		return nil, err
	}
	n, err := setnet.NewActor(rng, s.Config)
	if err != nil {
		return nil, fmt.Errorf("td3 set actor: %w", err)
	}
	return setnet.FlatActorOf(n, gs...), nil
}

// NewCritic returns two independent SET Q-networks on flat rows.
func (s SETArch) NewCritic(rng *rand.Rand, obsDim, actDim int) (Critic, error) {
	gs := s.graphs()
	if err := checkGraphs("set", gs, obsDim, actDim); err != nil {
		return nil, err
	}
	q1, err := setnet.NewCritic(rng, s.Config)
	if err != nil {
		return nil, fmt.Errorf("td3 set critic: %w", err)
	}
	q2, err := setnet.NewCritic(rng, s.Config)
	if err != nil {
		return nil, fmt.Errorf("td3 set critic: %w", err)
	}
	return setnet.FlatCriticOf(q1, q2, gs...), nil
}

// NewActor returns a SWAT-style policy on flat rows.
func (s SWATArch) NewActor(rng *rand.Rand, obsDim, actDim int) (Actor, error) {
	if err := checkGraphs("swat", s.Graphs, obsDim, actDim); err != nil {
		return nil, err
	}
	n, err := setnet.NewSWATActor(rng, s.Config)
	if err != nil {
		return nil, fmt.Errorf("td3 swat actor: %w", err)
	}
	return setnet.FlatActorOf(n, s.Graphs...), nil
}

// NewCritic returns two independent SWAT-style Q-networks on flat rows.
func (s SWATArch) NewCritic(rng *rand.Rand, obsDim, actDim int) (Critic, error) {
	if err := checkGraphs("swat", s.Graphs, obsDim, actDim); err != nil {
		return nil, err
	}
	q1, err := setnet.NewSWATCritic(rng, s.Config)
	if err != nil {
		return nil, fmt.Errorf("td3 swat critic: %w", err)
	}
	q2, err := setnet.NewSWATCritic(rng, s.Config)
	if err != nil {
		return nil, fmt.Errorf("td3 swat critic: %w", err)
	}
	return setnet.FlatCriticOf(q1, q2, s.Graphs...), nil
}

// Package tdbench builds the TD3 updates that gorl's benchmarks time and `make bench-td3`
// compares with the PyTorch peers: the 256-256 MLPs on Pendulum, sgrl/hopper-3 and
// sgrl/hopper++ widths, and SET (small and at the paper's sizes) on the hopper++ members,
// each on random replay data, batch 256.
package tdbench

import (
	"fmt"
	"math/rand/v2"

	setnet "gorl/agents/set"
	"gorl/agents/td3"
	"gorl/physics3d/morph"
)

// Shape is an MLP benchmark shape: observation and action widths.
type Shape struct {
	Name     string
	Obs, Act int
}

// MLPShapes are Pendulum (3×1), sgrl/hopper-3 (123×9) and sgrl/hopper++ (205×15).
var MLPShapes = []Shape{{"pendulum-3x1", 3, 1}, {"hopper3-123x9", 123, 9}, {"hopperpp-205x15", 205, 15}}

// SmallSET is the CLI's default SET size (gorl train --arch set).
var SmallSET = setnet.Config{Embed: 32, Heads: 2, FF: 64, Layers: 2, Channels: 8}

// Setup is one agent and its fixed batches, one per morphology taken in turn.
type Setup struct {
	Agent   *td3.Agent
	batches []*td3.Batch
	i       int
}

// Step takes one update on the next morphology's batch.
func (s *Setup) Step() error {
	k := s.i % len(s.batches)
	s.i++
	if err := s.Agent.UseMorphology(k); err != nil {
		return err
	}
	_, err := s.Agent.Update(s.batches[k])
	return err
}

// Params returns the parameter counts of the actor and of both critics.
func (s *Setup) Params() (actor, critics int) {
	return s.Agent.ActorParams.NumElements(), s.Agent.CriticParams.NumElements()
}

// MLP returns TD3 with the 256-256 MLPs of CleanRL's peer (lr 3e-4, no clipping).
func MLP(sh Shape, batch int, seed uint64) (*Setup, error) {
	cfg := td3.Config{Defaults: td3.DefaultsFujimoto, Batch: batch}
	a, err := td3.New(nil, sh.Obs, sh.Act, cfg, rand.New(rand.NewPCG(seed, 1)))
	if err != nil {
		return nil, err
	}
	return &Setup{Agent: a, batches: []*td3.Batch{randomBatch(a, []int{sh.Obs / 1}, 1, seed)}}, nil
}

// HopperPPGraphs are the hopper++ members' graphs (chains of 3, 4 and 5 limbs) as SGRL's
// peer builds them.
func HopperPPGraphs() ([]*morph.Graph, error) {
	var gs []*morph.Graph
	for _, n := range []int{3, 4, 5} {
		names, parents := make([]string, n), make([]int, n)
		for i := range n {
			names[i], parents[i] = fmt.Sprintf("limb%d", i), i-1
		}
		g, err := morph.NewGraph(names, parents)
		if err != nil {
			return nil, err
		}
		gs = append(gs, g)
	}
	return gs, nil
}

// SET returns TD3 with SET actor and twin critics of sizes cfg on the hopper++ members
// (rows padded to 5 nodes) with SGRL's settings (lr 1e-4, grad clip 0.1) and the per-node
// critic loss.
func SET(cfg setnet.Config, batch int, seed uint64) (*Setup, error) {
	gs, err := HopperPPGraphs()
	if err != nil {
		return nil, err
	}
	const nodes = 5
	tc := td3.Config{Defaults: td3.DefaultsSGRL, Batch: batch}
	a, err := td3.New(td3.SETArch{Graphs: gs, Config: cfg}, nodes*morph.NodeFeatures, nodes*morph.NodeActions, tc, rand.New(rand.NewPCG(seed, 1)))
	if err != nil {
		return nil, err
	}
	s := &Setup{Agent: a}
	for k, g := range gs {
		s.batches = append(s.batches, randomBatch(a, []int{g.N()}, nodes, seed+uint64(k)))
	}
	return s, nil
}

// randomBatch draws a batch of standard normal observations (of real nodes only when
// rows are node rows: nodes[0] of pad), uniform actions, normal rewards and 1% ends.
func randomBatch(a *td3.Agent, nodes []int, pad int, seed uint64) *td3.Batch {
	rng := rand.New(rand.NewPCG(seed, 2))
	B := a.Cfg.Batch
	b := &td3.Batch{Obs: make([]float32, B*a.ObsDim), Next: make([]float32, B*a.ObsDim), Act: make([]float32, B*a.ActDim),
		Reward: make([]float32, B), Done: make([]float32, B), Index: make([]int, B)}
	real := a.ObsDim
	realAct := a.ActDim
	if pad > 1 {
		real, realAct = nodes[0]*morph.NodeFeatures, nodes[0]*morph.NodeActions
	}
	for k := range B {
		for j := range real {
			b.Obs[k*a.ObsDim+j] = float32(rng.NormFloat64())
			b.Next[k*a.ObsDim+j] = float32(rng.NormFloat64())
		}
		for j := range realAct {
			b.Act[k*a.ActDim+j] = float32(2*rng.Float64() - 1)
		}
		b.Reward[k] = float32(rng.NormFloat64())
		if rng.IntN(100) == 0 {
			b.Done[k] = 1
		}
	}
	return b
}

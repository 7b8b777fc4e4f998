package set

import (
	"fmt"
	"math/rand/v2"

	"gorl/agents/nn"
	"gorl/physics3d/morph"
)

// MLPNet is the single-morphology baseline with the same per-node inputs and outputs as SET:
// it flattens the observations of a fixed number of nodes [B, N, 41] (actor) or
// observations and actions [B, N, 44] (critic) and maps them with an MLP to torques
// [B, N, 3] in (−1, 1) or to per-node values [B, N]. It has no symmetry and no morphology
// transfer: the node count is part of its shape.
type MLPNet struct {
	Nodes  int
	Net    *nn.MLP
	critic bool
}

// NewMLPActor returns the baseline policy for morphologies of nodes nodes with the given
// hidden widths (nil: 256, 256, as TD3's).
func NewMLPActor(rng *rand.Rand, nodes int, hidden []int) (*MLPNet, error) {
	return newMLPNet(rng, nodes, hidden, false)
}

// NewMLPCritic returns the baseline Q network (per-node outputs, averaged by Q).
func NewMLPCritic(rng *rand.Rand, nodes int, hidden []int) (*MLPNet, error) {
	return newMLPNet(rng, nodes, hidden, true)
}

func newMLPNet(rng *rand.Rand, nodes int, hidden []int, critic bool) (*MLPNet, error) {
	if nodes < 1 {
		return nil, fmt.Errorf("set: MLP baseline with %d nodes", nodes)
	}
	if hidden == nil {
		hidden = []int{256, 256}
	}
	in, out := nodes*morph.NodeFeatures, nodes*morph.NodeActions
	if critic {
		in, out = nodes*(morph.NodeFeatures+morph.NodeActions), nodes
	}
	sizes := append(append([]int{in}, hidden...), out)
	net, err := nn.NewMLP(rng, sizes, nn.ReLU, nil)
	if err != nil {
		return nil, fmt.Errorf("set: MLP baseline: %w", err)
	}
	if !critic {
		net.OutAct = nn.Tanh
	}
	return &MLPNet{Nodes: nodes, Net: net, critic: critic}, nil
}

// Register adds the parameters to ps under prefix.
func (m *MLPNet) Register(ps *nn.Params, prefix string) { m.Net.Register(ps, prefix) }

func (m *MLPNet) check(x *nn.Tensor, what string, cols int) error {
	if x == nil || x.Rank() != 3 || x.Shape[1] != m.Nodes || x.Shape[2] != cols {
		return fmt.Errorf("set: MLP baseline %s %v, want [B %d %d]", what, shapeOf(x), m.Nodes, cols)
	}
	return nil
}

// Act maps observations [B, N, 41] to torques [B, N, 3].
func (m *MLPNet) Act(t *nn.Tape, obs *nn.Tensor) (*nn.Tensor, error) {
	if m.critic {
		return nil, fmt.Errorf("set: Act called on an MLP critic")
	}
	if err := m.check(obs, "observations", morph.NodeFeatures); err != nil {
		return nil, err
	}
	B := obs.Shape[0]
	a := m.Net.Forward(t, t.Reshape(obs, B, -1))
	return t.Reshape(a, B, m.Nodes, morph.NodeActions), t.Err()
}

// Q maps observations [B, N, 41] and actions [B, N, 3] to per-node values [B, N] and
// their mean [B].
func (m *MLPNet) Q(t *nn.Tape, obs, act *nn.Tensor) (q, mean *nn.Tensor, err error) {
	if !m.critic {
		return nil, nil, fmt.Errorf("set: Q called on an MLP actor")
	}
	if err := m.check(obs, "observations", morph.NodeFeatures); err != nil {
		return nil, nil, err
	}
	if err := m.check(act, "actions", morph.NodeActions); err != nil {
		return nil, nil, err
	}
	if act.Shape[0] != obs.Shape[0] {
		return nil, nil, fmt.Errorf("set: MLP baseline batch %d of actions, %d of observations", act.Shape[0], obs.Shape[0])
	}
	B := obs.Shape[0]
	x := t.Reshape(t.Concat(2, obs, act), B, -1)
	q = m.Net.Forward(t, x)
	return q, t.MeanAxis(q, 1), t.Err()
}

package td3

import (
	"fmt"
	"math/rand/v2"

	"gorl/agents/nn"
)

// Actor is a deterministic policy network μ(s).
type Actor interface {
	// Register adds the network's parameters to ps under prefix.
	Register(ps *nn.Params, prefix string)
	// Forward maps observations [B, obsDim] to actions [B, actDim] in [-1, 1].
	Forward(t *nn.Tape, obs *nn.Tensor) *nn.Tensor
}

// Critic is a pair of action-value networks Q1, Q2 (the "twin" of TD3).
type Critic interface {
	// Register adds the parameters of both heads to ps under prefix.
	Register(ps *nn.Params, prefix string)
	// Forward returns Q1(s, a) and Q2(s, a), each [B, 1], for obs [B, obsDim] and
	// normalised actions act [B, actDim].
	Forward(t *nn.Tape, obs, act *nn.Tensor) (q1, q2 *nn.Tensor)
}

// NodeCritic is a Critic of per-node values (SET, SWAT): NodeForward returns Q1_i(s, a)
// and Q2_i(s, a), each [B, n] for the current morphology's n nodes; Forward's values are
// their means over the nodes. With Config.CriticForm per-node, TD3's target and loss are
// taken per node (SGRL).
type NodeCritic interface {
	Critic
	NodeForward(t *nn.Tape, obs, act *nn.Tensor) (q1, q2 *nn.Tensor)
}

// TwinHeads is a Critic whose two heads share nothing (no layer, no state touched by a
// forward pass): Head(k, ...) computes Q_{k+1}(s, a) alone on t, as Forward's [B, 1], or
// with nodes (NodeCritic only) as NodeForward's [B, n]. Update then runs the two heads'
// passes on two goroutines when it has two or more workers, with results bit for bit
// those of one.
type TwinHeads interface {
	Head(k int, t *nn.Tape, obs, act *nn.Tensor, nodes bool) *nn.Tensor
}

// Q1Critic is a Critic that computes Q1 alone, which is all the actor's objective needs.
type Q1Critic interface {
	ForwardQ1(t *nn.Tape, obs, act *nn.Tensor) *nn.Tensor
}

// Arch builds actors and critics for given observation and action widths. Each call
// must return a freshly initialised network drawing only from rng.
type Arch interface {
	NewActor(rng *rand.Rand, obsDim, actDim int) (Actor, error)
	NewCritic(rng *rand.Rand, obsDim, actDim int) (Critic, error)
}

// MLPArch is TD3's baseline architecture: actor obs→H→H→act with ReLU and a tanh
// output, critics (obs‖act)→H→H→1 with ReLU. Hidden nil means the paper's [256, 256].
type MLPArch struct {
	Hidden []int
}

func (m MLPArch) sizes(in, out int) []int {
	h := m.Hidden
	if h == nil {
		h = []int{256, 256}
	}
	s := append([]int{in}, h...)
	return append(s, out)
}

// NewActor returns an MLP actor with a tanh output layer.
func (m MLPArch) NewActor(rng *rand.Rand, obsDim, actDim int) (Actor, error) {
	net, err := nn.NewMLP(rng, m.sizes(obsDim, actDim), nn.ReLU, nil)
	if err != nil {
		return nil, fmt.Errorf("td3 actor: %w", err)
	}
	net.OutAct = nn.Tanh
	return &mlpActor{net}, nil
}

// NewCritic returns two independent MLP Q-networks on the concatenation of
// observation and action.
func (m MLPArch) NewCritic(rng *rand.Rand, obsDim, actDim int) (Critic, error) {
	q1, err := nn.NewMLP(rng, m.sizes(obsDim+actDim, 1), nn.ReLU, nil)
	if err != nil {
		return nil, fmt.Errorf("td3 critic: %w", err)
	}
	q2, err := nn.NewMLP(rng, m.sizes(obsDim+actDim, 1), nn.ReLU, nil)
	if err != nil {
		return nil, fmt.Errorf("td3 critic: %w", err)
	}
	return &mlpCritic{q1, q2}, nil
}

type mlpActor struct{ net *nn.MLP }

func (a *mlpActor) Register(ps *nn.Params, prefix string) { a.net.Register(ps, prefix) }
func (a *mlpActor) Forward(t *nn.Tape, obs *nn.Tensor) *nn.Tensor {
	return a.net.Forward(t, obs)
}

type mlpCritic struct{ q1, q2 *nn.MLP }

func (c *mlpCritic) Register(ps *nn.Params, prefix string) {
	c.q1.Register(ps, prefix+".q1")
	c.q2.Register(ps, prefix+".q2")
}

func (c *mlpCritic) Forward(t *nn.Tape, obs, act *nn.Tensor) (*nn.Tensor, *nn.Tensor) {
	x := t.Concat(1, obs, act)
	return c.q1.Forward(t, x), c.q2.Forward(t, x)
}

func (c *mlpCritic) Head(k int, t *nn.Tape, obs, act *nn.Tensor, _ bool) *nn.Tensor {
	q := c.q1
	if k == 1 {
		q = c.q2
	}
	return q.Forward(t, t.Concat(1, obs, act))
}

func (c *mlpCritic) ForwardQ1(t *nn.Tape, obs, act *nn.Tensor) *nn.Tensor {
	return c.q1.Forward(t, t.Concat(1, obs, act))
}

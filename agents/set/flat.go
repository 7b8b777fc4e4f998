package set

import (
	"fmt"
	"math/rand/v2"
	"sync"

	"gorl/agents/nn"
	"gorl/physics3d/morph"
)

// Flat rows: the locomotion environments give each sample one observation row of
// N·41 values and take one action row of N·3 values (N = the environment's node count,
// padded to the largest morphology in a multi-task set). FlatActor and FlatCritic run SET
// on such rows, so that an algorithm working on flat rows (such as TD3) can use SET through
// a thin adapter. The morphology is set per update (the paper samples one morphology per
// update); rows wider than the graph are padding, masked out, with zero actions.

// structures caches one Structure per (graph, batch size, row width).
type structures struct {
	mu    sync.Mutex
	cache map[structKey]*Structure
}

type structKey struct {
	g    *morph.Graph
	b, n int
}

func (c *structures) get(g *morph.Graph, b, n int) (*Structure, error) {
	if g == nil {
		return nil, fmt.Errorf("set: no morphology graph set")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	k := structKey{g, b, n}
	if s, ok := c.cache[k]; ok {
		return s, nil
	}
	gs := make([]*morph.Graph, b)
	for i := range gs {
		gs[i] = g
	}
	s, err := NewStructure(gs, n)
	if err != nil {
		return nil, err
	}
	if c.cache == nil {
		c.cache = map[structKey]*Structure{}
	}
	c.cache[k] = s
	return s, nil
}

// failOn records err on the tape, whose first error Backward returns (Tape.Err), and
// returns a placeholder: the flat interface returns tensors only. The tape offers no direct
// way to record a foreign error, so an impossible reshape carries it.
func failOn(t *nn.Tape, x *nn.Tensor) *nn.Tensor { return t.Reshape(x, x.Len()+1) }

func rowNodes(x *nn.Tensor, per int) (b, n int, err error) {
	if x == nil || x.Rank() != 2 || x.Shape[1]%per != 0 {
		return 0, 0, fmt.Errorf("set: flat rows %v, want [B, N·%d]", shapeOf(x), per)
	}
	return x.Shape[0], x.Shape[1] / per, nil
}

// FlatActor is a SET actor on flat rows: obs [B, N·41] → actions [B, N·3] in (−1, 1).
type FlatActor struct {
	Net   *Net
	Graph *morph.Graph // the morphology of the current batch; set between updates
	Err   error        // the last input error (also recorded on the tape)
	st    structures
}

// NewFlatActor returns a flat-row SET actor for morphology g.
func NewFlatActor(rng *rand.Rand, cfg Config, g *morph.Graph) (*FlatActor, error) {
	n, err := NewActor(rng, cfg)
	if err != nil {
		return nil, err
	}
	return &FlatActor{Net: n, Graph: g}, nil
}

// Register adds the parameters to ps under prefix.
func (a *FlatActor) Register(ps *nn.Params, prefix string) { a.Net.Register(ps, prefix) }

// Forward maps observation rows to action rows; padded node slots get 0. An input error is
// kept in a.Err and on the tape (Tape.Err, returned by Backward).
func (a *FlatActor) Forward(t *nn.Tape, obs *nn.Tensor) *nn.Tensor {
	out, err := a.forward(t, obs)
	a.Err = err
	if err != nil {
		return failOn(t, obs)
	}
	return out
}

func (a *FlatActor) forward(t *nn.Tape, obs *nn.Tensor) (*nn.Tensor, error) {
	b, n, err := rowNodes(obs, morph.NodeFeatures)
	if err != nil {
		return nil, err
	}
	st, err := a.st.get(a.Graph, b, n)
	if err != nil {
		return nil, err
	}
	act, err := a.Net.Act(t, t.Reshape(obs, b, n, morph.NodeFeatures), st)
	if err != nil {
		return nil, err
	}
	if n > a.Graph.N() { // zero the padded slots
		act = t.Mul(act, t.Reshape(st.mask, b, n, 1))
	}
	return t.Reshape(act, b, n*morph.NodeActions), nil
}

// FlatCritic is TD3's twin of SET critics on flat rows: (obs [B, N·41], act [B, N·3]) →
// Q1, Q2 [B, 1], each the mean of the per-node values over the real nodes (padded action
// slots are ignored). Per-node values, for a per-node TD target, are Net.Q's first result.
type FlatCritic struct {
	Q1, Q2 *Net
	Graph  *morph.Graph
	Err    error
	st     structures
}

// NewFlatCritic returns a twin flat-row SET critic for morphology g.
func NewFlatCritic(rng *rand.Rand, cfg Config, g *morph.Graph) (*FlatCritic, error) {
	q1, err := NewCritic(rng, cfg)
	if err != nil {
		return nil, err
	}
	q2, err := NewCritic(rng, cfg)
	if err != nil {
		return nil, err
	}
	return &FlatCritic{Q1: q1, Q2: q2, Graph: g}, nil
}

// Register adds both critics' parameters to ps as prefix.q1... and prefix.q2....
func (c *FlatCritic) Register(ps *nn.Params, prefix string) {
	c.Q1.Register(ps, prefix+".q1")
	c.Q2.Register(ps, prefix+".q2")
}

// Forward returns Q1(s, a) and Q2(s, a), each [B, 1]. An input error is kept in c.Err and
// on the tape.
func (c *FlatCritic) Forward(t *nn.Tape, obs, act *nn.Tensor) (q1, q2 *nn.Tensor) {
	q1, q2, err := c.forward(t, obs, act)
	c.Err = err
	if err != nil {
		p := failOn(t, obs)
		return p, p
	}
	return q1, q2
}

func (c *FlatCritic) forward(t *nn.Tape, obs, act *nn.Tensor) (q1, q2 *nn.Tensor, err error) {
	b, n, err := rowNodes(obs, morph.NodeFeatures)
	if err != nil {
		return nil, nil, err
	}
	ba, na, err := rowNodes(act, morph.NodeActions)
	if err != nil {
		return nil, nil, err
	}
	if ba != b || na != n {
		return nil, nil, fmt.Errorf("set: action rows %v for observation rows %v", act.Shape, obs.Shape)
	}
	st, err := c.st.get(c.Graph, b, n)
	if err != nil {
		return nil, nil, err
	}
	o := t.Reshape(obs, b, n, morph.NodeFeatures)
	a := t.Reshape(act, b, n, morph.NodeActions)
	_, m1, err := c.Q1.Q(t, o, a, st)
	if err != nil {
		return nil, nil, err
	}
	_, m2, err := c.Q2.Q(t, o, a, st)
	if err != nil {
		return nil, nil, err
	}
	return t.Reshape(m1, b, 1), t.Reshape(m2, b, 1), nil
}

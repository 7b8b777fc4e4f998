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
// padded to the largest morphology in a multi-task set). FlatActor and FlatCritic run a
// per-node network (SET or SWAT) on such rows, so that an algorithm working on flat rows
// (such as TD3) can use it through a thin adapter. The morphology is set per update (the
// paper samples one morphology per update); rows wider than the graph are padding, cut off
// before the network runs, with zero actions.

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

// NodeActor is a per-node policy network: observations [B, N, 41] of the morphologies in
// st → torques [B, N, 3]. Net (SET) and SWAT are NodeActors.
type NodeActor interface {
	Register(ps *nn.Params, prefix string)
	Act(t *nn.Tape, obs *nn.Tensor, st *Structure) (*nn.Tensor, error)
}

// NodeCritic is a per-node Q network: observations [B, N, 41] and actions [B, N, 3] →
// per-node values [B, N] and their mean over the real nodes [B].
type NodeCritic interface {
	Register(ps *nn.Params, prefix string)
	Q(t *nn.Tape, obs, act *nn.Tensor, st *Structure) (q, mean *nn.Tensor, err error)
}

// morphologies is the set of graphs a flat adapter serves and the current one.
type morphologies struct {
	Graph  *morph.Graph   // the morphology of the current batch
	Graphs []*morph.Graph // the morphologies UseMorphology chooses from (nil: Graph only)
}

// UseMorphology makes morphology k of Graphs the one of the next forward passes (a
// multi-task set's member index; the paper samples one morphology per update).
func (m *morphologies) UseMorphology(k int) error {
	if len(m.Graphs) == 0 {
		if k != 0 {
			return fmt.Errorf("set: morphology %d of a single-morphology network", k)
		}
		return nil
	}
	if k < 0 || k >= len(m.Graphs) {
		return fmt.Errorf("set: morphology %d of %d", k, len(m.Graphs))
	}
	m.Graph = m.Graphs[k]
	return nil
}

// trim views flat rows [B, n·per] as [B, n, per] and keeps the graph's first g.N() nodes:
// padding beyond the graph is masked out anyway, and dropping it saves its compute.
func trim(t *nn.Tape, x *nn.Tensor, b, n, per int, g *morph.Graph) *nn.Tensor {
	x = t.Reshape(x, b, n, per)
	if gn := g.N(); gn < n {
		x = t.Slice(x, 1, 0, gn)
	}
	return x
}

// FlatActor is a per-node actor (SET or SWAT) on flat rows: obs [B, N·41] → actions
// [B, N·3] in (−1, 1).
type FlatActor struct {
	Net NodeActor
	morphologies
	Err   error // the last input error (also recorded on the tape)
	st    structures
	zeros map[[2]int]*nn.Tensor // padded action slots, by batch and padded node count
}

// NewFlatActor returns a flat-row SET actor for morphology g.
func NewFlatActor(rng *rand.Rand, cfg Config, g *morph.Graph) (*FlatActor, error) {
	n, err := NewActor(rng, cfg)
	if err != nil {
		return nil, err
	}
	return FlatActorOf(n, g), nil
}

// FlatActorOf wraps a per-node actor for the morphologies graphs (the first is current;
// UseMorphology switches).
func FlatActorOf(net NodeActor, graphs ...*morph.Graph) *FlatActor {
	a := &FlatActor{Net: net}
	if len(graphs) > 0 {
		a.Graph = graphs[0]
	}
	if len(graphs) > 1 {
		a.Graphs = graphs
	}
	return a
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
	if a.Graph == nil {
		return nil, fmt.Errorf("set: no morphology graph set")
	}
	gn := a.Graph.N()
	if n < gn {
		return nil, fmt.Errorf("set: rows of %d nodes for a morphology of %d", n, gn)
	}
	st, err := a.st.get(a.Graph, b, gn)
	if err != nil {
		return nil, err
	}
	act, err := a.Net.Act(t, trim(t, obs, b, n, morph.NodeFeatures, a.Graph), st)
	if err != nil {
		return nil, err
	}
	if n > gn { // zero the padded slots
		k := [2]int{b, n - gn}
		z, ok := a.zeros[k]
		if !ok {
			if a.zeros == nil {
				a.zeros = map[[2]int]*nn.Tensor{}
			}
			z = nn.New(b, n-gn, morph.NodeActions)
			a.zeros[k] = z
		}
		act = t.Concat(1, act, z)
	}
	return t.Reshape(act, b, n*morph.NodeActions), nil
}

// FlatCritic is TD3's twin of per-node critics (SET or SWAT) on flat rows: (obs [B, N·41],
// act [B, N·3]) → Q1, Q2 [B, 1], each the mean of the per-node values over the real nodes
// (padded action slots are ignored); NodeForward gives the per-node values for SGRL's
// per-node TD target.
type FlatCritic struct {
	Q1, Q2 NodeCritic
	morphologies
	Err error
	st  structures
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
	return FlatCriticOf(q1, q2, g), nil
}

// FlatCriticOf wraps two per-node critics for the morphologies graphs (the first is
// current; UseMorphology switches).
func FlatCriticOf(q1, q2 NodeCritic, graphs ...*morph.Graph) *FlatCritic {
	c := &FlatCritic{Q1: q1, Q2: q2}
	if len(graphs) > 0 {
		c.Graph = graphs[0]
	}
	if len(graphs) > 1 {
		c.Graphs = graphs
	}
	return c
}

// Register adds both critics' parameters to ps as prefix.q1... and prefix.q2....
func (c *FlatCritic) Register(ps *nn.Params, prefix string) {
	c.Q1.Register(ps, prefix+".q1")
	c.Q2.Register(ps, prefix+".q2")
}

// Forward returns Q1(s, a) and Q2(s, a), each [B, 1]. An input error is kept in c.Err and
// on the tape.
func (c *FlatCritic) Forward(t *nn.Tape, obs, act *nn.Tensor) (q1, q2 *nn.Tensor) {
	return c.run(t, obs, act, flatMeans)
}

// NodeForward returns the per-node values Q1_i(s, a) and Q2_i(s, a), each [B, n] for the
// current morphology's n nodes (padding cut off): SGRL's critic, whose TD target and loss
// are per node.
func (c *FlatCritic) NodeForward(t *nn.Tape, obs, act *nn.Tensor) (q1, q2 *nn.Tensor) {
	return c.run(t, obs, act, flatNodes)
}

// ForwardQ1 returns Q1(s, a) [B, 1] alone (the actor's objective needs no Q2).
func (c *FlatCritic) ForwardQ1(t *nn.Tape, obs, act *nn.Tensor) *nn.Tensor {
	q, _ := c.run(t, obs, act, flatQ1)
	return q
}

// What FlatCritic.run computes.
const (
	flatMeans = iota // both critics, node means [B, 1]
	flatNodes        // both critics, per node [B, n]
	flatQ1           // Q1's node means only
)

func (c *FlatCritic) run(t *nn.Tape, obs, act *nn.Tensor, what int) (q1, q2 *nn.Tensor) {
	q1, q2, err := c.forward(t, obs, act, what)
	c.Err = err
	if err != nil {
		p := failOn(t, obs)
		return p, p
	}
	return q1, q2
}

func (c *FlatCritic) forward(t *nn.Tape, obs, act *nn.Tensor, what int) (q1, q2 *nn.Tensor, err error) {
	o, a, st, err := c.inputs(t, obs, act)
	if err != nil {
		return nil, nil, err
	}
	b := st.B
	n1, m1, err := c.Q1.Q(t, o, a, st)
	if err != nil {
		return nil, nil, err
	}
	if what == flatQ1 {
		return t.Reshape(m1, b, 1), nil, nil
	}
	n2, m2, err := c.Q2.Q(t, o, a, st)
	if err != nil {
		return nil, nil, err
	}
	if what == flatNodes {
		return n1, n2, nil
	}
	return t.Reshape(m1, b, 1), t.Reshape(m2, b, 1), nil
}

// Head returns critic k's value alone (k = 0: Q1, 1: Q2): its node mean [B, 1] as
// Forward's, or with nodes its per-node values [B, n] as NodeForward's. The two critics
// share no parameter and a head's pass changes nothing outside its tape, so TD3 runs
// the two on two goroutines. An input error is on the tape (and in c.Err).
func (c *FlatCritic) Head(k int, t *nn.Tape, obs, act *nn.Tensor, nodes bool) *nn.Tensor {
	q, err := c.head(k, t, obs, act, nodes)
	if err != nil {
		c.Err = err
		return failOn(t, obs)
	}
	return q
}

func (c *FlatCritic) head(k int, t *nn.Tape, obs, act *nn.Tensor, nodes bool) (*nn.Tensor, error) {
	net := c.Q1
	if k == 1 {
		net = c.Q2
	}
	o, a, st, err := c.inputs(t, obs, act)
	if err != nil {
		return nil, err
	}
	q, m, err := net.Q(t, o, a, st)
	if err != nil {
		return nil, err
	}
	if nodes {
		return q, nil
	}
	return t.Reshape(m, st.B, 1), nil
}

// inputs checks flat rows obs and act against the current morphology and returns them
// cut to its nodes, with the structure of the batch.
func (c *FlatCritic) inputs(t *nn.Tape, obs, act *nn.Tensor) (o, a *nn.Tensor, st *Structure, err error) {
	b, n, err := rowNodes(obs, morph.NodeFeatures)
	if err != nil {
		return nil, nil, nil, err
	}
	ba, na, err := rowNodes(act, morph.NodeActions)
	if err != nil {
		return nil, nil, nil, err
	}
	if ba != b || na != n {
		return nil, nil, nil, fmt.Errorf("set: action rows %v for observation rows %v", act.Shape, obs.Shape)
	}
	if c.Graph == nil {
		return nil, nil, nil, fmt.Errorf("set: no morphology graph set")
	}
	gn := c.Graph.N()
	if n < gn {
		return nil, nil, nil, fmt.Errorf("set: rows of %d nodes for a morphology of %d", n, gn)
	}
	if st, err = c.st.get(c.Graph, b, gn); err != nil {
		return nil, nil, nil, err
	}
	return trim(t, obs, b, n, morph.NodeFeatures, c.Graph), trim(t, act, b, n, morph.NodeActions, c.Graph), st, nil
}

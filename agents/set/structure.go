package set

import (
	"fmt"

	"gorl/agents/nn"
	"gorl/physics3d/morph"
)

// Damping is the personalised-PageRank damping of the relation encoding (0.9 in SGRL).
const Damping = 0.9

// Structure is what the networks need to know about the morphologies of a batch: for each
// of the B samples its graph, padded to N nodes. It is built once per set of morphologies
// (a training update uses one morphology, so one Structure per morphology and batch size)
// and only read by the networks, so several tapes may share it.
type Structure struct {
	B, N   int
	Graphs []*morph.Graph // one per sample

	mask    *nn.Tensor // [B, N]: 1 for a real node, 0 for padding
	keyMask *nn.Tensor // [B, 1, 1, N]: 0 for a real key, −1e9 for padding (added to scores)
	count   *nn.Tensor // [B]: 1 / number of real nodes
	rel     *nn.Tensor // [B, N, N, 3]: personalised PageRank, normalised Laplacian, hop / N

	pre, in, post []int // [B·N] traversal positions (0 for padding)
}

// Uniform returns the Structure of a batch of b samples of one morphology.
func Uniform(g *morph.Graph, b int) (*Structure, error) {
	if b < 1 {
		return nil, fmt.Errorf("set: batch size %d < 1", b)
	}
	gs := make([]*morph.Graph, b)
	for i := range gs {
		gs[i] = g
	}
	return NewStructure(gs, 0)
}

// NewStructure returns the Structure of a batch whose sample i has morphology graphs[i],
// padded to n nodes (n = 0: the largest graph). Padded nodes are masked out of every
// attention, so they do not change the outputs of real nodes.
func NewStructure(graphs []*morph.Graph, n int) (*Structure, error) {
	if len(graphs) == 0 {
		return nil, fmt.Errorf("set: structure of an empty batch")
	}
	maxN := 0
	for i, g := range graphs {
		if g == nil || g.N() == 0 {
			return nil, fmt.Errorf("set: sample %d has no graph", i)
		}
		maxN = max(maxN, g.N())
	}
	if n == 0 {
		n = maxN
	}
	if n < maxN {
		return nil, fmt.Errorf("set: pad size %d < largest graph (%d nodes)", n, maxN)
	}
	B := len(graphs)
	s := &Structure{B: B, N: n, Graphs: graphs,
		mask: nn.New(B, n), keyMask: nn.New(B, 1, 1, n), count: nn.New(B), rel: nn.New(B, n, n, 3),
		pre: make([]int, B*n), in: make([]int, B*n), post: make([]int, B*n)}
	type rel struct{ ppr, lap, hop []float64 }
	cache := map[*morph.Graph]rel{}
	for b, g := range graphs {
		gn := g.N()
		r, ok := cache[g]
		if !ok {
			r = rel{g.PersonalizedPageRank(Damping, nil), g.NormalizedLaplacian(nil), g.HopDistances(nil)}
			cache[g] = r
		}
		s.count.Data[b] = 1 / float32(gn)
		for i := 0; i < n; i++ {
			if i >= gn {
				s.keyMask.Data[b*n+i] = -1e9
				continue
			}
			s.mask.Data[b*n+i] = 1
			s.pre[b*n+i], s.in[b*n+i], s.post[b*n+i] = g.PreOrder[i], g.InOrder[i], g.PostOrder[i]
			for j := 0; j < gn; j++ {
				o := ((b*n+i)*n + j) * 3
				s.rel.Data[o] = float32(r.ppr[i*gn+j])
				s.rel.Data[o+1] = float32(r.lap[i*gn+j])
				s.rel.Data[o+2] = float32(r.hop[i*gn+j])
			}
		}
	}
	return s, nil
}

// Mask returns the [B, N] validity mask (1 real node, 0 padding); do not modify it.
func (s *Structure) Mask() *nn.Tensor { return s.mask }

// maxNode is the largest traversal position, which must fit the positional tables.
func (s *Structure) maxNode() int {
	m := 0
	for i := range s.pre {
		m = max(m, s.pre[i], s.in[i], s.post[i])
	}
	return m
}

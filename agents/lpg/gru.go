package lpg

import (
	"math/rand/v2"

	"gorl/agents/nn"
)

// GRU is a gated recurrent unit cell (Cho et al. 2014) in the form of Flax's GRUCell,
// which groove's LPG network uses:
//
//	r  = sigmoid(x Wi_r + bi_r + h Wh_r + bh_r)
//	z  = sigmoid(x Wi_z + bi_z + h Wh_z + bh_z)
//	n  = tanh(x Wi_n + bi_n + r * (h Wh_n + bh_n))
//	h' = (1 - z) * n + z * h
//
// Wi is [in, 3H] and Wh is [H, 3H], their columns the r, z and n gates in that order.
type GRU struct {
	Wi, Wh *nn.Tensor
	Bi, Bh *nn.Tensor // [3H]
}

// NewGRU returns a cell with in inputs and h units: Xavier-uniform input weights,
// orthogonal recurrent weights and zero biases (Flax's defaults).
func NewGRU(rng *rand.Rand, in, h int) *GRU {
	g := &GRU{Wi: nn.NewParam(in, 3*h), Wh: nn.NewParam(h, 3*h), Bi: nn.NewParam(3 * h), Bh: nn.NewParam(3 * h)}
	nn.XavierUniform(1)(rng, g.Wi)
	nn.Orthogonal(1)(rng, g.Wh)
	return g
}

// Hidden is the number of units H.
func (g *GRU) Hidden() int { return g.Wh.Dim(0) }

// Register adds the cell's parameters to ps as prefix.wi, prefix.wh, prefix.bi, prefix.bh.
func (g *GRU) Register(ps *nn.Params, prefix string) {
	ps.Add(prefix+".wi", g.Wi)
	ps.Add(prefix+".wh", g.Wh)
	ps.Add(prefix+".bi", g.Bi)
	ps.Add(prefix+".bh", g.Bh)
}

// Step returns the next state h' for inputs x [B, in] and state h [B, H].
func (g *GRU) Step(t *nn.Tape, x, h *nn.Tensor) *nn.Tensor {
	H := g.Hidden()
	gi := t.Linear(x, g.Wi, g.Bi) // [B, 3H]
	gh := t.Linear(h, g.Wh, g.Bh)
	r := t.Sigmoid(t.Add(t.Slice(gi, 1, 0, H), t.Slice(gh, 1, 0, H)))
	z := t.Sigmoid(t.Add(t.Slice(gi, 1, H, 2*H), t.Slice(gh, 1, H, 2*H)))
	n := t.Tanh(t.Add(t.Slice(gi, 1, 2*H, 3*H), t.Mul(r, t.Slice(gh, 1, 2*H, 3*H))))
	return t.Add(n, t.Mul(z, t.Sub(h, n))) // (1-z) n + z h
}

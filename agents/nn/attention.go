package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// MultiHeadAttention is scaled dot-product self-attention with H heads (Vaswani et al.
// 2017): for x [B, T, D], with Q = x·Wq, K = x·Wk, V = x·Wv split into heads of width
// D/H,
//
//	head_h = softmax(Q_h·K_hᵀ/√(D/H) + bias + mask) · V_h,   out = concat_h(head_h)·Wo
//
// bias is an additive attention bias (e.g. a learned or structural bias between tokens)
// and mask excludes keys; both broadcast to [B, H, T, T].
type MultiHeadAttention struct {
	Heads      int
	Q, K, V, O *Linear
}

// NewMultiHeadAttention returns an attention block of width dim (divisible by heads) with
// Xavier-uniform projections and zero biases (PyTorch's nn.MultiheadAttention default).
func NewMultiHeadAttention(rng *rand.Rand, dim, heads int) (*MultiHeadAttention, error) {
	if dim <= 0 || heads <= 0 || dim%heads != 0 {
		return nil, fmt.Errorf("nn.NewMultiHeadAttention: width %d not divisible into %d heads", dim, heads)
	}
	m := &MultiHeadAttention{Heads: heads}
	for _, l := range []**Linear{&m.Q, &m.K, &m.V, &m.O} {
		*l = NewLinear(rng, dim, dim, XavierUniform(1))
	}
	return m, nil
}

// Forward attends over the T tokens of x [B, T, D]. bias (additive) and mask (1 = attend,
// 0 = masked out) may be nil; each must broadcast to [B, H, T, T], e.g. [T, T], [B, 1, T, T]
// or, for a key-padding mask, [B, 1, 1, T]. A masked score gets −1e9 added, so a row
// with every key masked attends uniformly instead of producing NaN.
func (m *MultiHeadAttention) Forward(t *Tape, x, bias, mask *Tensor) *Tensor {
	if t.err != nil {
		return t.placeholder()
	}
	if x.Rank() != 3 || x.Shape[2] != m.Q.W.Shape[0] {
		return t.fail("MultiHeadAttention", "input %v, want [B, T, %d]", x.Shape, m.Q.W.Shape[0])
	}
	B, T, D := x.Shape[0], x.Shape[1], x.Shape[2]
	H := m.Heads
	dh := D / H
	heads := func(y *Tensor) *Tensor { // [B,T,D] → [B·H, T, dh]
		y = t.Permute(t.Reshape(y, B, T, H, dh), 0, 2, 1, 3)
		return t.Reshape(y, B*H, T, dh)
	}
	q := heads(m.Q.Forward(t, x))
	k := heads(m.K.Forward(t, x))
	v := heads(m.V.Forward(t, x))
	s := t.Scale(t.BatchMatMul(q, k, false, true), float32(1/math.Sqrt(float64(dh))))
	s = t.Reshape(s, B, H, T, T)
	if bias != nil {
		s = t.Add(s, bias)
	}
	if mask != nil {
		mb := t.alloc(false, mask.Shape...)
		for i, v := range mask.Data {
			mb.Data[i] = 0
			if v == 0 {
				mb.Data[i] = -1e9
			}
		}
		s = t.Add(s, mb)
	}
	p := t.Reshape(t.Softmax(s), B*H, T, T)
	o := t.BatchMatMul(p, v, false, false) // [B·H, T, dh]
	o = t.Reshape(t.Permute(t.Reshape(o, B, H, T, dh), 0, 2, 1, 3), B, T, D)
	return m.O.Forward(t, o)
}

// Register adds prefix.q, prefix.k, prefix.v and prefix.o projections.
func (m *MultiHeadAttention) Register(ps *Params, prefix string) {
	m.Q.Register(ps, prefix+".q")
	m.K.Register(ps, prefix+".k")
	m.V.Register(ps, prefix+".v")
	m.O.Register(ps, prefix+".o")
}

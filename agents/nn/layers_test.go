package nn

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestGradLayers(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 1))
	x := randParam(rng, 0, 3, 4)

	mlp, err := NewMLP(rng, []int{4, 5, 3}, Tanh, []float64{1, 1})
	if err != nil {
		t.Fatal(err)
	}
	ps := &Params{}
	mlp.Register(ps, "mlp")
	gradCheck(t, "MLP", append([]*Tensor{x}, ps.Tensors()...), func(tp *Tape, xs []*Tensor) *Tensor { return mlp.Forward(tp, xs[0]) })

	ln := NewLayerNorm(4)
	ln.Gain.FillUniform(rng, 0.5, 1.5)
	ln.Bias.FillUniform(rng, -0.5, 0.5)
	gradCheck(t, "LayerNorm layer", []*Tensor{x, ln.Gain, ln.Bias}, func(tp *Tape, xs []*Tensor) *Tensor { return ln.Forward(tp, xs[0]) })

	emb := NewEmbedding(rng, 5, 3)
	gradCheck(t, "Embedding", []*Tensor{emb.Table}, func(tp *Tape, xs []*Tensor) *Tensor { return emb.Forward(tp, []int{4, 0, 4, 2}) })
}

func TestGradAttention(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	B, T, D, H := 2, 3, 4, 2
	att, err := NewMultiHeadAttention(rng, D, H)
	if err != nil {
		t.Fatal(err)
	}
	ps := &Params{}
	att.Register(ps, "att")
	for _, p := range ps.Tensors() { // non-zero biases so their gradients are exercised
		if p.Rank() == 1 {
			p.FillUniform(rng, -0.3, 0.3)
		}
	}
	x := randParam(rng, 0, B, T, D)
	bias := randParam(rng, 0, H, T, T) // learned bias per head
	mask := New(B, 1, 1, T)            // key padding: last key of batch 1 masked
	mask.Fill(1)
	mask.Data[B*T-1] = 0
	xs := append([]*Tensor{x, bias}, ps.Tensors()...)
	gradCheck(t, "MultiHeadAttention", xs, func(tp *Tape, xs []*Tensor) *Tensor { return att.Forward(tp, xs[0], xs[1], mask) })

	// The masked key has no influence on batch 1's output.
	tp := NewTape()
	y1 := append([]float32(nil), att.Forward(tp, x, bias, mask).Data...)
	x.Data[(1*T+T-1)*D] += 3
	tp.Reset()
	y2 := att.Forward(tp, x, bias, mask).Data
	for i := T * D; i < 2*T*D; i++ {
		if (i/D)%T == T-1 {
			continue // the masked token's own output changes through its query
		}
		if math.Abs(float64(y1[i]-y2[i])) > 1e-6 {
			t.Fatalf("output %d of batch 1 changed by %g when a masked key changed", i, y2[i]-y1[i])
		}
	}
}

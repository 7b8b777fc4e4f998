package nn

import (
	"math/rand/v2"
	"testing"
)

func TestXOR(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	net, err := NewMLP(rng, []int{2, 16, 1}, Tanh, nil)
	if err != nil {
		t.Fatal(err)
	}
	ps := &Params{}
	net.Register(ps, "xor")
	x, _ := FromData([]float32{0, 0, 0, 1, 1, 0, 1, 1}, 4, 2)
	y, _ := FromData([]float32{0, 1, 1, 0}, 4, 1)
	opt := &Adam{LR: 0.05}
	tape := NewTape()
	var loss float32
	for step := 0; step < 500; step++ {
		tape.Reset()
		l := tape.Mean(tape.Square(tape.Sub(net.Forward(tape, x), y)))
		ps.ZeroGrad()
		if err := tape.Backward(l); err != nil {
			t.Fatal(err)
		}
		if err := opt.Step(ps); err != nil {
			t.Fatal(err)
		}
		loss = l.Item()
	}
	if loss > 1e-3 {
		t.Fatalf("XOR MSE after 500 Adam steps = %g, want < 1e-3", loss)
	}
}

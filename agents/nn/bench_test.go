package nn

import (
	"math/rand/v2"
	"testing"
)

// The shapes of /work/shared/peers/torch_mlp.py (one training step: forward, MSE,
// backward, Adam) so that `make bench-nn` can print Go/PyTorch ratios.
var mlpBenchShapes = []struct {
	name  string
	sizes []int
	batch int
}{
	{"ppo_small", []int{4, 64, 64, 2}, 64},
	{"ppo_medium", []int{17, 256, 256, 6}, 256},
	{"critic_large", []int{64, 512, 512, 1}, 256},
}

// mlpStep is one training step of a tanh MLP on MSE with Adam.
type mlpStep struct {
	net  *MLP
	ps   *Params
	opt  *Adam
	tape *Tape
	x, y *Tensor
}

func newMLPStep(sizes []int, batch int) *mlpStep {
	rng := rand.New(rand.NewPCG(7, 7))
	net, err := NewMLP(rng, sizes, Tanh, nil)
	if err != nil {
		panic(err)
	}
	s := &mlpStep{net: net, ps: &Params{}, opt: &Adam{LR: 1e-3}, tape: NewTape()}
	net.Register(s.ps, "mlp")
	s.x = New(batch, sizes[0])
	s.x.FillNormal(rng, 1)
	s.y = New(batch, sizes[len(sizes)-1])
	s.y.FillNormal(rng, 1)
	return s
}

func (s *mlpStep) step() float32 {
	t := s.tape
	t.Reset()
	s.ps.ZeroGrad()
	loss := t.Mean(t.Square(t.Sub(s.net.Forward(t, s.x), s.y)))
	if err := t.Backward(loss); err != nil {
		panic(err)
	}
	if err := s.opt.Step(s.ps); err != nil {
		panic(err)
	}
	return loss.Item()
}

func BenchmarkMLPStep(b *testing.B) {
	for _, sh := range mlpBenchShapes {
		b.Run(sh.name, func(b *testing.B) {
			s := newMLPStep(sh.sizes, sh.batch)
			for range 50 {
				s.step()
			}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				s.step()
			}
		})
	}
}

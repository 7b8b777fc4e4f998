// Package nnbench holds the workloads that measure agents/nn: one training step of a tanh
// MLP (forward, MSE, backward, Adam) in the shapes of the PyTorch peer
// (shared/peers/torch_mlp.py), and one multi-head attention block forward and backward.
// The package's benchmarks and the benchnn command both run these.
package nnbench

import (
	"fmt"
	"math/rand/v2"
	"time"

	"gorl/agents/nn"
)

// MLPShape is one configuration of the MLP training-step benchmark.
type MLPShape struct {
	Name  string
	Sizes []int
	Batch int
	Goal  float64 // target ratio of gorl's time to PyTorch's
}

// MLPShapes are the peer's shapes with the goals set for gorl.
var MLPShapes = []MLPShape{
	{"ppo_small", []int{4, 64, 64, 2}, 64, 0.25},
	{"ppo_medium", []int{17, 256, 256, 6}, 256, 1.0},
	{"critic_large", []int{64, 512, 512, 1}, 256, 1.0},
}

// MLPStep is a training step of a tanh MLP on a fixed random batch with Adam (lr 1e-3),
// like the peer's.
type MLPStep struct {
	Net  *nn.MLP
	Ps   *nn.Params
	Opt  *nn.Adam
	Tape *nn.Tape
	X, Y *nn.Tensor
}

// NewMLPStep builds the network and a random batch.
func NewMLPStep(sizes []int, batch int, seed uint64) (*MLPStep, error) {
	rng := rand.New(rand.NewPCG(seed, 1))
	net, err := nn.NewMLP(rng, sizes, nn.Tanh, nil)
	if err != nil {
		return nil, err
	}
	s := &MLPStep{Net: net, Ps: &nn.Params{}, Opt: &nn.Adam{LR: 1e-3}, Tape: nn.NewTape()}
	net.Register(s.Ps, "mlp")
	s.X = nn.New(batch, sizes[0])
	s.X.FillNormal(rng, 1)
	s.Y = nn.New(batch, sizes[len(sizes)-1])
	s.Y.FillNormal(rng, 1)
	return s, nil
}

// Step runs forward, MSE, backward and an Adam update, and returns the loss.
func (s *MLPStep) Step() (float32, error) {
	t := s.Tape
	t.Reset()
	s.Ps.ZeroGrad()
	loss := t.Mean(t.Square(t.Sub(s.Net.Forward(t, s.X), s.Y)))
	if err := t.Backward(loss); err != nil {
		return 0, err
	}
	if err := s.Opt.Step(s.Ps); err != nil {
		return 0, err
	}
	return loss.Item(), nil
}

// AttentionStep is the forward and backward pass of one multi-head attention block on
// x [B, T, D] with an additive bias [H, T, T] and a key-padding mask, loss = mean(out²).
type AttentionStep struct {
	Att        *nn.MultiHeadAttention
	Ps         *nn.Params
	Tape       *nn.Tape
	X          *nn.Tensor
	Bias, Mask *nn.Tensor
}

// NewAttentionStep builds the block and random inputs.
func NewAttentionStep(batch, tokens, dim, heads int, seed uint64) (*AttentionStep, error) {
	rng := rand.New(rand.NewPCG(seed, 2))
	att, err := nn.NewMultiHeadAttention(rng, dim, heads)
	if err != nil {
		return nil, err
	}
	s := &AttentionStep{Att: att, Ps: &nn.Params{}, Tape: nn.NewTape()}
	att.Register(s.Ps, "att")
	s.X = nn.New(batch, tokens, dim)
	s.X.FillNormal(rng, 1)
	s.Bias = nn.NewParam(heads, tokens, tokens)
	s.Bias.FillNormal(rng, 0.1)
	s.Mask = nn.New(batch, 1, 1, tokens)
	s.Mask.Fill(1)
	for b := 0; b < batch; b++ { // pad the last b mod 3 tokens
		for j := tokens - b%3; j < tokens; j++ {
			s.Mask.Data[b*tokens+j] = 0
		}
	}
	return s, nil
}

// Step runs the forward and backward pass.
func (s *AttentionStep) Step() error {
	t := s.Tape
	t.Reset()
	s.Ps.ZeroGrad()
	s.Bias.ZeroGrad()
	out := s.Att.Forward(t, s.X, s.Bias, s.Mask)
	return t.Backward(t.Mean(t.Square(out)))
}

// Time runs step warm times, then reports the mean duration of iters further runs.
func Time(step func() error, warm, iters int) (time.Duration, error) {
	for range warm {
		if err := step(); err != nil {
			return 0, err
		}
	}
	start := time.Now()
	for range iters {
		if err := step(); err != nil {
			return 0, err
		}
	}
	if iters <= 0 {
		return 0, fmt.Errorf("nnbench.Time: iters = %d", iters)
	}
	return time.Since(start) / time.Duration(iters), nil
}

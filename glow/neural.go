package glow

import (
	"fmt"
	"math/rand/v2"

	"gorl/agents/nn"
)

// hyqNet is Hy-Q's per-layer network on rich observations (Song et al. 2023, the
// combination-lock code): a linear encoder without bias to K = 3 scores, a softmax over
// them (a soft decoding of the latent state), and a linear head,
//
//	g(x, a) = head_a . softmax(E x) + b_a.
//
// (Hy-Q's head has one bias for all actions; here each action has its own.) It is the
// Q-function f_h of the neural class and, for HyGLOW, the weight function w_h.
type hyqNet struct {
	enc  *nn.Tensor // [dim, K]
	head *nn.Linear // K -> A
	ps   nn.Params
	opt  *nn.Adam
}

const hyqLatent = 3

func newHyQNet(rng *rand.Rand, dim, A int, lr float64) *hyqNet {
	n := &hyqNet{enc: nn.NewParam(dim, hyqLatent), head: nn.NewLinear(rng, hyqLatent, A, nn.Orthogonal(1))}
	nn.Orthogonal(1)(rng, n.enc)
	n.ps.Add("enc", n.enc)
	n.head.Register(&n.ps, "head")
	n.opt = &nn.Adam{LR: float32(lr)}
	return n
}

// forward returns g(x, .) for a batch x [B, dim]: [B, A].
func (n *hyqNet) forward(t *nn.Tape, x *nn.Tensor) *nn.Tensor {
	return n.head.Forward(t, t.Softmax(t.MatMul(x, n.enc)))
}

// Neural is the neural value class on feature observations with Hy-Q's optimiser
// settings: one hyqNet per layer, Adam with learning rate 0.0025, Steps = 500 updates
// of batches of 512 per fit. The networks persist across H2O iterations, so each fit
// starts from the previous one (Hy-Q warm-starts its encoders).
//
// Fit with DescentAscent false is FQI (Hy-Q): backwards over layers, f_h minimises
// mean (f_h(x, a) - r - max_a' f_{h+1}(x', a'))^2 with f_{h+1} fixed. With DescentAscent
// it is HyGLOW's offline learner in the efficient variant of the paper's Appendix F.1.2
// (no clipping, no absolute value) with a signed neural weight class W:
//
//	min_f max_w  sum_h E_hat[ w_h(x, a) D_f(x, a, r, x') ] - alpha_t E_hat[ w_h(x, a)^2 ],
//
// solved by simultaneous gradient descent on f (through f_h and f_{h+1}) and ascent on w.
// The network's linear head makes W closed under scaling, so with w = u / (2 alpha_t)
// the objective is (2 E[u D] - E[u^2]) / (4 alpha_t): alpha_t only scales it, which
// neither the argmin over f nor Adam's steps see, and the networks fit u, whose
// saddle value is E[D | x, a] projected onto W (so the saddle objective is a squared
// Bellman error without the double-sampling bias of E[D^2]). w's networks learn ten
// times faster than f's (two time scales), so that w tracks the residual. This is not
// the analysed algorithm: neither the
// class nor the solver has its guarantees, and descent-ascent need not reach the
// saddle point.
type Neural struct {
	Dim, A        int
	Steps, Batch  int     // default 500 and 512
	LR            float64 // default 0.0025
	DescentAscent bool
	Seed          uint64

	rng  *rand.Rand
	f, w []*hyqNet
	tape *nn.Tape
}

func (m *Neural) init(H int) {
	if m.f != nil {
		return
	}
	if m.Steps <= 0 {
		m.Steps = 500
	}
	if m.Batch <= 0 {
		m.Batch = 512
	}
	if m.LR <= 0 {
		m.LR = 0.0025
	}
	m.rng = rand.New(rand.NewPCG(m.Seed, 0x9e3779b97f4a7c15))
	m.tape = nn.NewTape()
	for h := 0; h < H; h++ {
		m.f = append(m.f, newHyQNet(m.rng, m.Dim, m.A, m.LR))
		m.w = append(m.w, newHyQNet(m.rng, m.Dim, m.A, 10*m.LR))
	}
}

// batch draws Batch tuples of layer h (with replacement) into x, next, acts, rew and
// last (next is zero after the last layer).
func (m *Neural) batch(d *Data, h int, x, next *nn.Tensor, acts []int, rew []float32, last []bool) {
	layer := d.Layers[h]
	for i := range acts {
		tu := layer[m.rng.IntN(len(layer))]
		for j := 0; j < m.Dim; j++ {
			x.Data[i*m.Dim+j] = float32(tu.X[j])
			next.Data[i*m.Dim+j] = 0
			if !tu.Last {
				next.Data[i*m.Dim+j] = float32(tu.XNext[j])
			}
		}
		acts[i], rew[i], last[i] = tu.A, float32(tu.R), tu.Last
	}
}

// Fit returns the greedy policy of the fitted Q-networks.
func (m *Neural) Fit(d *Data, t int) (Policy, error) {
	m.init(d.H)
	for h := range d.Layers {
		if d.Len(h) == 0 {
			return &NeuralPolicy{net: m.f, A: m.A, Dim: m.Dim}, nil // nothing to fit yet
		}
		for _, tu := range d.Layers[h] {
			if len(tu.X) != m.Dim {
				return nil, fmt.Errorf("neural class: layer %d: observation has %d features, want %d", h, len(tu.X), m.Dim)
			}
		}
	}
	var err error
	if m.DescentAscent {
		err = m.descentAscent(d)
	} else {
		err = m.fqi(d)
	}
	if err != nil {
		return nil, err
	}
	return &NeuralPolicy{net: m.f, A: m.A, Dim: m.Dim}, nil
}

// targets returns r + max_a' f_{h+1}(x', a') (0 after the last layer) for a batch.
func (m *Neural) targets(h, H int, next *nn.Tensor, last []bool, rew []float32) *nn.Tensor {
	y := nn.New(len(rew))
	var v *nn.Tensor
	if h < H-1 {
		tp := nn.NewTape()
		tp.NoGrad = true
		v = tp.MaxAxis(m.f[h+1].forward(tp, next), 1)
	}
	for i, r := range rew {
		y.Data[i] = r
		if v != nil && !last[i] {
			y.Data[i] += v.Data[i]
		}
	}
	return y
}

// fqi: backwards over layers, Steps Adam updates of the squared TD error per layer.
func (m *Neural) fqi(d *Data) error {
	B := m.Batch
	x, next := nn.New(B, m.Dim), nn.New(B, m.Dim)
	acts, rew, last := make([]int, B), make([]float32, B), make([]bool, B)
	for h := d.H - 1; h >= 0; h-- {
		net := m.f[h]
		for s := 0; s < m.Steps; s++ {
			m.batch(d, h, x, next, acts, rew, last)
			y := m.targets(h, d.H, next, last, rew)
			tp := m.tape
			tp.Reset()
			loss := tp.Mean(tp.Square(tp.Sub(tp.Gather(net.forward(tp, x), acts), y)))
			net.ps.ZeroGrad()
			if err := tp.Backward(loss); err != nil {
				return fmt.Errorf("neural fqi layer %d: %w", h, err)
			}
			if err := net.opt.Step(&net.ps); err != nil {
				return err
			}
		}
	}
	return nil
}

// descentAscent runs Steps simultaneous updates of the saddle objective over all layers.
func (m *Neural) descentAscent(d *Data) error {
	B := m.Batch
	xs, nexts := make([]*nn.Tensor, d.H), make([]*nn.Tensor, d.H)
	acts, rews, masks := make([][]int, d.H), make([][]float32, d.H), make([]*nn.Tensor, d.H)
	last := make([]bool, B)
	for h := range xs {
		xs[h], nexts[h], masks[h] = nn.New(B, m.Dim), nn.New(B, m.Dim), nn.New(B)
		acts[h], rews[h] = make([]int, B), make([]float32, B)
	}
	for s := 0; s < m.Steps; s++ {
		tp := m.tape
		tp.Reset()
		var total *nn.Tensor
		for h := 0; h < d.H; h++ {
			m.batch(d, h, xs[h], nexts[h], acts[h], rews[h], last)
			r := nn.New(B)
			for i, v := range rews[h] {
				r.Data[i], masks[h].Data[i] = v, 1
				if last[i] {
					masks[h].Data[i] = 0
				}
			}
			// D_f = f_h(x, a) - r - max_a' f_{h+1}(x', a'), the next value through f_{h+1}.
			D := tp.Sub(tp.Gather(m.f[h].forward(tp, xs[h]), acts[h]), r)
			if h < d.H-1 {
				D = tp.Sub(D, tp.Mul(tp.MaxAxis(m.f[h+1].forward(tp, nexts[h]), 1), masks[h]))
			}
			u := tp.Gather(m.w[h].forward(tp, xs[h]), acts[h])
			l := tp.Sub(tp.Scale(tp.Mean(tp.Mul(u, D)), 2), tp.Mean(tp.Square(u)))
			if total == nil {
				total = l
			} else {
				total = tp.Add(total, l)
			}
		}
		for h := range m.f {
			m.f[h].ps.ZeroGrad()
			m.w[h].ps.ZeroGrad()
		}
		if err := tp.Backward(total); err != nil {
			return fmt.Errorf("neural descent-ascent: %w", err)
		}
		for h := range m.f {
			for _, p := range m.w[h].ps.Tensors() {
				for i := range p.Grad {
					p.Grad[i] = -p.Grad[i] // ascent on w
				}
			}
			if err := m.f[h].opt.Step(&m.f[h].ps); err != nil {
				return err
			}
			if err := m.w[h].opt.Step(&m.w[h].ps); err != nil {
				return err
			}
		}
	}
	return nil
}

// NeuralPolicy is greedy with respect to the Q-networks.
type NeuralPolicy struct {
	net    []*hyqNet
	A, Dim int
	x      *nn.Tensor
	tape   *nn.Tape
}

func (p *NeuralPolicy) Act(h int, obs []float64) int {
	if p.x == nil {
		p.x, p.tape = nn.New(1, p.Dim), nn.NewTape()
		p.tape.NoGrad = true
	}
	for j, v := range obs {
		p.x.Data[j] = float32(v)
	}
	p.tape.Reset()
	q := p.net[h].forward(p.tape, p.x)
	return argmax32(q.Data)
}

func argmax32(v []float32) int {
	arg := 0
	for i, x := range v {
		if x > v[arg] {
			arg = i
		}
	}
	return arg
}

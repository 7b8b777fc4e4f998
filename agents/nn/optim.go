package nn

import (
	"fmt"
	"math"
)

// Adam is the Adam optimiser (Kingma & Ba 2015) with PyTorch's conventions: bias
// correction on both moments and eps added to the corrected √v̂:
//
//	m ← β1·m + (1−β1)·g,  v ← β2·v + (1−β2)·g²
//	θ ← θ − lr·(m/(1−β1ᵗ)) / (√v/√(1−β2ᵗ) + eps)
//
// WeightDecay adds λ·θ to the gradient (torch.optim.Adam); with Decoupled it instead
// shrinks θ ← θ·(1 − lr·λ) before the step (AdamW, Loshchilov & Hutter 2019).
// LR may be changed between steps (schedules). Zero Beta1, Beta2, Eps mean 0.9, 0.999, 1e-8.
type Adam struct {
	LR          float32
	Beta1       float32
	Beta2       float32
	Eps         float32
	WeightDecay float32
	Decoupled   bool

	t    int
	m, v [][]float32
}

// Steps is the number of updates taken so far.
func (o *Adam) Steps() int { return o.t }

// Step updates ps from their gradients. The first call fixes the parameter set; later
// calls must pass the same shapes.
func (o *Adam) Step(ps *Params) error {
	if o.m == nil {
		o.m = make([][]float32, ps.Len())
		o.v = make([][]float32, ps.Len())
		for i, t := range ps.tensors {
			o.m[i] = make([]float32, t.Len())
			o.v[i] = make([]float32, t.Len())
		}
	}
	if len(o.m) != ps.Len() {
		return fmt.Errorf("nn.Adam: %d parameter tensors, optimiser state has %d", ps.Len(), len(o.m))
	}
	for i, t := range ps.tensors {
		if len(o.m[i]) != t.Len() || t.Grad == nil {
			return fmt.Errorf("nn.Adam: tensor %d (%s) changed size or has no gradient", i, ps.names[i])
		}
	}
	b1, b2, eps := o.Beta1, o.Beta2, o.Eps
	if b1 == 0 {
		b1 = 0.9
	}
	if b2 == 0 {
		b2 = 0.999
	}
	if eps == 0 {
		eps = 1e-8
	}
	o.t++
	bc1 := 1 - math.Pow(float64(b1), float64(o.t))
	bc2 := 1 - math.Pow(float64(b2), float64(o.t))
	stepSize := float32(float64(o.LR) / bc1)
	invSqrtBC2 := float32(1 / math.Sqrt(bc2))
	for i, t := range ps.tensors {
		if o.WeightDecay == 0 {
			adamVec(t.Data, t.Grad, o.m[i], o.v[i], b1, b2, eps, stepSize, invSqrtBC2)
			continue
		}
		adamUpdate(t.Data, t.Grad, o.m[i], o.v[i], b1, b2, eps, stepSize, invSqrtBC2, o.LR, o.WeightDecay, o.Decoupled)
	}
	return nil
}

func adamUpdate(p, g, m, v []float32, b1, b2, eps, stepSize, invSqrtBC2, lr, wd float32, decoupled bool) {
	g, m, v = g[:len(p)], m[:len(p)], v[:len(p)]
	shrink := float32(1)
	if decoupled {
		shrink = 1 - lr*wd
	}
	for j, gj := range g {
		if wd != 0 {
			if decoupled {
				p[j] *= shrink
			} else {
				gj += wd * p[j]
			}
		}
		mj := b1*m[j] + (1-b1)*gj
		vj := b2*v[j] + (1-b2)*gj*gj
		m[j], v[j] = mj, vj
		p[j] -= stepSize * mj / (float32(math.Sqrt(float64(vj)))*invSqrtBC2 + eps)
	}
}

// SGD is stochastic gradient descent with optional momentum (PyTorch's form without
// dampening: b ← μ·b + g, θ ← θ − lr·b; Nesterov uses g + μ·b) and L2 weight decay.
type SGD struct {
	LR          float32
	Momentum    float32
	Nesterov    bool
	WeightDecay float32

	buf [][]float32
}

// Step updates ps from their gradients.
func (o *SGD) Step(ps *Params) error {
	if o.Momentum != 0 && o.buf == nil {
		o.buf = make([][]float32, ps.Len())
		for i, t := range ps.tensors {
			o.buf[i] = make([]float32, t.Len())
		}
	}
	if o.buf != nil && len(o.buf) != ps.Len() {
		return fmt.Errorf("nn.SGD: %d parameter tensors, optimiser state has %d", ps.Len(), len(o.buf))
	}
	for i, t := range ps.tensors {
		if t.Grad == nil || (o.buf != nil && len(o.buf[i]) != t.Len()) {
			return fmt.Errorf("nn.SGD: tensor %d (%s) changed size or has no gradient", i, ps.names[i])
		}
		for j, g := range t.Grad {
			if o.WeightDecay != 0 {
				g += o.WeightDecay * t.Data[j]
			}
			if o.Momentum != 0 {
				b := o.Momentum*o.buf[i][j] + g
				o.buf[i][j] = b
				if o.Nesterov {
					g += o.Momentum * b
				} else {
					g = b
				}
			}
			t.Data[j] -= o.LR * g
		}
	}
	return nil
}

// ClipGradNorm scales all gradients in ps so that their global L2 norm is at most maxNorm
// (as torch.nn.utils.clip_grad_norm_: scale maxNorm/(norm+1e-6) when below 1) and returns
// the norm before clipping.
func ClipGradNorm(ps *Params, maxNorm float64) float64 {
	norm := ps.GradNorm()
	c := maxNorm / (norm + 1e-6)
	if c < 1 {
		s := float32(c)
		for _, t := range ps.tensors {
			for j := range t.Grad {
				t.Grad[j] *= s
			}
		}
	}
	return norm
}

// LinearSchedule anneals a value linearly from Start to End over Steps steps and then
// holds End (CleanRL's learning-rate annealing uses End = 0 and steps = updates).
type LinearSchedule struct {
	Start, End float64
	Steps      int
}

// At returns the value at step (0-based).
func (s LinearSchedule) At(step int) float64 {
	if s.Steps <= 0 || step >= s.Steps {
		return s.End
	}
	if step <= 0 {
		return s.Start
	}
	f := float64(step) / float64(s.Steps)
	return s.Start + f*(s.End-s.Start)
}

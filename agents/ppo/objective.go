package ppo

import (
	"fmt"
	"math/rand/v2"

	"gorl/agents/nn"
)

// Objective is PPO's policy objective: the per-sample surrogate that the update
// maximises, built on the tape from the probability ratio r = pi(a|s) / pi_old(a|s) and
// the normalised advantage A. progress is n/N, the share of training done before this
// update (temporally-aware objectives use it). Both inputs have shape [B]; so has the
// result.
//
// Every objective here is a drift function in the mirror-learning form
// (Lu et al. 2022): surrogate = r A - drift(r, A) with drift >= 0 and drift(1, A) = 0.
type Objective interface {
	Name() string
	Surrogate(tp *nn.Tape, ratio, adv *nn.Tensor, progress float32) *nn.Tensor
	// Drift returns drift(r, A), shape [B].
	Drift(tp *nn.Tape, ratio, adv *nn.Tensor, progress float32) *nn.Tensor
}

// driftSurrogate is r A - drift(r, A).
func driftSurrogate(o Objective, tp *nn.Tape, ratio, adv *nn.Tensor, progress float32) *nn.Tensor {
	return tp.Sub(tp.Mul(ratio, adv), o.Drift(tp, ratio, adv, progress))
}

// Clip is PPO's clipped surrogate (Schulman et al. 2017, eq. 7):
// L = min(r A, clip(r, 1-eps, 1+eps) A), whose drift is relu((r - clip(r)) A).
type Clip struct {
	Eps float32 // clip range (default 0.2)
}

func (c Clip) eps() float32 {
	if c.Eps == 0 {
		return 0.2
	}
	return c.Eps
}

func (c Clip) Name() string { return "clip" }

func (c Clip) Surrogate(tp *nn.Tape, ratio, adv *nn.Tensor, _ float32) *nn.Tensor {
	e := c.eps()
	return tp.Minimum(tp.Mul(ratio, adv), tp.Mul(tp.Clamp(ratio, 1-e, 1+e), adv))
}

func (c Clip) Drift(tp *nn.Tape, ratio, adv *nn.Tensor, _ float32) *nn.Tensor {
	e := c.eps()
	return tp.ReLU(tp.Mul(tp.Sub(ratio, tp.Clamp(ratio, 1-e, 1+e)), adv))
}

// DPO is Discovered Policy Optimisation's closed-form drift (Lu et al. 2022):
//
//	drift = relu((r-1) A - alpha tanh((r-1) A / alpha))   if A >= 0
//	drift = relu(log(r) A - beta tanh(log(r) A / beta))   if A < 0
type DPO struct {
	Alpha, Beta float32 // defaults 2 and 0.6

	cond *nn.Tensor // A >= 0, reused between calls
}

func (d *DPO) Name() string { return "dpo" }

func (d *DPO) Surrogate(tp *nn.Tape, ratio, adv *nn.Tensor, progress float32) *nn.Tensor {
	return driftSurrogate(d, tp, ratio, adv, progress)
}

func (d *DPO) Drift(tp *nn.Tape, ratio, adv *nn.Tensor, _ float32) *nn.Tensor {
	alpha, beta := d.Alpha, d.Beta
	if alpha == 0 {
		alpha = 2
	}
	if beta == 0 {
		beta = 0.6
	}
	if d.cond == nil || d.cond.Len() != adv.Len() {
		d.cond = nn.New(adv.Shape...)
	}
	for i, a := range adv.Data {
		d.cond.Data[i] = 0
		if a >= 0 {
			d.cond.Data[i] = 1
		}
	}
	// u - s tanh(u / s) for u = (r-1) A and u = log(r) A.
	pos := tp.Mul(tp.AddScalar(ratio, -1), adv)
	pos = tp.Sub(pos, tp.Scale(tp.Tanh(tp.Scale(pos, 1/alpha)), alpha))
	neg := tp.Mul(tp.Log(ratio), adv)
	neg = tp.Sub(neg, tp.Scale(tp.Tanh(tp.Scale(neg, 1/beta)), beta))
	return tp.ReLU(tp.Where(d.cond, pos, neg))
}

// LPO is a learned drift (Lu et al. 2022): a network without biases,
// Dense(Hidden) -> tanh -> Dense(1), reads
//
//	x = [delta, A delta],  delta = [log r, (log r)^2, 1 - r, (1 - r)^2]
//
// and, when Temporal (TA-LPO, Jackson et al. 2024), also (n/N) x, so 16 inputs instead
// of 8. The drift is
//
//	drift = relu(NN(x) - 1e-4)                                  (PPOInit false)
//	drift = relu(relu((r - clip(r, 1-eps, 1+eps)) A) + NN(x) - 1e-4)   (PPOInit true)
//
// Every input vanishes at r = 1 and the network has no bias, so drift(1, A) = 0
// exactly for any A and n/N; the outer relu keeps drift >= 0, and the 1e-4 offset makes
// the drift flat around r = 1. With zero weights and PPOInit the objective is PPO-clip
// (up to the 1e-4 offset where clipping is active).
type LPO struct {
	Temporal bool
	PPOInit  bool
	ClipEps  float32    // the PPO-init clip range (default 0.2)
	W1       *nn.Tensor // [Inputs(), Hidden]
	W2       *nn.Tensor // [Hidden, 1]
}

// DriftOffset is the constant subtracted inside the drift's outer relu.
const DriftOffset = 1e-4

// DefaultHidden is the drift network's width in the reference LPO.
const DefaultHidden = 128

// NewLPO returns an LPO (temporal: TA-LPO) drift with zero weights of the given width.
func NewLPO(temporal, ppoInit bool, hidden int) *LPO {
	if hidden <= 0 {
		hidden = DefaultHidden
	}
	l := &LPO{Temporal: temporal, PPOInit: ppoInit}
	l.W1, l.W2 = nn.New(l.Inputs(), hidden), nn.New(hidden, 1)
	return l
}

// Inputs is the drift network's input width: 8, or 16 when temporal.
func (l *LPO) Inputs() int {
	if l.Temporal {
		return 16
	}
	return 8
}

// Hidden is the drift network's width.
func (l *LPO) Hidden() int { return l.W1.Shape[1] }

// Randomize fills the weights with N(0, std^2) draws (tests, ES populations).
func (l *LPO) Randomize(rng *rand.Rand, std float64) {
	l.W1.FillNormal(rng, std)
	l.W2.FillNormal(rng, std)
}

func (l *LPO) Name() string {
	if l.Temporal {
		return "ta-lpo"
	}
	return "lpo"
}

func (l *LPO) check() error {
	if l.W1 == nil || l.W2 == nil || l.W1.Rank() != 2 || l.W2.Rank() != 2 ||
		l.W1.Shape[0] != l.Inputs() || l.W2.Shape[0] != l.W1.Shape[1] || l.W2.Shape[1] != 1 {
		return fmt.Errorf("%s drift network: weights %v and %v do not fit %d inputs", l.Name(), shapeOf(l.W1), shapeOf(l.W2), l.Inputs())
	}
	return nil
}

func shapeOf(t *nn.Tensor) []int {
	if t == nil {
		return nil
	}
	return t.Shape
}

func (l *LPO) Surrogate(tp *nn.Tape, ratio, adv *nn.Tensor, progress float32) *nn.Tensor {
	return driftSurrogate(l, tp, ratio, adv, progress)
}

func (l *LPO) Drift(tp *nn.Tape, ratio, adv *nn.Tensor, progress float32) *nn.Tensor {
	b := ratio.Len()
	r := tp.Reshape(ratio, b, 1)
	a := tp.Reshape(adv, b, 1)
	logr := tp.Log(r)
	oneMinus := tp.AddScalar(tp.Neg(r), 1)
	delta := tp.Concat(1, logr, tp.Square(logr), oneMinus, tp.Square(oneMinus))
	x := tp.Concat(1, delta, tp.Mul(delta, a))
	if l.Temporal {
		x = tp.Concat(1, x, tp.Scale(x, progress))
	}
	out := tp.MatMul(tp.Tanh(tp.MatMul(x, l.W1)), l.W2) // [B, 1]
	if l.PPOInit {
		e := l.ClipEps
		if e == 0 {
			e = 0.2
		}
		ppo := tp.ReLU(tp.Mul(tp.Sub(r, tp.Clamp(r, 1-e, 1+e)), a))
		out = tp.Add(ppo, out)
	}
	return tp.Reshape(tp.ReLU(tp.AddScalar(out, -DriftOffset)), b)
}

package nn

import (
	"math"
	"math/rand/v2"
)

const halfLog2Pi = 0.91893853320467274178 // ½·log(2π)

// Categorical is a batch of categorical distributions over K classes given by logits
// [B, K]; it holds the normalised log-probabilities.
type Categorical struct {
	LogProbs *Tensor // [B, K], log-softmax of the logits
}

// NewCategorical normalises logits [B, K] on the tape.
func NewCategorical(t *Tape, logits *Tensor) Categorical {
	return Categorical{LogProbs: t.LogSoftmax(logits)}
}

// LogProb returns log π(a_b) for each row, shape [B].
func (c Categorical) LogProb(t *Tape, actions []int) *Tensor { return t.Gather(c.LogProbs, actions) }

// Entropy returns −Σ_k p_k log p_k per row, shape [B].
func (c Categorical) Entropy(t *Tape) *Tensor {
	p := t.Exp(c.LogProbs)
	return t.Neg(t.SumAxis(t.Mul(p, c.LogProbs), -1))
}

// Sample draws one class per row into dst (grown if needed) and returns it.
func (c Categorical) Sample(rng *rand.Rand, dst []int) []int {
	B, K := c.LogProbs.Rows(), c.LogProbs.Cols()
	dst = growInts(dst, B)
	for b := 0; b < B; b++ {
		row := c.LogProbs.Data[b*K : (b+1)*K]
		u := rng.Float64()
		k := K - 1
		var cum float64
		for j, lp := range row {
			cum += math.Exp(float64(lp))
			if u < cum {
				k = j
				break
			}
		}
		dst[b] = k
	}
	return dst
}

// Mode writes the most probable class of each row into dst and returns it.
func (c Categorical) Mode(dst []int) []int {
	B, K := c.LogProbs.Rows(), c.LogProbs.Cols()
	dst = growInts(dst, B)
	for b := 0; b < B; b++ {
		row := c.LogProbs.Data[b*K : (b+1)*K]
		best := 0
		for j, v := range row {
			if v > row[best] {
				best = j
			}
		}
		dst[b] = best
	}
	return dst
}

func growInts(dst []int, n int) []int {
	if cap(dst) < n {
		return make([]int, n)
	}
	return dst[:n]
}

func growFloats(dst []float32, n int) []float32 {
	if cap(dst) < n {
		return make([]float32, n)
	}
	return dst[:n]
}

// DiagGaussian is a batch of Gaussians with diagonal covariance: Mean [B, A] and LogStd
// [B, A] or [A] (a state-independent parameter, as in CleanRL's continuous PPO).
type DiagGaussian struct {
	Mean, LogStd *Tensor
}

// LogProb returns Σ_j log N(x_j; μ_j, σ_j²) per row, shape [B], for x [B, A]:
// −½((x−μ)/σ)² − log σ − ½ log 2π summed over the action dimensions.
func (d DiagGaussian) LogProb(t *Tape, x *Tensor) *Tensor {
	if !x.SameShape(d.Mean) {
		return t.fail("DiagGaussian.LogProb", "actions %v, mean %v", x.Shape, d.Mean.Shape)
	}
	z := t.Mul(t.Sub(x, d.Mean), t.Exp(t.Neg(d.LogStd)))
	lp := t.Add(t.Scale(t.Square(z), -0.5), t.Neg(d.LogStd))
	return t.AddScalar(t.SumAxis(lp, -1), -halfLog2Pi*float32(d.Mean.Cols()))
}

// Entropy returns Σ_j (log σ_j + ½ + ½ log 2π) per row, shape [B].
func (d DiagGaussian) Entropy(t *Tape) *Tensor {
	ls := d.LogStd
	if !ls.SameShape(d.Mean) {
		ls = t.Add(t.alloc(false, d.Mean.Shape...).zeroed(), ls)
	}
	return t.AddScalar(t.SumAxis(ls, -1), (0.5+halfLog2Pi)*float32(d.Mean.Cols()))
}

// Sample writes μ + σ·ε, ε ~ N(0, I), into dst (grown to B·A) and returns it.
func (d DiagGaussian) Sample(rng *rand.Rand, dst []float32) []float32 {
	n, A := d.Mean.Len(), d.Mean.Cols()
	dst = growFloats(dst, n)
	for i := 0; i < n; i++ {
		ls := d.LogStd.Data[i%A] // LogStd [A] broadcasts over rows
		if d.LogStd.Len() == n {
			ls = d.LogStd.Data[i]
		}
		dst[i] = d.Mean.Data[i] + exp32(ls)*float32(rng.NormFloat64())
	}
	return dst
}

// RSample returns μ + σ·ε on the tape for given noise eps [B, A] (the reparameterisation
// trick: gradients flow to μ and log σ).
func (d DiagGaussian) RSample(t *Tape, eps *Tensor) *Tensor {
	return t.Add(d.Mean, t.Mul(t.Exp(d.LogStd), eps))
}

// TanhGaussian is the distribution of a = tanh(u), u ~ DiagGaussian (SAC-style squashed
// actions in (−1, 1)).
type TanhGaussian struct {
	Mean, LogStd *Tensor // of the pre-squash Gaussian
}

func (d TanhGaussian) base() DiagGaussian { return DiagGaussian{Mean: d.Mean, LogStd: d.LogStd} }

// LogProb returns log p(a) for the pre-squash sample u [B, A], shape [B]:
// log N(u) − Σ_j log(1 − tanh(u_j)²), the correction computed stably as
// 2·(log 2 − u − softplus(−2u)).
func (d TanhGaussian) LogProb(t *Tape, u *Tensor) *Tensor {
	lp := d.base().LogProb(t, u)
	corr := t.Scale(t.AddScalar(t.Add(u, t.Softplus(t.Scale(u, -2))), -math.Ln2), -2) // = log(1 − tanh²u)
	return t.Sub(lp, t.SumAxis(corr, -1))
}

// Sample writes pre-squash draws u into u and squashed actions tanh(u) into a (both grown
// to B·A) and returns them.
func (d TanhGaussian) Sample(rng *rand.Rand, u, a []float32) ([]float32, []float32) {
	u = d.base().Sample(rng, u)
	a = growFloats(a, len(u))
	for i, v := range u {
		a[i] = tanh32(v)
	}
	return u, a
}

// RSample returns the pre-squash u = μ + σ·ε and the action tanh(u) on the tape.
func (d TanhGaussian) RSample(t *Tape, eps *Tensor) (u, a *Tensor) {
	u = d.base().RSample(t, eps)
	return u, t.Tanh(u)
}

func (x *Tensor) zeroed() *Tensor {
	clear(x.Data)
	return x
}

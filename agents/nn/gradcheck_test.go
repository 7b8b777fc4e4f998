package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// Finite-difference gradient checks. The library computes in float32, so the check uses a
// central difference with step h = 1e-2 on float32 forward passes, the scalar objective
// L = Σ wᵢ·outᵢ (fixed random w) accumulated in float64. Truncation error is O(h²·f”') ≈
// 1e-5 for these O(1) functions and float32 rounding contributes about
// ε₃₂·|L|/h ≈ 1e-5·|L|, so the analytic gradient must match within 2e-2 relative plus
// 2e-3 absolute — a wrong derivative (a missing factor, sign or term) is off by O(1).
const (
	gcStep = 1e-2
	gcRel  = 2e-2
	gcAbs  = 2e-3
)

type gcFunc func(t *Tape, xs []*Tensor) *Tensor

// randParam returns a tensor with gradient filled from U(-1,1), avoiding |x| < margin
// (so kinks of ReLU/Abs/Clamp are not straddled by the finite difference).
func randParam(rng *rand.Rand, margin float64, shape ...int) *Tensor {
	p := NewParam(shape...)
	for i := range p.Data {
		v := rng.Float64()*2 - 1
		for math.Abs(v) < margin {
			v = rng.Float64()*2 - 1
		}
		p.Data[i] = float32(v)
	}
	return p
}

func positiveParam(rng *rand.Rand, shape ...int) *Tensor {
	p := NewParam(shape...)
	for i := range p.Data {
		p.Data[i] = float32(0.5 + rng.Float64())
	}
	return p
}

func gradCheck(t *testing.T, name string, xs []*Tensor, f gcFunc) {
	t.Helper()
	rng := rand.New(rand.NewPCG(99, uint64(len(name))))
	tape := NewTape()
	out := f(tape, xs)
	if err := tape.Err(); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	w := make([]float32, out.Len())
	for i := range w {
		w[i] = float32(rng.Float64()*2 - 1)
	}
	for _, x := range xs {
		x.ZeroGrad()
	}
	if out.Grad == nil {
		t.Fatalf("%s: output takes no gradient", name)
	}
	if err := tape.BackwardFrom(out, w); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	objective := func() float64 {
		tp := NewTape()
		o := f(tp, xs)
		var s float64
		for i, v := range o.Data {
			s += float64(w[i]) * float64(v)
		}
		return s
	}
	bad := 0
	for k, x := range xs {
		if x.Grad == nil {
			continue
		}
		analytic := append([]float32(nil), x.Grad...)
		for i := range x.Data {
			orig := x.Data[i]
			x.Data[i] = orig + gcStep
			lp := objective()
			x.Data[i] = orig - gcStep
			lm := objective()
			x.Data[i] = orig
			num := (lp - lm) / (2 * gcStep)
			ana := float64(analytic[i])
			if math.Abs(num-ana) > gcAbs+gcRel*math.Max(math.Abs(num), math.Abs(ana)) {
				if bad < 5 {
					t.Errorf("%s: input %d element %d: analytic %.6g, numeric %.6g", name, k, i, ana, num)
				}
				bad++
			}
		}
	}
	if bad > 0 {
		t.Errorf("%s: %d gradient entries wrong", name, bad)
	}
}

func TestGradMatMul(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, ta := range []bool{false, true} {
		for _, tb := range []bool{false, true} {
			m, k, n := 3, 4, 5
			as := []int{m, k}
			if ta {
				as = []int{k, m}
			}
			bs := []int{k, n}
			if tb {
				bs = []int{n, k}
			}
			a, b := randParam(rng, 0, as...), randParam(rng, 0, bs...)
			gradCheck(t, fmt.Sprintf("MatMulT(%v,%v)", ta, tb), []*Tensor{a, b}, func(tp *Tape, xs []*Tensor) *Tensor {
				return tp.MatMulT(xs[0], xs[1], ta, tb)
			})
			ga, gb := randParam(rng, 0, append([]int{2}, as...)...), randParam(rng, 0, append([]int{2}, bs...)...)
			gradCheck(t, fmt.Sprintf("BatchMatMul(%v,%v)", ta, tb), []*Tensor{ga, gb}, func(tp *Tape, xs []*Tensor) *Tensor {
				return tp.BatchMatMul(xs[0], xs[1], ta, tb)
			})
			gradCheck(t, fmt.Sprintf("BatchMatMul shared b (%v,%v)", ta, tb), []*Tensor{ga, b}, func(tp *Tape, xs []*Tensor) *Tensor {
				return tp.BatchMatMul(xs[0], xs[1], ta, tb)
			})
		}
	}
}

func TestGradLinear(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	x, w, b := randParam(rng, 0, 2, 3, 4), randParam(rng, 0, 4, 5), randParam(rng, 0, 5)
	gradCheck(t, "Linear", []*Tensor{x, w, b}, func(tp *Tape, xs []*Tensor) *Tensor { return tp.Linear(xs[0], xs[1], xs[2]) })
	gradCheck(t, "Linear no bias", []*Tensor{x, w}, func(tp *Tape, xs []*Tensor) *Tensor { return tp.Linear(xs[0], xs[1], nil) })
}

func TestGradBinaryBroadcast(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 3))
	shapes := [][2][]int{
		{{3, 4}, {3, 4}},
		{{3, 4}, {4}},
		{{3, 1}, {1, 4}},
		{{2, 3, 4}, {3, 1}},
		{{}, {3, 4}},
		{{2, 1, 4}, {2, 3, 1}},
	}
	ops := []struct {
		name string
		f    func(tp *Tape, a, b *Tensor) *Tensor
	}{
		{"Add", (*Tape).Add}, {"Sub", (*Tape).Sub}, {"Mul", (*Tape).Mul}, {"Div", (*Tape).Div},
		{"Minimum", (*Tape).Minimum}, {"Maximum", (*Tape).Maximum},
	}
	for _, op := range ops {
		for _, sh := range shapes {
			a := randParam(rng, 0, sh[0]...)
			b := randParam(rng, 0, sh[1]...)
			if op.name == "Div" {
				b = positiveParam(rng, sh[1]...)
			}
			if op.name == "Minimum" || op.name == "Maximum" {
				// keep a and b apart so the finite difference does not cross a tie
				for i := range b.Data {
					b.Data[i] = float32(0.1 * math.Round(10*float64(b.Data[i])))
				}
				for i := range a.Data {
					a.Data[i] = float32(0.1*math.Round(10*float64(a.Data[i]))) + 0.05
				}
			}
			gradCheck(t, fmt.Sprintf("%s%v%v", op.name, sh[0], sh[1]), []*Tensor{a, b}, func(tp *Tape, xs []*Tensor) *Tensor {
				return op.f(tp, xs[0], xs[1])
			})
		}
	}
	// The same tensor on both sides accumulates both contributions.
	a := randParam(rng, 0, 3, 4)
	gradCheck(t, "Mul(a,a)", []*Tensor{a}, func(tp *Tape, xs []*Tensor) *Tensor { return tp.Mul(xs[0], xs[0]) })
}

func TestGradWhere(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 4))
	a, b := randParam(rng, 0, 3, 4), randParam(rng, 0, 3, 4)
	cond := New(3, 4)
	for i := range cond.Data {
		cond.Data[i] = float32(i % 2)
	}
	gradCheck(t, "Where", []*Tensor{a, b}, func(tp *Tape, xs []*Tensor) *Tensor { return tp.Where(cond, xs[0], xs[1]) })
}

func TestGradUnary(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 5))
	cases := []struct {
		name     string
		positive bool
		f        func(tp *Tape, a *Tensor) *Tensor
	}{
		{"Tanh", false, (*Tape).Tanh},
		{"ReLU", false, (*Tape).ReLU},
		{"GELU", false, (*Tape).GELU},
		{"Sigmoid", false, (*Tape).Sigmoid},
		{"Exp", false, (*Tape).Exp},
		{"Log", true, (*Tape).Log},
		{"Sqrt", true, (*Tape).Sqrt},
		{"Square", false, (*Tape).Square},
		{"Pow", true, func(tp *Tape, a *Tensor) *Tensor { return tp.Pow(a, 1.7) }},
		{"Clamp", false, func(tp *Tape, a *Tensor) *Tensor { return tp.Clamp(a, -0.55, 0.45) }},
		{"Scale", false, func(tp *Tape, a *Tensor) *Tensor { return tp.Scale(a, -2.5) }},
		{"Neg", false, (*Tape).Neg},
		{"AddScalar", false, func(tp *Tape, a *Tensor) *Tensor { return tp.AddScalar(a, 3) }},
		{"Abs", false, (*Tape).Abs},
		{"Softplus", false, (*Tape).Softplus},
	}
	for _, c := range cases {
		a := randParam(rng, 0.05, 3, 5)
		if c.positive {
			a = positiveParam(rng, 3, 5)
		}
		if c.name == "Clamp" { // stay away from the clamp bounds
			for i := range a.Data {
				if math.Abs(float64(a.Data[i]+0.55)) < 0.03 || math.Abs(float64(a.Data[i]-0.45)) < 0.03 {
					a.Data[i] += 0.1
				}
			}
		}
		gradCheck(t, c.name, []*Tensor{a}, func(tp *Tape, xs []*Tensor) *Tensor { return c.f(tp, xs[0]) })
	}
	// Tanh and Sigmoid at large arguments (saturated region) and across the series switch.
	a := NewParam(8)
	copy(a.Data, []float32{-6, -2.5, -0.41, -0.39, 0.39, 0.41, 2.5, 6})
	gradCheck(t, "Tanh wide", []*Tensor{a}, func(tp *Tape, xs []*Tensor) *Tensor { return tp.Tanh(xs[0]) })
	gradCheck(t, "Sigmoid wide", []*Tensor{a}, func(tp *Tape, xs []*Tensor) *Tensor { return tp.Sigmoid(xs[0]) })
}

func TestGradReductions(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 6))
	a := randParam(rng, 0, 2, 3, 4)
	// Distinct values 0.1 apart so that the finite difference never crosses a tie.
	sep := NewParam(2, 3, 4)
	for i, k := range rng.Perm(sep.Len()) {
		sep.Data[i] = 0.1*float32(k) - 1
	}
	gradCheck(t, "Sum", []*Tensor{a}, func(tp *Tape, xs []*Tensor) *Tensor { return tp.Sum(xs[0]) })
	gradCheck(t, "Mean", []*Tensor{a}, func(tp *Tape, xs []*Tensor) *Tensor { return tp.Mean(xs[0]) })
	gradCheck(t, "Norm", []*Tensor{a}, func(tp *Tape, xs []*Tensor) *Tensor { return tp.Norm(xs[0]) })
	for axis := -1; axis < 3; axis++ {
		gradCheck(t, fmt.Sprintf("SumAxis(%d)", axis), []*Tensor{a}, func(tp *Tape, xs []*Tensor) *Tensor { return tp.SumAxis(xs[0], axis) })
		gradCheck(t, fmt.Sprintf("MaxAxis(%d)", axis), []*Tensor{sep}, func(tp *Tape, xs []*Tensor) *Tensor { return tp.MaxAxis(xs[0], axis) })
		gradCheck(t, fmt.Sprintf("MinAxis(%d)", axis), []*Tensor{sep}, func(tp *Tape, xs []*Tensor) *Tensor { return tp.MinAxis(xs[0], axis) })
		gradCheck(t, fmt.Sprintf("MeanAxis(%d)", axis), []*Tensor{a}, func(tp *Tape, xs []*Tensor) *Tensor { return tp.MeanAxis(xs[0], axis) })
	}
}

func TestGradRowOps(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 7))
	a := randParam(rng, 0, 2, 3, 5)
	gradCheck(t, "Softmax", []*Tensor{a}, func(tp *Tape, xs []*Tensor) *Tensor { return tp.Softmax(xs[0]) })
	gradCheck(t, "LogSoftmax", []*Tensor{a}, func(tp *Tape, xs []*Tensor) *Tensor { return tp.LogSoftmax(xs[0]) })
	g, b := randParam(rng, 0, 5), randParam(rng, 0, 5)
	gradCheck(t, "LayerNorm", []*Tensor{a, g, b}, func(tp *Tape, xs []*Tensor) *Tensor { return tp.LayerNorm(xs[0], xs[1], xs[2], 1e-5) })
	gradCheck(t, "LayerNorm plain", []*Tensor{a}, func(tp *Tape, xs []*Tensor) *Tensor { return tp.LayerNorm(xs[0], nil, nil, 1e-5) })
}

func TestGradIndexing(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 8))
	a := randParam(rng, 0, 4, 3)
	gradCheck(t, "Gather", []*Tensor{a}, func(tp *Tape, xs []*Tensor) *Tensor { return tp.Gather(xs[0], []int{2, 0, 1, 2}) })
	gradCheck(t, "IndexRows", []*Tensor{a}, func(tp *Tape, xs []*Tensor) *Tensor { return tp.IndexRows(xs[0], []int{3, 1, 3, 0, 3}) })
	b, c := randParam(rng, 0, 4, 2), randParam(rng, 0, 4, 1)
	gradCheck(t, "Concat(1)", []*Tensor{a, b, c}, func(tp *Tape, xs []*Tensor) *Tensor { return tp.Concat(1, xs[0], xs[1], xs[2]) })
	d := randParam(rng, 0, 2, 3)
	gradCheck(t, "Concat(0)", []*Tensor{a, d}, func(tp *Tape, xs []*Tensor) *Tensor { return tp.Concat(0, xs[0], xs[1]) })
	e := randParam(rng, 0, 2, 5, 3)
	gradCheck(t, "Slice", []*Tensor{e}, func(tp *Tape, xs []*Tensor) *Tensor { return tp.Slice(xs[0], 1, 1, 4) })
	gradCheck(t, "Reshape", []*Tensor{e}, func(tp *Tape, xs []*Tensor) *Tensor {
		return tp.Mul(tp.Reshape(xs[0], 3, -1), tp.Reshape(xs[0], 3, 10))
	})
	gradCheck(t, "Transpose", []*Tensor{e}, func(tp *Tape, xs []*Tensor) *Tensor { return tp.Transpose(xs[0]) })
	f := randParam(rng, 0, 2, 3, 4, 5)
	gradCheck(t, "Permute", []*Tensor{f}, func(tp *Tape, xs []*Tensor) *Tensor { return tp.Permute(xs[0], 2, 0, 3, 1) })
	gradCheck(t, "Permute contiguous inner", []*Tensor{f}, func(tp *Tape, xs []*Tensor) *Tensor { return tp.Permute(xs[0], 0, 2, 1, 3) })
}

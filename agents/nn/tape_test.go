package nn

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// Shape errors are reported, not panicked, and stick until Reset.
func TestShapeErrors(t *testing.T) {
	tp := NewTape()
	a, b := NewParam(2, 3), NewParam(4, 5)
	y := tp.MatMul(a, b)
	z := tp.Sum(tp.Tanh(y))
	if tp.Err() == nil || !strings.Contains(tp.Err().Error(), "MatMul") {
		t.Fatalf("Err() = %v, want a MatMul error", tp.Err())
	}
	if err := tp.Backward(z); err == nil {
		t.Fatal("Backward after a shape error returned nil")
	}
	bad := []func(){
		func() { tp.Add(NewParam(2, 3), NewParam(3, 2)) },
		func() { tp.Reshape(NewParam(2, 3), 4, -1) },
		func() { tp.Gather(NewParam(2, 3), []int{0, 3}) },
		func() { tp.IndexRows(NewParam(2, 3), []int{2}) },
		func() { tp.Slice(NewParam(2, 3), 1, 2, 5) },
		func() { tp.Concat(0, NewParam(2, 3), NewParam(2, 2)) },
		func() { tp.Permute(NewParam(2, 3), 0, 0) },
		func() { tp.Linear(NewParam(2, 3), NewParam(4, 5), nil) },
		func() { tp.BatchMatMul(NewParam(2, 3, 4), NewParam(3, 4, 5), false, false) },
		func() { tp.LayerNorm(NewParam(2, 3), NewParam(4), nil, 1e-5) },
		func() { tp.Where(New(2, 3), NewParam(2, 3), NewParam(3, 2)) },
	}
	for i, f := range bad {
		tp.Reset()
		f()
		if tp.Err() == nil {
			t.Errorf("bad call %d reported no error", i)
		}
	}
	tp.Reset()
	if tp.Err() != nil {
		t.Fatal("Reset kept the error")
	}
	if err := tp.Backward(tp.Sum(New(3))); err == nil {
		t.Fatal("Backward of a loss without parameters returned nil")
	}
	if _, err := FromData(make([]float32, 5), 2, 3); err == nil {
		t.Fatal("FromData accepted a wrong length")
	}
	if _, err := NewMLP(rand.New(rand.NewPCG(1, 1)), []int{3}, Tanh, nil); err == nil {
		t.Fatal("NewMLP accepted one size")
	}
	if _, err := NewMultiHeadAttention(rand.New(rand.NewPCG(1, 1)), 10, 3); err == nil {
		t.Fatal("attention accepted a width not divisible by heads")
	}
}

// Forward values of a few ops against direct float64 computation.
func TestOpValues(t *testing.T) {
	tp := NewTape()
	a, _ := FromData([]float32{1, -2, 3, 0.5, 0, -1}, 2, 3)
	b, _ := FromData([]float32{2, 1, 0}, 3)
	check := func(name string, got *Tensor, want ...float64) {
		t.Helper()
		if got.Len() != len(want) {
			t.Fatalf("%s: %d values, want %d", name, got.Len(), len(want))
		}
		for i, w := range want {
			if math.Abs(float64(got.Data[i])-w) > 1e-5*(1+math.Abs(w)) {
				t.Fatalf("%s: %v, want %v", name, got.Data, want)
			}
		}
	}
	check("Add", tp.Add(a, b), 3, -1, 3, 2.5, 1, -1)
	check("Mul", tp.Mul(a, b), 2, -2, 0, 1, 0, 0)
	check("SumAxis0", tp.SumAxis(a, 0), 1.5, -2, 2)
	check("MeanAxis1", tp.MeanAxis(a, 1), 2.0/3, -0.5/3)
	check("Sum", tp.Sum(a), 1.5)
	check("MaxAxis1", tp.MaxAxis(a, 1), 3, 0.5)
	check("MinAxis0", tp.MinAxis(a, 0), 0.5, -2, -1)
	check("Norm", tp.Norm(a), math.Sqrt(1+4+9+0.25+0+1))
	check("Clamp", tp.Clamp(a, -1, 1), 1, -1, 1, 0.5, 0, -1)
	check("Maximum", tp.Maximum(a, b), 2, 1, 3, 2, 1, 0)
	check("Transpose", tp.Transpose(a), 1, 0.5, -2, 0, 3, -1)
	check("Slice", tp.Slice(a, 1, 1, 3), -2, 3, 0, -1)
	check("Concat", tp.Concat(0, a, tp.Reshape(b, 1, 3)), 1, -2, 3, 0.5, 0, -1, 2, 1, 0)
	sm := tp.Softmax(a)
	z := math.Exp(1) + math.Exp(-2) + math.Exp(3)
	check("Softmax row 0", tp.Slice(sm, 0, 0, 1), math.Exp(1)/z, math.Exp(-2)/z, math.Exp(3)/z)
	m, _ := FromData([]float32{2, 3, 4, 5, 6, 7}, 2, 3)
	check("MatMulT", tp.MatMulT(a, m, false, true), 2-6+12, 5-12+21, 1+0-4, 2.5+0-7)
	if tp.Err() != nil {
		t.Fatal(tp.Err())
	}
}

// A training step with fixed shapes allocates nothing after its first run.
func TestTrainingStepAllocatesNothing(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 11))
	actor, _ := NewMLP(rng, []int{4, 64, 64, 2}, Tanh, []float64{math.Sqrt2, math.Sqrt2, 0.01})
	critic, _ := NewMLP(rng, []int{4, 64, 64, 1}, Tanh, nil)
	ps := &Params{}
	actor.Register(ps, "actor")
	critic.Register(ps, "critic")
	obs := New(64, 4)
	obs.FillNormal(rng, 1)
	actions := make([]int, 64)
	for i := range actions {
		actions[i] = i % 2
	}
	oldLogp, adv, ret := New(64), New(64), New(64)
	adv.FillNormal(rng, 1)
	ret.FillNormal(rng, 1)
	opt := &Adam{LR: 3e-4, Eps: 1e-5}
	tape := NewTape()
	step := func() {
		tape.Reset()
		ps.ZeroGrad()
		dist := NewCategorical(tape, actor.Forward(tape, obs))
		logp := dist.LogProb(tape, actions)
		ratio := tape.Exp(tape.Sub(logp, oldLogp))
		pg := tape.Neg(tape.Mean(tape.Minimum(tape.Mul(ratio, adv), tape.Mul(tape.Clamp(ratio, 0.8, 1.2), adv))))
		v := tape.Reshape(critic.Forward(tape, obs), -1)
		vloss := tape.Scale(tape.Mean(tape.Square(tape.Sub(v, ret))), 0.5)
		loss := tape.Sub(tape.Add(pg, vloss), tape.Scale(tape.Mean(dist.Entropy(tape)), 0.01))
		if err := tape.Backward(loss); err != nil {
			t.Fatal(err)
		}
		ClipGradNorm(ps, 0.5)
		opt.LR = 2e-4
		if err := opt.Step(ps); err != nil {
			t.Fatal(err)
		}
	}
	step()
	if n := testing.AllocsPerRun(20, step); n != 0 {
		t.Fatalf("PPO-style training step allocates %g times per run", n)
	}
}

func TestNoGradAndBackwardOnce(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 13))
	net, _ := NewMLP(rng, []int{3, 4, 2}, Tanh, nil)
	x := New(5, 3)
	x.FillNormal(rng, 1)
	tp := NewTape()
	y1 := append([]float32(nil), net.Forward(tp, x).Data...)
	if tp.Len() == 0 {
		t.Fatal("forward through parameters recorded nothing")
	}
	loss := tp.Sum(net.Forward(tp, x))
	if err := tp.Backward(loss); err != nil {
		t.Fatal(err)
	}
	if err := tp.Backward(loss); err == nil {
		t.Fatal("second Backward without Reset accepted")
	}
	tp.Reset()
	tp.NoGrad = true
	y2 := net.Forward(tp, x)
	if tp.Len() != 0 || y2.Grad != nil {
		t.Fatalf("NoGrad tape recorded %d ops (output grad %v)", tp.Len(), y2.Grad != nil)
	}
	for i := range y1 {
		if y1[i] != y2.Data[i] {
			t.Fatalf("NoGrad forward differs at %d: %g vs %g", i, y2.Data[i], y1[i])
		}
	}
}

// Broadcasting forward values against a direct multi-index computation, for random
// compatible shapes of rank up to 4.
func TestBroadcastRandomShapes(t *testing.T) {
	rng := rand.New(rand.NewPCG(14, 14))
	tp := NewTape()
	for trial := 0; trial < 200; trial++ {
		r := 1 + rng.IntN(4)
		out := make([]int, r)
		for i := range out {
			out[i] = 1 + rng.IntN(4)
		}
		shapeOf := func() []int {
			rr := 1 + rng.IntN(r)
			s := append([]int(nil), out[r-rr:]...)
			for i := range s {
				if rng.IntN(3) == 0 {
					s[i] = 1
				}
			}
			return s
		}
		as, bs := shapeOf(), shapeOf()
		a, b := randParam(rng, 0, as...), randParam(rng, 0, bs...)
		tp.Reset()
		y := tp.Sub(a, b)
		if tp.Err() != nil {
			t.Fatalf("%v - %v: %v", as, bs, tp.Err())
		}
		// value at a multi-index of the output, reading each operand with size-1 stretching
		at := func(x *Tensor, idx []int) float32 {
			off := 0
			for d, n := range x.Shape {
				i := idx[len(idx)-len(x.Shape)+d]
				if n == 1 {
					i = 0
				}
				off = off*n + i
			}
			return x.Data[off]
		}
		idx := make([]int, y.Rank())
		for k := 0; k < y.Len(); k++ {
			rem := k
			for d := y.Rank() - 1; d >= 0; d-- {
				idx[d] = rem % y.Shape[d]
				rem /= y.Shape[d]
			}
			if want := at(a, idx) - at(b, idx); y.Data[k] != want {
				t.Fatalf("%v - %v: out%v = %g, want %g", as, bs, idx, y.Data[k], want)
			}
		}
	}
}

// Detach passes values and stops gradients.
func TestDetach(t *testing.T) {
	a := NewParam(3)
	copy(a.Data, []float32{1, 2, 3})
	tp := NewTape()
	// L = Σ a·detach(a): dL/da = detach(a) = a, not 2a.
	loss := tp.Sum(tp.Mul(a, tp.Detach(a)))
	if err := tp.Backward(loss); err != nil {
		t.Fatal(err)
	}
	for i, g := range a.Grad {
		if g != a.Data[i] {
			t.Fatalf("grad %v, want %v", a.Grad, a.Data)
		}
	}
}

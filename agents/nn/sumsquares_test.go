package nn

import (
	"math/rand/v2"
	"testing"
)

// SumSquares equals SumAxis(Square(a), -1) bit for bit, forward and backward, and
// SumAxis over the last axis keeps the sequential order of additions (equal to summing
// each row in a loop), as does its backward pass.
func TestSumSquaresMatchesSquareSum(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, shape := range [][]int{{7}, {5, 33}, {4, 3, 1024}} {
		a := NewParam(shape...)
		for i := range a.Data {
			a.Data[i] = float32(rng.NormFloat64())
		}
		w := New(shapeSize(shape[:len(shape)-1]))
		for i := range w.Data {
			w.Data[i] = float32(rng.NormFloat64())
		}
		run := func(fused bool) (out, grad []float32) {
			clear(a.Grad)
			tp := NewTape()
			var y *Tensor
			if fused {
				y = tp.SumSquares(a)
			} else {
				y = tp.SumAxis(tp.Square(a), -1)
			}
			loss := tp.Sum(tp.Mul(tp.Reshape(y, w.Shape...), w))
			if err := tp.Backward(loss); err != nil {
				t.Fatal(err)
			}
			return append([]float32(nil), y.Data...), append([]float32(nil), a.Grad...)
		}
		y0, g0 := run(false)
		y1, g1 := run(true)
		n := shape[len(shape)-1]
		for o := range y0 {
			var s float32
			for _, v := range a.Data[o*n : (o+1)*n] {
				s += float32(v * v)
			}
			if y0[o] != s || y1[o] != s {
				t.Fatalf("shape %v row %d: SumAxis(Square) %v, SumSquares %v, loop %v", shape, o, y0[o], y1[o], s)
			}
		}
		for i := range g0 {
			if want := 2 * w.Data[i/n] * a.Data[i]; g0[i] != g1[i] || g1[i] != want {
				t.Fatalf("shape %v grad %d: unfused %v, fused %v, want %v", shape, i, g0[i], g1[i], want)
			}
		}
	}
}

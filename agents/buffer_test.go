package agents

import (
	"math"
	"testing"
)

// TestGAEHandComputed checks GAE on 3 steps x 2 envs against values worked out by hand:
// env 0 terminates at t=1 and continues; env 1 is truncated at t=0 (bootstrapping from
// the final observation's value) and runs on to the rollout's end.
func TestGAEHandComputed(t *testing.T) {
	r := NewRollout(3, 2, 1, 1)
	// index t*2 + i
	r.Rewards = []float32{1, 2, 1, 0.5, 1, 1}
	r.Values = []float32{0.5, 1, 0.25, 2, 3, 0.75}
	r.Terminated[1*2+0] = true
	r.Truncated[0*2+1] = true
	r.TruncValues[0*2+1] = 4
	r.LastValues = []float32{10, 6}
	g, l := 0.5, 0.5
	r.GAE(g, l)

	// env 0: t=2: delta = 1 + 0.5*10 - 3 = 3; A2 = 3
	//        t=1: terminated: delta = 1 + 0 - 0.25 = 0.75; A1 = 0.75 (no carry over the end)
	//        t=0: delta = 1 + 0.5*0.25 - 0.5 = 0.625; A0 = 0.625 + 0.25*0.75 = 0.8125
	// env 1: t=2: delta = 1 + 0.5*6 - 0.75 = 3.25; A2 = 3.25
	//        t=1: delta = 0.5 + 0.5*0.75 - 2 = -1.125; A1 = -1.125 + 0.25*3.25 = -0.3125
	//        t=0: truncated: delta = 2 + 0.5*4 - 1 = 3; A0 = 3
	want := []float64{0.8125, 3, 0.75, -0.3125, 3, 3.25}
	for k, w := range want {
		if math.Abs(float64(r.Advantages[k])-w) > 1e-6 {
			t.Errorf("advantage[%d] = %v, want %v", k, r.Advantages[k], w)
		}
		if ret := float64(r.Values[k]) + w; math.Abs(float64(r.Returns[k])-ret) > 1e-6 {
			t.Errorf("return[%d] = %v, want %v", k, r.Returns[k], ret)
		}
	}
}

// TestGAELambdaOneIsDiscountedReturn checks that with lambda = 1 and no episode end the
// returns are the discounted reward sums bootstrapped from the last value.
func TestGAELambdaOneIsDiscountedReturn(t *testing.T) {
	r := NewRollout(4, 1, 1, 1)
	r.Rewards = []float32{1, 2, 3, 4}
	r.Values = []float32{7, -1, 0.5, 2}
	r.LastValues = []float32{5}
	r.GAE(0.9, 1)
	g := 0.9
	for t0 := 0; t0 < 4; t0++ {
		ret, d := 0.0, 1.0
		for k := t0; k < 4; k++ {
			ret += d * float64(r.Rewards[k])
			d *= g
		}
		ret += d * 5
		if math.Abs(float64(r.Returns[t0])-ret) > 1e-5 {
			t.Errorf("return[%d] = %v, want %v", t0, r.Returns[t0], ret)
		}
	}
}

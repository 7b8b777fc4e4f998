package lpg

import (
	"math"
	"testing"

	"gorl/agents/nn"
	"gorl/env"
)

// The golden test recomputes a rule's outputs in float64 from the equations of LPG
// (Oh et al. 2020) with TA-LPG's extra inputs (Jackson et al. 2024), written out here
// independently of rule.go and gru.go, and compares them with gorl's to 1e-6.

// dense is x W + b for W stored [in, out] row major.
func dense(x []float64, w, b *nn.Tensor) []float64 {
	in, out := w.Shape[0], w.Shape[1]
	y := make([]float64, out)
	for j := range out {
		if b != nil {
			y[j] = float64(b.Data[j])
		}
		for i := range in {
			y[j] += x[i] * float64(w.Data[i*out+j])
		}
	}
	return y
}

func relu64(x []float64) []float64 {
	y := make([]float64, len(x))
	for i, v := range x {
		y[i] = math.Max(v, 0)
	}
	return y
}

func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// features is the rule's per-step input x_t = [r, d, pi, e(y_t), (1 - d) e(y_{t+1}),
// n/N, log N] (the last two for TA-LPG only), e(y) = Dense(relu(Dense(y))).
func features(r *Rule, in *Inputs, k int) []float64 {
	b := r.Config.Bins
	e := func(y []float32) float64 {
		v := make([]float64, b)
		for i := range v {
			v[i] = float64(y[i])
		}
		return dense(relu64(dense(v, r.Embed1.W, r.Embed1.B)), r.Embed2.W, r.Embed2.B)[0]
	}
	d := float64(in.Done.Data[k])
	x := []float64{float64(in.Reward.Data[k]), d, float64(in.Pi.Data[k]),
		e(in.Y.Data[k*b : (k+1)*b]), (1 - d) * e(in.YNext.Data[k*b:(k+1)*b])}
	if r.Config.Temporal {
		x = append(x, float64(in.Progress), float64(in.LogLifetime))
	}
	return x
}

// gruStep is Flax's GRUCell: r, z gates, n = tanh(x Wi_n + bi_n + r (h Wh_n + bh_n)),
// h' = (1 - z) n + z h.
func gruStep(g *GRU, x, h []float64) []float64 {
	H := len(h)
	gi, gh := dense(x, g.Wi, g.Bi), dense(h, g.Wh, g.Bh)
	out := make([]float64, H)
	for j := range H {
		rg := sigmoid(gi[j] + gh[j])
		zg := sigmoid(gi[H+j] + gh[H+j])
		n := math.Tanh(gi[2*H+j] + rg*gh[2*H+j])
		out[j] = (1-zg)*n + zg*h[j]
	}
	return out
}

// applyRef runs the reverse-time recurrence, h_T = 0, h_t = GRU(x_t, (1 - d_t) h_{t+1}),
// and the heads pi_hat = Dense(relu(h)), y_hat logits = Dense(relu(h)).
func applyRef(r *Rule, in *Inputs) (piHat []float64, yLogits [][]float64) {
	T, E, H := in.Steps, in.Envs, r.Config.Hidden
	piHat, yLogits = make([]float64, T*E), make([][]float64, T*E)
	for i := range E {
		h := make([]float64, H)
		for s := T - 1; s >= 0; s-- {
			k := s*E + i
			keep := 1 - float64(in.Done.Data[k])
			for j := range h {
				h[j] *= keep
			}
			h = gruStep(r.Cell, features(r, in, k), h)
			a := relu64(h)
			piHat[k] = dense(a, r.PiHead.W, r.PiHead.B)[0]
			yLogits[k] = dense(a, r.YHead.W, r.YHead.B)
		}
	}
	return piHat, yLogits
}

func TestRuleFeaturesGolden(t *testing.T) {
	// The hand-written feature vector of one step: r = 0.5, d = 1, pi = 0.25: the next
	// state's embedding is masked to 0; n/N and log N come last.
	{
		r, _ := NewRule(env.NewRand(1), RuleConfig{Temporal: true, Bins: 2, Embed: 1, Hidden: 2})
		in := r.NewInputs(1, 1)
		in.Reward.Data[0], in.Done.Data[0], in.Pi.Data[0] = 0.5, 1, 0.25
		in.Y.Data[0], in.Y.Data[1], in.YNext.Data[0], in.YNext.Data[1] = 1, 0, 0, 1
		in.Progress, in.LogLifetime = 0.3, float32(math.Log(50))
		r.Embed1.W.Data[0], r.Embed1.W.Data[1], r.Embed1.B.Data[0] = 2, -1, 0.5 // e1(y) = relu(2 y0 - y1 + 0.5)
		r.Embed2.W.Data[0], r.Embed2.B.Data[0] = 3, -0.25                       // e(y) = 3 e1 - 0.25
		want := []float64{0.5, 1, 0.25, 3*2.5 - 0.25, 0, 0.3, math.Log(50)}
		got := features(r, in, 0)
		for i := range want {
			if math.Abs(got[i]-float64(float32(want[i]))) > 1e-6 {
				t.Fatalf("feature %d: %v, want %v", i, got[i], want[i])
			}
		}
	}
	for _, temporal := range []bool{false, true} {
		r, err := NewRule(env.NewRand(21), RuleConfig{Temporal: temporal, Bins: 4, Embed: 5, Hidden: 6})
		if err != nil {
			t.Fatal(err)
		}
		// Every parameter random, biases included, so each input reaches the outputs.
		rng := env.NewRand(22)
		x := make([]float64, r.Dim())
		for i := range x {
			x[i] = 0.6 * rng.NormFloat64()
		}
		if err := r.SetVector(x); err != nil {
			t.Fatal(err)
		}
		done := []bool{false, false, true, false, false, true, false, false}
		in := testInputs(env.NewRand(23), r, 4, 2, done)
		in.Progress, in.LogLifetime = 0.2, float32(math.Log(40))
		tp := nn.NewTape()
		tp.NoGrad = true
		piHat, yLogits, err := r.Apply(tp, in)
		if err != nil {
			t.Fatal(err)
		}
		wantPi, wantY := applyRef(r, in)
		b := r.Config.Bins
		for k := range wantPi {
			if math.Abs(float64(piHat.Data[k])-wantPi[k]) > 1e-6 {
				t.Fatalf("%s step %d: pi_hat %v, want %v", r.Config.Name(), k, piHat.Data[k], wantPi[k])
			}
			for j := range b {
				if got := float64(yLogits.Data[k*b+j]); math.Abs(got-wantY[k][j]) > 1e-6 {
					t.Fatalf("%s step %d: y_hat logit %d = %v, want %v", r.Config.Name(), k, j, got, wantY[k][j])
				}
			}
		}
	}
}

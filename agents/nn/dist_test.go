package nn

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestCategorical(t *testing.T) {
	logits, _ := FromData([]float32{1, 2, 0.5, -1, 0, 3}, 2, 3)
	tp := NewTape()
	c := NewCategorical(tp, logits)
	lp := c.LogProb(tp, []int{1, 2})
	ent := c.Entropy(tp)
	for r := 0; r < 2; r++ {
		row := logits.Data[r*3 : r*3+3]
		var z float64
		for _, v := range row {
			z += math.Exp(float64(v))
		}
		var h float64
		for _, v := range row {
			p := math.Exp(float64(v)) / z
			h -= p * math.Log(p)
		}
		a := []int{1, 2}[r]
		wantLP := float64(row[a]) - math.Log(z)
		if math.Abs(float64(lp.Data[r])-wantLP) > 1e-6 || math.Abs(float64(ent.Data[r])-h) > 1e-6 {
			t.Fatalf("row %d: log-prob %g (want %g), entropy %g (want %g)", r, lp.Data[r], wantLP, ent.Data[r], h)
		}
	}
	// Sample frequencies match the probabilities (4σ binomial bound).
	rng := rand.New(rand.NewPCG(8, 8))
	counts := make([]int, 3)
	var dst []int
	const n = 20000
	for range n {
		dst = c.Sample(rng, dst)
		counts[dst[0]]++
	}
	for k, cnt := range counts {
		p := math.Exp(float64(c.LogProbs.Data[k]))
		if math.Abs(float64(cnt)/n-p) > 4*math.Sqrt(p*(1-p)/n) {
			t.Fatalf("class %d sampled %d/%d times, probability %g", k, cnt, n, p)
		}
	}
	if m := c.Mode(nil); m[0] != 1 || m[1] != 2 {
		t.Fatalf("mode %v, want [1 2]", m)
	}
	rngG := rand.New(rand.NewPCG(8, 9))
	lg := randParam(rngG, 0, 4, 5)
	gradCheck(t, "Categorical", []*Tensor{lg}, func(tp *Tape, xs []*Tensor) *Tensor {
		c := NewCategorical(tp, xs[0])
		return tp.Add(c.LogProb(tp, []int{0, 4, 2, 2}), c.Entropy(tp))
	})
}

func gaussLogProb(x, mu, ls float64) float64 {
	z := (x - mu) / math.Exp(ls)
	return -0.5*z*z - ls - 0.5*math.Log(2*math.Pi)
}

func TestDiagGaussian(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	B, A := 3, 2
	mean, ls, x := randParam(rng, 0, B, A), randParam(rng, 0, A), randParam(rng, 0, B, A)
	tp := NewTape()
	d := DiagGaussian{Mean: mean, LogStd: ls}
	lp := d.LogProb(tp, x)
	ent := d.Entropy(tp)
	if lp.Len() != B || ent.Len() != B {
		t.Fatalf("shapes: log-prob %v, entropy %v, want [%d]", lp.Shape, ent.Shape, B)
	}
	for b := 0; b < B; b++ {
		var want, h float64
		for j := 0; j < A; j++ {
			want += gaussLogProb(float64(x.Data[b*A+j]), float64(mean.Data[b*A+j]), float64(ls.Data[j]))
			h += float64(ls.Data[j]) + 0.5 + 0.5*math.Log(2*math.Pi)
		}
		if math.Abs(float64(lp.Data[b])-want) > 1e-5 || math.Abs(float64(ent.Data[b])-h) > 1e-5 {
			t.Fatalf("row %d: log-prob %g want %g, entropy %g want %g", b, lp.Data[b], want, ent.Data[b], h)
		}
	}
	gradCheck(t, "DiagGaussian", []*Tensor{mean, ls, x}, func(tp *Tape, xs []*Tensor) *Tensor {
		d := DiagGaussian{Mean: xs[0], LogStd: xs[1]}
		return tp.Add(d.LogProb(tp, xs[2]), d.Entropy(tp))
	})
	lsFull := randParam(rng, 0, B, A)
	gradCheck(t, "DiagGaussian per-row std", []*Tensor{mean, lsFull, x}, func(tp *Tape, xs []*Tensor) *Tensor {
		d := DiagGaussian{Mean: xs[0], LogStd: xs[1]}
		return tp.Add(d.LogProb(tp, xs[2]), d.Entropy(tp))
	})
	// Sample moments.
	m1, _ := FromData([]float32{0.5, -1}, 1, 2)
	l1, _ := FromData([]float32{float32(math.Log(2)), float32(math.Log(0.5))}, 2)
	g := DiagGaussian{Mean: m1, LogStd: l1}
	var s, s2 [2]float64
	var buf []float32
	const n = 20000
	for range n {
		buf = g.Sample(rng, buf)
		for j := range 2 {
			s[j] += float64(buf[j])
			s2[j] += float64(buf[j]) * float64(buf[j])
		}
	}
	for j, sd := range []float64{2, 0.5} {
		mu := s[j] / n
		v := s2[j]/n - mu*mu
		if math.Abs(mu-float64(m1.Data[j])) > 4*sd/math.Sqrt(n) || math.Abs(math.Sqrt(v)-sd) > 0.03*sd {
			t.Fatalf("dim %d: sample mean %g sd %g, want %g, %g", j, mu, math.Sqrt(v), m1.Data[j], sd)
		}
	}
	eps := randParam(rng, 0, B, A)
	gradCheck(t, "DiagGaussian.RSample", []*Tensor{mean, ls}, func(tp *Tape, xs []*Tensor) *Tensor {
		return DiagGaussian{Mean: xs[0], LogStd: xs[1]}.RSample(tp, eps)
	})
}

func TestTanhGaussian(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 10))
	B, A := 2, 3
	mean, ls := randParam(rng, 0, B, A), randParam(rng, 0, A)
	u := New(B, A)
	for i := range u.Data {
		u.Data[i] = float32(3 * (rng.Float64()*2 - 1)) // includes saturated values
	}
	tp := NewTape()
	d := TanhGaussian{Mean: mean, LogStd: ls}
	lp := d.LogProb(tp, u)
	for b := 0; b < B; b++ {
		var want float64
		for j := 0; j < A; j++ {
			uv := float64(u.Data[b*A+j])
			th := math.Tanh(uv)
			want += gaussLogProb(uv, float64(mean.Data[b*A+j]), float64(ls.Data[j])) - math.Log(1-th*th)
		}
		if math.Abs(float64(lp.Data[b])-want) > 1e-4 {
			t.Fatalf("row %d: log-prob %g, want %g", b, lp.Data[b], want)
		}
	}
	ur := randParam(rng, 0, B, A)
	gradCheck(t, "TanhGaussian", []*Tensor{mean, ls, ur}, func(tp *Tape, xs []*Tensor) *Tensor {
		return TanhGaussian{Mean: xs[0], LogStd: xs[1]}.LogProb(tp, xs[2])
	})
	eps := randParam(rng, 0, B, A)
	gradCheck(t, "TanhGaussian.RSample", []*Tensor{mean, ls}, func(tp *Tape, xs []*Tensor) *Tensor {
		_, a := TanhGaussian{Mean: xs[0], LogStd: xs[1]}.RSample(tp, eps)
		return a
	})
	us, as := d.Sample(rng, nil, nil)
	for i := range us {
		if math.Abs(float64(as[i])-math.Tanh(float64(us[i]))) > 1e-6 || math.Abs(float64(as[i])) >= 1 {
			t.Fatalf("sample %d: a=%g, tanh(u)=%g", i, as[i], math.Tanh(float64(us[i])))
		}
	}
}

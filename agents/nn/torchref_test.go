package nn

import (
	"math"
	"testing"
)

// Three training steps of a [3,5,2] tanh MLP (MSE, global-norm clipping at 0.5, Adam lr
// 0.01 eps 1e-5) from fixed weights reproduce PyTorch 1.13's losses and final weights.
// The reference came from the same steps written with torch tensors (weights [in, out]).
func TestTrainingStepMatchesPyTorch(t *testing.T) {
	val := func(i int, s float64) float32 { return float32(math.Sin(1.3*float64(i)+s) * 0.5) }
	sizes := []int{3, 5, 2}
	net := &MLP{Act: Tanh}
	for l := 0; l < 2; l++ {
		in, out := sizes[l], sizes[l+1]
		lin := &Linear{W: NewParam(in, out), B: NewParam(out)}
		for r := 0; r < in; r++ {
			for c := 0; c < out; c++ {
				lin.W.Data[r*out+c] = val(r*out+c, float64(l))
			}
		}
		for c := 0; c < out; c++ {
			lin.B.Data[c] = val(c, float64(l+10))
		}
		net.Layers = append(net.Layers, lin)
	}
	x, y := New(4, 3), New(4, 2)
	for i := range x.Data {
		x.Data[i] = 2 * val(i, 20)
	}
	for i := range y.Data {
		y.Data[i] = val(i, 30)
	}
	ps := &Params{}
	net.Register(ps, "net")
	opt := &Adam{LR: 0.01, Eps: 1e-5}
	tape := NewTape()
	wantLoss := []float64{0.2500268518924713, 0.22019892930984497, 0.19232971966266632}
	for s := range 3 {
		tape.Reset()
		ps.ZeroGrad()
		loss := tape.Mean(tape.Square(tape.Sub(net.Forward(tape, x), y)))
		if err := tape.Backward(loss); err != nil {
			t.Fatal(err)
		}
		ClipGradNorm(ps, 0.5)
		if err := opt.Step(ps); err != nil {
			t.Fatal(err)
		}
		if math.Abs(float64(loss.Item())-wantLoss[s]) > 1e-6 {
			t.Fatalf("step %d: loss %.9g, PyTorch %.9g", s, loss.Item(), wantLoss[s])
		}
	}
	want := map[string][]float64{
		"net.0.w": {-0.030005987733602524, 0.5117816925048828, 0.22774146497249603, -0.3738872706890106, -0.4117070436477661, 0.1375727504491806, 0.4692743420600891, 0.18953970074653625, -0.4438435733318329, -0.4110247790813446, 0.24009402096271515, 0.4633842408657074, 0.08387821912765503, -0.43454214930534363, -0.33244380354881287},
		"net.0.b": {-0.24201743304729462, -0.5070039629936218, 0.046790849417448044, 0.5160201191902161, 0.21320882439613342},
		"net.1.w": {0.3912298083305359, 0.40167829394340515, -0.25128915905952454, -0.46142515540122986, -0.044579945504665375, 0.4990309178829193, 0.32247471809387207, -0.34243056178092957, -0.4300546944141388, 0.03657912835478783},
		"net.1.b": {-0.46999841928482056, -0.10162050276994705},
	}
	for name, w := range want {
		got := ps.Get(name).Data
		for i := range w {
			if math.Abs(float64(got[i])-w[i]) > 2e-6 {
				t.Fatalf("%s[%d] = %.9g, PyTorch %.9g", name, i, got[i], w[i])
			}
		}
	}
}

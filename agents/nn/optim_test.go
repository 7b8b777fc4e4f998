package nn

import (
	"bytes"
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"
)

// Reference trajectories from torch.optim (PyTorch 1.13, float32) for the parameter
// [1, −2, 0.5] and the gradient sequence below. By hand, Adam's first step is
// m̂ = g, v̂ = g², so θ₁ = θ₀ − lr·g/(|g|+eps) = θ₀ − 0.1·sign(g): [0.9, −1.9, 0.4].
var (
	refGrads = [][]float32{{0.5, -1.0, 2.0}, {0.1, 0.3, -0.2}, {-0.7, 0.05, 1.5}, {0.2, 0.2, 0.2}}
	refAdam  = [][]float32{
		{0.9000000357627869, -1.899999976158142, 0.4000000059604645},
		{0.8196959495544434, -1.857215166091919, 0.34073513746261597},
		{0.8348226547241211, -1.8272390365600586, 0.2658020257949829},
		{0.833808422088623, -1.814060091972351, 0.19999127089977264}}
	refAdamEpsWD = [][]float32{ // lr 0.05, betas (0.8, 0.99), eps 1e-3, weight_decay 0.1
		{0.9500831961631775, -1.950041651725769, 0.4500243663787842},
		{0.9080613851547241, -1.9221220016479492, 0.421597421169281},
		{0.9108556509017944, -1.8978625535964966, 0.3838656544685364},
		{0.9022198915481567, -1.8795843124389648, 0.3519739508628845}}
	refAdamW = [][]float32{ // torch.optim.AdamW lr 0.05, weight_decay 0.1
		{0.9449999928474426, -1.940000057220459, 0.4475000202655792},
		{0.9001229405403137, -1.9089076519012451, 0.4156301021575928},
		{0.9031856656074524, -1.8843750953674316, 0.37608540058135986},
		{0.8981626033782959, -1.868363857269287, 0.3412995934486389}}
	refSGD = [][]float32{ // lr 0.1, momentum 0.9
		{0.949999988079071, -1.899999976158142, 0.30000001192092896},
		{0.8949999809265137, -1.840000033378601, 0.14000001549720764},
		{0.9154999852180481, -1.7910000085830688, -0.15399996936321259},
		{0.9139499664306641, -1.7669000625610352, -0.43859994411468506}}
	refNesterov = [][]float32{ // lr 0.1, momentum 0.9, nesterov, weight_decay 0.01
		{0.9031000137329102, -1.8062000274658203, 0.11904997378587723},
		{0.8410741090774536, -1.7771482467651367, -0.005581230390816927},
		{0.9264655709266663, -1.7317506074905396, -0.4206315577030182},
		{0.9013145565986633, -1.722701907157898, -0.6963827013969421}}
)

type stepper interface{ Step(*Params) error }

func checkTrajectory(t *testing.T, name string, opt stepper, want [][]float32) {
	t.Helper()
	p := NewParam(3)
	copy(p.Data, []float32{1, -2, 0.5})
	ps := &Params{}
	ps.Add("p", p)
	for s, g := range refGrads {
		copy(p.Grad, g)
		if err := opt.Step(ps); err != nil {
			t.Fatal(err)
		}
		for i := range p.Data {
			if math.Abs(float64(p.Data[i]-want[s][i])) > 2e-6 {
				t.Fatalf("%s step %d: θ = %v, PyTorch %v", name, s+1, p.Data, want[s])
			}
		}
	}
}

func TestOptimisersMatchPyTorch(t *testing.T) {
	checkTrajectory(t, "Adam", &Adam{LR: 0.1}, refAdam)
	checkTrajectory(t, "Adam eps+wd", &Adam{LR: 0.05, Beta1: 0.8, Beta2: 0.99, Eps: 1e-3, WeightDecay: 0.1}, refAdamEpsWD)
	checkTrajectory(t, "AdamW", &Adam{LR: 0.05, WeightDecay: 0.1, Decoupled: true}, refAdamW)
	checkTrajectory(t, "SGD momentum", &SGD{LR: 0.1, Momentum: 0.9}, refSGD)
	checkTrajectory(t, "SGD Nesterov", &SGD{LR: 0.1, Momentum: 0.9, Nesterov: true, WeightDecay: 0.01}, refNesterov)
}

// The vectorised Adam path (tensors of ≥ 8 elements) matches the scalar one.
func TestAdamVectorMatchesScalar(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	n := 37
	p1, g := randSlice(rng, n), randSlice(rng, n)
	p2 := append([]float32(nil), p1...)
	m1, v1, m2, v2 := make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
	for s := 0; s < 5; s++ {
		adamVec(p1, g, m1, v1, 0.9, 0.999, 1e-8, 0.01, 1.3)
		adamUpdate(p2, g, m2, v2, 0.9, 0.999, 1e-8, 0.01, 1.3, 0.01, 0, false)
	}
	for i := range p1 {
		if math.Abs(float64(p1[i]-p2[i])) > 1e-6 {
			t.Fatalf("element %d: vector %g, scalar %g", i, p1[i], p2[i])
		}
	}
}

func TestAdamStateRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	mk := func() (*MLP, *Params) {
		net, _ := NewMLP(rand.New(rand.NewPCG(1, 1)), []int{3, 8, 2}, Tanh, nil)
		ps := &Params{}
		net.Register(ps, "n")
		return net, ps
	}
	netA, psA := mk()
	netB, psB := mk()
	x := New(4, 3)
	x.FillNormal(rng, 1)
	optA := &Adam{LR: 0.01}
	tape := NewTape()
	step := func(net *MLP, ps *Params, opt *Adam) {
		tape.Reset()
		ps.ZeroGrad()
		if err := tape.Backward(tape.Sum(tape.Square(net.Forward(tape, x)))); err != nil {
			t.Fatal(err)
		}
		if err := opt.Step(ps); err != nil {
			t.Fatal(err)
		}
	}
	for range 3 {
		step(netA, psA, optA)
	}
	state, err := optA.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if err := psB.CopyFrom(psA); err != nil {
		t.Fatal(err)
	}
	optB := &Adam{LR: 0.01}
	if err := optB.UnmarshalBinary(state); err != nil {
		t.Fatal(err)
	}
	if optB.Steps() != 3 {
		t.Fatalf("restored steps %d, want 3", optB.Steps())
	}
	for range 2 {
		step(netA, psA, optA)
		step(netB, psB, optB)
	}
	for i, a := range psA.Tensors() {
		for j, v := range a.Data {
			if v != psB.Tensors()[i].Data[j] {
				t.Fatalf("resumed training diverged at tensor %d element %d", i, j)
			}
		}
	}
	state[len(state)/2] ^= 1
	if err := optB.UnmarshalBinary(state); err == nil {
		t.Fatal("corrupt optimiser state accepted")
	}
	sgd := &SGD{LR: 0.1, Momentum: 0.9}
	_ = sgd.Step(psA)
	sb, _ := sgd.MarshalBinary()
	sgd2 := &SGD{LR: 0.1, Momentum: 0.9}
	if err := sgd2.UnmarshalBinary(sb); err != nil || len(sgd2.buf) != psA.Len() {
		t.Fatalf("SGD state round trip: %v", err)
	}
}

func TestClipGradNorm(t *testing.T) {
	a, b := NewParam(2), NewParam(1)
	ps := &Params{}
	ps.Add("a", a)
	ps.Add("b", b)
	copy(a.Grad, []float32{3, 0})
	b.Grad[0] = 4
	if n := ClipGradNorm(ps, 10); math.Abs(n-5) > 1e-6 || a.Grad[0] != 3 {
		t.Fatalf("below the limit: norm %g, grads %v %v changed", n, a.Grad, b.Grad)
	}
	if n := ClipGradNorm(ps, 1); math.Abs(n-5) > 1e-6 {
		t.Fatalf("returned norm %g, want 5", n)
	}
	if n := ps.GradNorm(); math.Abs(n-1) > 1e-5 {
		t.Fatalf("norm after clipping %g, want 1", n)
	}
	if math.Abs(float64(a.Grad[0])-0.6) > 1e-6 || math.Abs(float64(b.Grad[0])-0.8) > 1e-6 {
		t.Fatalf("direction changed: %v %v", a.Grad, b.Grad)
	}
}

func TestLinearSchedule(t *testing.T) {
	s := LinearSchedule{Start: 3e-4, End: 0, Steps: 100}
	for _, c := range []struct {
		step int
		want float64
	}{{0, 3e-4}, {50, 1.5e-4}, {99, 3e-6}, {100, 0}, {500, 0}, {-3, 3e-4}} {
		if got := s.At(c.step); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("At(%d) = %g, want %g", c.step, got, c.want)
		}
	}
}

func TestOrthogonalInit(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	for _, sh := range [][2]int{{64, 64}, {17, 256}, {256, 6}, {1, 5}} {
		w := New(sh[0], sh[1])
		gain := 1.7
		Orthogonal(gain)(rng, w)
		r, c := sh[0], sh[1]
		// The smaller Gram matrix (WᵀW if tall, WWᵀ if wide) must be gain²·I.
		tall := r >= c
		d := min(r, c)
		for i := 0; i < d; i++ {
			for j := 0; j < d; j++ {
				var s float64
				for k := 0; k < max(r, c); k++ {
					if tall {
						s += float64(w.Data[k*c+i]) * float64(w.Data[k*c+j])
					} else {
						s += float64(w.Data[i*c+k]) * float64(w.Data[j*c+k])
					}
				}
				want := 0.0
				if i == j {
					want = gain * gain
				}
				if math.Abs(s-want) > 1e-5 {
					t.Fatalf("%v: Gram[%d,%d] = %g, want %g", sh, i, j, s, want)
				}
			}
		}
	}
	// Different draws differ (the init is random, not a fixed rotation).
	w1, w2 := New(8, 8), New(8, 8)
	Orthogonal(1)(rng, w1)
	Orthogonal(1)(rng, w2)
	if w1.Data[0] == w2.Data[0] && w1.Data[9] == w2.Data[9] {
		t.Fatal("two orthogonal draws are identical")
	}
}

func TestInitScales(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 5))
	w := New(400, 300)
	std := func() float64 {
		var s float64
		for _, v := range w.Data {
			s += float64(v) * float64(v)
		}
		return math.Sqrt(s / float64(w.Len()))
	}
	cases := []struct {
		name string
		init Init
		want float64
	}{
		{"XavierUniform", XavierUniform(1), math.Sqrt(2.0 / 700)},
		{"XavierNormal", XavierNormal(2), 2 * math.Sqrt(2.0/700)},
		{"KaimingUniform", KaimingUniform(math.Sqrt2), math.Sqrt(2.0 / 400)},
		{"KaimingNormal", KaimingNormal(math.Sqrt2), math.Sqrt(2.0 / 400)},
		{"Zeros", Zeros(), 0},
	}
	for _, c := range cases {
		c.init(rng, w)
		if got := std(); math.Abs(got-c.want) > 0.02*c.want+1e-12 {
			t.Errorf("%s: std %g, want %g", c.name, got, c.want)
		}
	}
}

func TestCheckpointRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	mk := func(seed uint64) *Params {
		net, _ := NewMLP(rand.New(rand.NewPCG(seed, 0)), []int{3, 5, 2}, Tanh, nil)
		ps := &Params{}
		net.Register(ps, "actor")
		ln := NewLayerNorm(2)
		ln.Register(ps, "ln")
		return ps
	}
	src := mk(1)
	src.Get("ln.bias").FillNormal(rng, 1)
	path := filepath.Join(t.TempDir(), "model.bin")
	if err := src.Save(path); err != nil {
		t.Fatal(err)
	}
	dst := mk(2)
	if err := dst.Load(path); err != nil {
		t.Fatal(err)
	}
	for i, ts := range src.Tensors() {
		for j, v := range ts.Data {
			if dst.Tensors()[i].Data[j] != v {
				t.Fatalf("tensor %s element %d: loaded %g, saved %g", src.Names()[i], j, dst.Tensors()[i].Data[j], v)
			}
		}
	}
	// Corruption, wrong shapes and wrong names are errors that leave the model unchanged.
	var buf bytes.Buffer
	if _, err := src.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	good := buf.Bytes()
	bad := append([]byte(nil), good...)
	bad[len(bad)/2] ^= 0x40
	before := dst.Tensors()[0].Data[0]
	if _, err := dst.ReadFrom(bytes.NewReader(bad)); err == nil {
		t.Fatal("corrupt checkpoint accepted")
	}
	if _, err := dst.ReadFrom(bytes.NewReader(good[:len(good)-9])); err == nil {
		t.Fatal("truncated checkpoint accepted")
	}
	other := &Params{}
	net, _ := NewMLP(rng, []int{3, 6, 2}, Tanh, nil)
	net.Register(other, "actor")
	NewLayerNorm(2).Register(other, "ln")
	if _, err := other.ReadFrom(bytes.NewReader(good)); err == nil {
		t.Fatal("checkpoint with other shapes accepted")
	}
	renamed := &Params{}
	net2, _ := NewMLP(rng, []int{3, 5, 2}, Tanh, nil)
	net2.Register(renamed, "critic")
	NewLayerNorm(2).Register(renamed, "ln")
	if _, err := renamed.ReadFrom(bytes.NewReader(good)); err == nil {
		t.Fatal("checkpoint with other names accepted")
	}
	if dst.Tensors()[0].Data[0] != before {
		t.Fatal("failed load modified the model")
	}
	dup := &Params{}
	dup.Add("w", NewParam(1))
	dup.Add("w", NewParam(1))
	if err := dup.Save(filepath.Join(t.TempDir(), "dup.bin")); err == nil {
		t.Fatal("saving two tensors under one name succeeded")
	}
	if err := dst.Load(filepath.Join(t.TempDir(), "missing.bin")); err == nil {
		t.Fatal("missing file accepted")
	}
}

func TestCopyAndSoftUpdate(t *testing.T) {
	a, b := NewParam(2), NewParam(2)
	copy(a.Data, []float32{1, 2})
	copy(b.Data, []float32{3, 6})
	pa, pb := &Params{}, &Params{}
	pa.Add("w", a)
	pb.Add("w", b)
	if err := pa.SoftUpdate(pb, 0.25); err != nil {
		t.Fatal(err)
	}
	if a.Data[0] != 1.5 || a.Data[1] != 3 {
		t.Fatalf("soft update: %v, want [1.5 3]", a.Data)
	}
	if err := pa.CopyFrom(pb); err != nil || a.Data[1] != 6 {
		t.Fatalf("copy: %v %v", a.Data, err)
	}
	pc := &Params{}
	pc.Add("w", NewParam(3))
	if err := pa.CopyFrom(pc); err == nil {
		t.Fatal("copy between different shapes accepted")
	}
}

func TestFlatten(t *testing.T) {
	a, b := NewParam(2, 2), NewParam(3)
	ps := &Params{}
	ps.Add("a", a)
	ps.Add("b", b)
	for i := range a.Data {
		a.Data[i] = float32(i)
		a.Grad[i] = float32(-i)
	}
	for i := range b.Data {
		b.Data[i] = float32(10 + i)
	}
	flat := ps.Flatten(nil)
	want := []float32{0, 1, 2, 3, 10, 11, 12}
	for i, v := range want {
		if flat[i] != v {
			t.Fatalf("Flatten = %v, want %v", flat, want)
		}
	}
	if g := ps.FlattenGrad(nil); g[3] != -3 || g[6] != 0 {
		t.Fatalf("FlattenGrad = %v", g)
	}
	for i := range flat {
		flat[i] *= 2
	}
	if err := ps.SetFlat(flat); err != nil || a.Data[3] != 6 || b.Data[2] != 24 {
		t.Fatalf("SetFlat: %v %v %v", err, a.Data, b.Data)
	}
	if err := ps.SetFlat(flat[:3]); err == nil {
		t.Fatal("SetFlat accepted a short vector")
	}
}

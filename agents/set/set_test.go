package set

import (
	"math"
	"math/rand/v2"
	"testing"

	"gorl/agents/nn"
	"gorl/env"
	"gorl/physics3d/morph"
)

var small = Config{Embed: 16, Heads: 2, FF: 32, Layers: 2, Channels: 8, MaxNodes: 16}

// graphOf builds a graph from parent indices in pre-order.
func graphOf(t testing.TB, parents ...int) *morph.Graph {
	t.Helper()
	names := make([]string, len(parents))
	for i := range names {
		names[i] = string(rune('a' + i))
	}
	g, err := morph.NewGraph(names, parents)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// humanoid9 is a 9-node tree: torso, two legs of three, two one-limb arms.
func humanoid9(t testing.TB) *morph.Graph { return graphOf(t, -1, 0, 1, 2, 0, 4, 5, 0, 0) }

func hopper5(t testing.TB) *morph.Graph { return graphOf(t, -1, 0, 1, 2, 3) }

// randomObs fills [B, N, 41] with observations shaped like the locomotion tasks': random
// positions, velocities and orthonormal joint axes, gravity (0, 0, −9.81), a unit
// horizontal target direction and random scalars; the torso's axes are zero.
func randomObs(rng *rand.Rand, B, N int, nodes []int) *nn.Tensor {
	obs := nn.New(B, N, morph.NodeFeatures)
	for b := range B {
		phi := rng.Float64() * 2 * math.Pi
		for i := range nodes[b] {
			o := obs.Data[(b*N+i)*morph.NodeFeatures:]
			for k := range 3 {
				o[k] = float32(rng.NormFloat64())
				o[9+k] = float32(2 * rng.NormFloat64())
				o[12+k] = float32(rng.NormFloat64())
			}
			o[5] = -9.81
			o[6], o[7] = float32(math.Cos(phi)), float32(math.Sin(phi))
			if i > 0 {
				r := randomRotation(rng)
				for a := range 3 {
					for k := range 3 {
						o[15+3*a+k] = float32(r[k][a])
					}
				}
			}
			for k := morph.VectorFeatures; k < morph.NodeFeatures; k++ {
				o[k] = float32(rng.Float64())
			}
		}
	}
	return obs
}

type mat3 [3][3]float64

// randomRotation draws a rotation from a random unit quaternion (uniform on SO(3)).
func randomRotation(rng *rand.Rand) mat3 {
	var q [4]float64
	n := 0.0
	for i := range q {
		q[i] = rng.NormFloat64()
		n += q[i] * q[i]
	}
	n = math.Sqrt(n)
	w, x, y, z := q[0]/n, q[1]/n, q[2]/n, q[3]/n
	return mat3{
		{1 - 2*(y*y+z*z), 2 * (x*y - w*z), 2 * (x*z + w*y)},
		{2 * (x*y + w*z), 1 - 2*(x*x+z*z), 2 * (y*z - w*x)},
		{2 * (x*z - w*y), 2 * (y*z + w*x), 1 - 2*(x*x+y*y)},
	}
}

func rotZ(theta float64) mat3 {
	c, s := math.Cos(theta), math.Sin(theta)
	return mat3{{c, -s, 0}, {s, c, 0}, {0, 0, 1}}
}

// rotate applies r to the vector channels listed in chans of every node (float64 maths).
func rotate(obs *nn.Tensor, r mat3, chans []int) *nn.Tensor {
	out := obs.Clone()
	out.Grad = nil
	for n := 0; n < obs.Len()/morph.NodeFeatures; n++ {
		o := obs.Data[n*morph.NodeFeatures:]
		d := out.Data[n*morph.NodeFeatures:]
		for _, c := range chans {
			for i := range 3 {
				v := 0.0
				for j := range 3 {
					v += r[i][j] * float64(o[3*c+j])
				}
				d[3*c+i] = float32(v)
			}
		}
	}
	return out
}

var allChans = []int{0, 1, 2, 3, 4, 5, 6, 7}

func maxAbsDiff(a, b []float32) float64 {
	m := 0.0
	for i := range a {
		m = max(m, math.Abs(float64(a[i]-b[i])))
	}
	return m
}

func maxAbs(a []float32) float64 {
	m := 0.0
	for _, v := range a {
		m = max(m, math.Abs(float64(v)))
	}
	return m
}

func nets(t testing.TB, cfg Config, seed uint64) (actor, critic *Net) {
	t.Helper()
	rng := env.NewRand(seed, 0)
	a, err := NewActor(rng, cfg)
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewCritic(rng, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return a, c
}

func act(t testing.TB, n *Net, obs *nn.Tensor, st *Structure) []float32 {
	t.Helper()
	tape := nn.NewTape()
	tape.NoGrad = true
	a, err := n.Act(tape, obs, st)
	if err != nil {
		t.Fatal(err)
	}
	return append([]float32(nil), a.Data...)
}

func qvals(t testing.TB, n *Net, obs, a *nn.Tensor, st *Structure) (q, mean []float32) {
	t.Helper()
	tape := nn.NewTape()
	tape.NoGrad = true
	qt, mt, err := n.Q(tape, obs, a, st)
	if err != nil {
		t.Fatal(err)
	}
	return append([]float32(nil), qt.Data...), append([]float32(nil), mt.Data...)
}

// Symmetry tolerance: the inputs are rotated in float64 and rounded to float32 (relative
// error 6e-8 per component), and the network's float32 sums then differ in rounding only.
// Torques lie in (−1, 1) and reach them through a few dozen operations, so 1e-4 absolute is
// about 1000 float32 ulps of headroom; a symmetry error of the architecture would show as
// O(0.1) differences (see the control case that rotates without gravity).
const symTol = 1e-4

func TestSubequivariance(t *testing.T) {
	actor, critic := nets(t, small, 1)
	rng := env.NewRand(2, 0)
	g := humanoid9(t)
	const B = 4
	st, err := Uniform(g, B)
	if err != nil {
		t.Fatal(err)
	}
	obs := randomObs(rng, B, g.N(), []int{9, 9, 9, 9})
	acts := nn.New(B, g.N(), 3)
	acts.FillUniform(rng, -1, 1)
	a0 := act(t, actor, obs, st)
	q0, m0 := qvals(t, critic, obs, acts, st)
	if maxAbs(a0) < 1e-3 || maxAbs(q0) < 1e-6 {
		t.Fatalf("degenerate outputs: max |a| %g, max |q| %g", maxAbs(a0), maxAbs(q0))
	}

	reflect := randomRotation(rng)
	for i := range 3 {
		reflect[i][2] = -reflect[i][2] // det −1: a rotation composed with a reflection
	}
	cases := []struct {
		name string
		r    mat3
	}{
		{"rotation about gravity", rotZ(2 * math.Pi * rng.Float64())},
		{"reflection through a vertical plane", mat3{{1, 0, 0}, {0, -1, 0}, {0, 0, 1}}},
		{"random O(3) rotation", randomRotation(rng)},
		{"random O(3) reflection", reflect},
	}
	for _, c := range cases {
		ro := rotate(obs, c.r, allChans)
		a1 := act(t, actor, ro, st)
		q1, m1 := qvals(t, critic, ro, acts, st)
		da, dq, dm := maxAbsDiff(a0, a1), maxAbsDiff(q0, q1)/maxAbs(q0), maxAbsDiff(m0, m1)/maxAbs(q0)
		t.Logf("%s: max |Δa| %.2g, max |Δq|/max|q| %.2g, mean %.2g", c.name, da, dq, dm)
		if da > symTol || dq > symTol || dm > symTol {
			t.Errorf("%s changed outputs: Δa %g, relative Δq %g, Δmean %g", c.name, da, dq, dm)
		}
	}

	// Control: rotating every vector except gravity is not a symmetry, and the outputs change.
	ro := rotate(obs, randomRotation(rng), []int{0, 2, 3, 4, 5, 6, 7})
	if d := maxAbsDiff(a0, act(t, actor, ro, st)); d < 100*symTol {
		t.Errorf("torques did not respond to tilting gravity: max |Δa| = %g", d)
	}
	// Translation invariance holds by construction: positions enter relative to the torso
	// ([0:3] = body origin − torso position), so a translation never reaches the network.
}

func TestZEquivariant(t *testing.T) {
	actor, _ := nets(t, small, 3)
	rng := env.NewRand(4, 0)
	g := hopper5(t)
	st, _ := Uniform(g, 2)
	obs := randomObs(rng, 2, 5, []int{5, 5})
	r := randomRotation(rng)
	r[0][0], r[0][1], r[0][2] = -r[0][0], -r[0][1], -r[0][2] // include a reflection
	zOf := func(o *nn.Tensor) *nn.Tensor {
		tape := nn.NewTape()
		tape.NoGrad = true
		_, _, _, z, _, err := actor.trunk(tape, o, nil, st)
		if err != nil {
			t.Fatal(err)
		}
		return z.Clone()
	}
	z0, z1 := zOf(obs), zOf(rotate(obs, r, allChans))
	C := small.Channels
	worst, scale := 0.0, maxAbs(z0.Data)
	for n := 0; n < z0.Len()/(3*C); n++ {
		for c := range C {
			for i := range 3 {
				want := 0.0
				for j := range 3 {
					want += r[i][j] * float64(z0.Data[n*3*C+j*C+c])
				}
				worst = max(worst, math.Abs(want-float64(z1.Data[n*3*C+i*C+c])))
			}
		}
	}
	t.Logf("max |Z(RX) − R Z(X)| = %.3g (max |Z| = %.3g)", worst, scale)
	if worst > symTol*scale {
		t.Errorf("Z not equivariant: max |Z(RX) − R Z(X)| = %g, max |Z| = %g", worst, scale)
	}
}

func TestMorphologiesAndPadding(t *testing.T) {
	actor, critic := nets(t, small, 5)
	rng := env.NewRand(6, 0)
	gs := []*morph.Graph{humanoid9(t), hopper5(t), graphOf(t, -1, 0, 0)}
	// Each morphology alone, through the same parameters.
	type res struct{ a, q []float32 }
	alone := make([]res, len(gs))
	obsAlone := make([]*nn.Tensor, len(gs))
	actsAlone := make([]*nn.Tensor, len(gs))
	for i, g := range gs {
		st, err := Uniform(g, 1)
		if err != nil {
			t.Fatal(err)
		}
		obsAlone[i] = randomObs(rng, 1, g.N(), []int{g.N()})
		actsAlone[i] = nn.New(1, g.N(), 3)
		actsAlone[i].FillUniform(rng, -1, 1)
		q, _ := qvals(t, critic, obsAlone[i], actsAlone[i], st)
		alone[i] = res{act(t, actor, obsAlone[i], st), q}
	}
	// The same samples as one padded multi-task batch (padded beyond the largest graph too).
	for _, pad := range []int{9, 12} {
		st, err := NewStructure(gs, pad)
		if err != nil {
			t.Fatal(err)
		}
		B := len(gs)
		obs, acts := nn.New(B, pad, morph.NodeFeatures), nn.New(B, pad, 3)
		for b, g := range gs {
			copy(obs.Data[b*pad*morph.NodeFeatures:], obsAlone[b].Data)
			copy(acts.Data[b*pad*3:], actsAlone[b].Data)
			_ = g
		}
		// Junk in the padding must not matter either.
		for b, g := range gs {
			for i := g.N(); i < pad; i++ {
				for k := range morph.NodeFeatures {
					obs.Data[(b*pad+i)*morph.NodeFeatures+k] = float32(rng.NormFloat64())
				}
			}
		}
		a := act(t, actor, obs, st)
		q, mean := qvals(t, critic, obs, acts, st)
		for b, g := range gs {
			n := g.N()
			da := maxAbsDiff(a[b*pad*3:b*pad*3+n*3], alone[b].a)
			dq := maxAbsDiff(q[b*pad:b*pad+n], alone[b].q) / maxAbs(alone[b].q)
			wantMean := 0.0
			for _, v := range alone[b].q {
				wantMean += float64(v) / float64(n)
			}
			dm := math.Abs(float64(mean[b])-wantMean) / maxAbs(alone[b].q)
			if da > 1e-5 || dq > 1e-5 || dm > 1e-5 {
				t.Errorf("pad %d, sample %d (%d nodes): padding changed outputs: Δa %g, rel Δq %g, rel Δmean %g", pad, b, n, da, dq, dm)
			}
		}
	}
	// Bad inputs are errors, not panics.
	st, _ := Uniform(gs[0], 2)
	if _, err := actor.Act(nn.NewTape(), nn.New(2, 5, 41), st); err == nil {
		t.Error("wrong node count accepted")
	}
	if _, _, err := critic.Q(nn.NewTape(), nn.New(2, 9, 41), nil, st); err == nil {
		t.Error("missing actions accepted")
	}
	if _, err := NewStructure(gs, 4); err == nil {
		t.Error("pad size below the largest graph accepted")
	}
	big := make([]int, 20)
	big[0] = -1
	tiny := Config{Embed: 8, Heads: 2, FF: 8, Layers: 1, Channels: 4, MaxNodes: 8}
	ta, _ := NewActor(env.NewRand(1, 0), tiny)
	stBig, _ := Uniform(graphOf(t, big...), 1)
	if _, err := ta.Act(nn.NewTape(), nn.New(1, 20, 41), stBig); err == nil {
		t.Error("morphology beyond MaxNodes accepted")
	}
}

// actorLoss is a fixed smooth function of the torques: ½ Σ (a − target)².
func actorLoss(tape *nn.Tape, n *Net, obs, target *nn.Tensor, st *Structure) (*nn.Tensor, error) {
	a, err := n.Act(tape, obs, st)
	if err != nil {
		return nil, err
	}
	return tape.Scale(tape.Sum(tape.Square(tape.Sub(a, target))), 0.5), nil
}

func TestActorGradientFiniteDifference(t *testing.T) {
	cfg := Config{Embed: 8, Heads: 2, FF: 16, Layers: 2, Channels: 4, MaxNodes: 8}
	actor, _ := nets(t, cfg, 7)
	ps := &nn.Params{}
	actor.Register(ps, "actor")
	rng := env.NewRand(8, 0)
	g := hopper5(t)
	st, _ := Uniform(g, 2)
	obs := randomObs(rng, 2, 5, []int{5, 5})
	// Scale the inputs down so that no ReLU sits near a kink within the difference step.
	for i := range obs.Data {
		obs.Data[i] *= 0.3
	}
	target := nn.New(2, 5, 3)
	target.FillUniform(rng, -1, 1)

	tape := nn.NewTape()
	loss, err := actorLoss(tape, actor, obs, target, st)
	if err != nil {
		t.Fatal(err)
	}
	ps.ZeroGrad()
	if err := tape.Backward(loss); err != nil {
		t.Fatal(err)
	}
	eval := func() float64 {
		tp := nn.NewTape()
		tp.NoGrad = true
		l, err := actorLoss(tp, actor, obs, target, st)
		if err != nil {
			t.Fatal(err)
		}
		return float64(l.Item())
	}
	// Central differences in float32 with step h: truncation error O(h²·f‴) and rounding
	// error about ε₃₂·|f|/h (|f| ≈ 5 here, so ≈ 1e-4 at h = 3e-3), against gradients of order
	// 1e-2..1: a 3% relative tolerance plus 1e-3 absolute separates a wrong gradient
	// (typically off by a factor) from rounding. A ReLU kink inside [θ−h, θ+h] mixes two
	// one-sided slopes, so each entry is tried at two steps (1e-2 and 3e-3) and passes when
	// either agrees; a wrong backward pass disagrees at both.
	checked := 0
	for _, name := range []string{"actor.wg", "actor.ws.w", "actor.pe1.table", "actor.rel.w",
		"actor.layer0.w", "actor.layer0.q.w", "actor.layer0.wvg", "actor.layer0.mlpm.1.w",
		"actor.layer1.w5", "actor.layer1.ln2.gain", "actor.wgp", "actor.head.1.w", "actor.wu"} {
		p := ps.Get(name)
		if p == nil {
			t.Fatalf("no parameter %q", name)
		}
		for _, idx := range []int{0, p.Len() / 2, p.Len() - 1} {
			an := float64(p.Grad[idx])
			var fds []float64
			ok := false
			for _, h := range []float32{1e-2, 3e-3} {
				old := p.Data[idx]
				p.Data[idx] = old + h
				up := eval()
				p.Data[idx] = old - h
				down := eval()
				p.Data[idx] = old
				fd := (up - down) / (2 * float64(h))
				fds = append(fds, fd)
				ok = ok || math.Abs(fd-an) <= 1e-3+0.03*math.Abs(fd)
			}
			if !ok {
				t.Errorf("%s[%d]: finite differences %.5g, backprop %.5g", name, idx, fds, an)
			}
			checked++
		}
	}
	t.Logf("checked %d gradient entries", checked)
}

func TestAdamStepLowersCriticLoss(t *testing.T) {
	_, critic := nets(t, small, 9)
	ps := &nn.Params{}
	critic.Register(ps, "critic")
	rng := env.NewRand(10, 0)
	g := humanoid9(t)
	const B = 8
	st, _ := Uniform(g, B)
	obs := randomObs(rng, B, 9, []int{9, 9, 9, 9, 9, 9, 9, 9})
	acts := nn.New(B, 9, 3)
	acts.FillUniform(rng, -1, 1)
	target := nn.New(B, 9)
	target.FillNormal(rng, 1)
	opt := &nn.Adam{LR: 1e-3}
	tape := nn.NewTape()
	lossAt := func() float32 {
		tape.Reset()
		q, _, err := critic.Q(tape, obs, acts, st)
		if err != nil {
			t.Fatal(err)
		}
		loss := tape.Mean(tape.Square(tape.Sub(q, target)))
		ps.ZeroGrad()
		if err := tape.Backward(loss); err != nil {
			t.Fatal(err)
		}
		return loss.Item()
	}
	l0 := lossAt()
	if err := opt.Step(ps); err != nil {
		t.Fatal(err)
	}
	l1 := lossAt()
	t.Logf("TD-style regression loss %.5g -> %.5g after one Adam step", l0, l1)
	if !(l1 < l0) {
		t.Errorf("one Adam step did not lower the loss: %g -> %g", l0, l1)
	}
}

// expectedParams counts SET's parameters from the architecture description, independently
// of the constructor.
func expectedParams(c Config, critic bool) int {
	c, _ = c.withDefaults()
	E, C, F, H := c.Embed, c.Channels, c.FF, c.Heads
	lin := func(in, out int) int { return in*out + out }
	s := ActorScalars
	if critic {
		s = CriticScalars
	}
	n := VectorChannels*C + lin(s, E) + 3*c.MaxNodes*E + lin(3, H)
	perLayer := C*(C-2) + lin(C*C, F) + lin(F, E) + 3*lin(2*E, E) + lin(E, E) + C*(C-2) + H*C*C +
		4*E + 2*C*(C-2) + lin(C*C, F) + lin(F, E) + lin(2*E, F) + lin(F, C*C) + lin(2*E, F) + lin(F, E) + C*C
	n += c.Layers * perLayer
	n += (VectorChannels+C)*(C-2) + lin(C*C+s+E, F)
	if critic {
		n += lin(F, F) + lin(F, 1)
	} else {
		n += lin(F, C*C) + C
	}
	return n
}

func TestDefaultParameterCount(t *testing.T) {
	actor, critic := nets(t, Config{}, 11)
	for _, c := range []struct {
		name   string
		n      *Net
		critic bool
	}{{"actor", actor, false}, {"critic", critic, true}} {
		ps := &nn.Params{}
		c.n.Register(ps, c.name)
		got, want := ps.NumElements(), expectedParams(Config{}, c.critic)
		t.Logf("default SET %s: %d parameters", c.name, got)
		if got != want {
			t.Errorf("%s: %d parameters registered, architecture gives %d", c.name, got, want)
		}
	}
}

func TestMLPBaseline(t *testing.T) {
	rng := env.NewRand(12, 0)
	a, err := NewMLPActor(rng, 5, []int{32, 32})
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewMLPCritic(rng, 5, []int{32, 32})
	if err != nil {
		t.Fatal(err)
	}
	obs := randomObs(rng, 3, 5, []int{5, 5, 5})
	tape := nn.NewTape()
	out, err := a.Act(tape, obs)
	if err != nil {
		t.Fatal(err)
	}
	if out.Rank() != 3 || out.Shape[0] != 3 || out.Shape[1] != 5 || out.Shape[2] != 3 {
		t.Fatalf("actor output %v", out.Shape)
	}
	for _, v := range out.Data {
		if v <= -1 || v >= 1 {
			t.Fatalf("torque %g outside (−1, 1)", v)
		}
	}
	q, mean, err := c.Q(tape, obs, out)
	if err != nil {
		t.Fatal(err)
	}
	if q.Shape[0] != 3 || q.Shape[1] != 5 || mean.Len() != 3 {
		t.Fatalf("critic output %v, mean %v", q.Shape, mean.Shape)
	}
	// The baseline has no rotational symmetry: turning the world about gravity changes it.
	ro := rotate(obs, rotZ(1), allChans)
	tp := nn.NewTape()
	out2, _ := a.Act(tp, ro)
	if d := maxAbsDiff(out.Data, out2.Data); d < 1e-3 {
		t.Errorf("MLP baseline unexpectedly invariant (max |Δa| %g)", d)
	}
	if _, err := a.Act(tape, nn.New(3, 4, 41)); err == nil {
		t.Error("wrong node count accepted")
	}
}

// BenchmarkActorForwardBackward times one training step's actor pass at the paper's sizes:
// batch 256 of a 9-node morphology, forward then backward of the mean torque.
func BenchmarkActorForwardBackward(b *testing.B) {
	actor, _ := nets(b, Config{}, 13)
	ps := &nn.Params{}
	actor.Register(ps, "actor")
	rng := env.NewRand(14, 0)
	const B = 256
	g := humanoid9(b)
	st, _ := Uniform(g, B)
	nodes := make([]int, B)
	for i := range nodes {
		nodes[i] = 9
	}
	obs := randomObs(rng, B, 9, nodes)
	tape := nn.NewTape()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N + 1 {
		if i == 1 { // the first step sizes the tape's buffers; time the steady state
			b.ResetTimer()
		}
		tape.Reset()
		a, err := actor.Act(tape, obs, st)
		if err != nil {
			b.Fatal(err)
		}
		ps.ZeroGrad()
		if err := tape.Backward(tape.Mean(a)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMLPActorForwardBackward is the same step for the MLP baseline (hidden 256, 256).
func BenchmarkMLPActorForwardBackward(b *testing.B) {
	rng := env.NewRand(15, 0)
	actor, err := NewMLPActor(rng, 9, nil)
	if err != nil {
		b.Fatal(err)
	}
	ps := &nn.Params{}
	actor.Register(ps, "actor")
	const B = 256
	nodes := make([]int, B)
	for i := range nodes {
		nodes[i] = 9
	}
	obs := randomObs(rng, B, 9, nodes)
	tape := nn.NewTape()
	b.ReportAllocs()
	for i := range b.N + 1 {
		if i == 1 {
			b.ResetTimer()
		}
		tape.Reset()
		a, err := actor.Act(tape, obs)
		if err != nil {
			b.Fatal(err)
		}
		ps.ZeroGrad()
		if err := tape.Backward(tape.Mean(a)); err != nil {
			b.Fatal(err)
		}
	}
}

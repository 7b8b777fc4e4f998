package set

import (
	"math"
	"testing"

	"gorl/agents/nn"
	"gorl/env"
	"gorl/physics3d/morph"
)

var smallSWAT = SWATConfig{Embed: 16, Heads: 2, FF: 32, Layers: 2, MaxNodes: 16}

func swatNets(t testing.TB, cfg SWATConfig, seed uint64) (actor, critic *SWAT) {
	t.Helper()
	rng := env.NewRand(seed, 0)
	a, err := NewSWATActor(rng, cfg)
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewSWATCritic(rng, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return a, c
}

func actWith(t testing.TB, n NodeActor, obs *nn.Tensor, st *Structure) []float32 {
	t.Helper()
	tape := nn.NewTape()
	tape.NoGrad = true
	a, err := n.Act(tape, obs, st)
	if err != nil {
		t.Fatal(err)
	}
	return append([]float32(nil), a.Data...)
}

// TestSWATNotEquivariant contrasts SWAT with SET (TestSubequivariance): the same rotation
// about gravity, applied to every vector of the observation, leaves SET's torques unchanged
// to rounding but changes SWAT's, which reads the world-frame vectors as plain numbers.
func TestSWATNotEquivariant(t *testing.T) {
	swat, _ := swatNets(t, smallSWAT, 1)
	setActor, _ := nets(t, small, 1)
	rng := env.NewRand(2, 0)
	g := humanoid9(t)
	const B = 4
	st, err := Uniform(g, B)
	if err != nil {
		t.Fatal(err)
	}
	obs := randomObs(rng, B, g.N(), []int{9, 9, 9, 9})
	ro := rotate(obs, rotZ(2*math.Pi*rng.Float64()), allChans)
	s0, s1 := actWith(t, swat, obs, st), actWith(t, swat, ro, st)
	e0, e1 := actWith(t, setActor, obs, st), actWith(t, setActor, ro, st)
	ds, de := maxAbsDiff(s0, s1), maxAbsDiff(e0, e1)
	t.Logf("rotation about gravity: SWAT max |Δa| %.3g, SET max |Δa| %.3g", ds, de)
	if de > symTol {
		t.Errorf("SET changed its torques by %g under a rotation about gravity", de)
	}
	if ds < 100*symTol {
		t.Errorf("SWAT's torques changed by only %g under a rotation about gravity: it should not be equivariant", ds)
	}
}

func TestSWATPaddingAndMorphologies(t *testing.T) {
	actor, critic := swatNets(t, smallSWAT, 5)
	rng := env.NewRand(6, 0)
	gs := []*morph.Graph{humanoid9(t), hopper5(t), graphOf(t, -1, 0, 0)}
	type res struct{ a, q []float32 }
	alone := make([]res, len(gs))
	obsAlone, actsAlone := make([]*nn.Tensor, len(gs)), make([]*nn.Tensor, len(gs))
	qOf := func(obs, acts *nn.Tensor, st *Structure) (q, mean []float32) {
		tape := nn.NewTape()
		tape.NoGrad = true
		qt, mt, err := critic.Q(tape, obs, acts, st)
		if err != nil {
			t.Fatal(err)
		}
		return append([]float32(nil), qt.Data...), append([]float32(nil), mt.Data...)
	}
	for i, g := range gs {
		st, err := Uniform(g, 1)
		if err != nil {
			t.Fatal(err)
		}
		obsAlone[i] = randomObs(rng, 1, g.N(), []int{g.N()})
		actsAlone[i] = nn.New(1, g.N(), 3)
		actsAlone[i].FillUniform(rng, -1, 1)
		q, _ := qOf(obsAlone[i], actsAlone[i], st)
		alone[i] = res{actWith(t, actor, obsAlone[i], st), q}
	}
	const pad = 11
	st, err := NewStructure(gs, pad)
	if err != nil {
		t.Fatal(err)
	}
	B := len(gs)
	obs, acts := nn.New(B, pad, morph.NodeFeatures), nn.New(B, pad, 3)
	for i := range obs.Data {
		obs.Data[i] = float32(rng.NormFloat64()) // junk in the padding
	}
	for i := range acts.Data {
		acts.Data[i] = float32(rng.NormFloat64())
	}
	for b := range gs {
		copy(obs.Data[b*pad*morph.NodeFeatures:], obsAlone[b].Data)
		copy(acts.Data[b*pad*3:], actsAlone[b].Data)
	}
	a := actWith(t, actor, obs, st)
	q, mean := qOf(obs, acts, st)
	for b, g := range gs {
		n := g.N()
		da := maxAbsDiff(a[b*pad*3:b*pad*3+n*3], alone[b].a)
		dq := maxAbsDiff(q[b*pad:b*pad+n], alone[b].q) / maxAbs(alone[b].q)
		want := 0.0
		for _, v := range alone[b].q {
			want += float64(v) / float64(n)
		}
		dm := math.Abs(float64(mean[b])-want) / maxAbs(alone[b].q)
		if da > 1e-5 || dq > 1e-5 || dm > 1e-5 {
			t.Errorf("sample %d (%d nodes): padding changed outputs: Δa %g, rel Δq %g, rel Δmean %g", b, n, da, dq, dm)
		}
	}
	// The morphology matters: the hopper's observations read as another graph's give other torques.
	other, _ := Uniform(graphOf(t, -1, 0, 0, 0, 0), 1) // a star instead of a chain
	if d := maxAbsDiff(actWith(t, actor, obsAlone[1], other), alone[1].a); d < 1e-3 {
		t.Errorf("the graph structure does not reach the torques (max |Δa| %g)", d)
	}
	// Bad inputs are errors, not panics.
	st2, _ := Uniform(gs[0], 2)
	if _, err := actor.Act(nn.NewTape(), nn.New(2, 5, 41), st2); err == nil {
		t.Error("wrong node count accepted")
	}
	if _, _, err := critic.Q(nn.NewTape(), nn.New(2, 9, 41), nil, st2); err == nil {
		t.Error("missing actions accepted")
	}
	if _, err := NewSWATActor(env.NewRand(1, 0), SWATConfig{Embed: 15, Heads: 2}); err == nil {
		t.Error("embed not divisible by heads accepted")
	}
}

func TestSWATGradientFiniteDifference(t *testing.T) {
	cfg := SWATConfig{Embed: 8, Heads: 2, FF: 16, Layers: 2, MaxNodes: 8}
	actor, critic := swatNets(t, cfg, 7)
	ps := &nn.Params{}
	actor.Register(ps, "actor")
	critic.Register(ps, "critic")
	rng := env.NewRand(8, 0)
	g := hopper5(t)
	st, _ := Uniform(g, 2)
	obs := randomObs(rng, 2, 5, []int{5, 5})
	for i := range obs.Data {
		obs.Data[i] *= 0.3
	}
	target := nn.New(2, 5, 3)
	target.FillUniform(rng, -1, 1)
	// loss = ½ Σ (a − target)² + mean Q(s, a): gradients reach the actor through both terms
	// and the critic through the second.
	loss := func(tape *nn.Tape) *nn.Tensor {
		a, err := actor.Act(tape, obs, st)
		if err != nil {
			t.Fatal(err)
		}
		_, m, err := critic.Q(tape, obs, a, st)
		if err != nil {
			t.Fatal(err)
		}
		return tape.Add(tape.Scale(tape.Sum(tape.Square(tape.Sub(a, target))), 0.5), tape.Mean(m))
	}
	tape := nn.NewTape()
	l := loss(tape)
	ps.ZeroGrad()
	if err := tape.Backward(l); err != nil {
		t.Fatal(err)
	}
	eval := func() float64 {
		tp := nn.NewTape()
		tp.NoGrad = true
		return float64(loss(tp).Item())
	}
	// Tolerances as in TestActorGradientFiniteDifference.
	checked := 0
	for _, name := range []string{"actor.in.w", "actor.pe0.table", "actor.pe2.table", "actor.rel.w", "actor.layer0.att.q.w",
		"actor.layer0.att.v.w", "actor.layer1.ff1.w", "actor.layer1.ln2.gain", "actor.dec.w", "actor.dec.b",
		"critic.in.w", "critic.layer0.att.k.w", "critic.dec.w"} {
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

// TestFlatAdaptersSWATMulti runs SWAT through the flat adapters on rows padded to 9 nodes
// for two morphologies, switching with UseMorphology.
func TestFlatAdaptersSWATMulti(t *testing.T) {
	rng := env.NewRand(21, 0)
	actor, critic := swatNets(t, smallSWAT, 22)
	_, critic2 := swatNets(t, smallSWAT, 23)
	gs := []*morph.Graph{hopper5(t), humanoid9(t)}
	fa := FlatActorOf(actor, gs...)
	fc := FlatCriticOf(critic, critic2, gs...)
	const B, pad = 2, 9
	for k, g := range gs {
		if err := fa.UseMorphology(k); err != nil {
			t.Fatal(err)
		}
		if err := fc.UseMorphology(k); err != nil {
			t.Fatal(err)
		}
		obs := randomObs(rng, B, g.N(), []int{g.N(), g.N()})
		st, _ := Uniform(g, B)
		want := actWith(t, actor, obs, st)
		rows := nn.New(B, pad*morph.NodeFeatures)
		for i := range rows.Data {
			rows.Data[i] = float32(rng.NormFloat64())
		}
		for b := range B {
			copy(rows.Data[b*pad*morph.NodeFeatures:], obs.Data[b*g.N()*morph.NodeFeatures:(b+1)*g.N()*morph.NodeFeatures])
		}
		tape := nn.NewTape()
		out := fa.Forward(tape, rows)
		q1, _ := fc.Forward(tape, rows, out)
		if err := tape.Err(); err != nil {
			t.Fatal(err)
		}
		for b := range B {
			row := out.Data[b*pad*3 : (b+1)*pad*3]
			if d := maxAbsDiff(row[:g.N()*3], want[b*g.N()*3:(b+1)*g.N()*3]); d > 1e-5 {
				t.Errorf("morphology %d, sample %d: flat actor differs from SWAT.Act by %g", k, b, d)
			}
			if maxAbs(row[g.N()*3:]) != 0 {
				t.Errorf("morphology %d, sample %d: padded action slots not 0", k, b)
			}
		}
		if q1.Shape[0] != B || q1.Shape[1] != 1 {
			t.Fatalf("Q shape %v", q1.Shape)
		}
	}
	if err := fa.UseMorphology(2); err == nil {
		t.Error("morphology index beyond the set accepted")
	}
}

package set

import (
	"testing"

	"gorl/agents/nn"
	"gorl/env"
	"gorl/physics3d/morph"
)

func TestFlatAdapters(t *testing.T) {
	rng := env.NewRand(20, 0)
	g := hopper5(t)
	fa, err := NewFlatActor(rng, small, g)
	if err != nil {
		t.Fatal(err)
	}
	fc, err := NewFlatCritic(rng, small, g)
	if err != nil {
		t.Fatal(err)
	}
	ps := &nn.Params{}
	fa.Register(ps, "actor")
	fc.Register(ps, "critic")
	const B, pad = 3, 7
	obs := randomObs(rng, B, 5, []int{5, 5, 5})
	st, _ := Uniform(g, B)
	want := act(t, fa.Net.(*Net), obs, st)
	acts := nn.New(B, 5, 3)
	acts.FillUniform(rng, -1, 1)
	_, w1 := qvals(t, fc.Q1.(*Net), obs, acts, st)
	_, w2 := qvals(t, fc.Q2.(*Net), obs, acts, st)

	// Rows padded to 7 nodes (as a multi-task environment pads them), junk in the padding.
	rows, arows := nn.New(B, pad*morph.NodeFeatures), nn.New(B, pad*morph.NodeActions)
	for i := range rows.Data {
		rows.Data[i] = float32(rng.NormFloat64())
	}
	for i := range arows.Data {
		arows.Data[i] = float32(rng.NormFloat64())
	}
	for b := range B {
		copy(rows.Data[b*pad*morph.NodeFeatures:], obs.Data[b*5*morph.NodeFeatures:(b+1)*5*morph.NodeFeatures])
		copy(arows.Data[b*pad*morph.NodeActions:], acts.Data[b*5*3:(b+1)*5*3])
	}
	tape := nn.NewTape()
	out := fa.Forward(tape, rows)
	q1, q2 := fc.Forward(tape, rows, arows)
	if err := tape.Err(); err != nil {
		t.Fatal(err)
	}
	if out.Shape[0] != B || out.Shape[1] != pad*3 || q1.Shape[0] != B || q1.Shape[1] != 1 {
		t.Fatalf("shapes %v, %v", out.Shape, q1.Shape)
	}
	for b := range B {
		row := out.Data[b*pad*3 : (b+1)*pad*3]
		if d := maxAbsDiff(row[:15], want[b*15:(b+1)*15]); d > 1e-5 {
			t.Errorf("sample %d: flat actor differs from Net.Act by %g", b, d)
		}
		if maxAbs(row[15:]) != 0 {
			t.Errorf("sample %d: padded action slots %v, want 0", b, row[15:])
		}
		if d1, d2 := maxAbsDiff(q1.Data[b:b+1], w1[b:b+1]), maxAbsDiff(q2.Data[b:b+1], w2[b:b+1]); d1 > 1e-5*maxAbs(w1) || d2 > 1e-5*maxAbs(w2) {
			t.Errorf("sample %d: twin Q differs from Net.Q means: %g, %g", b, d1, d2)
		}
	}
	// The twin's gradient reaches both critics and the actor through the actions.
	tape.Reset()
	a := fa.Forward(tape, rows)
	q, _ := fc.Forward(tape, rows, a)
	ps.ZeroGrad()
	if err := tape.Backward(tape.Neg(tape.Mean(q))); err != nil {
		t.Fatal(err)
	}
	if ps.Get("actor.wu").Grad[0] == 0 {
		t.Error("no gradient reached the actor through the critic")
	}

	// Bad rows are reported on the tape, not panics.
	tape.Reset()
	fa.Forward(tape, nn.New(2, 40))
	if tape.Err() == nil || fa.Err == nil {
		t.Error("row width not a multiple of 41 accepted")
	}
	tape.Reset()
	fc.Forward(tape, rows, nn.New(B, 3*3))
	if tape.Err() == nil || fc.Err == nil {
		t.Error("mismatched action rows accepted")
	}
}

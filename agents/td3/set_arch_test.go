package td3

import (
	"math"
	"slices"
	"testing"

	"gorl/agents/nn"
	setnet "gorl/agents/set"
	"gorl/env"
	_ "gorl/env/locomotion"
	"gorl/physics3d/morph"
)

// tinySET keeps the SET networks small enough for a fast test.
var tinySET = setnet.Config{Embed: 8, Heads: 2, FF: 16, Layers: 1, Channels: 4}

// hopperBatch collects random-action transitions of sgrl/hopper-3 and samples a batch.
func hopperBatch(t *testing.T, a *Agent, e env.Env, seed uint64) *Batch {
	t.Helper()
	rng := env.NewRand(seed, 9)
	buf, err := NewReplay(64, a.ObsDim, a.ActDim)
	if err != nil {
		t.Fatal(err)
	}
	e.Seed(seed)
	obs := slices.Clone(e.Reset())
	act := make([]float64, a.ActDim)
	for range 64 {
		for j := range act {
			act[j] = rng.Float64()*2 - 1
		}
		tr := e.Step(act)
		buf.Add(obs, act, tr.Reward, tr.Obs, tr.Terminated)
		if tr.Done() {
			obs = slices.Clone(e.Reset())
		} else {
			obs = slices.Clone(tr.Obs)
		}
	}
	b := buf.NewBatch(a.Cfg.Batch)
	if err := buf.Sample(rng, b); err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSETArchOnHopper(t *testing.T) {
	e, err := env.Make("sgrl/hopper-3", nil)
	if err != nil {
		t.Fatal(err)
	}
	m, ok := env.As[morph.Morphological](e)
	if !ok {
		t.Fatal("sgrl/hopper-3 has no morphology")
	}
	obsDim, actDim := e.ObservationSpace().Dim(), e.ActionSpace().Dim()
	arch := SETArch{Graph: m.Graph(), Config: tinySET}
	a, err := New(arch, obsDim, actDim, Config{Batch: 8, PolicyDelay: 2, Tau: 0.1}, env.NewRand(1, StreamInit))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := a.Actor.(*setnet.FlatActor); !ok {
		t.Fatalf("actor is %T, want *setnet.FlatActor", a.Actor)
	}
	// Make the targets differ from the online networks, so that the soft update is visible.
	for _, ps := range []*nn.Params{a.ActorTargetParams, a.CriticTargetParams} {
		for _, x := range ps.Tensors() {
			x.FillNormal(env.NewRand(2, 0), 0.1)
		}
	}
	for i := range 4 {
		b := hopperBatch(t, a, e, uint64(10+i))
		oldA, oldC := a.ActorTargetParams.Flatten(nil), a.CriticTargetParams.Flatten(nil)
		st, err := a.Update(b)
		if err != nil {
			t.Fatalf("update %d: %v", i, err)
		}
		if math.IsNaN(st.CriticLoss) || math.IsInf(st.CriticLoss, 0) || math.IsNaN(st.QMean) || math.IsInf(st.QMean, 0) {
			t.Fatalf("update %d: non-finite critic loss or Q: %+v", i, st)
		}
		if st.ActorStep != (i%2 == 1) {
			t.Fatalf("update %d: actor step %v with policy delay 2", i, st.ActorStep)
		}
		if !st.ActorStep {
			if !slices.Equal(oldA, a.ActorTargetParams.Flatten(nil)) {
				t.Fatalf("update %d: the actor target moved without an actor step", i)
			}
			continue
		}
		if math.IsNaN(st.ActorLoss) || math.IsInf(st.ActorLoss, 0) {
			t.Fatalf("update %d: non-finite actor loss %v", i, st.ActorLoss)
		}
		check := func(name string, old, online, got []float32) {
			moved := false
			for j := range got {
				want := 0.1*online[j] + 0.9*old[j]
				if math.Abs(float64(got[j]-want)) > 1e-6*(1+math.Abs(float64(want))) {
					t.Fatalf("update %d: %s target[%d] = %v, want τ·θ + (1−τ)·θ' = %v", i, name, j, got[j], want)
				}
				moved = moved || got[j] != old[j]
			}
			if !moved {
				t.Fatalf("update %d: the %s target did not move", i, name)
			}
		}
		check("actor", oldA, a.ActorParams.Flatten(nil), a.ActorTargetParams.Flatten(nil))
		check("critic", oldC, a.CriticParams.Flatten(nil), a.CriticTargetParams.Flatten(nil))
	}
	// The actor acts on one observation with actions in [-1, 1].
	act := make([]float64, actDim)
	if err := a.Act(e.Reset(), act); err != nil {
		t.Fatal(err)
	}
	for j, v := range act {
		if !(v >= -1 && v <= 1) {
			t.Fatalf("action[%d] = %v, want in [-1, 1]", j, v)
		}
	}
}

func TestSETArchRejectsBadWidths(t *testing.T) {
	g, err := morph.NewGraph([]string{"torso", "thigh", "leg"}, []int{-1, 0, 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		arch           SETArch
		obsDim, actDim int
	}{
		{SETArch{Config: tinySET}, 3 * 41, 9},           // no graph
		{SETArch{Graph: g, Config: tinySET}, 4, 1},      // CartPole's widths
		{SETArch{Graph: g, Config: tinySET}, 2 * 41, 6}, // fewer nodes than the graph
		{SETArch{Graph: g, Config: tinySET}, 3 * 41, 6}, // node counts disagree
	} {
		if _, err := New(c.arch, c.obsDim, c.actDim, Config{Batch: 8}, env.NewRand(1, StreamInit)); err == nil {
			t.Errorf("New(%d, %d) with graph %v: no error", c.obsDim, c.actDim, c.arch.Graph != nil)
		}
	}
}

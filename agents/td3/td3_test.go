package td3

import (
	"math"
	"path/filepath"
	"slices"
	"testing"

	"gorl/agents/nn"
	"gorl/env"
	_ "gorl/env/classic"
)

func TestReplayWraps(t *testing.T) {
	b, err := NewReplay(3, 2, 1)
	if err != nil {
		t.Fatal(err)
	}
	for k := range 5 {
		f := float64(k)
		b.Add([]float64{f, -f}, []float64{f / 10}, 100+f, []float64{f + 0.5, 0}, k == 3)
	}
	if b.Len() != 3 || b.Cap() != 3 {
		t.Fatalf("len %d cap %d, want 3 3", b.Len(), b.Cap())
	}
	bt := b.NewBatch(3)
	copy(bt.Index, []int{0, 1, 2})
	b.Gather(bt)
	// Slots 0 and 1 were overwritten by transitions 3 and 4; slot 2 holds transition 2.
	want := []float64{3, 4, 2}
	for k, f := range want {
		if bt.Obs[2*k] != float32(f) || bt.Obs[2*k+1] != float32(-f) || bt.Act[k] != float32(f/10) ||
			bt.Reward[k] != float32(100+f) || bt.Next[2*k] != float32(f+0.5) {
			t.Fatalf("slot %d holds obs %v act %v r %v next %v, want transition %v", k, bt.Obs[2*k:2*k+2], bt.Act[k], bt.Reward[k], bt.Next[2*k], f)
		}
		if wantDone := float32(0); (f == 3) != (bt.Done[k] == 1) || (f != 3 && bt.Done[k] != wantDone) {
			t.Fatalf("slot %d done %v", k, bt.Done[k])
		}
	}
	if err := b.Sample(env.NewRand(1, 0), bt); err != nil {
		t.Fatal(err)
	}
	for _, i := range bt.Index {
		if i < 0 || i >= 3 {
			t.Fatalf("sampled index %d outside [0, 3)", i)
		}
	}
	if _, err := NewReplay(0, 2, 1); err == nil {
		t.Fatal("capacity 0 accepted")
	}
}

// tinyAgent has one observation, one action and one hidden unit per layer.
func tinyAgent(t *testing.T, cfg Config) *Agent {
	t.Helper()
	cfg.Hidden = []int{2}
	a, err := New(nil, 1, 1, cfg, env.NewRand(7, 0))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func set(t *testing.T, ps *nn.Params, name string, v ...float32) {
	t.Helper()
	x := ps.Get(name)
	if x == nil || len(x.Data) != len(v) {
		t.Fatalf("parameter %s: %v, want %d values (names %v)", name, x, len(v), ps.Names())
	}
	copy(x.Data, v)
}

func relu(x float64) float64 { return math.Max(0, x) }

func TestTargetByHand(t *testing.T) {
	a := tinyAgent(t, Config{Batch: 3, Gamma: 0.9})
	at, ct := a.ActorTargetParams, a.CriticTargetParams
	set(t, at, "actor.0.w", 1, -1)
	set(t, at, "actor.0.b", 0.5, 0)
	set(t, at, "actor.1.w", 0.8, -0.6)
	set(t, at, "actor.1.b", 0.1)
	// critic heads: input (s', ã) -> 2 hidden -> 1
	set(t, ct, "critic.q1.0.w", 1, 0.5, 2, -1) // [2, 2] row-major: w[in][out]
	set(t, ct, "critic.q1.0.b", 0, 0.2)
	set(t, ct, "critic.q1.1.w", 1.5, -0.5)
	set(t, ct, "critic.q1.1.b", 0.3)
	set(t, ct, "critic.q2.0.w", 0.5, -1, 1, 1)
	set(t, ct, "critic.q2.0.b", 0.1, 0)
	set(t, ct, "critic.q2.1.w", 1, 1)
	set(t, ct, "critic.q2.1.b", -0.2)

	b := &Batch{Next: []float32{0.5, -2, 3}, Reward: []float32{1, -0.5, 2}, Done: []float32{0, 0, 1}}
	noise := []float32{0.9, -0.1, 0.3} // the first is clipped to 0.5
	y := make([]float32, 3)
	if err := a.Target(b, noise, y); err != nil {
		t.Fatal(err)
	}
	for k := range 3 {
		s := float64(b.Next[k])
		mu := math.Tanh(0.8*relu(s*1+0.5) - 0.6*relu(-s) + 0.1)
		eps := math.Max(-0.5, math.Min(0.5, float64(noise[k])))
		at := math.Max(-1, math.Min(1, mu+eps))
		q1 := 1.5*relu(s*1+at*2+0) - 0.5*relu(s*0.5-at+0.2) + 0.3
		q2 := 1*relu(s*0.5+at*1+0.1) + 1*relu(-s+at) - 0.2
		want := float64(b.Reward[k]) + 0.9*(1-float64(b.Done[k]))*math.Min(q1, q2)
		if math.Abs(float64(y[k])-want) > 1e-5 {
			t.Errorf("y[%d] = %v, want %v (mu %v, a %v, q1 %v, q2 %v)", k, y[k], want, mu, at, q1, q2)
		}
	}
}

func randomBatch(a *Agent, seed uint64) *Batch {
	rng := env.NewRand(seed, 9)
	buf, _ := NewReplay(50, a.ObsDim, a.ActDim)
	o, n, act := make([]float64, a.ObsDim), make([]float64, a.ObsDim), make([]float64, a.ActDim)
	for range 50 {
		for j := range o {
			o[j], n[j] = rng.NormFloat64(), rng.NormFloat64()
		}
		for j := range act {
			act[j] = rng.Float64()*2 - 1
		}
		buf.Add(o, act, rng.NormFloat64(), n, rng.IntN(5) == 0)
	}
	b := buf.NewBatch(a.Cfg.Batch)
	buf.Sample(rng, b)
	return b
}

func TestSoftUpdateMovesByTau(t *testing.T) {
	a, err := New(nil, 3, 2, Config{Hidden: []int{8, 8}, Batch: 16, PolicyDelay: 1, Tau: 0.1}, env.NewRand(1, 0))
	if err != nil {
		t.Fatal(err)
	}
	// Make the targets differ from the online networks first.
	for _, ps := range []*nn.Params{a.ActorTargetParams, a.CriticTargetParams} {
		for _, x := range ps.Tensors() {
			x.FillNormal(env.NewRand(2, 0), 0.3)
		}
	}
	oldA, oldC := a.ActorTargetParams.Flatten(nil), a.CriticTargetParams.Flatten(nil)
	beforeA := a.ActorParams.Flatten(nil)
	st, err := a.Update(randomBatch(a, 1))
	if err != nil || !st.ActorStep {
		t.Fatalf("update: %+v %v", st, err)
	}
	newA, newC := a.ActorParams.Flatten(nil), a.CriticParams.Flatten(nil)
	if slices.Equal(newA, beforeA) {
		t.Fatal("the actor did not move")
	}
	check := func(name string, old, online, got []float32) {
		for i := range got {
			want := 0.1*online[i] + 0.9*old[i]
			if math.Abs(float64(got[i]-want)) > 1e-6*(1+math.Abs(float64(want))) {
				t.Fatalf("%s target[%d] = %v, want τ·θ + (1−τ)·θ' = %v", name, i, got[i], want)
			}
		}
	}
	check("actor", oldA, newA, a.ActorTargetParams.Flatten(nil))
	check("critic", oldC, newC, a.CriticTargetParams.Flatten(nil))
}

func TestPolicyDelay(t *testing.T) {
	a, err := New(nil, 3, 2, Config{Hidden: []int{8}, Batch: 16}, env.NewRand(1, 0))
	if err != nil {
		t.Fatal(err)
	}
	b := randomBatch(a, 2)
	for k := 1; k <= 6; k++ {
		actor, target, critic := a.ActorParams.Flatten(nil), a.ActorTargetParams.Flatten(nil), a.CriticParams.Flatten(nil)
		st, err := a.Update(b)
		if err != nil {
			t.Fatal(err)
		}
		moved := !slices.Equal(actor, a.ActorParams.Flatten(nil))
		targetMoved := !slices.Equal(target, a.ActorTargetParams.Flatten(nil))
		if slices.Equal(critic, a.CriticParams.Flatten(nil)) {
			t.Fatalf("update %d: critic did not move", k)
		}
		if want := k%2 == 0; moved != want || targetMoved != want || st.ActorStep != want || math.IsNaN(st.ActorLoss) == want {
			t.Fatalf("update %d: actor moved %v, target moved %v, stats %+v; want actor updates on even updates only", k, moved, targetMoved, st)
		}
	}
	if c, ac := a.Updates(); c != 6 || ac != 3 {
		t.Fatalf("updates %d critic, %d actor; want 6, 3", c, ac)
	}
}

func TestCheckpointRoundTrip(t *testing.T) {
	a, _ := New(nil, 3, 2, Config{Hidden: []int{8}, Batch: 16}, env.NewRand(1, 0))
	for range 3 {
		if _, err := a.Update(randomBatch(a, 3)); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(t.TempDir(), "c.ckpt")
	if err := a.SaveCheckpoint(path); err != nil {
		t.Fatal(err)
	}
	b, _ := New(nil, 3, 2, Config{Hidden: []int{8}, Batch: 16}, env.NewRand(99, 0))
	if err := b.LoadCheckpoint(path); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.ActorParams.Flatten(nil), b.ActorParams.Flatten(nil)) || !slices.Equal(a.CriticTargetParams.Flatten(nil), b.CriticTargetParams.Flatten(nil)) {
		t.Fatal("loaded parameters differ")
	}
	if b.CriticOpt.Steps() != 3 || b.ActorOpt.Steps() != 1 {
		t.Fatalf("optimiser steps %d, %d; want 3, 1", b.CriticOpt.Steps(), b.ActorOpt.Steps())
	}
	c, _ := New(nil, 3, 2, Config{Hidden: []int{9}, Batch: 16}, env.NewRand(99, 0))
	if err := c.LoadCheckpoint(path); err == nil {
		t.Fatal("checkpoint of another architecture loaded")
	}
}

func smallPendulum(seed uint64, steps int64) TrainConfig {
	return TrainConfig{Env: "Pendulum-v1", Seed: seed, Steps: steps,
		TD3: Config{Hidden: []int{64, 64}, Batch: 64, WarmUp: 1000, LR: 1e-3}}
}

func TestSameSeedSameRun(t *testing.T) {
	var runs [2]Summary
	for k := range runs {
		s, err := Train(smallPendulum(5, 1600), nil, nil, Hooks{})
		if err != nil {
			t.Fatal(err)
		}
		runs[k] = s
	}
	a, b := runs[0], runs[1]
	if a.Updates != 600 || a.FinalCritic != b.FinalCritic || a.FinalQMean != b.FinalQMean || !slices.Equal(a.LastEpisodes, b.LastEpisodes) {
		t.Fatalf("same seed, different runs:\n%+v\n%+v", a, b)
	}
	c, err := Train(smallPendulum(6, 1600), nil, nil, Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	if c.FinalCritic == a.FinalCritic {
		t.Fatal("another seed gave the same critic loss")
	}
}

// TestPendulumLearns: 64-64 networks, batch 64, lr 1e-3, 1000 warm-up steps, 10000
// env steps (50 episodes of 200 steps; about 3 s here). A random policy scores about
// -1200 to -1500 on Pendulum-v1; the mean of the last 10 episodes must exceed -600.
func TestPendulumLearns(t *testing.T) {
	cfg := smallPendulum(1, 10000)
	cfg.ReturnWindow = 10
	s, err := Train(cfg, nil, nil, Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("last 10 episodes: mean %.1f, %v", s.RecentReturn, s.LastEpisodes)
	if !(s.RecentReturn > -600) {
		t.Fatalf("mean return of the last 10 episodes %.1f, want > -600 (random: about -1200 to -1500)", s.RecentReturn)
	}
}

package lmdp

import (
	"math"
	"testing"

	"gorl/env/latent"
)

// smallInstances are random instances small enough for exhaustive tree search.
func smallInstances(t *testing.T) []*latent.LMDP {
	t.Helper()
	var out []*latent.LMDP
	seed := uint64(1)
	for _, c := range []struct{ M, S, A, H, G int }{
		{2, 3, 2, 4, 2}, {2, 4, 2, 5, 2}, {3, 3, 2, 4, 3}, {3, 4, 2, 4, 2}, {4, 3, 2, 4, 2}, {2, 4, 3, 4, 4}, {2, 2, 2, 6, 2},
	} {
		for rep := 0; rep < 4; rep++ {
			l, err := latent.Random(c.M, c.S, c.A, c.H, c.G, seed)
			seed++
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, l)
		}
	}
	for _, H := range []int{3, 4, 6} {
		l, err := latent.Cue(2, H)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, l)
	}
	l, err := latent.Hard(2, 4, 2, 4, 0.2, 3)
	if err != nil {
		t.Fatal(err)
	}
	return append(out, l)
}

func TestPBVIEqualsTreeSearch(t *testing.T) {
	for _, l := range smallInstances(t) {
		want, err := TreeSearch(l, 0)
		if err != nil {
			t.Fatal(err)
		}
		md := ModelOf(l)
		pol, err := PBVI{}.Plan(md, Exact{md})
		if err != nil {
			t.Fatal(err)
		}
		if !pol.Complete {
			t.Fatalf("%s: reachable beliefs exceed the default budget", l.Name)
		}
		if math.Abs(pol.Root-want) > 1e-9 {
			t.Errorf("%s: PBVI V*=%.12f, tree search %.12f", l.Name, pol.Root, want)
		}
		// The planned value is achieved: exact evaluation of the policy gives it back.
		ev, err := Evaluate(l, pol, 0)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(ev.Value-want) > 1e-9 {
			t.Errorf("%s: evaluated PBVI policy %.12f, V* %.12f", l.Name, ev.Value, want)
		}
	}
}

func TestGridOnlyPBVIIsALowerBound(t *testing.T) {
	// With a node budget of 1 nearly every belief uses the grid sets: the policy's value
	// can only be <= V*, and its evaluation must agree with an independent rollout count.
	for _, l := range smallInstances(t)[:8] {
		md := ModelOf(l)
		full, _ := PBVI{}.Plan(md, Exact{md})
		grid, err := PBVI{MaxNodes: 1, GridPoints: 8}.Plan(md, Exact{md})
		if err != nil {
			t.Fatal(err)
		}
		if grid.Complete {
			t.Fatalf("%s: budget of 1 node reported complete", l.Name)
		}
		ev, err := Evaluate(l, grid, 0)
		if err != nil {
			t.Fatal(err)
		}
		if ev.Value > full.Root+1e-9 {
			t.Errorf("%s: grid policy value %.9f exceeds V* %.9f", l.Name, ev.Value, full.Root)
		}
		if grid.Root > full.Root+1e-9 {
			t.Errorf("%s: grid PBVI root %.9f exceeds V* %.9f (alpha vectors must be achievable)", l.Name, grid.Root, full.Root)
		}
	}
}

func TestValueOrdering(t *testing.T) {
	for _, l := range smallInstances(t) {
		ref, err := ReferenceValues(l, PBVI{})
		if err != nil {
			t.Fatal(err)
		}
		if !(ref.VOracle >= ref.VStar-1e-12 && ref.VStar >= ref.VWSU-1e-12) {
			t.Errorf("%s: want V_oracle >= V* >= V_WSU, got %.6f, %.6f, %.6f", l.Name, ref.VOracle, ref.VStar, ref.VWSU)
		}
	}
}

func TestSingleContextIsValueIteration(t *testing.T) {
	for seed := uint64(1); seed <= 10; seed++ {
		l, err := latent.Random(1, 5, 3, 7, 3, seed)
		if err != nil {
			t.Fatal(err)
		}
		md := ModelOf(l)
		pol, err := PBVI{}.Plan(md, Exact{md})
		if err != nil {
			t.Fatal(err)
		}
		if want := l.ContextMDPValue(0); math.Abs(pol.Root-want) > 1e-12 {
			t.Errorf("seed %d: M=1 PBVI %.15f, value iteration %.15f", seed, pol.Root, want)
		}
		if v, _ := EvaluateMarkov(l, WSU(l)); math.Abs(v-pol.Root) > 1e-12 {
			t.Errorf("seed %d: M=1 WSU %.15f differs from V* %.15f", seed, v, pol.Root)
		}
	}
}

func TestCueValues(t *testing.T) {
	for _, H := range []int{4, 8, 16} {
		l, err := latent.Cue(2, H)
		if err != nil {
			t.Fatal(err)
		}
		ref, err := ReferenceValues(l, PBVI{})
		if err != nil {
			t.Fatal(err)
		}
		wantStar := 1 - 1/(2*float64(H))
		// WSU weights the contexts by w whatever the state, so even in the cue state it
		// sees a tie and earns 1/M overall; the best Markov policy would use the cue state.
		if math.Abs(ref.VStar-wantStar) > 1e-12 || math.Abs(ref.VOracle-1) > 1e-12 || math.Abs(ref.VWSU-0.5) > 1e-12 {
			t.Errorf("H=%d: V*=%.6f (want %.6f), oracle %.6f (want 1), WSU %.6f (want 0.5)", H, ref.VStar, wantStar, ref.VOracle, ref.VWSU)
		}
		best := 0.0 // best Markov policy by enumeration: per (h, s) choices do not interact here
		for _, act := range [][]int{{0, 1}, {1, 0}} {
			mp := &MarkovPolicy{H: H, S: l.S, Act: make([]int, H*l.S)}
			for h := 0; h < H; h++ {
				mp.Act[h*l.S+1], mp.Act[h*l.S+2] = act[0], act[1]
			}
			v, _ := EvaluateMarkov(l, mp)
			best = max(best, v)
		}
		if want := (1 + float64(H-1)/2) / float64(H); math.Abs(best-want) > 1e-12 || best > ref.VStar {
			t.Errorf("H=%d: best cue-reading Markov policy %.6f, want %.6f < V*", H, best, want)
		}
	}
}

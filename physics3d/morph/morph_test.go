package morph

import (
	"encoding/xml"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func TestGraphTraversals(t *testing.T) {
	// 0 -> {1, 4}; 1 -> {2, 3}; 4 -> {5}
	g, err := NewGraph([]string{"a", "b", "c", "d", "e", "f"}, []int{-1, 0, 1, 1, 0, 4})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(g.Children[1], []int{2, 3}) || !slices.Equal(g.Children[0], []int{1, 4}) {
		t.Errorf("children %v", g.Children)
	}
	// LCRS: left = first child, right = next sibling.
	if want := []int{5, 2, 0, 1, 4, 3}; !slices.Equal(g.InOrder, want) {
		t.Errorf("in-order positions %v, want %v", g.InOrder, want)
	}
	if want := []int{5, 4, 1, 0, 3, 2}; !slices.Equal(g.PostOrder, want) {
		t.Errorf("post-order positions %v, want %v", g.PostOrder, want)
	}
	if !slices.Equal(g.PreOrder, []int{0, 1, 2, 3, 4, 5}) {
		t.Errorf("pre-order %v", g.PreOrder)
	}
	hop := g.HopDistances(nil)
	n := 6.0
	if hop[2*6+5] != 4/n || hop[3*6+2] != 2/n || hop[0] != 0 || hop[5*6+0] != 2/n {
		t.Errorf("hop distances %v", hop)
	}
}

func TestGraphRejectsBadParents(t *testing.T) {
	for _, parents := range [][]int{{0}, {-1, 1}, {-1, 0, 3, 0}, {-1, 0, 0, 1}} {
		names := make([]string, len(parents))
		if _, err := NewGraph(names, parents); err == nil {
			t.Errorf("parents %v accepted", parents)
		}
	}
	if _, err := NewGraph([]string{"a"}, []int{-1, 0}); err == nil {
		t.Error("name count mismatch accepted")
	}
}

func TestPageRankAndLaplacian(t *testing.T) {
	g := mustBuiltin(t, "humanoid-9-full").Graph()
	n := g.N()
	ppr := g.PersonalizedPageRank(0.9, nil)
	for i := 0; i < n; i++ {
		s := 0.0
		for j := 0; j < n; j++ {
			if ppr[i*n+j] <= 0 {
				t.Fatalf("ppr[%d][%d] = %v, want > 0 on a connected graph", i, j, ppr[i*n+j])
			}
			s += ppr[i*n+j]
		}
		if math.Abs(s-1) > 1e-12 {
			t.Errorf("row %d of the PageRank matrix sums to %v", i, s)
		}
		// the restart node carries the largest mass of its own row
		for j := 0; j < n; j++ {
			if ppr[i*n+j] > ppr[i*n+i] {
				t.Errorf("ppr[%d][%d] > ppr[%d][%d]", i, j, i, i)
			}
		}
	}
	// Fixed point: p_i = damping T p_i + (1-damping) e_i, with T the walk with self loops.
	adj := g.Adjacency(nil)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			walk := 0.0
			for k := 0; k < n; k++ {
				a := adj[k*n+j]
				if k == j {
					a = 1
				}
				deg := 1.0
				for l := 0; l < n; l++ {
					deg += adj[k*n+l]
				}
				walk += ppr[i*n+k] * a / deg
			}
			want := 0.9 * walk
			if i == j {
				want += 0.1
			}
			if math.Abs(ppr[i*n+j]-want) > 1e-12 {
				t.Fatalf("PageRank fixed point fails at (%d, %d): %v vs %v", i, j, ppr[i*n+j], want)
			}
		}
	}
	lap := g.NormalizedLaplacian(nil)
	for i := 0; i < n; i++ {
		rowDeg := 0.0
		for j := 0; j < n; j++ {
			if lap[i*n+j] != lap[j*n+i] {
				t.Errorf("Laplacian not symmetric at %d,%d", i, j)
			}
			rowDeg += adj[i*n+j]
		}
		if lap[i*n+i] != 1 {
			t.Errorf("L[%d][%d] = %v", i, i, lap[i*n+i])
		}
	}
	// torso (degree 4) - right_thigh (degree 2): -1/sqrt(8)
	if v := lap[0*n+1]; math.Abs(v+1/math.Sqrt(8)) > 1e-15 {
		t.Errorf("L[torso][right_thigh] = %v", v)
	}
}

func mustBuiltin(t *testing.T, name string) *Morphology {
	t.Helper()
	m, err := Builtin(name)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestBuiltinsAreValid(t *testing.T) {
	counts := map[Family][]int{
		Hopper:   {3, 4, 5},
		Walker:   {2, 3, 4, 5, 5, 7},
		Humanoid: {7, 7, 7, 7, 8, 9},
		Cheetah:  {10, 11, 11, 12, 12, 13, 13, 14},
	}
	for f, want := range counts {
		names := TrainingSet(f)
		if len(names) != len(want) {
			t.Fatalf("%s training set has %d models, want %d", f, len(names), len(want))
		}
		for i, name := range names {
			m := mustBuiltin(t, name)
			if m.Family != f || m.Name != name {
				t.Errorf("%s: family %s name %s", name, m.Family, m.Name)
			}
			if m.NumNodes() != want[i] {
				t.Errorf("%s has %d bodies, want %d", name, m.NumNodes(), want[i])
			}
			if err := m.Validate(); err != nil {
				t.Error(err)
			}
			s, err := m.MJCF()
			if err != nil {
				t.Fatal(err)
			}
			var doc struct{ XMLName xml.Name }
			if err := xml.Unmarshal([]byte(s), &doc); err != nil || doc.XMLName.Local != "mujoco" {
				t.Errorf("%s: MJCF is not well-formed XML: %v", name, err)
			}
			if got := strings.Count(s, "<motor name="); got != 3*(want[i]-1) {
				t.Errorf("%s: %d motors, want %d", name, got, 3*(want[i]-1))
			}
		}
	}
	for _, name := range ZeroShot() {
		if err := mustBuiltin(t, name).Validate(); err != nil {
			t.Error(err)
		}
	}
	if _, err := Builtin("walker-99"); err == nil {
		t.Error("unknown name accepted")
	}
	// Builtin returns independent copies.
	a, b := mustBuiltin(t, "walker-7-full"), mustBuiltin(t, "walker-7-full")
	a.Torso.Children[0].Pos[2] = 5
	if b.Torso.Children[0].Pos[2] == 5 {
		t.Error("built-ins share state")
	}
}

func TestValidateRejects(t *testing.T) {
	base := mustBuiltin(t, "walker-7-full")
	cases := map[string]func(m *Morphology){
		"no torso":       func(m *Morphology) { m.Torso = nil },
		"bad family":     func(m *Morphology) { m.Family = "snake" },
		"zero timestep":  func(m *Morphology) { m.Sim.Timestep = 0 },
		"bad integrator": func(m *Morphology) { m.Sim.Integrator = "leapfrog" },
		"duplicate name": func(m *Morphology) { m.Torso.Children[1].Name = "right_thigh" },
		"empty range":    func(m *Morphology) { m.Torso.Children[0].Joints[0].Range = [2]float64{5, 5} },
		"zero axis":      func(m *Morphology) { m.Torso.Children[0].Joints[2].Axis = Vec3{} },
		"no geoms":       func(m *Morphology) { m.Torso.Children[0].Geoms = nil },
		"nan position":   func(m *Morphology) { m.Torso.Children[0].Pos[1] = math.NaN() },
		"zero radius":    func(m *Morphology) { m.Torso.Geoms[0].Radius = 0 },
		"bad name":       func(m *Morphology) { m.Torso.Children[0].Name = `a"b` },
		"only a torso":   func(m *Morphology) { m.Torso.Children = nil },
	}
	for name, breakIt := range cases {
		m := base.Clone()
		breakIt(m)
		if _, err := m.MJCF(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if err := base.Remove("torso"); err == nil {
		t.Error("removing the torso accepted")
	}
	if err := base.Remove("tail"); err == nil {
		t.Error("removing an unknown limb accepted")
	}
}

func TestRandom(t *testing.T) {
	for _, f := range Families() {
		for k := 0; k < 20; k++ {
			a, err := Random(rand.New(rand.NewPCG(uint64(k), 7)), RandomOptions{Family: f})
			if err != nil {
				t.Fatal(err)
			}
			b, _ := Random(rand.New(rand.NewPCG(uint64(k), 7)), RandomOptions{Family: f})
			sa, _ := a.MJCF()
			sb, _ := b.MJCF()
			if sa != sb {
				t.Fatalf("%s: same seed gave different morphologies", f)
			}
			if a.NumNodes() < 3 {
				t.Errorf("%s: %d nodes", a.Name, a.NumNodes())
			}
			if low := lowestPoint(a); math.Abs(low-lowestPoint(fullOf(f, a))) > 1e-9 && f != Hopper {
				t.Errorf("%s: lowest point %v moved", a.Name, low)
			}
		}
	}
	if _, err := Random(rand.New(rand.NewPCG(1, 1)), RandomOptions{Family: Walker, MinNodes: 20}); err == nil {
		t.Error("impossible MinNodes accepted")
	}
}

func fullOf(f Family, _ *Morphology) *Morphology {
	switch f {
	case Walker:
		return walker()
	case Humanoid:
		return humanoid()
	case Cheetah:
		return cheetah()
	}
	return hopper("", 5)
}

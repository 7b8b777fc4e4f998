package gridworld

import (
	"reflect"
	"testing"

	"gorl/env"
)

// hand is a 3x3 level: start at the centre, a wall above it, a +1 object (always ends
// the episode? no: p_term 0) to the right, a -1 object below that always ends it.
func hand() Level {
	l := Level{Name: "hand", Size: 3, Walls: make([]bool, 9), Start: 4,
		ObjType: []int{0, 1}, ObjPos: []int{5, 7},
		Reward: []float64{1, -1}, PTerm: []float64{0, 1}, PRespawn: []float64{0, 0}, MaxSteps: 4}
	l.Walls[1] = true
	return l
}

func step(e *Env, a int) env.Transition { return e.Step([]float64{float64(a)}) }

func TestHandLevelDynamics(t *testing.T) {
	e, err := New(hand())
	if err != nil {
		t.Fatal(err)
	}
	obs := e.Reset()
	if obs[1*MaxSize+1] != 1 || obs[MaxSize*MaxSize*1+1*MaxSize+2] != 1 || obs[MaxSize*MaxSize*2+2*MaxSize+1] != 1 {
		t.Fatal("observation does not show the agent at (1,1), the +1 object at (1,2) and the -1 object at (2,1)")
	}
	if tr := step(e, 0); e.pos != 4 || tr.Reward != 0 || tr.Done() { // the wall above
		t.Fatalf("moving into the wall: pos %d, %+v", e.pos, tr)
	}
	if tr := step(e, 3); e.pos != 5 || tr.Reward != 1 || tr.Done() {
		t.Fatalf("collecting the +1 object: pos %d, %+v", e.pos, tr)
	}
	if tr := step(e, 3); e.pos != 5 || tr.Reward != 0 { // border; the object is gone
		t.Fatalf("at the border after collecting: pos %d, %+v", e.pos, tr)
	}
	tr := step(e, 4) // stay: time 4 = the level's length
	if !tr.Truncated || tr.Terminated || tr.Obs[ObsDim-1] != 0.004 {
		t.Fatalf("fourth step should truncate with time 0.004: %+v", tr)
	}
	e.Reset()
	step(e, 1) // down onto the -1 object that always ends the episode
	step(e, 1)
	if e.pos != 7 {
		t.Fatalf("pos %d, want 7", e.pos)
	}
}

func TestTerminatingObject(t *testing.T) {
	e, _ := New(hand())
	e.Reset()
	step(e, 2) // left to 3
	tr := step(e, 1)
	if e.pos != 6 || tr.Done() {
		t.Fatalf("pos %d %+v", e.pos, tr)
	}
	tr = step(e, 3) // right onto the -1 object at 7
	if tr.Reward != -1 || !tr.Terminated || tr.Truncated {
		t.Fatalf("collecting the terminating object: %+v", tr)
	}
}

func TestLevelsDeterministicAndDistinct(t *testing.T) {
	for _, k := range Kinds() {
		a, err := NewLevel(k, 3)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := NewLevel(k, 3)
		c, _ := NewLevel(k, 4)
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("%s: level 3 differs between draws", k)
		}
		if reflect.DeepEqual(a.ObjPos, c.ObjPos) && a.Start == c.Start {
			t.Fatalf("%s: levels 3 and 4 have the same layout", k)
		}
		if a.Walls[a.Start] {
			t.Fatalf("%s: start on a wall", k)
		}
		for _, p := range a.ObjPos {
			if a.Walls[p] || p == a.Start {
				t.Fatalf("%s: object on a wall or the start", k)
			}
		}
	}
	l, _ := NewLevel("random", 11)
	if l.Size < 4 || l.Size > 10 || l.MaxSteps < 20 || l.MaxSteps > 750 || len(l.ObjType) < 1 || len(l.ObjType) > 5 || l.Reward[0] < 0 {
		t.Fatalf("random level outside groove's ranges: %+v", l)
	}
}

func TestRespawnAndSnapshot(t *testing.T) {
	l := hand()
	l.PRespawn = []float64{0.5, 0}
	l.MaxSteps = 1000
	e, _ := New(l)
	e.Seed(3)
	e.Reset()
	step(e, 3) // collect the +1 object
	back := 0
	for range 40 {
		if tr := step(e, 2); e.exists[0] {
			back++
			_ = tr
			break
		}
	}
	if back == 0 {
		t.Fatal("an object with respawn probability 0.5 did not return in 40 steps")
	}
	snap, err := e.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	var a []env.Transition
	acts := []int{3, 2, 2, 3, 3, 1, 0, 4, 3, 2}
	for _, x := range acts {
		tr := step(e, x)
		tr.Obs = append([]float64(nil), tr.Obs...)
		a = append(a, tr)
	}
	f, _ := New(l)
	if err := f.Restore(snap); err != nil {
		t.Fatal(err)
	}
	for i, x := range acts {
		tr := step(f, x)
		if tr.Reward != a[i].Reward || tr.Done() != a[i].Done() || !reflect.DeepEqual(tr.Obs, a[i].Obs) {
			t.Fatalf("step %d after restore differs", i)
		}
	}
}

func TestRegistered(t *testing.T) {
	for _, k := range Kinds() {
		e, err := env.Make("grid/"+k, env.Options{"level": "2"})
		if err != nil {
			t.Fatal(err)
		}
		if e.ObservationSpace().Dim() != ObsDim || e.ActionSpace().N != NumActions {
			t.Fatalf("grid/%s spaces %v %v", k, e.ObservationSpace(), e.ActionSpace())
		}
	}
	if _, err := env.Make("grid/random", env.Options{"level": "x"}); err == nil {
		t.Fatal("bad level option accepted")
	}
	if _, err := env.Make("grid/random", env.Options{"size": "3"}); err == nil {
		t.Fatal("unknown option accepted")
	}
}

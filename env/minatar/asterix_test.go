package minatar

import (
	"math"
	"testing"
)

func newAsterix(t *testing.T, cfg Config) (*Env, *asterix) {
	t.Helper()
	e := newEnv(t, "asterix", cfg)
	return e, e.g.(*asterix)
}

func (s *asterix) alive() int {
	n := 0
	for _, e := range s.slots {
		if e.alive {
			n++
		}
	}
	return n
}

func TestAsterixPlayerMoves(t *testing.T) {
	e, s := newAsterix(t, mechanics)
	s.spawnTimer = 1000
	for _, c := range []struct{ a, x, y int }{
		{actUp, 5, 4}, {actUp, 5, 3}, {actUp, 5, 2}, {actUp, 5, 1}, {actUp, 5, 1}, // row 0 is out of bounds
		{actLeft, 4, 1}, {actRight, 5, 1}, {actFire, 5, 1}, {actNoop, 5, 1},
	} {
		step(e, c.a)
		if s.px != c.x || s.py != c.y || !cell(e, c.y, c.x, 0) {
			t.Fatalf("action %d: player at (%d, %d), want (%d, %d)", c.a, s.px, s.py, c.x, c.y)
		}
	}
	s.py = 8
	step(e, actDown)
	if s.py != 8 {
		t.Errorf("player moved below row 8 to %d", s.py)
	}
}

// TestAsterixSpawns: the first entity comes on frame 11, then one every 10 frames;
// entities enter at an edge moving inwards, in a free row, gold a third of the time.
func TestAsterixSpawns(t *testing.T) {
	e, s := newAsterix(t, mechanics)
	s.px, s.py = 0, 1 // out of most entities' way
	for frame := 1; frame <= 10; frame++ {
		step(e, actNoop)
		if s.alive() != 0 {
			t.Fatalf("entity on frame %d", frame)
		}
	}
	step(e, actNoop)
	if s.alive() != 1 {
		t.Fatalf("%d entities on frame 11, want 1", s.alive())
	}
	gold, right, n := 0, 0, 0
	for seed := uint64(0); seed < 3000; seed++ {
		e.Seed(seed)
		e.Reset()
		s.spawnTimer = 0
		step(e, actNoop)
		for i, en := range s.slots {
			if !en.alive {
				continue
			}
			n++
			if en.gold {
				gold++
			}
			if en.right {
				right++
				if en.x != 0 {
					t.Fatalf("right-moving entity spawned at column %d", en.x)
				}
			} else if en.x != 9 {
				t.Fatalf("left-moving entity spawned at column %d", en.x)
			}
			ch := 1
			if en.gold {
				ch = 3
			}
			if !cell(e, i+1, en.x, ch) {
				t.Fatalf("entity in row %d not drawn", i+1)
			}
		}
	}
	if n != 3000 {
		t.Fatalf("%d spawns in 3000 tries", n)
	}
	// Binomial: 5 standard deviations.
	if g := float64(gold) / 3000; math.Abs(g-1.0/3) > 5*math.Sqrt(2.0/9/3000) {
		t.Errorf("gold fraction %.3f, want 1/3", g)
	}
	if r := float64(right) / 3000; math.Abs(r-0.5) > 5*math.Sqrt(0.25/3000) {
		t.Errorf("right-moving fraction %.3f, want 1/2", r)
	}
	// Every row taken: nothing spawns.
	e.Reset()
	for i := range s.slots {
		s.slots[i] = asterixEntity{alive: true, x: 9, gold: true}
	}
	s.spawnTimer, s.moveTimer = 0, 3
	s.px, s.py = 0, 1
	step(e, actNoop)
	if s.alive() != axSlots {
		t.Errorf("%d entities after a spawn with every row taken", s.alive())
	}
}

func TestAsterixCollisions(t *testing.T) {
	// Gold moving onto the player: +1, gone.
	e, s := newAsterix(t, mechanics)
	s.spawnTimer = 1000
	s.slots[4] = asterixEntity{alive: true, x: 6, gold: true} // row 5, moving left
	s.moveTimer = 0
	tr := step(e, actNoop)
	if tr.Reward != 1 || s.slots[4].alive || tr.Terminated {
		t.Fatalf("gold moved onto the player: %+v, entity %+v", tr, s.slots[4])
	}
	// The player stepping onto gold.
	e, s = newAsterix(t, mechanics)
	s.spawnTimer = 1000
	s.slots[4] = asterixEntity{alive: true, x: 6, gold: true}
	s.moveTimer = 3
	if tr := step(e, actRight); tr.Reward != 1 || s.slots[4].alive {
		t.Fatalf("stepped onto gold: %+v", tr)
	}
	// An enemy: the episode ends.
	e, s = newAsterix(t, mechanics)
	s.spawnTimer = 1000
	s.slots[4] = asterixEntity{alive: true, x: 4, right: true}
	s.moveTimer = 0
	if tr := step(e, actNoop); !tr.Terminated || tr.Reward != 0 {
		t.Fatalf("enemy moved onto the player: %+v", tr)
	}
	// Trails: the cell behind each entity.
	e, s = newAsterix(t, mechanics)
	s.spawnTimer = 1000
	s.slots[0] = asterixEntity{alive: true, x: 3, right: true}
	s.slots[7] = asterixEntity{alive: true, x: 3, gold: true}
	s.slots[2] = asterixEntity{alive: true, x: 9, gold: true} // trail off the grid
	s.moveTimer = 3
	step(e, actNoop)
	if !cell(e, 1, 3, 1) || !cell(e, 1, 2, 2) || !cell(e, 8, 3, 3) || !cell(e, 8, 4, 2) || count(e, 2) != 2 {
		t.Error("entities or trails misdrawn")
	}
	// Leaving the grid.
	s.moveTimer = 0
	s.slots[0].x = 9
	step(e, actNoop)
	if s.slots[0].alive || !s.slots[7].alive || s.slots[7].x != 2 {
		t.Errorf("after a move: %+v %+v", s.slots[0], s.slots[7])
	}
}

// TestAsterixRamp: the ramp steps every 102 frames: spawn interval -1 each time, move
// interval -1 at every other step; nothing changes without ramping.
func TestAsterixRamp(t *testing.T) {
	for _, ramping := range []bool{true, false} {
		e, s := newAsterix(t, Config{FullActionSet: true, StickyActionProb: -1, NoRamping: !ramping})
		type level struct{ frame, spawn, move int }
		var got []level
		for frame := 1; frame <= 1100; frame++ {
			s.slots = [axSlots]asterixEntity{} // keep the player safe
			before := s.rampIndex
			step(e, actNoop)
			if s.rampIndex != before {
				got = append(got, level{frame, s.spawnSpeed, s.moveSpeed})
			}
		}
		if !ramping {
			if len(got) != 0 || s.spawnSpeed != axInitSpawnSpeed || s.moveSpeed != axInitMoveEvery {
				t.Errorf("no ramping: ramp steps %v", got)
			}
			continue
		}
		want := []level{{102, 9, 5}, {204, 8, 4}, {306, 7, 4}, {408, 6, 3}, {510, 5, 3}, {612, 4, 2}, {714, 3, 2}, {816, 2, 1}, {918, 1, 1}}
		if len(got) != len(want) {
			t.Fatalf("ramp steps %v, want %v", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("ramp steps %v, want %v", got, want)
			}
		}
		if e.DifficultyRamp() != 9 {
			t.Errorf("difficulty ramp %d, want 9", e.DifficultyRamp())
		}
	}
}

package minatar

import (
	"slices"
	"testing"
)

func newFreeway(t *testing.T) (*Env, *freeway) {
	t.Helper()
	e := newEnv(t, "freeway", mechanics)
	return e, e.g.(*freeway)
}

// park puts every car far from the chicken's column, moving away from it slowly.
func (f *freeway) park() {
	for i := range f.cars {
		f.cars[i] = freewayCar{x: 8, timer: 5, speed: 5}
	}
}

func TestFreewayReset(t *testing.T) {
	speeds := map[int]int{}
	for seed := uint64(0); seed < 100; seed++ {
		e, f := newFreeway(t)
		e.Seed(seed)
		e.Reset()
		if f.pos != 9 || f.moveTimer != fwPlayerSpeed || f.timeLeft != fwTimeLimit || !cell(e, 9, 4, 0) {
			t.Fatalf("reset: %+v", *f)
		}
		for i, c := range f.cars {
			if c.x != 0 || c.timer != abs(c.speed) || c.speed == 0 || abs(c.speed) > 5 {
				t.Fatalf("car %d at reset: %+v", i, c)
			}
			speeds[c.speed]++
			if !cell(e, i+1, 0, 1) {
				t.Fatalf("car %d not drawn", i)
			}
			back := 9 // the cell behind a right-moving car at column 0 wraps to column 9
			if c.speed < 0 {
				back = 1
			}
			if !cell(e, i+1, back, 1+abs(c.speed)) {
				t.Fatalf("car %d (speed %d): no trail in column %d channel speed%d", i, c.speed, back, abs(c.speed))
			}
		}
	}
	// 800 draws over 10 values: each should appear.
	if len(speeds) != 10 {
		t.Errorf("car speeds drawn: %v, want all of ±1..5", speeds)
	}
}

func TestFreewayChickenMoves(t *testing.T) {
	e, f := newFreeway(t)
	f.park()
	var rows []int
	for i := 0; i < 8; i++ {
		step(e, actUp)
		rows = append(rows, f.pos)
	}
	// The move timer starts at 3: the first move comes on frame 4, the next 3 frames later.
	if want := []int{9, 9, 9, 8, 8, 8, 7, 7}; !slices.Equal(rows, want) {
		t.Errorf("rows while pressing up: %v, want %v", rows, want)
	}
	// Down is clamped at the bottom; l, r and f do nothing.
	e, f = newFreeway(t)
	f.park()
	f.moveTimer = 0
	for _, a := range []int{actDown, actLeft, actRight, actFire} {
		step(e, a)
		if f.pos != 9 {
			t.Fatalf("action %d moved the chicken to row %d", a, f.pos)
		}
	}
}

func TestFreewayCrossing(t *testing.T) {
	e, f := newFreeway(t)
	f.park()
	f.pos, f.moveTimer = 1, 0
	before := f.cars
	tr := step(e, actUp)
	if tr.Reward != 1 || f.pos != 9 || !cell(e, 9, 4, 0) {
		t.Fatalf("crossing: reward %v, chicken on row %d", tr.Reward, f.pos)
	}
	// The cars keep their places but get new speeds (and their timers restart).
	changed := false
	for i, c := range f.cars {
		if c.x != before[i].x {
			t.Fatalf("car %d moved from column %d to %d on the crossing", i, before[i].x, c.x)
		}
		changed = changed || c.speed != before[i].speed
	}
	if !changed {
		t.Error("crossing did not redraw the car speeds")
	}
}

func TestFreewayCars(t *testing.T) {
	e, f := newFreeway(t)
	f.park()
	// A right-moving car of speed 2 moves every 3 frames and wraps at the right edge.
	f.cars[2] = freewayCar{x: 8, timer: 0, speed: 2}
	var xs []int
	for i := 0; i < 7; i++ {
		step(e, actNoop)
		xs = append(xs, f.cars[2].x)
	}
	if want := []int{9, 9, 9, 0, 0, 0, 1}; !slices.Equal(xs, want) {
		t.Errorf("speed-2 car columns %v, want %v", xs, want)
	}
	if !cell(e, 3, 1, 1) || !cell(e, 3, 0, 3) {
		t.Error("car or its speed2 trail not drawn")
	}
	// A left-moving car of speed 1 moves every other frame and wraps at the left edge.
	f.cars[5] = freewayCar{x: 0, timer: 0, speed: -1}
	step(e, actNoop)
	if f.cars[5].x != 9 || !cell(e, 6, 9, 1) || !cell(e, 6, 0, 2) {
		t.Errorf("speed -1 car at column %d, want 9", f.cars[5].x)
	}
}

func TestFreewayCollision(t *testing.T) {
	// A car moving into the chicken's cell sends it to the bottom.
	e, f := newFreeway(t)
	f.park()
	f.pos = 5
	f.cars[4] = freewayCar{x: 3, timer: 0, speed: 1} // lane 5
	step(e, actNoop)
	if f.pos != 9 {
		t.Errorf("hit by a car: chicken on row %d, want 9", f.pos)
	}
	// So does stepping into a car's cell.
	e, f = newFreeway(t)
	f.park()
	f.pos, f.moveTimer = 6, 0
	f.cars[4] = freewayCar{x: 4, timer: 3, speed: 3}
	step(e, actUp)
	if f.pos != 9 {
		t.Errorf("stepped onto a car: chicken on row %d, want 9", f.pos)
	}
	// A car in another lane does nothing.
	e, f = newFreeway(t)
	f.park()
	f.pos = 5
	f.cars[5] = freewayCar{x: 3, timer: 0, speed: 1}
	step(e, actNoop)
	if f.pos != 5 {
		t.Errorf("car in lane 6 moved the chicken on row 5 to row %d", f.pos)
	}
}

func TestFreewayEndsAfter2500Frames(t *testing.T) {
	e, _ := newFreeway(t)
	frames, crossings := 0, 0.0
	for {
		tr := step(e, []int{actUp, actUp, actNoop}[frames%3])
		frames++
		crossings += tr.Reward
		if tr.Terminated {
			break
		}
	}
	if frames != fwTimeLimit+1 {
		t.Errorf("episode lasted %d frames, want 2501", frames)
	}
	t.Logf("always up: %v crossings in an episode", crossings)
}

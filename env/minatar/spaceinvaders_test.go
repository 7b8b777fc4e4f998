package minatar

import (
	"math/bits"
	"testing"
)

func newSpaceInvaders(t *testing.T, cfg Config) (*Env, *spaceInvaders) {
	t.Helper()
	e := newEnv(t, "space_invaders", cfg)
	return e, e.g.(*spaceInvaders)
}

// quiet stops the aliens from moving or shooting for a long while.
func (s *spaceInvaders) quiet() {
	s.moveTimer, s.alienTimer = 1000, 1000
}

func TestSpaceInvadersReset(t *testing.T) {
	e, s := newSpaceInvaders(t, mechanics)
	if s.pos != 5 || !cell(e, 9, 5, 0) || s.alienDir != -1 || s.alienCount() != 24 {
		t.Fatalf("reset: %+v", *s)
	}
	for y := 0; y < Size; y++ {
		for x := 0; x < Size; x++ {
			want := y < 4 && x >= 2 && x <= 7
			if cell(e, y, x, 1) != want || cell(e, y, x, 2) != want || cell(e, y, x, 3) {
				t.Fatalf("reset: alien channels wrong at row %d column %d", y, x)
			}
		}
	}
}

// TestSpaceInvadersAlienMovement: the block first moves on frame 13 (the move timer
// starts at 12 and counts down to 0), then every 12 frames; it turns and drops a row
// at the edge.
func TestSpaceInvadersAlienMovement(t *testing.T) {
	e, s := newSpaceInvaders(t, mechanics)
	s.alienTimer = 1000 // no shots
	leftmost := func() int {
		var any uint16
		for _, row := range s.aliens {
			any |= row
		}
		return bits.TrailingZeros16(any)
	}
	var moves []int // frames on which the block moved
	top := 0
	for frame := 1; frame <= 60; frame++ {
		lx, ty := leftmost(), top
		step(e, actNoop)
		if s.aliens[top] == 0 {
			top++
		}
		if leftmost() != lx || top != ty {
			moves = append(moves, frame)
		}
	}
	want := []int{13, 25, 37, 49}
	if len(moves) < 4 || moves[0] != want[0] || moves[1] != want[1] || moves[2] != want[2] || moves[3] != want[3] {
		t.Fatalf("block moved on frames %v, want %v", moves, want)
	}
	// Frames 13 and 25 moved it left to columns 0-5; frame 37 found it at the left edge:
	// it turned right and dropped a row; frame 49 moved it right.
	if s.alienDir != 1 || top != 1 || leftmost() != 1 || !cell(e, 1, 1, 3) || cell(e, 1, 1, 2) {
		t.Fatalf("after the turn: direction %d, top row %d, leftmost column %d", s.alienDir, top, leftmost())
	}
}

func TestSpaceInvadersShooting(t *testing.T) {
	e, s := newSpaceInvaders(t, mechanics)
	s.quiet()
	s.pos = 0 // below no alien
	// The bullet appears on row 8 (fired from row 9, moved once) and climbs a row per frame.
	step(e, actFire)
	if !cell(e, 8, 0, 4) || count(e, 4) != 1 || s.shotTimer != siShotCoolDown-1 {
		t.Fatalf("fired: bullet cells %d, shot timer %d", count(e, 4), s.shotTimer)
	}
	// Firing does not move the cannon; cool-down: the next shot comes 5 frames later.
	shots := 1
	for i := 0; i < 4; i++ {
		step(e, actFire)
		if count(e, 4) > shots {
			t.Fatalf("fired again %d frames after the first shot", i+1)
		}
	}
	step(e, actFire)
	if !cell(e, 8, 0, 4) || !cell(e, 3, 0, 4) || s.pos != 0 {
		t.Fatalf("second shot: bullets on rows 8 and 3 wanted, cannon %d", s.pos)
	}
	// Bullets leave at the top.
	for i := 0; i < 9; i++ {
		step(e, actNoop)
	}
	if count(e, 4) != 0 {
		t.Fatalf("%d bullets still on screen", count(e, 4))
	}
}

func TestSpaceInvadersHit(t *testing.T) {
	e, s := newSpaceInvaders(t, mechanics)
	s.quiet()
	s.aliens = [Size]uint16{}
	s.aliens[5] = bit(3) | bit(4)
	s.fBullets[6] = bit(3)
	s.pos = 3
	tr := step(e, actNoop)
	if tr.Reward != 1 || s.aliens[5] != bit(4) || s.fBullets[5] != 0 || count(e, 1) != 1 || count(e, 4) != 0 {
		t.Fatalf("hit: reward %v, aliens %b, bullets %b", tr.Reward, s.aliens[5], s.fBullets[5])
	}
	// Two bullets, two aliens: +2 in one frame.
	e, s = newSpaceInvaders(t, mechanics)
	s.quiet()
	s.fBullets[4] = bit(2) | bit(7)
	if tr := step(e, actNoop); tr.Reward != 2 || s.alienCount() != 22 {
		t.Fatalf("double hit: reward %v, %d aliens left", tr.Reward, s.alienCount())
	}
}

func TestSpaceInvadersEnemyShots(t *testing.T) {
	// The lowest alien of the nearest column shoots; ties go to the left column.
	for _, c := range []struct {
		pos          int
		aliens       map[int]uint16 // row -> columns
		wantY, wantX int
	}{
		{5, map[int]uint16{1: bit(2) | bit(7), 3: bit(2)}, 1, 7},
		{5, map[int]uint16{0: bit(3) | bit(7), 2: bit(3) | bit(7)}, 2, 3},
		{0, map[int]uint16{0: bit(9), 4: bit(9)}, 4, 9},
		{5, map[int]uint16{0: bit(5), 6: bit(5)}, 6, 5},
	} {
		e, s := newSpaceInvaders(t, mechanics)
		s.quiet()
		s.pos = c.pos
		s.aliens = [Size]uint16{}
		for y, row := range c.aliens {
			s.aliens[y] = row
		}
		s.alienTimer = 0
		step(e, actNoop)
		if count(e, 5) != 1 || !cell(e, c.wantY, c.wantX, 5) || s.alienTimer != siEnemyShotInterval-1 {
			t.Errorf("cannon %d, aliens %v: shot not from row %d column %d", c.pos, c.aliens, c.wantY, c.wantX)
		}
		// The shot falls a row per frame.
		step(e, actNoop)
		if !cell(e, c.wantY+1, c.wantX, 5) {
			t.Errorf("shot did not fall")
		}
	}
	// An alien bullet reaching the cannon's cell ends the episode.
	e, s := newSpaceInvaders(t, mechanics)
	s.quiet()
	s.eBullets[8] = bit(5)
	if tr := step(e, actNoop); !tr.Terminated {
		t.Error("bullet reached the cannon: not terminated")
	}
	// ... unless the cannon steps aside first.
	e, s = newSpaceInvaders(t, mechanics)
	s.quiet()
	s.eBullets[8] = bit(5)
	if tr := step(e, actLeft); tr.Terminated {
		t.Error("cannon stepped aside: terminated")
	}
}

func TestSpaceInvadersAlienReachesCannon(t *testing.T) {
	e, s := newSpaceInvaders(t, mechanics)
	s.quiet()
	s.aliens = [Size]uint16{}
	s.aliens[9] = bit(5)
	if tr := step(e, actNoop); !tr.Terminated {
		t.Error("alien on the cannon: not terminated")
	}
	// An alien moving onto the cannon.
	e, s = newSpaceInvaders(t, mechanics)
	s.aliens = [Size]uint16{}
	s.aliens[9] = bit(6)
	s.alienTimer, s.moveTimer, s.alienDir = 1000, 0, -1
	if tr := step(e, actNoop); !tr.Terminated || s.aliens[9] != bit(5) {
		t.Errorf("alien moved onto the cannon: terminated %v, row 9 %b", tr.Terminated, s.aliens[9])
	}
}

// TestSpaceInvadersRamp: a lone alien moves every frame; clearing a wave brings a new
// one that moves a frame faster, down to every 6 frames; without ramping the speed stays.
func TestSpaceInvadersRamp(t *testing.T) {
	e, s := newSpaceInvaders(t, mechanics)
	s.aliens = [Size]uint16{}
	s.aliens[2] = bit(5)
	s.alienTimer, s.moveTimer = 1000, 0
	for i := 0; i < 4; i++ {
		before := s.aliens[2]
		step(e, actNoop)
		if s.aliens[2] == before {
			t.Fatalf("lone alien did not move on frame %d", i+1)
		}
	}
	for _, ramping := range []bool{true, false} {
		e, s := newSpaceInvaders(t, Config{FullActionSet: true, StickyActionProb: -1, NoRamping: !ramping})
		for wave := 1; wave <= 8; wave++ {
			s.quiet()
			s.aliens = [Size]uint16{}
			s.aliens[8] = bit(5)
			s.fBullets[9] = bit(5)
			s.pos = 0
			if tr := step(e, actNoop); tr.Reward != 1 {
				t.Fatalf("wave %d: last alien not hit", wave)
			}
			if s.alienCount() != 24 || s.aliens[0] != siWaveRow {
				t.Fatalf("wave %d: no new wave", wave)
			}
			wantEvery, wantRamp := siEnemyMoveInterval, 0
			if ramping {
				wantEvery, wantRamp = max(siEnemyMoveInterval-wave, siMinMoveInterval), min(wave, siEnemyMoveInterval-siMinMoveInterval)
			}
			if s.moveEvery != wantEvery || e.DifficultyRamp() != wantRamp {
				t.Fatalf("ramping %v, wave %d cleared: move interval %d ramp %d, want %d and %d",
					ramping, wave, s.moveEvery, e.DifficultyRamp(), wantEvery, wantRamp)
			}
		}
	}
}

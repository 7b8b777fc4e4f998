package minatar

import "testing"

func newSeaquestEnv(t *testing.T, cfg Config) (*Env, *seaquest) {
	t.Helper()
	e := newEnv(t, "seaquest", cfg)
	s := e.g.(*seaquest)
	s.spawnTimer, s.diverTimer = 1000, 1000 // no spawns unless a test wants them
	return e, s
}

func TestSeaquestReset(t *testing.T) {
	e, s := newSeaquestEnv(t, mechanics)
	if s.subX != 5 || s.subY != 0 || s.subRight || s.oxygen != sqMaxOxygen || s.diverCount != 0 || !s.surfaced {
		t.Fatalf("reset: %+v", *s)
	}
	if !cell(e, 0, 5, 0) || !cell(e, 0, 6, 1) || count(e, 7) != 10 || count(e, 8) != 0 {
		t.Error("reset: submarine (front 5, back 6, facing left) or full oxygen bar not drawn")
	}
}

func TestSeaquestOxygen(t *testing.T) {
	e, s := newSeaquestEnv(t, mechanics)
	step(e, actDown)
	if s.oxygen != sqMaxOxygen-1 || s.surfaced {
		t.Fatalf("one frame under water: oxygen %d surfaced %v", s.oxygen, s.surfaced)
	}
	// The bar shows oxygen·10/200 cells.
	s.oxygen = 41
	step(e, actNoop)
	if count(e, 7) != 2 || !cell(e, 9, 0, 7) || !cell(e, 9, 1, 7) {
		t.Fatalf("oxygen 40: bar of %d cells, want 2", count(e, 7))
	}
	// Running out: the frame that uses the last unit survives, the next one ends it.
	s.oxygen = 1
	if tr := step(e, actNoop); tr.Terminated || s.oxygen != 0 || count(e, 7) != 0 {
		t.Fatalf("last unit: %+v, oxygen %d", tr, s.oxygen)
	}
	if tr := step(e, actNoop); !tr.Terminated || count(e, 7) != 0 {
		t.Fatalf("no oxygen left: %+v, bar %d cells", tr, count(e, 7))
	}
	// At the surface oxygen does not drop.
	e, s = newSeaquestEnv(t, mechanics)
	for i := 0; i < 300; i++ {
		if tr := step(e, actNoop); tr.Terminated {
			t.Fatalf("ended at the surface on frame %d", i+1)
		}
	}
	if s.oxygen != sqMaxOxygen {
		t.Errorf("oxygen %d after 300 frames at the surface", s.oxygen)
	}
}

func TestSeaquestSurfacing(t *testing.T) {
	// Without divers: the episode ends.
	e, s := newSeaquestEnv(t, mechanics)
	step(e, actDown)
	if tr := step(e, actUp); !tr.Terminated {
		t.Fatal("surfaced without divers: not terminated")
	}
	// With two: one is taken, the oxygen is refilled, the ramp steps once.
	e, s = newSeaquestEnv(t, mechanics)
	step(e, actDown)
	s.diverCount, s.oxygen = 2, 50
	tr := step(e, actUp)
	if tr.Terminated || tr.Reward != 0 || s.diverCount != 1 || s.oxygen != sqMaxOxygen || count(e, 8) != 1 || count(e, 7) != 10 {
		t.Fatalf("surfaced with 2 divers: %+v, divers %d oxygen %d", tr, s.diverCount, s.oxygen)
	}
	if s.spawnSpeed != sqInitSpawnSpeed-1 || s.moveSpeed != sqInitMoveEvery || e.DifficultyRamp() != 1 {
		t.Fatalf("ramp after surfacing: spawn %d move %d ramp %d", s.spawnSpeed, s.moveSpeed, e.DifficultyRamp())
	}
	// Staying at the surface does not count again.
	if tr := step(e, actNoop); tr.Terminated || s.diverCount != 1 || e.DifficultyRamp() != 1 {
		t.Fatalf("second frame at the surface: %+v, divers %d", tr, s.diverCount)
	}
	// With six: the bonus 10·oxygen/200, then (as in MinAtar) the count is left at -1.
	e, s = newSeaquestEnv(t, mechanics)
	step(e, actDown)
	s.diverCount, s.oxygen = 6, 150
	tr = step(e, actUp)
	if tr.Reward != 7 || s.diverCount != -1 || count(e, 8) != 0 || tr.Terminated {
		t.Fatalf("surfaced with 6 divers: %+v, divers %d", tr, s.diverCount)
	}
	// One diver picked up brings the count to 0, and surfacing with it ends the episode.
	step(e, actDown)
	s.divers = append(s.divers, sqDiver{x: s.subX, y: s.subY, moveTimer: 3})
	step(e, actNoop)
	if s.diverCount != 0 {
		t.Fatalf("picked a diver up from -1: count %d", s.diverCount)
	}
	if tr := step(e, actUp); !tr.Terminated {
		t.Error("surfacing with the count back at 0 did not end the episode")
	}
}

func TestSeaquestRamp(t *testing.T) {
	for _, ramping := range []bool{true, false} {
		e, s := newSeaquestEnv(t, Config{FullActionSet: true, StickyActionProb: -1, NoRamping: !ramping})
		type level struct{ spawn, move int }
		var got []level
		for i := 0; i < 25; i++ {
			step(e, actDown)
			s.diverCount, s.spawnTimer, s.diverTimer = 3, 1000, 1000
			step(e, actUp)
			got = append(got, level{s.spawnSpeed, s.moveSpeed})
		}
		if !ramping {
			if got[24] != (level{sqInitSpawnSpeed, sqInitMoveEvery}) || e.DifficultyRamp() != 0 {
				t.Errorf("no ramping: %v", got)
			}
			continue
		}
		// The move interval drops at ramp steps 2, 4 and 6 down to 2; the spawn interval
		// every time down to 1.
		want := []level{{19, 5}, {18, 4}, {17, 4}, {16, 3}, {15, 3}, {14, 2}, {13, 2}}
		for i, w := range want {
			if got[i] != w {
				t.Fatalf("ramp levels %v, want %v...", got[:len(want)], want)
			}
		}
		if got[24] != (level{1, sqMinMoveEvery}) || e.DifficultyRamp() != 19 {
			t.Errorf("after 25 surfacings: %v, ramp %d; want spawn 1, move 2, ramp 19", got[24], e.DifficultyRamp())
		}
	}
}

func TestSeaquestShooting(t *testing.T) {
	// Facing right at (5, 3); a fish at (6, 3): the bullet moves into it at once.
	e, s := newSeaquestEnv(t, mechanics)
	s.subX, s.subY, s.subRight, s.surfaced = 5, 3, true, false
	s.fish = append(s.fish, sqEnemy{x: 6, y: 3, right: false, moveTimer: 3})
	tr := step(e, actFire)
	if tr.Reward != 1 || len(s.fish) != 0 || len(s.fBullets) != 0 {
		t.Fatalf("shot a fish: %+v, fish %v bullets %v", tr, s.fish, s.fBullets)
	}
	// Cool-down: 5 frames between shots; a bullet travels a cell per frame.
	step(e, actFire)
	if len(s.fBullets) != 0 {
		t.Fatal("fired during the cool-down")
	}
	for i := 0; i < 3; i++ {
		step(e, actNoop)
	}
	step(e, actFire)
	if len(s.fBullets) != 1 || s.fBullets[0].x != 6 || !cell(e, 3, 6, 2) {
		t.Fatalf("second shot: %v", s.fBullets)
	}
	step(e, actNoop)
	if s.fBullets[0].x != 7 {
		t.Fatalf("bullet at column %d, want 7", s.fBullets[0].x)
	}
	// A bullet moving into an enemy sub destroys it too; fish are checked first.
	e, s = newSeaquestEnv(t, mechanics)
	s.subX, s.subY, s.subRight, s.surfaced = 2, 4, false, false
	s.subs = append(s.subs, sqEnemy{x: 9, y: 4, right: false, moveTimer: 3, shotTimer: 5})
	s.fish = append(s.fish, sqEnemy{x: 9, y: 4, right: false, moveTimer: 3})
	s.fBullets = append(s.fBullets, sqBullet{x: 9, y: 4, right: true}) // leaves on this frame
	s.fBullets = append(s.fBullets, sqBullet{x: 8, y: 4, right: true})
	tr = step(e, actNoop)
	if tr.Reward != 1 || len(s.subs) != 1 || len(s.fish) != 0 || len(s.fBullets) != 0 {
		t.Fatalf("bullet met a fish and a sub: %+v, subs %v fish %v bullets %v", tr, s.subs, s.fish, s.fBullets)
	}
	// A sub moving into a bullet.
	e, s = newSeaquestEnv(t, mechanics)
	s.subX, s.subY, s.surfaced = 0, 6, false
	s.subs = append(s.subs, sqEnemy{x: 4, y: 2, right: true, moveTimer: 0, shotTimer: 5})
	s.fBullets = append(s.fBullets, sqBullet{x: 6, y: 2, right: false})
	tr = step(e, actNoop) // the bullet moves to 5, then the sub moves to 5
	if tr.Reward != 1 || len(s.subs) != 0 || len(s.fBullets) != 0 {
		t.Fatalf("sub met a bullet: %+v, subs %v bullets %v", tr, s.subs, s.fBullets)
	}
}

func TestSeaquestEnemies(t *testing.T) {
	// A sub shoots when its shot timer runs out: the bullet starts in its cell and moves.
	e, s := newSeaquestEnv(t, mechanics)
	s.subX, s.subY, s.surfaced = 0, 7, false
	s.subs = append(s.subs, sqEnemy{x: 4, y: 2, right: true, moveTimer: 3, shotTimer: 0})
	step(e, actNoop)
	if len(s.eBullets) != 1 || s.eBullets[0] != (sqBullet{x: 5, y: 2, right: true}) || !cell(e, 2, 5, 4) {
		t.Fatalf("enemy shot: %v", s.eBullets)
	}
	if s.subs[0].shotTimer != sqEnemyShotEvery || !cell(e, 2, 4, 6) || !cell(e, 2, 3, 3) {
		t.Fatalf("sub after shooting: %+v", s.subs[0])
	}
	// Enemies move every move interval + 1 frames (5 -> every 6).
	x := s.subs[0].x
	moves := 0
	for i := 0; i < 12; i++ {
		step(e, actNoop)
		if s.subs[0].x != x {
			moves++
			x = s.subs[0].x
		}
	}
	if moves != 2 {
		t.Errorf("sub moved %d times in 12 frames, want 2", moves)
	}
	// Collisions end the episode: a fish, a sub, an enemy bullet.
	for _, c := range []func(s *seaquest){
		func(s *seaquest) { s.fish = append(s.fish, sqEnemy{x: 4, y: 3, right: true}) },
		func(s *seaquest) { s.subs = append(s.subs, sqEnemy{x: 6, y: 3, moveTimer: 0, shotTimer: 4}) },
		func(s *seaquest) { s.eBullets = append(s.eBullets, sqBullet{x: 4, y: 3, right: true}) },
		func(s *seaquest) { s.fish = append(s.fish, sqEnemy{x: 5, y: 3, moveTimer: 2}) },
	} {
		e, s := newSeaquestEnv(t, mechanics)
		s.subX, s.subY, s.surfaced = 5, 3, false
		c(s)
		if tr := step(e, actNoop); !tr.Terminated {
			t.Errorf("collision %+v: not terminated", *s)
		}
	}
	// Enemies leave the grid at the edge.
	e, s = newSeaquestEnv(t, mechanics)
	s.subX, s.subY, s.surfaced = 5, 3, false
	s.fish = append(s.fish, sqEnemy{x: 0, y: 5, right: false, moveTimer: 0})
	step(e, actNoop)
	if len(s.fish) != 0 {
		t.Errorf("fish still there: %v", s.fish)
	}
}

func TestSeaquestDivers(t *testing.T) {
	e, s := newSeaquestEnv(t, mechanics)
	s.subX, s.subY, s.surfaced = 5, 4, false
	s.divers = append(s.divers, sqDiver{x: 7, y: 4, right: false, moveTimer: 0})
	step(e, actNoop)
	if s.divers[0].x != 6 || !cell(e, 4, 6, 9) || !cell(e, 4, 7, 3) {
		t.Fatalf("diver at column %d, want 6 with its trail at 7", s.divers[0].x)
	}
	step(e, actRight) // the submarine moves onto the diver
	if len(s.divers) != 0 || s.diverCount != 1 || !cell(e, 9, 8, 8) {
		t.Fatalf("diver not picked up: %v, count %d", s.divers, s.diverCount)
	}
	// No more than six.
	s.diverCount = 6
	s.divers = append(s.divers, sqDiver{x: s.subX, y: s.subY, moveTimer: 3})
	step(e, actNoop)
	if len(s.divers) != 1 || s.diverCount != 6 || count(e, 8) != 6 {
		t.Errorf("seventh diver: divers %v count %d", s.divers, s.diverCount)
	}
}

// TestSeaquestSpawns: enemies come every 20 frames at first, divers every 30, in rows
// 1-8; no enemy enters a row where one travels the other way.
func TestSeaquestSpawns(t *testing.T) {
	e := newEnv(t, "seaquest", mechanics)
	s := e.g.(*seaquest)
	for frame := 1; frame <= 21; frame++ {
		step(e, actNoop)
		if n := len(s.fish) + len(s.subs); (frame <= 20) != (n == 0) {
			t.Fatalf("frame %d: %d enemies (first spawn due on frame 21)", frame, n)
		}
	}
	for frame := 22; frame <= 31; frame++ {
		step(e, actNoop)
		if (frame <= 30) != (len(s.divers) == 0) {
			t.Fatalf("frame %d: %d divers (first due on frame 31)", frame, len(s.divers))
		}
	}
	subs, fish, blocked := 0, 0, 0
	for seed := uint64(0); seed < 3000; seed++ {
		e.Seed(seed)
		e.Reset()
		// Every row holds a fish heading left: only left-heading enemies may enter.
		for y := 1; y <= 8; y++ {
			s.fish = append(s.fish, sqEnemy{x: 5, y: y, moveTimer: 3})
		}
		s.spawnTimer = 0
		step(e, actNoop)
		added := len(s.fish) + len(s.subs) - 8
		if added == 0 {
			blocked++
			continue
		}
		var en sqEnemy
		if len(s.subs) == 1 {
			subs++
			en = s.subs[0]
		} else {
			fish++
			en = s.fish[8]
		}
		if en.right || en.x != 9 || en.y < 1 || en.y > 8 {
			t.Fatalf("spawned %+v", en)
		}
	}
	// About half the spawns head right and are blocked; a third of the rest are subs.
	if blocked < 1300 || blocked > 1700 || subs < 350 || subs > 650 || fish < 850 {
		t.Errorf("3000 spawns: %d blocked, %d subs, %d fish", blocked, subs, fish)
	}
}

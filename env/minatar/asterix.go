package minatar

import "math/rand/v2"

// Asterix constants (MinAtar's).
const (
	axRampInterval   = 100
	axInitSpawnSpeed = 10 // frames between spawns at first
	axInitMoveEvery  = 5  // frames between entity moves at first
	axSlots          = 8  // one entity per row, rows 1-8
)

// asterix: the player moves freely in rows 1-8. Every spawn interval an entity enters a
// free row (chosen uniformly) from the left or right edge, gold with probability 1/3,
// an enemy otherwise; all entities step one cell every move interval. Touching gold
// earns +1 and removes it; touching an enemy ends the episode. The difficulty ramp:
// every 102 frames the spawn interval shrinks by one, and the move interval by one at
// every other ramp step, both down to 1. Channels: player, enemy,
// trail (the cell behind each entity, its direction), gold.
type asterix struct {
	ramping bool

	px, py     int
	slots      [axSlots]asterixEntity // slot i is row i+1
	spawnSpeed int
	spawnTimer int
	moveSpeed  int
	moveTimer  int
	rampTimer  int
	rampIndex  int
}

type asterixEntity struct {
	alive bool
	x     int
	right bool // moving right
	gold  bool
}

func (s *asterix) reset(*rand.Rand) {
	s.px, s.py = 5, 5
	s.slots = [axSlots]asterixEntity{}
	s.spawnSpeed = axInitSpawnSpeed
	s.spawnTimer = s.spawnSpeed
	s.moveSpeed = axInitMoveEvery
	s.moveTimer = s.moveSpeed
	s.rampTimer = axRampInterval
	s.rampIndex = 0
}

// spawn puts a new entity in a free row; the side and kind are drawn even when every
// row is taken, in which case nothing spawns (as in MinAtar).
func (s *asterix) spawn(rng *rand.Rand) {
	right := rng.Float64() < 0.5
	gold := rng.Float64() < 1.0/3
	free := 0
	for _, e := range s.slots {
		if !e.alive {
			free++
		}
	}
	if free == 0 {
		return
	}
	k := rng.IntN(free)
	for i := range s.slots {
		if s.slots[i].alive {
			continue
		}
		if k == 0 {
			x := 9
			if right {
				x = 0
			}
			s.slots[i] = asterixEntity{alive: true, x: x, right: right, gold: gold}
			return
		}
		k--
	}
}

// touch resolves the player sharing a cell with entity i: gold is collected, an enemy
// ends the episode.
func (s *asterix) touch(i int, reward *int, terminal *bool) {
	e := &s.slots[i]
	if !e.alive || e.x != s.px || i+1 != s.py {
		return
	}
	if e.gold {
		e.alive = false
		*reward++
	} else {
		*terminal = true
	}
}

func (s *asterix) step(a int, rng *rand.Rand) (reward int, terminal bool) {
	if s.spawnTimer == 0 {
		s.spawn(rng)
		s.spawnTimer = s.spawnSpeed
	}

	switch a {
	case actLeft:
		s.px = max(0, s.px-1)
	case actRight:
		s.px = min(9, s.px+1)
	case actUp:
		s.py = max(1, s.py-1)
	case actDown:
		s.py = min(8, s.py+1)
	}

	for i := range s.slots {
		s.touch(i, &reward, &terminal)
	}
	if s.moveTimer == 0 {
		s.moveTimer = s.moveSpeed
		for i := range s.slots {
			e := &s.slots[i]
			if !e.alive {
				continue
			}
			if e.right {
				e.x++
			} else {
				e.x--
			}
			if e.x < 0 || e.x > 9 {
				e.alive = false
				continue
			}
			s.touch(i, &reward, &terminal)
		}
	}

	s.spawnTimer--
	s.moveTimer--

	// The difficulty ramp.
	if s.ramping && (s.spawnSpeed > 1 || s.moveSpeed > 1) {
		if s.rampTimer >= 0 {
			s.rampTimer--
		} else {
			if s.moveSpeed > 1 && s.rampIndex%2 == 1 {
				s.moveSpeed--
			}
			if s.spawnSpeed > 1 {
				s.spawnSpeed--
			}
			s.rampIndex++
			s.rampTimer = axRampInterval
		}
	}
	return reward, terminal
}

func (s *asterix) render(g grid) {
	g.set(s.py, s.px, 0)
	for i, e := range s.slots {
		if !e.alive {
			continue
		}
		y := i + 1
		ch := 1
		if e.gold {
			ch = 3
		}
		g.set(y, e.x, ch)
		back := e.x + 1
		if e.right {
			back = e.x - 1
		}
		if back >= 0 && back <= 9 {
			g.set(y, back, 2)
		}
	}
}

func (s *asterix) ramp() int { return s.rampIndex }

func (s *asterix) encode(e *encoder) {
	e.int(s.px)
	e.int(s.py)
	for _, en := range s.slots {
		e.bool(en.alive)
		e.int(en.x)
		e.bool(en.right)
		e.bool(en.gold)
	}
	e.int(s.spawnSpeed)
	e.int(s.spawnTimer)
	e.int(s.moveSpeed)
	e.int(s.moveTimer)
	e.int(s.rampTimer)
	e.int(s.rampIndex)
}

func (s *asterix) decode(d *decoder) {
	s.px = d.int("player x", 0, 9)
	s.py = d.int("player y", 1, 8)
	for i := range s.slots {
		en := &s.slots[i]
		en.alive = d.bool("entity alive")
		en.x = d.int("entity x", 0, 9)
		en.right = d.bool("entity direction")
		en.gold = d.bool("entity gold")
	}
	s.spawnSpeed = d.int("spawn interval", 1, axInitSpawnSpeed)
	s.spawnTimer = d.int("spawn timer", 0, axInitSpawnSpeed)
	s.moveSpeed = d.int("move interval", 1, axInitMoveEvery)
	s.moveTimer = d.int("move timer", 0, axInitMoveEvery)
	s.rampTimer = d.int("ramp timer", -1, axRampInterval)
	s.rampIndex = d.int("ramp index", 0, 1<<30)
}

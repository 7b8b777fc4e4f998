package minatar

import "math/rand/v2"

// Seaquest constants (MinAtar's).
const (
	sqMaxOxygen       = 200
	sqInitSpawnSpeed  = 20 // frames between enemy spawns at first
	sqDiverSpawnSpeed = 30
	sqInitMoveEvery   = 5 // enemies move every move interval + 1 frames
	sqMinMoveEvery    = 2
	sqShotCoolDown    = 5
	sqEnemyShotEvery  = 10
	sqDiverMoveEvery  = 5
	sqMaxDivers       = 6
	sqMaxRestoredList = 1 << 12 // a bound on list lengths read from snapshots
)

// seaquest: the player's submarine (front and back cells, facing left or right) moves
// in rows 0-8 and fires bullets horizontally from its front. Enemy fish and submarines
// cross rows 1-8 (subs shoot); a bullet that meets one destroys it for +1. Divers cross
// too; touching one picks it up (at most 6). Oxygen (200) drops by one per frame below
// the surface (row 0). Coming up to the surface with no diver ends the episode; with
// some, it costs one diver (all six and a bonus of 10·oxygen/200 when six are aboard),
// refills the oxygen and steps the difficulty ramp (enemies spawn one frame sooner, and
// move one frame sooner at every other ramp step). The episode also ends when an enemy
// or enemy bullet touches the submarine or the oxygen runs out. Channels: sub_front,
// sub_back, friendly_bullet, trail (the cell behind each enemy and diver),
// enemy_bullet, enemy_fish, enemy_sub, oxygen_guage and diver_guage (bars on row 9),
// diver.
type seaquest struct {
	ramping bool

	oxygen     int
	diverCount int // divers aboard; -1 after surfacing with six (see the package doc)
	subX, subY int
	subRight   bool // facing right
	fBullets   []sqBullet
	eBullets   []sqBullet
	fish       []sqEnemy
	subs       []sqEnemy
	divers     []sqDiver
	spawnSpeed int // frames between enemy spawns
	spawnTimer int
	diverTimer int
	moveSpeed  int
	rampIndex  int
	shotTimer  int
	surfaced   bool // at the surface since the last refill (MinAtar's surface flag)
}

type sqBullet struct {
	x, y  int
	right bool
}

type sqEnemy struct {
	x, y      int
	right     bool
	moveTimer int
	shotTimer int // subs only
}

type sqDiver struct {
	x, y      int
	right     bool
	moveTimer int
}

// newSeaquest sizes the entity lists once, beyond what play reaches (at most one enemy
// spawns per frame and each lives under 70 frames), so stepping does not allocate.
func newSeaquest(ramping bool) *seaquest {
	return &seaquest{
		ramping:  ramping,
		fBullets: make([]sqBullet, 0, 8),
		eBullets: make([]sqBullet, 0, 128),
		fish:     make([]sqEnemy, 0, 128),
		subs:     make([]sqEnemy, 0, 128),
		divers:   make([]sqDiver, 0, 16),
	}
}

func (s *seaquest) reset(*rand.Rand) {
	s.oxygen = sqMaxOxygen
	s.diverCount = 0
	s.subX, s.subY = 5, 0
	s.subRight = false
	s.fBullets = s.fBullets[:0]
	s.eBullets = s.eBullets[:0]
	s.fish = s.fish[:0]
	s.subs = s.subs[:0]
	s.divers = s.divers[:0]
	s.spawnSpeed = sqInitSpawnSpeed
	s.spawnTimer = s.spawnSpeed
	s.diverTimer = sqDiverSpawnSpeed
	s.moveSpeed = sqInitMoveEvery
	s.rampIndex = 0
	s.shotTimer = 0
	s.surfaced = true
}

// step follows MinAtar's order: spawns, the player's action, friendly bullets, divers,
// enemy subs (and their shots), enemy bullets, fish, timers, oxygen and surfacing.
// Lists are walked from the back, as MinAtar walks them.
func (s *seaquest) step(a int, rng *rand.Rand) (reward int, terminal bool) {
	if s.spawnTimer == 0 {
		s.spawnEnemy(rng)
		s.spawnTimer = s.spawnSpeed
	}
	if s.diverTimer == 0 {
		s.spawnDiver(rng)
		s.diverTimer = sqDiverSpawnSpeed
	}

	switch {
	case a == actFire && s.shotTimer == 0:
		s.fBullets = append(s.fBullets, sqBullet{x: s.subX, y: s.subY, right: s.subRight})
		s.shotTimer = sqShotCoolDown
	case a == actLeft:
		s.subX = max(0, s.subX-1)
		s.subRight = false
	case a == actRight:
		s.subX = min(9, s.subX+1)
		s.subRight = true
	case a == actUp:
		s.subY = max(0, s.subY-1)
	case a == actDown:
		s.subY = min(8, s.subY+1)
	}

	// Friendly bullets move one cell; one that meets a fish (checked first) or a sub
	// destroys it.
	for i := len(s.fBullets) - 1; i >= 0; i-- {
		b := &s.fBullets[i]
		b.x += dirStep(b.right)
		if b.x < 0 || b.x > 9 {
			s.fBullets = removeAt(s.fBullets, i)
			continue
		}
		if j := enemyAt(s.fish, b.x, b.y); j >= 0 {
			s.fish = removeAt(s.fish, j)
			s.fBullets = removeAt(s.fBullets, i)
			reward++
		} else if j := enemyAt(s.subs, b.x, b.y); j >= 0 {
			s.subs = removeAt(s.subs, j)
			s.fBullets = removeAt(s.fBullets, i)
			reward++
		}
	}

	// Divers: picked up where they are, or after their move.
	for i := len(s.divers) - 1; i >= 0; i-- {
		d := &s.divers[i]
		if s.at(d.x, d.y) && s.diverCount < sqMaxDivers {
			s.divers = removeAt(s.divers, i)
			s.diverCount++
			continue
		}
		if d.moveTimer > 0 {
			d.moveTimer--
			continue
		}
		d.moveTimer = sqDiverMoveEvery
		d.x += dirStep(d.right)
		if d.x < 0 || d.x > 9 {
			s.divers = removeAt(s.divers, i)
		} else if s.at(d.x, d.y) && s.diverCount < sqMaxDivers {
			s.divers = removeAt(s.divers, i)
			s.diverCount++
		}
	}

	// Enemy subs move, collide, and shoot.
	for i := len(s.subs) - 1; i >= 0; i-- {
		e := &s.subs[i]
		removed := false
		if s.at(e.x, e.y) {
			terminal = true
		}
		if e.moveTimer == 0 {
			e.moveTimer = s.moveSpeed
			e.x += dirStep(e.right)
			switch {
			case e.x < 0 || e.x > 9:
				removed = true
			case s.at(e.x, e.y):
				terminal = true
			default:
				if j := bulletAt(s.fBullets, e.x, e.y); j >= 0 {
					removed = true
					s.fBullets = removeAt(s.fBullets, j)
					reward++
				}
			}
		} else {
			e.moveTimer--
		}
		// MinAtar lets a sub removed on this frame still fire; a bullet fired off
		// screen leaves at once below.
		if e.shotTimer == 0 {
			e.shotTimer = sqEnemyShotEvery
			s.eBullets = append(s.eBullets, sqBullet{x: e.x, y: e.y, right: e.right})
		} else {
			e.shotTimer--
		}
		if removed {
			s.subs = removeAt(s.subs, i)
		}
	}

	// Enemy bullets move one cell per frame.
	for i := len(s.eBullets) - 1; i >= 0; i-- {
		b := &s.eBullets[i]
		if s.at(b.x, b.y) {
			terminal = true
		}
		b.x += dirStep(b.right)
		if b.x < 0 || b.x > 9 {
			s.eBullets = removeAt(s.eBullets, i)
		} else if s.at(b.x, b.y) {
			terminal = true
		}
	}

	// Fish move and collide.
	for i := len(s.fish) - 1; i >= 0; i-- {
		e := &s.fish[i]
		if s.at(e.x, e.y) {
			terminal = true
		}
		if e.moveTimer > 0 {
			e.moveTimer--
			continue
		}
		e.moveTimer = s.moveSpeed
		e.x += dirStep(e.right)
		switch {
		case e.x < 0 || e.x > 9:
			s.fish = removeAt(s.fish, i)
		case s.at(e.x, e.y):
			terminal = true
		default:
			if j := bulletAt(s.fBullets, e.x, e.y); j >= 0 {
				s.fish = removeAt(s.fish, i)
				s.fBullets = removeAt(s.fBullets, j)
				reward++
			}
		}
	}

	if s.spawnTimer > 0 {
		s.spawnTimer--
	}
	if s.diverTimer > 0 {
		s.diverTimer--
	}
	if s.shotTimer > 0 {
		s.shotTimer--
	}
	if s.oxygen <= 0 {
		terminal = true
	}
	if s.subY > 0 {
		s.oxygen--
		s.surfaced = false
	} else if !s.surfaced {
		if s.diverCount == 0 {
			terminal = true
		} else {
			reward += s.surface()
		}
	}
	return reward, terminal
}

// surface refills the oxygen at the cost of a diver, pays the bonus for six divers and
// steps the difficulty ramp. As in MinAtar, the diver is taken after the six are
// dropped off, which leaves the count at -1.
func (s *seaquest) surface() (reward int) {
	s.surfaced = true
	if s.diverCount == sqMaxDivers {
		s.diverCount = 0
		reward = s.oxygen * 10 / sqMaxOxygen
	}
	s.oxygen = sqMaxOxygen
	s.diverCount--
	if s.ramping && (s.spawnSpeed > 1 || s.moveSpeed > sqMinMoveEvery) {
		if s.moveSpeed > sqMinMoveEvery && s.rampIndex%2 == 1 {
			s.moveSpeed--
		}
		if s.spawnSpeed > 1 {
			s.spawnSpeed--
		}
		s.rampIndex++
	}
	return reward
}

// spawnEnemy sends a fish (probability 2/3) or a sub into a random row 1-8 from a random
// side, unless an enemy already in that row travels the other way.
func (s *seaquest) spawnEnemy(rng *rand.Rand) {
	right := rng.Float64() < 0.5
	isSub := rng.Float64() < 1.0/3
	y := 1 + rng.IntN(8)
	for _, list := range [2][]sqEnemy{s.subs, s.fish} {
		for _, e := range list {
			if e.y == y && e.right != right {
				return
			}
		}
	}
	e := sqEnemy{x: 9, y: y, right: right, moveTimer: s.moveSpeed}
	if right {
		e.x = 0
	}
	if isSub {
		e.shotTimer = sqEnemyShotEvery
		s.subs = append(s.subs, e)
	} else {
		s.fish = append(s.fish, e)
	}
}

// spawnDiver sends a diver into a random row 1-8 from a random side.
func (s *seaquest) spawnDiver(rng *rand.Rand) {
	right := rng.Float64() < 0.5
	y := 1 + rng.IntN(8)
	d := sqDiver{x: 9, y: y, right: right, moveTimer: sqDiverMoveEvery}
	if right {
		d.x = 0
	}
	s.divers = append(s.divers, d)
}

// at reports whether cell (x, y) is the submarine's front cell, the cell that collides.
func (s *seaquest) at(x, y int) bool { return x == s.subX && y == s.subY }

func (s *seaquest) render(g grid) {
	g.set(s.subY, s.subX, 0)
	g.set(s.subY, s.subBack(), 1)
	for x := 0; x < max(0, s.oxygen)*10/sqMaxOxygen; x++ {
		g.set(9, x, 7)
	}
	for x := 9 - s.diverCount; x < 9; x++ {
		g.set(9, x, 8)
	}
	for _, b := range s.fBullets {
		g.set(b.y, b.x, 2)
	}
	for _, b := range s.eBullets {
		g.set(b.y, b.x, 4)
	}
	for _, e := range s.fish {
		g.set(e.y, e.x, 5)
		setTrail(g, e.x, e.y, e.right)
	}
	for _, e := range s.subs {
		g.set(e.y, e.x, 6)
		setTrail(g, e.x, e.y, e.right)
	}
	for _, d := range s.divers {
		g.set(d.y, d.x, 9)
		setTrail(g, d.x, d.y, d.right)
	}
}

// subBack is the column of the submarine's back cell.
func (s *seaquest) subBack() int {
	if s.subRight {
		return s.subX - 1
	}
	return s.subX + 1
}

// setTrail marks the cell behind an entity at (x, y) when it lies on the grid.
func setTrail(g grid, x, y int, right bool) {
	back := x + 1
	if right {
		back = x - 1
	}
	if back >= 0 && back <= 9 {
		g.set(y, back, 3)
	}
}

func (s *seaquest) ramp() int { return s.rampIndex }

func dirStep(right bool) int {
	if right {
		return 1
	}
	return -1
}

// removeAt deletes element i, keeping the order of the rest (no allocation).
func removeAt[T any](list []T, i int) []T {
	copy(list[i:], list[i+1:])
	return list[:len(list)-1]
}

// enemyAt is the index of the first enemy at (x, y), -1 if none.
func enemyAt(list []sqEnemy, x, y int) int {
	for j, e := range list {
		if e.x == x && e.y == y {
			return j
		}
	}
	return -1
}

// bulletAt is the index of the first bullet at (x, y), -1 if none.
func bulletAt(list []sqBullet, x, y int) int {
	for j, b := range list {
		if b.x == x && b.y == y {
			return j
		}
	}
	return -1
}

func (s *seaquest) encode(e *encoder) {
	e.int(s.oxygen)
	e.int(s.diverCount)
	e.int(s.subX)
	e.int(s.subY)
	e.bool(s.subRight)
	for _, list := range [2][]sqBullet{s.fBullets, s.eBullets} {
		e.int(len(list))
		for _, b := range list {
			e.int(b.x)
			e.int(b.y)
			e.bool(b.right)
		}
	}
	for _, list := range [2][]sqEnemy{s.fish, s.subs} {
		e.int(len(list))
		for _, en := range list {
			e.int(en.x)
			e.int(en.y)
			e.bool(en.right)
			e.int(en.moveTimer)
			e.int(en.shotTimer)
		}
	}
	e.int(len(s.divers))
	for _, d := range s.divers {
		e.int(d.x)
		e.int(d.y)
		e.bool(d.right)
		e.int(d.moveTimer)
	}
	e.int(s.spawnSpeed)
	e.int(s.spawnTimer)
	e.int(s.diverTimer)
	e.int(s.moveSpeed)
	e.int(s.rampIndex)
	e.int(s.shotTimer)
	e.bool(s.surfaced)
}

func (s *seaquest) decode(d *decoder) {
	s.oxygen = d.int("oxygen", -1, sqMaxOxygen)
	s.diverCount = d.int("divers aboard", -1, sqMaxDivers)
	s.subX = d.int("sub x", 0, 9)
	s.subY = d.int("sub y", 0, 8)
	s.subRight = d.bool("sub direction")
	if back := s.subBack(); back < 0 || back > 9 {
		d.fail("the sub's back is off the grid")
	}
	bullets := func(what string, list []sqBullet, minY int) []sqBullet {
		n := d.int(what+" count", 0, sqMaxRestoredList)
		for range n {
			x, y := d.int(what+" x", 0, 9), d.int(what+" y", minY, 8)
			list = append(list, sqBullet{x: x, y: y, right: d.bool(what + " direction")})
		}
		return list
	}
	s.fBullets = bullets("friendly bullet", s.fBullets, 0)
	s.eBullets = bullets("enemy bullet", s.eBullets, 1)
	enemies := func(what string, list []sqEnemy) []sqEnemy {
		n := d.int(what+" count", 0, sqMaxRestoredList)
		for range n {
			var e sqEnemy
			e.x, e.y = d.int(what+" x", 0, 9), d.int(what+" y", 1, 8)
			e.right = d.bool(what + " direction")
			e.moveTimer = d.int(what+" move timer", 0, sqInitMoveEvery)
			e.shotTimer = d.int(what+" shot timer", 0, sqEnemyShotEvery)
			list = append(list, e)
		}
		return list
	}
	s.fish = enemies("fish", s.fish)
	s.subs = enemies("enemy sub", s.subs)
	n := d.int("diver count", 0, sqMaxRestoredList)
	for range n {
		var v sqDiver
		v.x, v.y = d.int("diver x", 0, 9), d.int("diver y", 1, 8)
		v.right = d.bool("diver direction")
		v.moveTimer = d.int("diver move timer", 0, sqDiverMoveEvery)
		s.divers = append(s.divers, v)
	}
	s.spawnSpeed = d.int("spawn interval", 1, sqInitSpawnSpeed)
	s.spawnTimer = d.int("spawn timer", 0, sqInitSpawnSpeed)
	s.diverTimer = d.int("diver spawn timer", 0, sqDiverSpawnSpeed)
	s.moveSpeed = d.int("move interval", sqMinMoveEvery, sqInitMoveEvery)
	s.rampIndex = d.int("ramp index", 0, 1<<30)
	s.shotTimer = d.int("shot timer", 0, sqShotCoolDown)
	s.surfaced = d.bool("surfaced")
}

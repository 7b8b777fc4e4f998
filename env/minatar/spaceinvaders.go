package minatar

import (
	"math/bits"
	"math/rand/v2"
)

// Space Invaders constants (MinAtar's).
const (
	siShotCoolDown      = 5  // frames between the cannon's shots
	siEnemyMoveInterval = 12 // frames between alien moves in the first wave
	siEnemyShotInterval = 10 // frames between alien shots
	siMinMoveInterval   = 6  // the ramp stops once waves move every 6 frames
)

// spaceInvaders: a cannon on the bottom row shoots upward at a block of aliens (rows
// 0-3, columns 2-7), +1 per alien. The block moves sideways until an alien reaches the
// edge it is heading for, then moves down a row and turns. It moves every
// min(aliens left, interval) frames, so a lone alien moves every frame. Every 10 frames
// the lowest alien of the column nearest the cannon shoots. The episode ends when an
// alien or an alien's bullet reaches the cannon (or the block turns while an alien is on
// the bottom row). A cleared wave is replaced by a new one that moves one frame faster,
// down to every 6 frames (the difficulty ramp). Channels: cannon, alien, alien_left and
// alien_right (the aliens again, in the channel of their current direction),
// friendly_bullet, enemy_bullet.
type spaceInvaders struct {
	ramping bool

	pos        int          // cannon column; the cannon sits on row 9
	fBullets   [Size]uint16 // the cannon's bullets, one bit per column per row
	eBullets   [Size]uint16 // the aliens' bullets
	aliens     [Size]uint16
	alienDir   int // -1 left, +1 right
	moveEvery  int // the wave's move interval (enemy_move_interval)
	moveTimer  int // frames until the aliens move
	alienTimer int // frames until the aliens shoot
	shotTimer  int // frames until the cannon can shoot again
	rampIndex  int
}

// siWaveRow is one row of a new wave: columns 2-7.
const siWaveRow uint16 = 0b0011111100

func (s *spaceInvaders) reset(*rand.Rand) {
	s.pos = 5
	s.fBullets = [Size]uint16{}
	s.eBullets = [Size]uint16{}
	s.aliens = [Size]uint16{}
	s.newWave()
	s.alienDir = -1
	s.moveEvery = siEnemyMoveInterval
	s.moveTimer = s.moveEvery
	s.alienTimer = siEnemyShotInterval
	s.rampIndex = 0
	s.shotTimer = 0
}

func (s *spaceInvaders) newWave() {
	for y := 0; y < 4; y++ {
		s.aliens[y] = siWaveRow
	}
}

func (s *spaceInvaders) alienCount() int {
	n := 0
	for _, row := range s.aliens {
		n += bits.OnesCount16(row)
	}
	return n
}

// column reports whether any alien is in column x.
func (s *spaceInvaders) column(x int) bool {
	var any uint16
	for _, row := range s.aliens {
		any |= row
	}
	return any&bit(x) != 0
}

func (s *spaceInvaders) step(a int, _ *rand.Rand) (reward int, terminal bool) {
	switch {
	case a == actFire && s.shotTimer == 0:
		s.fBullets[9] |= bit(s.pos)
		s.shotTimer = siShotCoolDown
	case a == actLeft:
		s.pos = max(0, s.pos-1)
	case a == actRight:
		s.pos = min(9, s.pos+1)
	}

	// Bullets move one row: the cannon's up (leaving at the top), the aliens' down.
	copy(s.fBullets[:Size-1], s.fBullets[1:])
	s.fBullets[Size-1] = 0
	copy(s.eBullets[1:], s.eBullets[:Size-1])
	s.eBullets[0] = 0
	cannon := bit(s.pos)
	if s.eBullets[9]&cannon != 0 {
		terminal = true
	}

	// Aliens.
	if s.aliens[9]&cannon != 0 {
		terminal = true
	}
	if s.moveTimer == 0 {
		s.moveTimer = min(s.alienCount(), s.moveEvery)
		if (s.column(0) && s.alienDir < 0) || (s.column(9) && s.alienDir > 0) {
			// At the edge: turn and move down a row. MinAtar rolls the map, so a row
			// on the bottom wraps to the top (the episode has ended by then).
			s.alienDir = -s.alienDir
			if s.aliens[9] != 0 {
				terminal = true
			}
			bottom := s.aliens[Size-1]
			copy(s.aliens[1:], s.aliens[:Size-1])
			s.aliens[0] = bottom
		} else {
			for y, row := range s.aliens {
				if s.alienDir > 0 {
					s.aliens[y] = (row<<1 | row>>(Size-1)) & fullRow
				} else {
					s.aliens[y] = row>>1 | (row&1)<<(Size-1)
				}
			}
		}
		if s.aliens[9]&cannon != 0 {
			terminal = true
		}
	}
	if s.alienTimer == 0 {
		s.alienTimer = siEnemyShotInterval
		if y, x, ok := s.nearestAlien(); ok {
			s.eBullets[y] |= bit(x)
		}
	}

	// The cannon's bullets that share a cell with an alien destroy it.
	for y := range s.aliens {
		hit := s.aliens[y] & s.fBullets[y]
		reward += bits.OnesCount16(hit)
		s.aliens[y] &^= hit
		s.fBullets[y] &^= hit
	}

	if s.shotTimer > 0 {
		s.shotTimer--
	}
	s.moveTimer--
	s.alienTimer--
	if s.alienCount() == 0 {
		if s.moveEvery > siMinMoveInterval && s.ramping {
			s.moveEvery--
			s.rampIndex++
		}
		s.newWave()
	}
	return reward, terminal
}

// nearestAlien finds the shooter: the lowest alien of the column nearest the cannon,
// the left column first when two are equally near (MinAtar's stable sort by distance).
func (s *spaceInvaders) nearestAlien() (y, x int, ok bool) {
	for d := 0; d < Size; d++ {
		if c := s.pos - d; c >= 0 {
			if y, ok := s.lowest(c); ok {
				return y, c, true
			}
		}
		if c := s.pos + d; d > 0 && c < Size {
			if y, ok := s.lowest(c); ok {
				return y, c, true
			}
		}
	}
	return 0, 0, false
}

// lowest is the row of the lowest alien in column x.
func (s *spaceInvaders) lowest(x int) (y int, ok bool) {
	for y := Size - 1; y >= 0; y-- {
		if s.aliens[y]&bit(x) != 0 {
			return y, true
		}
	}
	return 0, false
}

func (s *spaceInvaders) render(g grid) {
	g.set(9, s.pos, 0)
	dirCh := 3
	if s.alienDir < 0 {
		dirCh = 2
	}
	for y := 0; y < Size; y++ {
		g.setRow(y, s.aliens[y], 1)
		g.setRow(y, s.aliens[y], dirCh)
		g.setRow(y, s.fBullets[y], 4)
		g.setRow(y, s.eBullets[y], 5)
	}
}

func (s *spaceInvaders) ramp() int { return s.rampIndex }

func (s *spaceInvaders) encode(e *encoder) {
	e.int(s.pos)
	for y := 0; y < Size; y++ {
		e.int(int(s.fBullets[y]))
		e.int(int(s.eBullets[y]))
		e.int(int(s.aliens[y]))
	}
	e.int(s.alienDir)
	e.int(s.moveEvery)
	e.int(s.moveTimer)
	e.int(s.alienTimer)
	e.int(s.shotTimer)
	e.int(s.rampIndex)
}

func (s *spaceInvaders) decode(d *decoder) {
	s.pos = d.int("cannon", 0, 9)
	for y := 0; y < Size; y++ {
		s.fBullets[y] = d.row("cannon bullets")
		s.eBullets[y] = d.row("alien bullets")
		s.aliens[y] = d.row("aliens")
	}
	if s.alienCount() == 0 {
		d.fail("no aliens (a cleared wave is replaced on the same frame)")
	}
	s.alienDir = d.int("alien direction", -1, 1)
	if s.alienDir == 0 {
		d.fail("alien direction 0")
	}
	s.moveEvery = d.int("move interval", 1, siEnemyMoveInterval)
	s.moveTimer = d.int("move timer", 0, siEnemyMoveInterval)
	s.alienTimer = d.int("alien shot timer", 0, siEnemyShotInterval)
	s.shotTimer = d.int("shot timer", 0, siShotCoolDown)
	s.rampIndex = d.int("ramp index", 0, siEnemyMoveInterval)
}

package minatar

import "math/rand/v2"

// Freeway constants (MinAtar's).
const (
	fwPlayerSpeed = 3    // the chicken moves at most every 3 frames
	fwTimeLimit   = 2500 // frames; the episode ends on frame 2501
	fwCars        = 8    // one car per lane, lanes on rows 1-8
	fwChickenX    = 4    // the chicken's column
)

// freeway: a chicken in column 4 crosses eight lanes of traffic (rows 1-8) from the
// bottom row to the top, moving at most one row every 3 frames. Reaching row 0 earns +1,
// puts the chicken back on the bottom row and gives every car a new random speed and
// direction. A car that hits the chicken sends it back to the bottom. Car k (lane k+1)
// moves one cell every |speed|+1 frames (speed in 1..5, its sign the direction; MinAtar's
// description says every |speed| frames, its code waits one frame more) and wraps
// around the edges. The episode ends after 2500 frames (terminated, as in MinAtar).
// Channels: chicken, car, and speed1..speed5: the cell behind each car (its direction)
// in the channel of its speed.
type freeway struct {
	cars      [fwCars]freewayCar
	pos       int // the chicken's row
	moveTimer int // frames until the chicken may move
	timeLeft  int // MinAtar's terminate_timer
}

type freewayCar struct {
	x     int
	timer int // frames until the car moves
	speed int // ±1..5: frames per move, sign = direction (+ right)
}

func (f *freeway) reset(rng *rand.Rand) {
	for i := range f.cars {
		f.cars[i].x = 0
	}
	f.randomizeCars(rng)
	f.pos = 9
	f.moveTimer = fwPlayerSpeed
	f.timeLeft = fwTimeLimit
}

// randomizeCars draws every car's speed uniformly from 1..5, then every car's direction.
func (f *freeway) randomizeCars(rng *rand.Rand) {
	for i := range f.cars {
		f.cars[i].speed = 1 + rng.IntN(5)
	}
	for i := range f.cars {
		if rng.IntN(2) == 0 {
			f.cars[i].speed = -f.cars[i].speed
		}
		f.cars[i].timer = abs(f.cars[i].speed)
	}
}

func (f *freeway) step(a int, rng *rand.Rand) (reward int, terminal bool) {
	switch {
	case a == actUp && f.moveTimer == 0:
		f.moveTimer = fwPlayerSpeed
		f.pos = max(0, f.pos-1)
	case a == actDown && f.moveTimer == 0:
		f.moveTimer = fwPlayerSpeed
		f.pos = min(9, f.pos+1)
	}

	if f.pos == 0 { // crossed
		reward++
		f.randomizeCars(rng)
		f.pos = 9
	}

	for i := range f.cars {
		c := &f.cars[i]
		lane := i + 1
		if c.x == fwChickenX && lane == f.pos {
			f.pos = 9
		}
		if c.timer == 0 {
			c.timer = abs(c.speed)
			if c.speed > 0 {
				c.x++
			} else {
				c.x--
			}
			c.x = (c.x + Size) % Size
			if c.x == fwChickenX && lane == f.pos {
				f.pos = 9
			}
		} else {
			c.timer--
		}
	}

	if f.moveTimer > 0 {
		f.moveTimer--
	}
	f.timeLeft--
	return reward, f.timeLeft < 0
}

func (f *freeway) render(g grid) {
	g.set(f.pos, fwChickenX, 0)
	for i, c := range f.cars {
		lane := i + 1
		g.set(lane, c.x, 1)
		back := c.x + 1
		if c.speed > 0 {
			back = c.x - 1
		}
		back = (back + Size) % Size
		g.set(lane, back, 1+abs(c.speed))
	}
}

func (f *freeway) ramp() int { return 0 }

func (f *freeway) encode(e *encoder) {
	for _, c := range f.cars {
		e.int(c.x)
		e.int(c.timer)
		e.int(c.speed)
	}
	e.int(f.pos)
	e.int(f.moveTimer)
	e.int(f.timeLeft)
}

func (f *freeway) decode(d *decoder) {
	for i := range f.cars {
		c := &f.cars[i]
		c.x = d.int("car x", 0, 9)
		c.timer = d.int("car timer", 0, 5)
		c.speed = d.int("car speed", -5, 5)
		if c.speed == 0 {
			d.fail("car speed 0")
		}
	}
	f.pos = d.int("chicken row", 1, 9)
	f.moveTimer = d.int("move timer", 0, fwPlayerSpeed)
	f.timeLeft = d.int("frames left", -1, fwTimeLimit)
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

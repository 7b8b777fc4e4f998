package minatar

import (
	"math/bits"
	"math/rand/v2"
)

// breakout: a paddle on the bottom row bounces a ball that breaks three rows of bricks
// (rows 1-3), +1 per brick. The ball moves one cell diagonally per frame; walls and
// bricks reflect it; the paddle reflects it straight back up when the ball comes down
// onto the paddle's column, and back the way it came when it comes down diagonally onto
// the paddle from the neighbouring column. The episode ends when the ball reaches the
// bottom row anywhere else. When every brick is gone, three new rows appear the next
// time the ball comes down to the paddle's row. Channels: paddle, ball, trail (the
// ball's previous cell, which gives its direction), brick.
type breakout struct {
	ballX, ballY int
	ballDir      int // 0 up-left, 1 up-right, 2 down-right, 3 down-left (MinAtar's order)
	lastX, lastY int // the ball's previous cell (the trail)
	paddle       int // paddle column; the paddle sits on row 9
	bricks       [Size]uint16
	// strike is set on the frame the ball breaks a brick; while it is set a brick in the
	// ball's way is neither broken nor bounced off (MinAtar's strike flag).
	strike bool
}

// Ball directions as (dx, dy) and the direction after each kind of bounce.
var (
	breakoutDX      = [4]int{-1, 1, 1, -1}
	breakoutDY      = [4]int{-1, -1, 1, 1}
	breakoutFlipX   = [4]int{1, 0, 3, 2} // off a side wall
	breakoutFlipY   = [4]int{3, 2, 1, 0} // off the ceiling, a brick, or the paddle from above
	breakoutReverse = [4]int{2, 3, 0, 1} // off the paddle's corner
)

// breakoutBrickRow is a full row of bricks.
const breakoutBrickRow = fullRow

func (b *breakout) reset(rng *rand.Rand) {
	// The ball starts on row 3 in a top corner's column, heading down and inwards.
	b.ballY = 3
	if rng.IntN(2) == 0 {
		b.ballX, b.ballDir = 0, 2
	} else {
		b.ballX, b.ballDir = 9, 3
	}
	b.paddle = 4
	b.bricks = [Size]uint16{}
	b.fillBricks()
	b.strike = false
	b.lastX, b.lastY = b.ballX, b.ballY
}

func (b *breakout) fillBricks() {
	for y := 1; y <= 3; y++ {
		b.bricks[y] = breakoutBrickRow
	}
}

func (b *breakout) brickCount() int {
	n := 0
	for _, row := range b.bricks {
		n += bits.OnesCount16(row)
	}
	return n
}

func (b *breakout) step(a int, _ *rand.Rand) (reward int, terminal bool) {
	switch a {
	case actLeft:
		b.paddle = max(0, b.paddle-1)
	case actRight:
		b.paddle = min(9, b.paddle+1)
	}

	b.lastX, b.lastY = b.ballX, b.ballY
	nx, ny := b.ballX+breakoutDX[b.ballDir], b.ballY+breakoutDY[b.ballDir]
	struck := false
	if nx < 0 || nx > 9 {
		nx = min(max(nx, 0), 9)
		b.ballDir = breakoutFlipX[b.ballDir]
	}
	switch {
	case ny < 0:
		ny = 0
		b.ballDir = breakoutFlipY[b.ballDir]
	case b.bricks[ny]&bit(nx) != 0:
		struck = true
		if !b.strike {
			reward++
			b.strike = true
			b.bricks[ny] &^= bit(nx)
			ny = b.lastY
			b.ballDir = breakoutFlipY[b.ballDir]
		}
	case ny == 9:
		if b.brickCount() == 0 {
			b.fillBricks()
		}
		switch {
		case b.ballX == b.paddle: // coming down onto the paddle's column
			b.ballDir = breakoutFlipY[b.ballDir]
			ny = b.lastY
		case nx == b.paddle: // coming down diagonally onto the paddle
			b.ballDir = breakoutReverse[b.ballDir]
			ny = b.lastY
		default:
			terminal = true
		}
	}
	if !struck {
		b.strike = false
	}
	b.ballX, b.ballY = nx, ny
	return reward, terminal
}

func (b *breakout) render(g grid) {
	g.set(b.ballY, b.ballX, 1)
	g.set(9, b.paddle, 0)
	g.set(b.lastY, b.lastX, 2)
	for y, row := range b.bricks {
		g.setRow(y, row, 3)
	}
}

func (b *breakout) ramp() int { return 0 }

func (b *breakout) encode(e *encoder) {
	e.int(b.ballX)
	e.int(b.ballY)
	e.int(b.ballDir)
	e.int(b.lastX)
	e.int(b.lastY)
	e.int(b.paddle)
	for _, row := range b.bricks {
		e.int(int(row))
	}
	e.bool(b.strike)
}

func (b *breakout) decode(d *decoder) {
	b.ballX = d.int("ball x", 0, 9)
	b.ballY = d.int("ball y", 0, 9)
	b.ballDir = d.int("ball direction", 0, 3)
	b.lastX = d.int("trail x", 0, 9)
	b.lastY = d.int("trail y", 0, 9)
	b.paddle = d.int("paddle", 0, 9)
	for y := range b.bricks {
		b.bricks[y] = d.row("bricks")
	}
	b.strike = d.bool("strike")
}

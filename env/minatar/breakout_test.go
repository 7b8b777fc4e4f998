package minatar

import "testing"

// breakoutAt puts the ball at column x, row y heading dir, with the paddle in column
// paddle and the usual three rows of bricks, and returns the game.
func breakoutAt(t *testing.T, x, y, dir, paddle int) (*Env, *breakout) {
	t.Helper()
	e := newEnv(t, "breakout", mechanics)
	b := e.g.(*breakout)
	b.ballX, b.ballY, b.ballDir, b.paddle = x, y, dir, paddle
	b.lastX, b.lastY = x, y
	return e, b
}

func TestBreakoutReset(t *testing.T) {
	starts := map[[3]int]int{}
	for seed := uint64(0); seed < 200; seed++ {
		e := newEnv(t, "breakout", Config{})
		e.Seed(seed)
		e.Reset()
		b := e.g.(*breakout)
		starts[[3]int{b.ballX, b.ballY, b.ballDir}]++
		if b.paddle != 4 || b.brickCount() != 30 || count(e, 3) != 30 || b.lastX != b.ballX || b.lastY != b.ballY {
			t.Fatalf("seed %d: reset state %+v", seed, *b)
		}
		for y := 1; y <= 3; y++ {
			for x := 0; x < Size; x++ {
				if !cell(e, y, x, 3) {
					t.Fatalf("no brick at row %d column %d", y, x)
				}
			}
		}
	}
	// The ball starts in a top corner's column on row 3, heading down and inwards,
	// from either side about half the time.
	if len(starts) != 2 || starts[[3]int{0, 3, 2}] < 70 || starts[[3]int{9, 3, 3}] < 70 {
		t.Errorf("ball starts %v, want (0, 3, down-right) and (9, 3, down-left) about equally", starts)
	}
}

func TestBreakoutPaddle(t *testing.T) {
	e, b := breakoutAt(t, 4, 5, 1, 1)
	for _, c := range []struct{ a, want int }{{actLeft, 0}, {actLeft, 0}, {actRight, 1}, {actUp, 1}, {actFire, 1}, {actRight, 2}} {
		step(e, c.a)
		if b.paddle != c.want || !cell(e, 9, c.want, 0) {
			t.Fatalf("action %d: paddle in column %d, want %d", c.a, b.paddle, c.want)
		}
	}
	e, b = breakoutAt(t, 4, 5, 1, 9)
	step(e, actRight)
	if b.paddle != 9 {
		t.Errorf("paddle left the grid: column %d", b.paddle)
	}
}

func TestBreakoutWalls(t *testing.T) {
	// Up-left into the left wall: reflected to up-right, one row up.
	e, b := breakoutAt(t, 0, 6, 0, 4)
	step(e, actNoop)
	if b.ballX != 0 || b.ballY != 5 || b.ballDir != 1 {
		t.Errorf("left wall: ball at (%d, %d) dir %d, want (0, 5) dir 1", b.ballX, b.ballY, b.ballDir)
	}
	if !cell(e, 5, 0, 1) || !cell(e, 6, 0, 2) {
		t.Error("left wall: ball or trail cell not set")
	}
	// Down-right into the right wall.
	e, b = breakoutAt(t, 9, 5, 2, 4)
	step(e, actNoop)
	if b.ballX != 9 || b.ballY != 6 || b.ballDir != 3 {
		t.Errorf("right wall: ball at (%d, %d) dir %d, want (9, 6) dir 3", b.ballX, b.ballY, b.ballDir)
	}
	// Up-right into the ceiling (row 0 has no bricks).
	e, b = breakoutAt(t, 3, 0, 1, 4)
	step(e, actNoop)
	if b.ballX != 4 || b.ballY != 0 || b.ballDir != 2 {
		t.Errorf("ceiling: ball at (%d, %d) dir %d, want (4, 0) dir 2", b.ballX, b.ballY, b.ballDir)
	}
	// Into the top-left corner: both reflections.
	e, b = breakoutAt(t, 0, 0, 0, 4)
	step(e, actNoop)
	if b.ballX != 0 || b.ballY != 0 || b.ballDir != 2 {
		t.Errorf("corner: ball at (%d, %d) dir %d, want (0, 0) dir 2", b.ballX, b.ballY, b.ballDir)
	}
}

func TestBreakoutBricks(t *testing.T) {
	// Up-left from (5, 4) into the brick at (4, 3): +1, the brick goes, the ball stays
	// on row 4 and heads down-left.
	e, b := breakoutAt(t, 5, 4, 0, 4)
	tr := step(e, actNoop)
	if tr.Reward != 1 || b.bricks[3]&bit(4) != 0 || b.brickCount() != 29 || count(e, 3) != 29 {
		t.Fatalf("brick hit: reward %v, bricks %d", tr.Reward, b.brickCount())
	}
	if b.ballX != 4 || b.ballY != 4 || b.ballDir != 3 || !b.strike {
		t.Fatalf("brick bounce: ball at (%d, %d) dir %d strike %v, want (4, 4) dir 3 strike", b.ballX, b.ballY, b.ballDir, b.strike)
	}
	// Moving on into an empty cell clears the strike.
	tr = step(e, actNoop)
	if tr.Reward != 0 || b.strike || b.ballX != 3 || b.ballY != 5 {
		t.Fatalf("after the bounce: reward %v strike %v ball (%d, %d)", tr.Reward, b.strike, b.ballX, b.ballY)
	}

	// While the strike is set, a brick in the way is neither broken nor bounced off:
	// the ball moves into its cell (MinAtar's strike flag).
	e, b = breakoutAt(t, 5, 4, 0, 4)
	b.strike = true
	tr = step(e, actNoop)
	if tr.Reward != 0 || b.bricks[3]&bit(4) == 0 || b.ballX != 4 || b.ballY != 3 || b.ballDir != 0 || !b.strike {
		t.Fatalf("strike set: reward %v ball (%d, %d) dir %d strike %v", tr.Reward, b.ballX, b.ballY, b.ballDir, b.strike)
	}
	// The next frame it hits the brick above: the strike holds it off once more.
	tr = step(e, actNoop)
	if tr.Reward != 0 || b.ballX != 3 || b.ballY != 2 || !b.strike {
		t.Fatalf("inside the wall: reward %v ball (%d, %d) strike %v", tr.Reward, b.ballX, b.ballY, b.strike)
	}
}

func TestBreakoutPaddleBounces(t *testing.T) {
	// Coming down onto the paddle's column: straight back up (down-left -> up-left).
	e, b := breakoutAt(t, 4, 8, 3, 4)
	tr := step(e, actNoop)
	if tr.Terminated || b.ballX != 3 || b.ballY != 8 || b.ballDir != 0 {
		t.Errorf("paddle below: ball (%d, %d) dir %d terminated %v, want (3, 8) dir 0", b.ballX, b.ballY, b.ballDir, tr.Terminated)
	}
	// Coming down diagonally onto the paddle from the next column: back the way it came.
	e, b = breakoutAt(t, 5, 8, 3, 4)
	tr = step(e, actNoop)
	if tr.Terminated || b.ballX != 4 || b.ballY != 8 || b.ballDir != 1 {
		t.Errorf("paddle corner: ball (%d, %d) dir %d terminated %v, want (4, 8) dir 1", b.ballX, b.ballY, b.ballDir, tr.Terminated)
	}
	// The paddle moves before the ball: stepping under it saves the ball.
	e, b = breakoutAt(t, 6, 8, 2, 6)
	step(e, actRight)
	if b.paddle != 7 || b.ballDir != 0 || b.ballY != 8 {
		t.Errorf("moving paddle: paddle %d ball dir %d row %d, want 7, dir 0, row 8", b.paddle, b.ballDir, b.ballY)
	}
	// Missed: the episode ends with the ball on the bottom row.
	e, b = breakoutAt(t, 7, 8, 3, 2)
	tr = step(e, actNoop)
	if !tr.Terminated || b.ballX != 6 || b.ballY != 9 || !cell(e, 9, 6, 1) {
		t.Errorf("miss: terminated %v ball (%d, %d)", tr.Terminated, b.ballX, b.ballY)
	}
}

func TestBreakoutRefill(t *testing.T) {
	// The last brick broken, the rows come back when the ball next comes down to the
	// paddle's row.
	e, b := breakoutAt(t, 5, 4, 0, 4)
	b.bricks = [Size]uint16{}
	b.bricks[3] = bit(4)
	if tr := step(e, actNoop); tr.Reward != 1 || b.brickCount() != 0 {
		t.Fatalf("last brick: reward %v, %d left", tr.Reward, b.brickCount())
	}
	for i := 0; i < 3; i++ { // (4, 4) -> (3, 5) -> (2, 6) -> (1, 7)
		step(e, actNoop)
	}
	if b.brickCount() != 0 || b.ballY != 7 {
		t.Fatalf("bricks back before the ball reached the bottom (ball on row %d)", b.ballY)
	}
	b.paddle = 0
	step(e, actNoop) // (1, 7) -> (0, 8)
	step(e, actNoop) // down to row 9 at column -1 -> 0: the bricks return, the paddle bounces it
	if b.brickCount() != 30 || count(e, 3) != 30 {
		t.Fatalf("after the ball came down: %d bricks, want 30", b.brickCount())
	}
}

package classic

import (
	"fmt"
	"math"

	"gorl/env"
)

// CartPole is Gymnasium's CartPole-v1: a pole hinged on a cart that moves along a
// frictionless track; the agent pushes the cart left (action 0) or right (action 1) with
// a force of 10 N. Reward is 1 for every step, including the one that ends the episode,
// which terminates when |x| > 2.4 or |θ| > 12°. Dynamics: the frictionless cart-pole
// equations of Barto, Sutton & Anderson (1983) (derived in Florian 2007), explicit Euler
// with τ = 0.02 s:
//
//	temp = (F + m_p·l·θ̇²·sin θ) / (m_c + m_p)
//	θ̈   = (g·sin θ − cos θ·temp) / (l·(4/3 − m_p·cos²θ / (m_c + m_p)))
//	ẍ   = temp − m_p·l·θ̈·cos θ / (m_c + m_p)
//	x ← x + τ·ẋ,  ẋ ← ẋ + τ·ẍ,  θ ← θ + τ·θ̇,  θ̇ ← θ̇ + τ·θ̈
//
// with g = 9.8, m_c = 1, m_p = 0.1 and l = 0.5 (half the pole's length). Reset draws each
// of (x, ẋ, θ, θ̇) from U(−0.05, 0.05).
type CartPole struct {
	// State is (x, ẋ, θ, θ̇): cart position (m), cart velocity, pole angle (rad, 0 is
	// upright), pole angular velocity. Step reads and advances it.
	State [4]float64

	// stepsBeyondTerminated counts steps taken after termination (−1 while the episode
	// runs); as in Gymnasium, those steps earn reward 0.
	stepsBeyondTerminated int
	obs                   [4]float64
	rand                  stream
}

// CartPole constants, as in Gymnasium.
const (
	cartPoleGravity    = 9.8
	cartPoleMassCart   = 1.0
	cartPoleMassPole   = 0.1
	cartPoleTotalMass  = cartPoleMassPole + cartPoleMassCart
	cartPoleLength     = 0.5 // half the pole's length
	cartPolePoleMassL  = cartPoleMassPole * cartPoleLength
	cartPoleForceMag   = 10.0
	cartPoleTau        = 0.02
	cartPoleXThreshold = 2.4
)

// cartPoleThetaThreshold is 12 degrees in radians, rounded step by step in float64 as
// Gymnasium's 12 * 2 * math.pi / 360 is (a Go constant expression would round only once).
var cartPoleThetaThreshold = func() float64 {
	pi := math.Pi
	return 12 * 2 * pi / 360
}()

// NewCartPole returns a CartPole on the random stream of seed 0; call Reset before Step.
func NewCartPole() *CartPole {
	return &CartPole{rand: newStream(0), stepsBeyondTerminated: -1}
}

// ObservationSpace is (x, ẋ, θ, θ̇) within ±(4.8, inf, 24°, inf), as Gymnasium 1.x bounds
// it: twice the termination thresholds, so that the last observation of an episode is
// still inside, and no bound on the velocities.
// Like every observation space here, its bounds are rounded to float32 as Gymnasium's are.
func (c *CartPole) ObservationSpace() env.Space {
	high := []float64{2 * cartPoleXThreshold, math.Inf(1), 2 * cartPoleThetaThreshold, math.Inf(1)}
	return box32([]float64{-high[0], -high[1], -high[2], -high[3]}, high)
}

// ActionSpace is Discrete(2): 0 pushes left, 1 pushes right.
func (c *CartPole) ActionSpace() env.Space { return env.NewDiscrete(2) }

// Seed makes the random stream env.NewRand(seed).
func (c *CartPole) Seed(seed uint64) { c.rand.seed(seed) }

// Reset draws the state from U(−0.05, 0.05)^4.
func (c *CartPole) Reset() []float64 {
	for i := range c.State {
		c.State[i] = c.rand.uniform(-0.05, 0.05)
	}
	c.stepsBeyondTerminated = -1
	c.obs = c.State
	return c.obs[:]
}

// Step pushes the cart. Actions are rounded and clamped to {0, 1} (see the package doc).
func (c *CartPole) Step(action []float64) env.Transition {
	force := -cartPoleForceMag
	if discreteAction(action, 2) == 1 {
		force = cartPoleForceMag
	}
	x, xDot, theta, thetaDot := c.State[0], c.State[1], c.State[2], c.State[3]
	sinTheta, cosTheta := math.Sincos(theta)

	// Products are grouped as Gymnasium groups them (θ̇² and cos²θ first), so that the
	// floating-point rounding matches.
	temp := (force + cartPolePoleMassL*(thetaDot*thetaDot)*sinTheta) / cartPoleTotalMass
	thetaAcc := (cartPoleGravity*sinTheta - cosTheta*temp) /
		(cartPoleLength * (4.0/3.0 - cartPoleMassPole*(cosTheta*cosTheta)/cartPoleTotalMass))
	xAcc := temp - cartPolePoleMassL*thetaAcc*cosTheta/cartPoleTotalMass

	// Explicit Euler: positions advance with the old velocities.
	x += cartPoleTau * xDot
	xDot += cartPoleTau * xAcc
	theta += cartPoleTau * thetaDot
	thetaDot += cartPoleTau * thetaAcc
	c.State = [4]float64{x, xDot, theta, thetaDot}
	c.obs = c.State

	terminated := x < -cartPoleXThreshold || x > cartPoleXThreshold ||
		theta < -cartPoleThetaThreshold || theta > cartPoleThetaThreshold
	reward := 1.0
	if terminated {
		// The step that ends the episode earns 1; steps taken after it earn 0.
		c.stepsBeyondTerminated++
		if c.stepsBeyondTerminated > 0 {
			reward = 0
		}
	}
	return env.Transition{Obs: c.obs[:], Reward: reward, Terminated: terminated}
}

// Snapshot saves the state, the post-termination step count and the random stream.
func (c *CartPole) Snapshot() ([]byte, error) {
	return snapshot("CartPole-v1", c.rand, c.State[0], c.State[1], c.State[2], c.State[3], float64(c.stepsBeyondTerminated))
}

// Restore restores a state saved by Snapshot.
func (c *CartPole) Restore(state []byte) error {
	var s [4]float64
	var beyond float64
	src, err := restore("CartPole-v1", state, &s[0], &s[1], &s[2], &s[3], &beyond)
	if err != nil {
		return err
	}
	if beyond != math.Trunc(beyond) || beyond < -1 || beyond > 1<<53 {
		return fmt.Errorf("restore CartPole-v1: step count %v after termination is not a count", beyond)
	}
	c.rand.commit(src)
	c.State, c.stepsBeyondTerminated = s, int(beyond)
	return nil
}

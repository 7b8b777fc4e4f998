package classic

import (
	"math"

	"gorl/env"
)

// Acrobot is Gymnasium's Acrobot-v1: two links in a vertical plane, the joint between them
// actuated with torque −1, 0 or +1 (actions 0, 1, 2). Reward is −1 per step and 0 on the
// step that reaches the goal, −cos θ1 − cos(θ1 + θ2) > 1 (the free end above the bar by
// more than one link length), which terminates the episode.
//
// Dynamics are Sutton & Barto's book version (Sutton 1996), integrated over dt = 0.2 s with
// one classic fourth-order Runge-Kutta step, the torque held constant and no torque noise:
//
//	d1 = m1·lc1² + m2·(l1² + lc2² + 2·l1·lc2·cos θ2) + I1 + I2
//	d2 = m2·(lc2² + l1·lc2·cos θ2) + I2
//	φ2 = m2·lc2·g·cos(θ1 + θ2 − π/2)
//	φ1 = −m2·l1·lc2·θ̇2²·sin θ2 − 2·m2·l1·lc2·θ̇2·θ̇1·sin θ2 + (m1·lc1 + m2·l1)·g·cos(θ1 − π/2) + φ2
//	θ̈2 = (a + d2/d1·φ1 − m2·l1·lc2·θ̇1²·sin θ2 − φ2) / (m2·lc2² + I2 − d2²/d1)
//	θ̈1 = −(d2·θ̈2 + φ1) / d1
//
// with l1 = 1, m1 = m2 = 1, lc1 = lc2 = 0.5, I1 = I2 = 1, g = 9.8. After the step the
// angles are wrapped into [−π, π] and the velocities clipped to |θ̇1| ≤ 4π, |θ̇2| ≤ 9π.
// Reset draws each of (θ1, θ2, θ̇1, θ̇2) from U(−0.1, 0.1) (rounded to float32, as
// Gymnasium does).
type Acrobot struct {
	// State is (θ1, θ2, θ̇1, θ̇2): θ1 is the first link's angle from hanging straight down,
	// θ2 the second link's angle relative to the first.
	State [4]float64

	obs  [6]float64
	rand stream
}

// Acrobot constants, as in Gymnasium.
const (
	acrobotDT      = 0.2
	acrobotL1      = 1.0 // length of link 1
	acrobotM1      = 1.0 // masses
	acrobotM2      = 1.0
	acrobotLC1     = 0.5 // positions of the centres of mass
	acrobotLC2     = 0.5
	acrobotI1      = 1.0 // moments of inertia
	acrobotI2      = 1.0
	acrobotGravity = 9.8
)

// The velocity bounds 4π and 9π, rounded as float64 products like Gymnasium's.
var (
	acrobotPi      = math.Pi
	acrobotMaxVel1 = 4 * acrobotPi
	acrobotMaxVel2 = 9 * acrobotPi
)

// NewAcrobot returns an Acrobot on the random stream of seed 0; call Reset before Step.
func NewAcrobot() *Acrobot { return &Acrobot{rand: newStream(0)} }

// ObservationSpace is (cos θ1, sin θ1, cos θ2, sin θ2, θ̇1, θ̇2) within
// ±(1, 1, 1, 1, 4π, 9π).
func (a *Acrobot) ObservationSpace() env.Space {
	high := []float64{1, 1, 1, 1, acrobotMaxVel1, acrobotMaxVel2}
	low := make([]float64, len(high))
	for i, h := range high {
		low[i] = -h
	}
	return box32(low, high)
}

// ActionSpace is Discrete(3): torque −1, 0, +1 on the joint between the links.
func (a *Acrobot) ActionSpace() env.Space { return env.NewDiscrete(3) }

// Seed makes the random stream env.NewRand(seed).
func (a *Acrobot) Seed(seed uint64) { a.rand.seed(seed) }

// Reset draws the state from U(−0.1, 0.1)^4, rounded to float32 as in Gymnasium.
func (a *Acrobot) Reset() []float64 {
	for i := range a.State {
		// Gymnasium stores the drawn state as float32 (then integrates in float64).
		a.State[i] = float64(float32(a.rand.uniform(-0.1, 0.1)))
	}
	return a.observe()
}

// Step applies the torque of the action (rounded and clamped to {0, 1, 2}).
func (a *Acrobot) Step(action []float64) env.Transition {
	torque := float64(discreteAction(action, 3) - 1)
	s := rk4(a.State, torque, acrobotDT)
	s[0] = wrapAngle(s[0])
	s[1] = wrapAngle(s[1])
	s[2] = clip(s[2], -acrobotMaxVel1, acrobotMaxVel1)
	s[3] = clip(s[3], -acrobotMaxVel2, acrobotMaxVel2)
	a.State = s
	obs := a.observe()
	// The free end is above the bar by more than one link: −cos θ1 − cos(θ1 + θ2) > 1.
	terminated := -obs[0]-math.Cos(s[1]+s[0]) > 1.0
	reward := -1.0
	if terminated {
		reward = 0
	}
	return env.Transition{Obs: obs, Reward: reward, Terminated: terminated}
}

// observe writes (cos θ1, sin θ1, cos θ2, sin θ2, θ̇1, θ̇2). math.Sincos gives the same
// values as math.Sin and math.Cos, in one call.
func (a *Acrobot) observe() []float64 {
	s := a.State
	sin1, cos1 := math.Sincos(s[0])
	sin2, cos2 := math.Sincos(s[1])
	a.obs = [6]float64{cos1, sin1, cos2, sin2, s[2], s[3]}
	return a.obs[:]
}

// acrobotDerivs is the time derivative of (θ1, θ2, θ̇1, θ̇2) under torque, the book
// equations above.
func acrobotDerivs(s [4]float64, torque float64) [4]float64 {
	const m1, m2, l1, lc1, lc2, i1, i2 = acrobotM1, acrobotM2, acrobotL1, acrobotLC1, acrobotLC2, acrobotI1, acrobotI2
	// g is a float64 variable so that products with it round in float64 as Gymnasium's
	// do, rather than being folded exactly as Go constants.
	var g float64 = acrobotGravity
	theta1, theta2, dtheta1, dtheta2 := s[0], s[1], s[2], s[3]
	sin2, cos2 := math.Sincos(theta2)
	d1 := m1*lc1*lc1 + m2*(l1*l1+lc2*lc2+2*l1*lc2*cos2) + i1 + i2
	d2 := m2*(lc2*lc2+l1*lc2*cos2) + i2
	phi2 := m2 * lc2 * g * math.Cos(theta1+theta2-math.Pi/2)
	phi1 := -m2*l1*lc2*(dtheta2*dtheta2)*sin2 - 2*m2*l1*lc2*dtheta2*dtheta1*sin2 +
		(m1*lc1+m2*l1)*g*math.Cos(theta1-math.Pi/2) + phi2
	ddtheta2 := (torque + d2/d1*phi1 - m2*l1*lc2*(dtheta1*dtheta1)*sin2 - phi2) /
		(m2*lc2*lc2 + i2 - d2*d2/d1)
	ddtheta1 := -(d2*ddtheta2 + phi1) / d1
	return [4]float64{dtheta1, dtheta2, ddtheta1, ddtheta2}
}

// rk4 advances s by dt with one classic Runge-Kutta step:
// y ← y + dt/6·(k1 + 2·k2 + 2·k3 + k4).
func rk4(y [4]float64, torque, dt float64) [4]float64 {
	shift := func(y, k [4]float64, h float64) [4]float64 {
		return [4]float64{y[0] + h*k[0], y[1] + h*k[1], y[2] + h*k[2], y[3] + h*k[3]}
	}
	k1 := acrobotDerivs(y, torque)
	k2 := acrobotDerivs(shift(y, k1, dt/2), torque)
	k3 := acrobotDerivs(shift(y, k2, dt/2), torque)
	k4 := acrobotDerivs(shift(y, k3, dt), torque)
	var out [4]float64
	for i := range out {
		out[i] = y[i] + dt/6.0*(k1[i]+2*k2[i]+2*k3[i]+k4[i])
	}
	return out
}

// wrapAngle shifts x by multiples of 2π into [−π, π], as Gymnasium's wrap does. Angles
// after a step are within a few turns; the Mod only guards against a State set by hand to
// a huge or infinite value, for which the subtraction loop would never end.
func wrapAngle(x float64) float64 {
	const span = 2 * math.Pi
	if math.Abs(x) > 64*span {
		x = math.Mod(x, span) // NaN for ±Inf, which the loops pass through
	}
	for x > math.Pi {
		x -= span
	}
	for x < -math.Pi {
		x += span
	}
	return x
}

// Snapshot saves the state and the random stream.
func (a *Acrobot) Snapshot() ([]byte, error) {
	return snapshot("Acrobot-v1", a.rand, a.State[0], a.State[1], a.State[2], a.State[3])
}

// Restore restores a state saved by Snapshot.
func (a *Acrobot) Restore(state []byte) error {
	var s [4]float64
	src, err := restore("Acrobot-v1", state, &s[0], &s[1], &s[2], &s[3])
	if err != nil {
		return err
	}
	a.rand.commit(src)
	a.State = s
	return nil
}

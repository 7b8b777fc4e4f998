package classic

import (
	"math"

	"gorl/env"
)

// Pendulum is Gymnasium's Pendulum-v1: swing a frictionless pendulum up and keep it
// upright with a torque u ∈ [−2, 2]. There is no terminal state; episodes end only at the
// time limit. With θ = 0 upright, each step costs
//
//	cost = normalize(θ)² + 0.1·θ̇² + 0.001·u²        (reward = −cost, computed before the update)
//
// where normalize wraps the angle into [−π, π), and the dynamics are semi-implicit Euler
// with dt = 0.05 s, m = l = 1:
//
//	θ̇ ← clip(θ̇ + (3g/(2l)·sin θ + 3/(m·l²)·u)·dt, −8, 8)
//	θ  ← θ + θ̇·dt
//
// Reset draws θ from U(−π, π) and θ̇ from U(−1, 1).
type Pendulum struct {
	// G is the gravitational acceleration; 0 means Gymnasium's default of 10.
	G float64
	// State is (θ, θ̇).
	State [2]float64

	obs  [3]float64
	rand stream
}

// Pendulum constants, as in Gymnasium.
const (
	pendulumMaxSpeed  = 8.0
	pendulumMaxTorque = 2.0
	pendulumDT        = 0.05
	pendulumMass      = 1.0
	pendulumLength    = 1.0
	pendulumDefaultG  = 10.0
)

// NewPendulum returns a Pendulum with gravity g (0: 10) on the random stream of seed 0;
// call Reset before Step.
func NewPendulum(g float64) *Pendulum { return &Pendulum{G: g, rand: newStream(0)} }

// ObservationSpace is (cos θ, sin θ, θ̇) within ±(1, 1, 8).
func (p *Pendulum) ObservationSpace() env.Space {
	return box32([]float64{-1, -1, -pendulumMaxSpeed}, []float64{1, 1, pendulumMaxSpeed})
}

// ActionSpace is the torque, Box(−2, 2, (1,)).
func (p *Pendulum) ActionSpace() env.Space {
	return env.UniformBox(1, -pendulumMaxTorque, pendulumMaxTorque)
}

// Seed makes the random stream env.NewRand(seed).
func (p *Pendulum) Seed(seed uint64) { p.rand.seed(seed) }

// Reset draws θ ~ U(−π, π), then θ̇ ~ U(−1, 1).
func (p *Pendulum) Reset() []float64 {
	p.State[0] = p.rand.uniform(-math.Pi, math.Pi)
	p.State[1] = p.rand.uniform(-1, 1)
	return p.observe()
}

// Step applies the torque action[0], clipped to [−2, 2].
func (p *Pendulum) Step(action []float64) env.Transition {
	g := p.G
	if g == 0 {
		g = pendulumDefaultG
	}
	const m, l, dt = pendulumMass, pendulumLength, pendulumDT
	th, thDot := p.State[0], p.State[1]
	u := clip(continuousAction(action), -pendulumMaxTorque, pendulumMaxTorque)

	an := angleNormalize(th)
	cost := an*an + 0.1*(thDot*thDot) + 0.001*(u*u)

	newThDot := thDot + (3*g/(2*l)*math.Sin(th)+3.0/(m*l*l)*u)*dt
	newThDot = clip(newThDot, -pendulumMaxSpeed, pendulumMaxSpeed)
	newTh := th + newThDot*dt
	p.State = [2]float64{newTh, newThDot}
	return env.Transition{Obs: p.observe(), Reward: -cost}
}

func (p *Pendulum) observe() []float64 {
	sin, cos := math.Sincos(p.State[0])
	p.obs = [3]float64{cos, sin, p.State[1]}
	return p.obs[:]
}

// angleNormalize maps x to ((x + π) mod 2π) − π with a non-negative modulo, as Python's
// % does, so that the result lies in [−π, π).
func angleNormalize(x float64) float64 {
	m := math.Mod(x+math.Pi, 2*math.Pi)
	if m < 0 {
		m += 2 * math.Pi
	}
	return m - math.Pi
}

// Snapshot saves the state, gravity and the random stream.
func (p *Pendulum) Snapshot() ([]byte, error) {
	return snapshot("Pendulum-v1", p.rand, p.State[0], p.State[1], p.G)
}

// Restore restores a state saved by Snapshot.
func (p *Pendulum) Restore(state []byte) error {
	var s [2]float64
	var g float64
	src, err := restore("Pendulum-v1", state, &s[0], &s[1], &g)
	if err != nil {
		return err
	}
	p.rand.commit(src)
	p.State, p.G = s, g
	return nil
}

package classic

import (
	"math"

	"gorl/env"
)

// MountainCar constants shared by both versions, as in Gymnasium.
const (
	mountainCarMinPosition = -1.2
	mountainCarMaxPosition = 0.6
	mountainCarMaxSpeed    = 0.07
	mountainCarGravity     = 0.0025
)

func mountainCarObservationSpace() env.Space {
	return box32([]float64{mountainCarMinPosition, -mountainCarMaxSpeed},
		[]float64{mountainCarMaxPosition, mountainCarMaxSpeed})
}

// MountainCar is Gymnasium's MountainCar-v0 (Moore 1990): an under-powered car in a valley
// must rock back and forth to reach the flag at position 0.5 on the right hill. Actions 0,
// 1, 2 accelerate left, not at all, right. Each step:
//
//	v ← clip(v + (a − 1)·0.001 − 0.0025·cos(3x), −0.07, 0.07)
//	x ← clip(x + v, −1.2, 0.6);  v ← 0 if x = −1.2 and v < 0 (an inelastic left wall)
//
// Reward is −1 per step; the episode terminates when x ≥ 0.5 (and v ≥ 0, the goal
// velocity). Reset draws x from U(−0.6, −0.4) with v = 0.
type MountainCar struct {
	// State is (x, v): position and velocity.
	State [2]float64

	obs  [2]float64
	rand stream
}

const (
	mountainCarForce        = 0.001
	mountainCarGoalPosition = 0.5
)

// NewMountainCar returns a MountainCar on the random stream of seed 0; call Reset before
// Step.
func NewMountainCar() *MountainCar { return &MountainCar{rand: newStream(0)} }

// ObservationSpace is (x, v) within [−1.2, 0.6] × [−0.07, 0.07].
func (m *MountainCar) ObservationSpace() env.Space { return mountainCarObservationSpace() }

// ActionSpace is Discrete(3): accelerate left, do nothing, accelerate right.
func (m *MountainCar) ActionSpace() env.Space { return env.NewDiscrete(3) }

// Seed makes the random stream env.NewRand(seed).
func (m *MountainCar) Seed(seed uint64) { m.rand.seed(seed) }

// Reset draws x ~ U(−0.6, −0.4) and sets v = 0.
func (m *MountainCar) Reset() []float64 {
	m.State = [2]float64{m.rand.uniform(-0.6, -0.4), 0}
	m.obs = m.State
	return m.obs[:]
}

// Step accelerates the car (the action is rounded and clamped to {0, 1, 2}).
func (m *MountainCar) Step(action []float64) env.Transition {
	a := discreteAction(action, 3)
	x, v := m.State[0], m.State[1]
	v += float64(a-1)*mountainCarForce + math.Cos(3*x)*(-mountainCarGravity)
	v = clip(v, -mountainCarMaxSpeed, mountainCarMaxSpeed)
	x += v
	x = clip(x, mountainCarMinPosition, mountainCarMaxPosition)
	if x == mountainCarMinPosition && v < 0 {
		v = 0
	}
	terminated := x >= mountainCarGoalPosition && v >= 0
	m.State = [2]float64{x, v}
	m.obs = m.State
	return env.Transition{Obs: m.obs[:], Reward: -1, Terminated: terminated}
}

// Snapshot saves the state and the random stream.
func (m *MountainCar) Snapshot() ([]byte, error) {
	return snapshot("MountainCar-v0", m.rand, m.State[0], m.State[1])
}

// Restore restores a state saved by Snapshot.
func (m *MountainCar) Restore(state []byte) error {
	var s [2]float64
	src, err := restore("MountainCar-v0", state, &s[0], &s[1])
	if err != nil {
		return err
	}
	m.rand.commit(src)
	m.State = s
	return nil
}

// MountainCarContinuous is Gymnasium's MountainCarContinuous-v0: the same valley with a
// continuous force a ∈ [−1, 1] and the flag at 0.45. Each step:
//
//	v ← clip(v + clip(a, −1, 1)·0.0015 − 0.0025·cos(3x), −0.07, 0.07)
//	x ← clip(x + v, −1.2, 0.6);  v ← 0 if x = −1.2 and v < 0
//
// The episode terminates when x ≥ 0.45 (and v ≥ 0). Reward is 100 on reaching the goal,
// minus 0.1·a² every step, where a is the action as given (Gymnasium penalises the
// unclipped action). As in Gymnasium the state is stored in float32 after every step, so
// the next step starts from the rounded position and velocity; the termination test and
// the reward use the unrounded values. Reset draws x from U(−0.6, −0.4) with v = 0.
type MountainCarContinuous struct {
	// State is (x, v): position and velocity.
	State [2]float64

	obs  [2]float64
	rand stream
}

const (
	mountainCarContinuousPower = 0.0015
	mountainCarContinuousGoal  = 0.45
)

// NewMountainCarContinuous returns a MountainCarContinuous on the random stream of seed 0;
// call Reset before Step.
func NewMountainCarContinuous() *MountainCarContinuous {
	return &MountainCarContinuous{rand: newStream(0)}
}

// ObservationSpace is (x, v) within [−1.2, 0.6] × [−0.07, 0.07].
func (m *MountainCarContinuous) ObservationSpace() env.Space { return mountainCarObservationSpace() }

// ActionSpace is the force, Box(−1, 1, (1,)).
func (m *MountainCarContinuous) ActionSpace() env.Space { return env.UniformBox(1, -1, 1) }

// Seed makes the random stream env.NewRand(seed).
func (m *MountainCarContinuous) Seed(seed uint64) { m.rand.seed(seed) }

// Reset draws x ~ U(−0.6, −0.4) and sets v = 0.
func (m *MountainCarContinuous) Reset() []float64 {
	m.State = [2]float64{m.rand.uniform(-0.6, -0.4), 0}
	m.obs = m.State
	return m.obs[:]
}

// Step pushes the car with force action[0] (clipped to [−1, 1] for the dynamics).
func (m *MountainCarContinuous) Step(action []float64) env.Transition {
	a := continuousAction(action)
	force := clip(a, -1, 1)
	x, v := m.State[0], m.State[1]
	v += force*mountainCarContinuousPower - mountainCarGravity*math.Cos(3*x)
	v = clip(v, -mountainCarMaxSpeed, mountainCarMaxSpeed)
	x += v
	x = clip(x, mountainCarMinPosition, mountainCarMaxPosition)
	if x == mountainCarMinPosition && v < 0 {
		v = 0
	}
	terminated := x >= mountainCarContinuousGoal && v >= 0
	reward := 0.0
	if terminated {
		reward = 100
	}
	reward -= a * a * 0.1
	m.State = [2]float64{float64(float32(x)), float64(float32(v))}
	m.obs = m.State
	return env.Transition{Obs: m.obs[:], Reward: reward, Terminated: terminated}
}

// Snapshot saves the state and the random stream.
func (m *MountainCarContinuous) Snapshot() ([]byte, error) {
	return snapshot("MountainCarContinuous-v0", m.rand, m.State[0], m.State[1])
}

// Restore restores a state saved by Snapshot.
func (m *MountainCarContinuous) Restore(state []byte) error {
	var s [2]float64
	src, err := restore("MountainCarContinuous-v0", state, &s[0], &s[1])
	if err != nil {
		return err
	}
	m.rand.commit(src)
	m.State = s
	return nil
}

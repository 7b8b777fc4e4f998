package env_test

import (
	"encoding/binary"
	"errors"
	"math"
	"math/rand/v2"

	"gorl/env"
)

// walk is a small environment for testing the env package on its own: a noisy random
// walk on the line pushed by a 1-d action in [−1, 1]. Observation (position, steps),
// reward −|position|, termination when |position| ≥ 3. Reset draws the position from
// U(−1, 1). It records the last action it was given.
type walk struct {
	pos        float64
	steps      int
	obs        [2]float64
	src        *rand.PCG
	rng        *rand.Rand
	lastAction []float64
}

func newWalk() *walk {
	src := rand.NewPCG(0, 0)
	return &walk{src: src, rng: rand.New(src), lastAction: make([]float64, 1)}
}

func (w *walk) ObservationSpace() env.Space {
	return env.NewBox([]float64{-4, 0}, []float64{4, math.Inf(1)})
}
func (w *walk) ActionSpace() env.Space { return env.UniformBox(1, -1, 1) }
func (w *walk) Seed(seed uint64)       { w.src.Seed(seed, 7) }

func (w *walk) Reset() []float64 {
	w.pos, w.steps = -1+2*w.rng.Float64(), 0
	w.obs = [2]float64{w.pos, 0}
	return w.obs[:]
}

func (w *walk) Step(action []float64) env.Transition {
	copy(w.lastAction, action)
	w.pos += action[0] + 0.3*w.rng.NormFloat64()
	w.steps++
	w.obs = [2]float64{w.pos, float64(w.steps)}
	return env.Transition{Obs: w.obs[:], Reward: -math.Abs(w.pos), Terminated: math.Abs(w.pos) >= 3}
}

func (w *walk) Snapshot() ([]byte, error) {
	out := binary.LittleEndian.AppendUint64(nil, math.Float64bits(w.pos))
	out = binary.LittleEndian.AppendUint64(out, uint64(w.steps))
	return w.src.AppendBinary(out)
}

func (w *walk) Restore(state []byte) error {
	if len(state) < 16 {
		return errors.New("walk: short snapshot")
	}
	if err := w.src.UnmarshalBinary(state[16:]); err != nil {
		return err
	}
	w.pos = math.Float64frombits(binary.LittleEndian.Uint64(state))
	w.steps = int(binary.LittleEndian.Uint64(state[8:]))
	return nil
}

// plain is an environment without Snapshotter (and a discrete action space).
type plain struct{ obs [1]float64 }

func (p *plain) ObservationSpace() env.Space { return env.UniformBox(1, 0, 10) }
func (p *plain) ActionSpace() env.Space      { return env.NewDiscrete(2) }
func (p *plain) Seed(uint64)                 {}
func (p *plain) Reset() []float64            { p.obs[0] = 0; return p.obs[:] }
func (p *plain) Step(a []float64) env.Transition {
	p.obs[0] += a[0]
	return env.Transition{Obs: p.obs[:], Reward: a[0]}
}

// context is a ContextRevealer for env.As.
type context struct{ walk }

func (c *context) Context() int { return 3 }

// Package lock provides combination locks, the hard-exploration benchmark of Hy-Q
// (Song et al. 2023) and HOMER (Misra et al. 2020), with exact model access and
// offline data generators.
//
// The lock has horizon H, A actions and three latent states: two good states (0 and 1)
// and an absorbing dead state (2). An episode starts in a good state chosen uniformly.
// At step h in good state s the correct action Correct[h][s] moves to a good state
// chosen uniformly; any other action moves to the dead state and pays the "anti-reward"
// (0.1 by default) with probability 1/2, once, on the way down. The correct action at the
// last step pays 1 (Config.FinalReward). The episode total is at most 1, and a uniform
// policy succeeds with probability A^-H.
//
// The diabolical lock of HOMER (Misra et al. 2020) adds anti-shaping along the
// combination: with Config.StepPenalty = P every correct step before the last pays
// -P/(H-1), so the opened lock pays 1 - P in all and, until the agent has seen the
// final reward, falling now looks better than falling later. Without it (Hy-Q's lock)
// falling at any depth pays the same in expectation, and the maximisation bias of
// Q-learning's bootstrapped targets is enough to walk an epsilon-greedy learner down
// the lock. Q* stays in [0, 1] for P <= 1.
//
// Two observation models:
//   - lock/latent: the observation is [latent state, step]; the state is Markov and
//     tabular (Model gives P, R and the initial distribution).
//   - lock/rich: one-hot(latent) (3 entries) and one-hot(step) (H+1 entries), padded to
//     dimension d = 2^ceil(log2(H+4)), plus N(0, Noise^2) noise in every entry, then
//     rotated by the normalised Hadamard matrix of order d.
//
// Episodes end with Terminated after exactly H steps: the horizon is part of the
// problem, not a time limit. Both environments reveal the latent state through
// env.ContextRevealer.
package lock

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"

	"gorl/env"
)

// Latent states.
const (
	GoodA = 0
	GoodB = 1
	Dead  = 2
	// NumStates is the number of latent states.
	NumStates = 3
)

// Config describes a lock. Zero values mean defaults.
type Config struct {
	H       int // horizon (default 10)
	Actions int // number of actions (default 10)
	// LockSeed draws the combination (the correct actions); it is fixed for the lock's
	// lifetime, unlike the episode stream set by Seed.
	LockSeed uint64
	// AntiReward is paid with probability AntiProb when a wrong action leads to the dead
	// state (defaults 0.1 and 0.5).
	AntiReward float64
	AntiProb   float64
	// NoAntiReward removes the anti-reward (a zero AntiReward means the default).
	NoAntiReward bool
	// Noise is the standard deviation of the rich observation's Gaussian noise (default 0.1).
	Noise float64
	// StepPenalty is the diabolical lock's anti-shaping along the combination (HOMER,
	// Misra et al. 2020): every correct non-final step pays -StepPenalty/(H-1), so the
	// opened lock pays 1 - StepPenalty in all. Zero (the default) is Hy-Q's lock.
	StepPenalty float64
	// FinalReward is paid by the correct action at the last step (default 1). The
	// incomplete family (IncompleteFinalReward) lowers it so that a model with a second,
	// unlogged way to win keeps every value in [0, 1].
	FinalReward float64
}

// IncompleteFinalReward is the final reward of lock/incomplete: below 1 by more than
// the expected anti-reward, so that the decoy models of the incomplete family (a lock
// whose dead state pays this reward for one untried action at the last step) prefer
// falling and still have values in [0, 1].
const IncompleteFinalReward = 0.9

func (c Config) withDefaults() Config {
	if c.H == 0 {
		c.H = 10
	}
	if c.Actions == 0 {
		c.Actions = 10
	}
	if c.AntiReward == 0 && !c.NoAntiReward {
		c.AntiReward = 0.1
	}
	if c.NoAntiReward {
		c.AntiReward = 0
	}
	if c.AntiProb == 0 {
		c.AntiProb = 0.5
	}
	if c.Noise == 0 {
		c.Noise = 0.1
	}
	if c.FinalReward == 0 {
		c.FinalReward = 1
	}
	return c
}

// Lock is the combination lock's structure (no episode state): the combination and
// the exact model.
type Lock struct {
	Config
	// Correct[h][s] is the correct action in good state s at step h.
	Correct [][2]int
}

// New validates cfg and draws the combination from cfg.LockSeed.
func New(cfg Config) (*Lock, error) {
	cfg = cfg.withDefaults()
	switch {
	case cfg.H < 1 || cfg.H > 100000:
		return nil, fmt.Errorf("lock: H must be in [1, 100000], got %d", cfg.H)
	case cfg.Actions < 2:
		return nil, fmt.Errorf("lock: need at least 2 actions, got %d", cfg.Actions)
	case !(cfg.AntiReward >= 0 && cfg.AntiReward <= 1):
		return nil, fmt.Errorf("lock: anti-reward must be in [0, 1], got %g", cfg.AntiReward)
	case !(cfg.AntiProb >= 0 && cfg.AntiProb <= 1):
		return nil, fmt.Errorf("lock: anti-reward probability must be in [0, 1], got %g", cfg.AntiProb)
	case !(cfg.FinalReward > 0 && cfg.FinalReward <= 1):
		return nil, fmt.Errorf("lock: final reward must be in (0, 1], got %g", cfg.FinalReward)
	case !(cfg.StepPenalty >= 0 && cfg.StepPenalty <= 1):
		return nil, fmt.Errorf("lock: step penalty must be in [0, 1], got %g", cfg.StepPenalty)
	case !(cfg.Noise >= 0) || math.IsInf(cfg.Noise, 0):
		return nil, fmt.Errorf("lock: noise must be finite and >= 0, got %g", cfg.Noise)
	}
	rng := env.NewRand(cfg.LockSeed, 0x10c4)
	l := &Lock{Config: cfg, Correct: make([][2]int, cfg.H)}
	for h := range l.Correct {
		l.Correct[h] = [2]int{rng.IntN(cfg.Actions), rng.IntN(cfg.Actions)}
	}
	return l, nil
}

// Step is the latent transition: from state s at step h with action a it returns the
// next state and the reward, drawing from rng.
func (l *Lock) Step(rng *rand.Rand, h, s, a int) (next int, reward float64) {
	if s == Dead {
		return Dead, 0
	}
	if a == l.Correct[h][s] {
		reward = l.pathReward(h)
		return rng.IntN(2), reward
	}
	if rng.Float64() < l.AntiProb {
		reward = l.AntiReward
	}
	return Dead, reward
}

// pathReward is the reward of the correct action at step h: FinalReward at the last
// step, the diabolical lock's per-step penalty before it.
func (l *Lock) pathReward(h int) float64 {
	if h == l.H-1 {
		return l.FinalReward
	}
	return -l.StepPenalty / float64(l.H-1)
}

// Model is the exact layered tabular model of the latent lock.
type Model struct {
	H, S, A int
	Init    []float64       // initial state distribution
	P       [][][][]float64 // P[h][s][a][s']
	R       [][][]float64   // expected reward R[h][s][a]
	Success [][][]float64   // probability that (h, s, a) opens the lock (last step, correct action)
	Correct [][2]int        // the combination
}

// Model returns the exact model.
func (l *Lock) Model() Model {
	m := Model{H: l.H, S: NumStates, A: l.Actions, Init: []float64{0.5, 0.5, 0}, Correct: append([][2]int(nil), l.Correct...)}
	m.P = make([][][][]float64, l.H)
	m.R = make([][][]float64, l.H)
	m.Success = make([][][]float64, l.H)
	for h := 0; h < l.H; h++ {
		m.P[h] = make([][][]float64, NumStates)
		m.R[h] = make([][]float64, NumStates)
		m.Success[h] = make([][]float64, NumStates)
		for s := 0; s < NumStates; s++ {
			m.P[h][s] = make([][]float64, l.Actions)
			m.R[h][s] = make([]float64, l.Actions)
			m.Success[h][s] = make([]float64, l.Actions)
			for a := 0; a < l.Actions; a++ {
				p := make([]float64, NumStates)
				switch {
				case s == Dead:
					p[Dead] = 1
				case a == l.Correct[h][s]:
					p[GoodA], p[GoodB] = 0.5, 0.5
					m.R[h][s][a] = l.pathReward(h)
					if h == l.H-1 {
						m.Success[h][s][a] = 1
					}
				default:
					p[Dead] = 1
					m.R[h][s][a] = l.AntiReward * l.AntiProb
				}
				m.P[h][s][a] = p
			}
		}
	}
	return m
}

// RichDim is the rich observation's dimension, 2^ceil(log2(H+4)).
func RichDim(h int) int {
	n := h + 4
	return 1 << bits.Len(uint(n-1))
}

// Env is one lock episode runner. Latent environments observe [state, step]; rich ones
// observe the rotated noisy encoding.
type Env struct {
	*Lock
	rich bool
	rng  *rand.Rand
	src  *rand.PCG // the stream behind rng, saved by Snapshot
	h, s int
	obs  []float64
	raw  []float64
	had  [][]float64 // normalised Hadamard matrix (rich only)
}

// NewLatent returns the latent-state environment of lock l.
func NewLatent(l *Lock) *Env {
	e := &Env{Lock: l, obs: make([]float64, 2)}
	e.Seed(0)
	return e
}

// NewRich returns the rich-observation environment of lock l.
func NewRich(l *Lock) *Env {
	d := RichDim(l.H)
	e := &Env{Lock: l, rich: true, obs: make([]float64, d), raw: make([]float64, d), had: Hadamard(d)}
	e.Seed(0)
	return e
}

// Hadamard returns Sylvester's Hadamard matrix of order d (a power of two), scaled by
// 1/sqrt(d) so that it is a rotation.
func Hadamard(d int) [][]float64 {
	m := make([][]float64, d)
	scale := 1 / math.Sqrt(float64(d))
	for i := range m {
		m[i] = make([]float64, d)
		for j := range m[i] {
			v := scale
			if bits.OnesCount(uint(i&j))%2 == 1 {
				v = -scale
			}
			m[i][j] = v
		}
	}
	return m
}

// Rich reports whether the environment emits rich observations.
func (e *Env) Rich() bool { return e.rich }

func (e *Env) ObservationSpace() env.Space {
	if e.rich {
		return env.UniformBox(len(e.obs), math.Inf(-1), math.Inf(1))
	}
	return env.NewBox([]float64{0, 0}, []float64{NumStates - 1, float64(e.H)})
}

func (e *Env) ActionSpace() env.Space { return env.NewDiscrete(e.Actions) }

// Seed sets the episode stream (initial states, transitions, anti-rewards, noise).
func (e *Env) Seed(seed uint64) {
	e.src = env.NewPCG(seed, 0x10c5)
	e.rng = rand.New(e.src)
}

// Context is the current latent state (revealed in hindsight by callers).
func (e *Env) Context() int { return e.s }

// StepIndex is the number of steps taken in the current episode.
func (e *Env) StepIndex() int { return e.h }

func (e *Env) Reset() []float64 {
	e.h, e.s = 0, e.rng.IntN(2)
	return e.observe()
}

func (e *Env) Step(action []float64) env.Transition {
	if e.h >= e.H {
		return env.Transition{Obs: e.obs, Terminated: true}
	}
	a := int(action[0])
	if a < 0 || a >= e.Actions || float64(a) != action[0] {
		a = 0 // out-of-range actions act as action 0; callers validate with ActionSpace
	}
	next, r := e.Lock.Step(e.rng, e.h, e.s, a)
	e.h++
	e.s = next
	return env.Transition{Obs: e.observe(), Reward: r, Terminated: e.h == e.H}
}

func (e *Env) observe() []float64 {
	if !e.rich {
		e.obs[0], e.obs[1] = float64(e.s), float64(e.h)
		return e.obs
	}
	for i := range e.raw {
		e.raw[i] = e.Noise * e.rng.NormFloat64()
	}
	e.raw[e.s]++
	e.raw[NumStates+e.h]++
	for i, row := range e.had {
		var v float64
		for j, x := range row {
			v += x * e.raw[j]
		}
		e.obs[i] = v
	}
	return e.obs
}

// Snapshot saves the episode state and the random stream.
func (e *Env) Snapshot() ([]byte, error) {
	src, err := e.src.MarshalBinary()
	if err != nil {
		return nil, fmt.Errorf("lock: snapshot: %w", err)
	}
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(src)))
	b = append(b, src...)
	b = binary.LittleEndian.AppendUint64(b, uint64(e.h))
	b = binary.LittleEndian.AppendUint64(b, uint64(e.s))
	for _, v := range e.obs {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
	}
	return b, nil
}

// Restore resumes from a Snapshot of an environment of the same lock.
func (e *Env) Restore(state []byte) error {
	bad := errors.New("lock: restore: snapshot of a different environment")
	if len(state) < 8 {
		return bad
	}
	n := binary.LittleEndian.Uint64(state)
	if n > uint64(len(state)) || len(state) != 8+int(n)+16+8*len(e.obs) {
		return bad
	}
	src := &rand.PCG{}
	if err := src.UnmarshalBinary(state[8 : 8+n]); err != nil {
		return fmt.Errorf("lock: restore: %w", err)
	}
	rest := state[8+n:]
	h, s := int(binary.LittleEndian.Uint64(rest)), int(binary.LittleEndian.Uint64(rest[8:]))
	if h < 0 || h > e.H || s < 0 || s >= NumStates {
		return bad
	}
	e.src, e.rng, e.h, e.s = src, rand.New(src), h, s
	for i := range e.obs {
		e.obs[i] = math.Float64frombits(binary.LittleEndian.Uint64(rest[16+8*i:]))
	}
	return nil
}

// ConfigFromOptions reads a lock's settings from env options: H, actions, lock_seed,
// anti_reward, anti_prob, step_penalty, noise.
func ConfigFromOptions(opts env.Options) (Config, error) {
	var c Config
	var err error
	if c.H, err = opts.Int("H", 10); err != nil {
		return c, err
	}
	if c.Actions, err = opts.Int("actions", 10); err != nil {
		return c, err
	}
	if c.H < 1 || c.Actions < 2 {
		return c, fmt.Errorf("options H=%d actions=%d: need H >= 1 and actions >= 2", c.H, c.Actions)
	}
	seed, err := opts.Int("lock_seed", 0)
	if err != nil {
		return c, err
	}
	if seed < 0 {
		return c, fmt.Errorf("option lock_seed=%d: must be >= 0", seed)
	}
	c.LockSeed = uint64(seed)
	if c.AntiReward, err = opts.Float("anti_reward", 0.1); err != nil {
		return c, err
	}
	c.NoAntiReward = c.AntiReward == 0
	if c.AntiProb, err = opts.Float("anti_prob", 0.5); err != nil {
		return c, err
	}
	if c.StepPenalty, err = opts.Float("step_penalty", 0); err != nil {
		return c, err
	}
	if c.Noise, err = opts.Float("noise", 0.1); err != nil {
		return c, err
	}
	if c.FinalReward, err = opts.Float("final_reward", 1); err != nil {
		return c, err
	}
	if !(c.FinalReward > 0 && c.FinalReward <= 1) {
		return c, fmt.Errorf("option final_reward=%g: must be in (0, 1]", c.FinalReward) // 0 would read as the default
	}
	return c, nil
}

func init() {
	env.Register(env.Spec{ID: "lock/latent", Description: "combination lock, latent [state, step] observations (options H, actions, lock_seed, anti_reward, anti_prob, step_penalty)",
		New: func(opts env.Options) (env.Env, error) {
			c, err := ConfigFromOptions(opts)
			if err != nil {
				return nil, err
			}
			l, err := New(c)
			if err != nil {
				return nil, err
			}
			return NewLatent(l), nil
		}})
	env.Register(env.Spec{ID: "lock/incomplete", Description: "the latent lock of the incomplete family (final reward 0.9); the family's value class lives in gorl/glow (options as lock/latent)",
		New: func(opts env.Options) (env.Env, error) {
			c, err := ConfigFromOptions(opts)
			if err != nil {
				return nil, err
			}
			if _, ok := opts["final_reward"]; !ok {
				c.FinalReward = IncompleteFinalReward
			}
			l, err := New(c)
			if err != nil {
				return nil, err
			}
			return NewLatent(l), nil
		}})
	env.Register(env.Spec{ID: "lock/rich", Description: "combination lock, rich observations: Hadamard-rotated noisy one-hot latent and step (options H, actions, lock_seed, anti_reward, anti_prob, step_penalty, noise)",
		New: func(opts env.Options) (env.Env, error) {
			c, err := ConfigFromOptions(opts)
			if err != nil {
				return nil, err
			}
			l, err := New(c)
			if err != nil {
				return nil, err
			}
			return NewRich(l), nil
		}})
}

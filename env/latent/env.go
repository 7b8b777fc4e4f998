package latent

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"

	"gorl/env"
)

// Env runs an LMDP as an env.Env. Reset draws a context m ~ w and a first state
// s ~ nu_m; observations are the state index (Discrete(S)); the episode terminates after
// H steps. The context is hidden from the observations; Context reveals it and is meant
// to be read in hindsight, when the episode has ended (loggers write it in the step and
// episode tables as "context").
type Env struct {
	Model *LMDP

	src     *rand.PCG
	rng     *rand.Rand
	context int
	state   int
	step    int
	obs     []float64
}

var (
	_ env.Env             = (*Env)(nil)
	_ env.ContextRevealer = (*Env)(nil)
	_ env.Snapshotter     = (*Env)(nil)
)

// NewEnv returns an environment running l (validated first), seeded with 0.
func NewEnv(l *LMDP) (*Env, error) {
	if l == nil {
		return nil, errNil
	}
	if err := l.Validate(); err != nil {
		return nil, err
	}
	e := &Env{Model: l, obs: make([]float64, 1), context: -1}
	e.Seed(0)
	return e, nil
}

func (e *Env) ObservationSpace() env.Space { return env.NewDiscrete(e.Model.S) }
func (e *Env) ActionSpace() env.Space      { return env.NewDiscrete(e.Model.A) }

// Seed sets the stream that draws contexts and transitions.
func (e *Env) Seed(seed uint64) {
	e.src = env.NewPCG(seed, 0x1d4d)
	e.rng = rand.New(e.src)
}

// Snapshot saves the random stream and the episode's position (context, state, step).
func (e *Env) Snapshot() ([]byte, error) {
	st, err := e.src.MarshalBinary()
	if err != nil {
		return nil, fmt.Errorf("lmdp env snapshot: %w", err)
	}
	out := binary.LittleEndian.AppendUint32(nil, uint32(len(st)))
	out = append(out, st...)
	for _, v := range []int{e.context, e.state, e.step} {
		out = binary.LittleEndian.AppendUint64(out, uint64(int64(v)))
	}
	return out, nil
}

// Restore restores a state saved by Snapshot.
func (e *Env) Restore(state []byte) error {
	if len(state) < 4 {
		return fmt.Errorf("lmdp env restore: state too short")
	}
	n := int(binary.LittleEndian.Uint32(state))
	if len(state) != 4+n+24 {
		return fmt.Errorf("lmdp env restore: state has %d bytes, want %d", len(state), 4+n+24)
	}
	if err := e.src.UnmarshalBinary(state[4 : 4+n]); err != nil {
		return fmt.Errorf("lmdp env restore: %w", err)
	}
	v := make([]int, 3)
	for i := range v {
		v[i] = int(int64(binary.LittleEndian.Uint64(state[4+n+8*i:])))
	}
	l := e.Model
	if v[0] < -1 || v[0] >= l.M || v[1] < 0 || v[1] >= l.S || v[2] < 0 || v[2] > l.H {
		return fmt.Errorf("lmdp env restore: context %d, state %d, step %d out of range for this instance", v[0], v[1], v[2])
	}
	e.context, e.state, e.step = v[0], v[1], v[2]
	e.obs[0] = float64(e.state)
	return nil
}

// Reset draws the episode's context and first state.
func (e *Env) Reset() []float64 {
	l := e.Model
	e.context = sample(e.rng, l.Weights)
	e.state = sample(e.rng, l.InitDist(e.context))
	e.step = 0
	e.obs[0] = float64(e.state)
	return e.obs
}

// Step takes action a = int(action[0]). An action outside [0, A) is clamped to the
// nearest valid one (env.Space.Contains tells callers what is valid). Stepping after the
// episode ended starts nothing: it repeats the terminal transition with zero reward.
func (e *Env) Step(action []float64) env.Transition {
	l := e.Model
	if e.step >= l.H || e.context < 0 {
		return env.Transition{Obs: e.obs, Terminated: true}
	}
	a := 0
	if len(action) > 0 {
		a = min(max(int(action[0]), 0), l.A-1)
	}
	r := l.Reward(e.context, e.state, a)
	e.state = sample(e.rng, l.Next(e.context, e.state, a))
	e.step++
	e.obs[0] = float64(e.state)
	return env.Transition{Obs: e.obs, Reward: r, Terminated: e.step >= l.H}
}

// Context returns the current episode's context (-1 before the first Reset). It is
// hidden information: agents read it only after the episode has ended.
func (e *Env) Context() int { return e.context }

// State returns the current state index and the step within the episode.
func (e *Env) State() (s, h int) { return e.state, e.step }

// sample draws an index from the distribution p.
func sample(rng *rand.Rand, p []float64) int {
	u := rng.Float64()
	last := 0
	for i, v := range p {
		if v <= 0 {
			continue
		}
		last = i
		u -= v
		if u < 0 {
			return i
		}
	}
	return last // rounding: the last index with positive mass
}

// Sample draws an index from the distribution p with rng; exported for learners that
// simulate an instance directly.
func Sample(rng *rand.Rand, p []float64) int { return sample(rng, p) }

// optionsParams reads family parameters from env options.
func optionsParams(opts env.Options, def Params) (Params, error) {
	p := def
	var err error
	read := func(key string, dst *int) {
		if err == nil {
			*dst, err = opts.Int(key, *dst)
		}
	}
	read("M", &p.M)
	read("S", &p.S)
	read("A", &p.A)
	read("H", &p.H)
	read("gamma", &p.Gamma)
	if err != nil {
		return p, err
	}
	if p.Eps, err = opts.Float("eps", p.Eps); err != nil {
		return p, err
	}
	if p.Noise, err = opts.Float("noise", p.Noise); err != nil {
		return p, err
	}
	if p.P, err = opts.Float("p", p.P); err != nil {
		return p, err
	}
	seed, err := opts.Int("seed", int(p.Seed))
	if err != nil {
		return p, err
	}
	if seed < 0 {
		return p, fmt.Errorf("option seed=%d must be >= 0", seed)
	}
	p.Seed = uint64(seed)
	for k := range opts {
		switch k {
		case "M", "S", "A", "H", "gamma", "noise", "eps", "p", "seed", "max_episode_steps":
		default:
			return p, fmt.Errorf("unknown option %q (known: M, S, A, H, gamma, noise, eps, p, seed)", k)
		}
	}
	return p, nil
}

func registerFamily(family, desc string, def Params) {
	env.Register(env.Spec{ID: "lmdp/" + family, Description: desc, New: func(opts env.Options) (env.Env, error) {
		p, err := optionsParams(opts, def)
		if err != nil {
			return nil, err
		}
		l, err := New(family, p)
		if err != nil {
			return nil, err
		}
		return NewEnv(l)
	}})
}

func init() {
	registerFamily("shared", "LMDP whose context shows only in transitions, rewards shared (options M, S, A, H, gamma, noise, seed)", Params{M: 3, S: 5, A: 3, H: 8, Gamma: 2, Noise: DefaultNoise, Seed: 1})
	registerFamily("noisy", "LMDP whose context shows through partial reward signals on noisy paths (options M, S, A, H, gamma, noise, seed)", Params{M: 3, S: 5, A: 3, H: 8, Gamma: 2, Noise: DefaultNoise, Seed: 1})
	registerFamily("spread", "LMDP like shared whose noise spreads the step rewards with fixed means (options M, S, A, H, noise, seed)", Params{M: 3, S: 5, A: 3, H: 8, Noise: DefaultNoise, Seed: 1})
	registerFamily("lowerbound", "Gamma=2 lower-bound LMDP: Bernoulli arms, context visible (options M, S, A, H, eps, p, seed)", Params{M: 2, S: 7, A: 3, H: 6, Eps: 0.1, P: 0.5, Seed: 1})
	registerFamily("random", "random LMDP (options M, S, A, H, gamma, seed)", Params{M: 2, S: 4, A: 2, H: 6, Gamma: 2, Seed: 1})
	registerFamily("deterministic", "random LMDP with deterministic transitions, Gamma=1 (options M, S, A, H, seed)", Params{M: 2, S: 4, A: 2, H: 6, Seed: 1})
	registerFamily("cue", "Cue memory-test LMDP, A=M, S=M+2 (options M, H)", Params{M: 2, H: 8})
	registerFamily("hard", "one-decision bandit LMDP, Gamma=2, V* = V_WSU (options M, S, A, H, eps, seed)", Params{M: 2, S: 4, A: 2, H: 6, Eps: 0.1, Seed: 1})
	env.Register(env.Spec{ID: "lmdp/file", Description: "LMDP loaded from a JSON instance file (option path)", New: func(opts env.Options) (env.Env, error) {
		path := opts["path"]
		if path == "" {
			return nil, fmt.Errorf("option path (the instance file) is required")
		}
		for k := range opts {
			if k != "path" && k != "max_episode_steps" {
				return nil, fmt.Errorf("unknown option %q (known: path)", k)
			}
		}
		l, err := Load(path)
		if err != nil {
			return nil, err
		}
		return NewEnv(l)
	}})
}

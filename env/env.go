// Package env defines the environment contract every gorl algorithm plugs into, the
// registry behind env.Make, wrappers and vector environments.
//
// Semantics follow Gymnasium: Reset starts an episode and returns its first observation;
// Step returns the next observation, the reward, Terminated (a true end of the episode:
// bootstrap with 0) and Truncated (a time limit or other cut: bootstrap from the value).
//
// Observations and actions are []float64. A discrete action is a single value holding the
// action index. Slices returned by Reset and Step belong to the environment and stay valid
// only until its next call, so stepping allocates nothing; copy what must outlive a step.
package env

// Env is one environment instance. It is not safe for concurrent use; a vector env gives
// each goroutine its own instances.
type Env interface {
	// ObservationSpace describes the observations Reset and Step return.
	ObservationSpace() Space
	// ActionSpace describes the actions Step accepts.
	ActionSpace() Space
	// Seed sets the environment's random stream. Resets draw from this stream, so a
	// seeded environment produces the same sequence of episodes for the same actions.
	Seed(seed uint64)
	// Reset starts a new episode and returns its first observation.
	Reset() []float64
	// Step applies the action and advances the environment by one step.
	Step(action []float64) Transition
}

// Transition is the outcome of one Step.
type Transition struct {
	Obs        []float64 // observation after the step (owned by the environment)
	Reward     float64
	Terminated bool // the episode reached a terminal state: bootstrap with 0
	Truncated  bool // the episode was cut (time limit): bootstrap from the value of Obs
}

// Done reports whether the episode is over, either way.
func (t Transition) Done() bool { return t.Terminated || t.Truncated }

// Wrapper is implemented by environments that wrap another one; As walks the chain.
type Wrapper interface {
	Env
	Unwrap() Env
}

// As finds the first environment in e's wrapper chain (e itself included) that
// implements T, for optional capabilities such as ContextRevealer or BodyPoser.
func As[T any](e Env) (T, bool) {
	for e != nil {
		if t, ok := e.(T); ok {
			return t, true
		}
		w, ok := e.(Wrapper)
		if !ok {
			break
		}
		e = w.Unwrap()
	}
	var zero T
	return zero, false
}

// ContextRevealer is implemented by latent-context environments (LMDPs). Context returns
// the hidden context of the current episode; callers reveal it only in hindsight.
type ContextRevealer interface {
	Context() int
}

// BodyPoser is implemented by 3D environments. BodyPoses writes the world position
// (3 values per body) and orientation quaternion (w, x, y, z per body) of every body,
// enough to render a rollout without re-simulating.
type BodyPoser interface {
	NumBodies() int
	BodyPoses(pos, quat []float64)
}

// Snapshotter is implemented by environments whose whole state, random stream included,
// can be saved and restored. Training checkpoints use it so that a resumed run continues
// exactly as an uninterrupted one.
type Snapshotter interface {
	Snapshot() ([]byte, error)
	Restore(state []byte) error
}

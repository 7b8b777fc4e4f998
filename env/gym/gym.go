// Package gym makes Gymnasium environments gorl environments: ids gym:<Gymnasium id>
// (gym:CartPole-v1, gym:Hopper-v5, gym:ALE/Pong-v5) are stepped in Python worker processes
// that gorl starts, speaking the binary protocol of python/gorl_gym/protocol.py over the
// process's pipes. The worker imports the package of a namespace that Gymnasium does not
// import itself (ALE: ale-py, which python/requirements.txt pins), and says in one line
// when it is not installed.
//
// Spaces: Box (flattened), Discrete (values from 0: a start offset is added back in
// Python) and MultiDiscrete (as a Box of integer bounds; actions are rounded and clipped
// to valid integers); other spaces are refused when the environment is made. Seeds: Seed
// then Reset calls reset(seed=...), later resets continue the environment's stream, as in
// Gymnasium. Terminated and truncated come from Gymnasium unchanged (its TimeLimit
// truncates). Options (--env-opt key=value) become keyword arguments of gymnasium.make:
// values that parse as JSON (numbers, booleans, lists) are passed as such, others as
// strings; the option python names the interpreter (see FindPython).
//
// An Env made alone has a worker process of its own. An env.Vector of them groups them
// into worker processes (env.Batcher): its workers setting (gorl train --workers) is the
// number of processes, each hosting a contiguous run of the environments and stepped with
// one message per vector step that carries all their actions, its one reply all their
// observations, rewards, terminated and truncated flags and the final observations of
// the episodes that ended (the worker resets those in the same step, as env.Vector's
// same-step autoreset does). The processes step side by side; results equal those of
// stepping each environment alone. make bench-gym measures the bridge against Python's
// own stepping.
//
// A worker that dies or raises makes its environments fail: Step then returns a
// terminated transition, Failure reports the error (one line, with the Python exception),
// and the training loop stops the run as failed. gym: environments cannot save their
// state, so their runs cannot be resumed (gorl train --resume refuses).
//
// Describe reports the versions of Python, Gymnasium, NumPy, the protocol and of the
// simulators the environment loaded (mujoco, ale_py), which a run records in its
// config.json.
package gym

import (
	"encoding/json"
	"fmt"

	"gorl/env"
)

func init() {
	env.RegisterFamily(env.Family{
		Prefix:      "gym:",
		Description: "any installed Gymnasium environment, stepped in Python worker processes: gym:<id> (gym:CartPole-v1, gym:Hopper-v5); --env-opt key=value are gymnasium.make kwargs",
		New:         func(id string, opts env.Options) (env.Env, error) { return New(id, opts) },
	})
}

// Env is one Gymnasium environment in a worker process, which it may share with others
// (see Batch).
type Env struct {
	w      *Worker
	slot   int   // its index in the worker
	seed   int64 // -1: none pending
	failed error
	closed bool
	// One-environment rows of the worker's calls.
	act, obs          [1][]float64
	rew               [1]float64
	terminated, trunc [1]bool
}

// New starts a worker for the Gymnasium id with opts as gymnasium.make kwargs.
func New(id string, opts env.Options) (*Env, error) {
	wo := WorkerOptions{Kwargs: map[string]any{}}
	for k, v := range opts {
		if k == "python" {
			wo.Python = v
			continue
		}
		var x any
		if err := json.Unmarshal([]byte(v), &x); err != nil {
			x = v
		}
		wo.Kwargs[k] = x
	}
	w, err := StartWorker(id, 1, wo)
	if err != nil {
		return nil, err
	}
	e := &Env{w: w, seed: -1}
	e.obs[0] = make([]float64, w.obsDim)
	return e, nil
}

func (e *Env) ObservationSpace() env.Space { return e.w.ObsSpace }
func (e *Env) ActionSpace() env.Space      { return e.w.ActSpace }

// MaxEpisodeSteps is the time limit of the Gymnasium spec (0: none).
func (e *Env) MaxEpisodeSteps() int { return e.w.MaxEpisodeSteps }

// Describe returns the versions the worker reports: python, gymnasium, numpy,
// gorl_gym_protocol, and mujoco or ale_py where the environment loaded them.
func (e *Env) Describe() map[string]string {
	out := make(map[string]string, len(e.w.Versions))
	for k, v := range e.w.Versions {
		if k == "protocol" {
			k = "gorl_gym_protocol"
		}
		out[k] = v
	}
	return out
}

// Seed makes the next Reset call reset(seed=...) with seed (reduced to 63 bits, as
// Gymnasium takes non-negative seeds).
func (e *Env) Seed(seed uint64) { e.seed = int64(seed >> 1) }

// Reset starts an episode. After a failure it returns zeros; Failure says why.
func (e *Env) Reset() []float64 {
	if e.Failure() == nil {
		e.w.Reset(e.slot, []int64{e.seed}, e.obs[:])
		e.seed = -1
	}
	if e.Failure() != nil {
		clear(e.obs[0])
	}
	return e.obs[0]
}

// Step applies the action. After a failure it returns a terminated transition with zero
// observation and reward; Failure says why.
func (e *Env) Step(action []float64) env.Transition {
	e.act[0] = action
	if e.Failure() == nil && e.w.StartStep(e.slot, e.act[:], false) == nil {
		e.w.FinishStep(e.obs[:], nil, e.rew[:], e.terminated[:], e.trunc[:])
	}
	if e.Failure() != nil {
		clear(e.obs[0])
		return env.Transition{Obs: e.obs[0], Terminated: true}
	}
	return env.Transition{Obs: e.obs[0], Reward: e.rew[0], Terminated: e.terminated[0], Truncated: e.trunc[0]}
}

// Failure is the error that ended the environment (its worker died or the Python
// environment raised), nil while it works.
func (e *Env) Failure() error {
	if e.failed == nil && e.w.err != nil {
		e.failed = fmt.Errorf("env gym:%s: %w", e.w.ID, e.w.err)
	}
	return e.failed
}

// Close stops the worker process once every environment it hosts is closed.
func (e *Env) Close() error {
	if e.closed {
		return nil
	}
	e.closed = true
	if e.w.refs--; e.w.refs > 0 {
		return nil
	}
	return e.w.Close()
}

// Pid is the worker process's id.
func (e *Env) Pid() int { return e.w.cmd.Process.Pid }

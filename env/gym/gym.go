// Package gym makes Gymnasium environments gorl environments: ids gym:<Gymnasium id>
// (gym:CartPole-v1, gym:Hopper-v5, gym:ALE/Pong-v5 where installed) are stepped in Python
// worker processes that gorl starts, speaking the binary protocol of
// python/gorl_gym/protocol.py over the process's pipes.
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
// Each Env is one worker process hosting one environment. An env.Vector of them (the
// training loop's) sends every environment its step before it reads any reply
// (env.AsyncStepper), so the processes step side by side. Worker hosts several
// environments in one process, all stepped by one message, and Batch spreads a vector
// over several such workers (make bench-gym measures both against Python's own stepping).
//
// A worker that dies or raises makes the environment fail: Step then returns a
// terminated transition, Failure reports the error (one line, with the Python exception),
// and the training loop stops the run as failed. gym: environments cannot save their
// state, so their runs cannot be resumed (gorl train --resume refuses).
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

// Env is one Gymnasium environment in its own worker process.
type Env struct {
	w      *Worker
	seed   int64 // -1: none pending
	failed error
	act    [1][]float64 // the action of the step in flight, as Worker.StartStep takes it
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
	return &Env{w: w, seed: -1}, nil
}

func (e *Env) ObservationSpace() env.Space { return e.w.ObsSpace }
func (e *Env) ActionSpace() env.Space      { return e.w.ActSpace }

// MaxEpisodeSteps is the time limit of the Gymnasium spec (0: none).
func (e *Env) MaxEpisodeSteps() int { return e.w.MaxEpisodeSteps }

// Seed makes the next Reset call reset(seed=...) with seed (reduced to 63 bits, as
// Gymnasium takes non-negative seeds).
func (e *Env) Seed(seed uint64) { e.seed = int64(seed >> 1) }

// Reset starts an episode. After a failure it returns zeros; Failure says why.
func (e *Env) Reset() []float64 {
	if e.failed == nil {
		if err := e.w.Reset([]int64{e.seed}); err != nil {
			e.failed = fmt.Errorf("env gym:%s: %w", e.w.ID, err)
		}
		e.seed = -1
	}
	if e.failed != nil {
		clear(e.w.Obs[0])
	}
	return e.w.Obs[0]
}

// Step applies the action. After a failure it returns a terminated transition with zero
// observation and reward; Failure says why.
func (e *Env) Step(action []float64) env.Transition {
	e.StartStep(action)
	return e.FinishStep()
}

// StartStep sends the action to the worker and returns at once; FinishStep waits for the
// outcome. An env.Vector of gym: environments starts all their steps before finishing
// any, so their worker processes step side by side (env.AsyncStepper).
func (e *Env) StartStep(action []float64) {
	e.act[0] = action
	if e.failed == nil {
		if err := e.w.StartStep(e.act[:]); err != nil {
			e.failed = fmt.Errorf("env gym:%s: %w", e.w.ID, err)
		}
	}
}

// FinishStep returns the outcome of the step StartStep began.
func (e *Env) FinishStep() env.Transition {
	if e.failed == nil {
		if err := e.w.FinishStep(); err != nil {
			e.failed = fmt.Errorf("env gym:%s: %w", e.w.ID, err)
		}
	}
	if e.failed != nil {
		clear(e.w.Obs[0])
		return env.Transition{Obs: e.w.Obs[0], Terminated: true}
	}
	return env.Transition{Obs: e.w.Obs[0], Reward: e.w.Rewards[0], Terminated: e.w.Terminated[0], Truncated: e.w.Truncated[0]}
}

var _ env.AsyncStepper = (*Env)(nil)

// Failure is the error that ended the environment (a worker that died, a Python
// exception), nil while it works.
func (e *Env) Failure() error { return e.failed }

// Close stops the worker process.
func (e *Env) Close() error { return e.w.Close() }

// Pid is the worker process's id.
func (e *Env) Pid() int { return e.w.cmd.Process.Pid }

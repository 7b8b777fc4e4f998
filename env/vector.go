package env

import (
	"fmt"
	"sync"
	"sync/atomic"
)

// Vector steps several environments of one id in lock step.
//
// Autoreset mode: same-step. When sub-environment i ends an episode in Step (terminated or
// truncated), Obs[i] is already the first observation of its next episode, and FinalObs[i]
// holds the last observation of the episode that ended (use it to bootstrap a truncated
// episode). Terminated[i] and Truncated[i] describe the episode that ended.
//
// With Workers > 1 the caller's goroutine and Workers-1 helper goroutines step the
// environments together, each claiming small chunks of indices until none is left, so a
// slow step (a reset, a contact-rich state) does not hold the others up. Each
// sub-environment has its own random stream (seed, index) and its own result slots, so
// results are identical for any number of workers.
type Vector struct {
	Envs []Env

	// Results of the last Reset or Step; rows are owned by the Vector.
	Obs        [][]float64
	FinalObs   [][]float64
	Rewards    []float64
	Terminated []bool
	Truncated  []bool

	workers int
	actions [][]float64
	jobs    []chan struct{}
	done    sync.WaitGroup
	closed  bool
	next    atomic.Int64 // next unclaimed index during a parallel Step
	chunk   int64        // indices claimed at a time
}

// NewVector makes n instances with mk and steps them with the given number of worker
// goroutines (1: synchronous, in the caller's goroutine). Call Close to stop workers.
func NewVector(n, workers int, mk func(i int) (Env, error)) (*Vector, error) {
	if n < 1 {
		return nil, fmt.Errorf("vector env: need at least 1 environment, got %d", n)
	}
	if workers < 1 {
		workers = 1
	}
	if workers > n {
		workers = n
	}
	v := &Vector{workers: workers}
	for i := 0; i < n; i++ {
		e, err := mk(i)
		if err != nil {
			return nil, err
		}
		v.Envs = append(v.Envs, e)
	}
	d := v.Envs[0].ObservationSpace().Dim()
	v.Obs = make([][]float64, n)
	v.FinalObs = make([][]float64, n)
	for i := range v.Obs {
		v.Obs[i] = make([]float64, d)
		v.FinalObs[i] = make([]float64, d)
	}
	v.Rewards = make([]float64, n)
	v.Terminated = make([]bool, n)
	v.Truncated = make([]bool, n)
	if workers > 1 {
		// About eight chunks per worker balance the load without contending on next.
		v.chunk = int64(max(1, n/(8*workers)))
		v.jobs = make([]chan struct{}, workers-1)
		for w := range v.jobs {
			v.jobs[w] = make(chan struct{})
			go v.work(v.jobs[w])
		}
	}
	return v, nil
}

// MakeVector builds n instances of a registered id.
func MakeVector(id string, opts Options, n, workers int) (*Vector, error) {
	return NewVector(n, workers, func(int) (Env, error) { return Make(id, opts) })
}

// Num is the number of sub-environments.
func (v *Vector) Num() int { return len(v.Envs) }

// Workers is the number of goroutines stepping the environments.
func (v *Vector) Workers() int { return v.workers }

// ObservationSpace and ActionSpace are those of one sub-environment.
func (v *Vector) ObservationSpace() Space { return v.Envs[0].ObservationSpace() }
func (v *Vector) ActionSpace() Space      { return v.Envs[0].ActionSpace() }

// Seed gives sub-environment i the stream DeriveSeed(seed, i).
func (v *Vector) Seed(seed uint64) {
	for i, e := range v.Envs {
		e.Seed(DeriveSeed(seed, uint64(i)))
	}
}

// Reset starts an episode in every sub-environment and fills Obs.
func (v *Vector) Reset() [][]float64 {
	for i, e := range v.Envs {
		copy(v.Obs[i], e.Reset())
		v.Rewards[i], v.Terminated[i], v.Truncated[i] = 0, false, false
	}
	return v.Obs
}

// Step applies actions[i] to sub-environment i, resetting those whose episode ends.
func (v *Vector) Step(actions [][]float64) {
	if v.closed {
		panic("env: Step on a closed Vector")
	}
	v.actions = actions
	if v.workers == 1 {
		v.stepRange(0, len(v.Envs))
		return
	}
	v.next.Store(0)
	v.done.Add(len(v.jobs))
	for _, j := range v.jobs {
		j <- struct{}{}
	}
	v.stepClaimed()
	v.done.Wait()
}

// Close stops the worker goroutines. The Vector cannot step afterwards.
func (v *Vector) Close() {
	if v.closed {
		return
	}
	v.closed = true
	for _, j := range v.jobs {
		close(j)
	}
}

func (v *Vector) work(jobs <-chan struct{}) {
	for range jobs {
		v.stepClaimed()
		v.done.Done()
	}
}

// stepClaimed steps chunks of environments claimed from next until all are taken.
func (v *Vector) stepClaimed() {
	n := int64(len(v.Envs))
	for {
		lo := v.next.Add(v.chunk) - v.chunk
		if lo >= n {
			return
		}
		v.stepRange(int(lo), int(min(lo+v.chunk, n)))
	}
}

func (v *Vector) stepRange(lo, hi int) {
	for i := lo; i < hi; i++ {
		e := v.Envs[i]
		tr := e.Step(v.actions[i])
		v.Rewards[i], v.Terminated[i], v.Truncated[i] = tr.Reward, tr.Terminated, tr.Truncated
		if tr.Done() {
			copy(v.FinalObs[i], tr.Obs)
			copy(v.Obs[i], e.Reset())
		} else {
			copy(v.Obs[i], tr.Obs)
		}
	}
}

package gym

import (
	"errors"
	"fmt"
	"sync"

	"gorl/env"
)

// Batch is a vector of Gymnasium environments over several worker processes, each
// hosting PerWorker of them: a Step sends one message to every worker, and the workers
// step in parallel. Autoreset is same-step, as in env.Vector: when environment i's
// episode ends, Obs[i] is the first observation of its next episode and FinalObs[i] the
// last of the one that ended.
type Batch struct {
	Workers []*Worker

	// Results of the last Reset or Step (rows alias the workers' own).
	Obs        [][]float64
	FinalObs   [][]float64
	Rewards    []float64
	Terminated []bool
	Truncated  []bool

	per  int
	errs []error
}

// NewBatch starts workers processes with perWorker environments each.
func NewBatch(id string, workers, perWorker int, opts WorkerOptions) (*Batch, error) {
	if workers < 1 {
		return nil, fmt.Errorf("gym:%s: need at least 1 worker, got %d", id, workers)
	}
	opts.Autoreset = true
	b := &Batch{per: perWorker, errs: make([]error, workers)}
	for range workers {
		w, err := StartWorker(id, perWorker, opts)
		if err != nil {
			b.Close()
			return nil, fmt.Errorf("gym:%s: %w", id, err)
		}
		b.Workers = append(b.Workers, w)
		b.Obs = append(b.Obs, w.Obs...)
		b.FinalObs = append(b.FinalObs, w.FinalObs...)
	}
	n := workers * perWorker
	b.Rewards, b.Terminated, b.Truncated = make([]float64, n), make([]bool, n), make([]bool, n)
	return b, nil
}

// Num is the number of environments.
func (b *Batch) Num() int { return len(b.Obs) }

// ObservationSpace and ActionSpace are those of one environment.
func (b *Batch) ObservationSpace() env.Space { return b.Workers[0].ObsSpace }
func (b *Batch) ActionSpace() env.Space      { return b.Workers[0].ActSpace }

// Reset seeds environment i with env.DeriveSeed(seed, i) (reduced to 63 bits) and
// starts an episode in every environment.
func (b *Batch) Reset(seed uint64) error {
	return b.each(func(k int, w *Worker) error {
		seeds := make([]int64, w.Num)
		for i := range seeds {
			seeds[i] = int64(env.DeriveSeed(seed, uint64(k*b.per+i)) >> 1)
		}
		return w.Reset(seeds)
	})
}

// Step applies actions[i] to environment i: every worker's step is sent before any reply
// is read, so the workers step side by side.
func (b *Batch) Step(actions [][]float64) error {
	for k, w := range b.Workers {
		b.errs[k] = w.StartStep(actions[k*b.per : (k+1)*b.per])
	}
	for k, w := range b.Workers {
		if b.errs[k] == nil {
			b.errs[k] = w.FinishStep()
		}
	}
	err := errors.Join(b.errs...)
	for k, w := range b.Workers {
		copy(b.Rewards[k*b.per:], w.Rewards)
		copy(b.Terminated[k*b.per:], w.Terminated)
		copy(b.Truncated[k*b.per:], w.Truncated)
	}
	return err
}

// each runs fn for every worker, in parallel when there are several.
func (b *Batch) each(fn func(k int, w *Worker) error) error {
	if len(b.Workers) == 1 {
		return fn(0, b.Workers[0])
	}
	var wg sync.WaitGroup
	for k, w := range b.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b.errs[k] = fn(k, w)
		}()
	}
	wg.Wait()
	return errors.Join(b.errs...)
}

// Close stops every worker.
func (b *Batch) Close() {
	for _, w := range b.Workers {
		w.Close()
	}
}

package evolution

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"

	"gorl/env"
)

// FitnessFunc evaluates member x of generation gen. rng is the member's own stream,
// env.NewRand(seed, gen, member), so results do not depend on which worker runs the
// member or in what order; gen lets a fitness change its task from generation to
// generation (meta-training draws each generation's inner seed from it). cost is the
// work the evaluation did (e.g. environment steps), summed into logs, never optimised.
type FitnessFunc func(gen, member int, x []float64, rng *rand.Rand) (fitness float64, cost int64, err error)

// Evaluator evaluates every member of one generation's population: it writes
// f(gen, member, pop[member], rng) into fitness (and its cost into cost, when cost is
// not nil), with rng = env.NewRand(seed, gen, member) for the evaluator's seed, so the
// fitness does not depend on where or in what order members run. Pool does it with
// goroutines; evolution/distributed does it with worker processes over NATS (whose
// workers hold their own copy of f).
type Evaluator interface {
	Evaluate(gen int, pop [][]float64, fitness []float64, cost []int64, f FitnessFunc) error
}

var _ Evaluator = Pool{}

// Counter is an Evaluator that counts what it dropped (distributed.Coordinator: the
// malformed and the rejected messages); meta-training logs its counts, named as
// metrics columns, in every generation's row.
type Counter interface {
	Counters() map[string]float64
}

// Pool evaluates populations with a pool of goroutines.
type Pool struct {
	Workers int    // default GOMAXPROCS
	Seed    uint64 // root of the members' streams
}

// Evaluate writes f(gen, member, pop[member], rng) into fitness and cost (which may
// be nil) for every member of generation gen. The first error (by member index) is
// returned.
func (p Pool) Evaluate(gen int, pop [][]float64, fitness []float64, cost []int64, f FitnessFunc) error {
	if len(fitness) != len(pop) {
		return fmt.Errorf("evaluate: %d fitness slots for %d members", len(fitness), len(pop))
	}
	if cost != nil && len(cost) != len(pop) {
		return fmt.Errorf("evaluate: %d cost slots for %d members", len(cost), len(pop))
	}
	w := p.Workers
	if w <= 0 {
		w = runtime.GOMAXPROCS(0)
	}
	w = min(w, len(pop))
	errs := make([]error, len(pop))
	next := make(chan int)
	var wg sync.WaitGroup
	for range w {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				rng := env.NewRand(p.Seed, uint64(gen), uint64(i))
				var c int64
				fitness[i], c, errs[i] = f(gen, i, pop[i], rng)
				if cost != nil {
					cost[i] = c
				}
			}
		}()
	}
	for i := range pop {
		next <- i
	}
	close(next)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return fmt.Errorf("member %d: %w", i, err)
		}
	}
	return nil
}

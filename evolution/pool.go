package evolution

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"

	"gorl/env"
)

// FitnessFunc evaluates one member x of a population. rng is the member's own stream,
// env.NewRand(seed, generation, member), so results do not depend on which worker
// runs the member or in what order.
type FitnessFunc func(member int, x []float64, rng *rand.Rand) (float64, error)

// Evaluator evaluates every member of one generation's population: it writes
// f(member, pop[member], rng) into fitness, with rng = env.NewRand(seed, gen, member)
// for the evaluator's seed, so the fitness does not depend on where or in what
// order members run. Pool does it with goroutines; evolution/distributed does it
// with worker processes over NATS (whose workers hold their own copy of f).
type Evaluator interface {
	Evaluate(gen int, pop [][]float64, fitness []float64, f FitnessFunc) error
}

var _ Evaluator = Pool{}

// Pool evaluates populations with a pool of goroutines.
type Pool struct {
	Workers int    // default GOMAXPROCS
	Seed    uint64 // root of the members' streams
}

// Evaluate writes f(member, pop[member], rng) into fitness for every member of
// generation gen. The first error (by member index) is returned.
func (p Pool) Evaluate(gen int, pop [][]float64, fitness []float64, f FitnessFunc) error {
	if len(fitness) != len(pop) {
		return fmt.Errorf("evaluate: %d fitness slots for %d members", len(fitness), len(pop))
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
				fitness[i], errs[i] = f(i, pop[i], rng)
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

// Package workpool is gorl's one worker pool: it runs n independent jobs on a fixed
// number of goroutines. Jobs are identified by index, so a job that draws random
// numbers derives its stream from its index (env.NewRand(seed, ..., i)), never from the
// worker that happens to run it: results do not depend on the worker count or on the
// order in which jobs finish.
package workpool

import (
	"fmt"
	"runtime"
	"sync"
)

// Run calls job(i) for i in [0, n) on workers goroutines (GOMAXPROCS when workers <= 0,
// never more than n) and waits for all of them. Every job runs even when another fails;
// the error of the lowest failing index is returned, wrapped with that index.
func Run(n, workers int, job func(i int) error) error {
	errs := make([]error, n)
	ForEach(n, workers, func(_, i int) { errs[i] = job(i) })
	for i, err := range errs {
		if err != nil {
			return fmt.Errorf("job %d: %w", i, err)
		}
	}
	return nil
}

// ForEach calls job(worker, i) for i in [0, n) on workers goroutines (GOMAXPROCS when
// workers <= 0, never more than n). worker in [0, workers) names the goroutine, for
// callers that keep one scratch buffer per worker; it must not influence the result.
func ForEach(n, workers int, job func(worker, i int)) {
	w := Workers(workers, n)
	if w == 1 {
		for i := range n {
			job(0, i)
		}
		return
	}
	next := make(chan int)
	var wg sync.WaitGroup
	for k := range w {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				job(k, i)
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}

// Workers is the number of goroutines Run and ForEach use for n jobs when asked for
// workers: GOMAXPROCS when workers <= 0, capped at n, and at least 1.
func Workers(workers, n int) int {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	return max(1, min(workers, n))
}

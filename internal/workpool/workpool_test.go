package workpool

import (
	"errors"
	"sync/atomic"
	"testing"
)

func TestRunCallsEveryJobOnceAndReturnsLowestError(t *testing.T) {
	for _, workers := range []int{0, 1, 3, 64} {
		var calls [50]atomic.Int32
		err := Run(50, workers, func(i int) error {
			calls[i].Add(1)
			if i == 7 || i == 31 {
				return errors.New("boom")
			}
			return nil
		})
		for i := range calls {
			if c := calls[i].Load(); c != 1 {
				t.Fatalf("workers %d: job %d ran %d times", workers, i, c)
			}
		}
		if err == nil || err.Error() != "job 7: boom" {
			t.Fatalf("workers %d: err = %v, want job 7: boom", workers, err)
		}
	}
}

func TestForEachWorkerIndexInRange(t *testing.T) {
	const n, workers = 100, 4
	var bad atomic.Int32
	ForEach(n, workers, func(w, i int) {
		if w < 0 || w >= workers || i < 0 || i >= n {
			bad.Add(1)
		}
	})
	if bad.Load() != 0 {
		t.Fatalf("%d calls with a worker or job index out of range", bad.Load())
	}
	if got := Workers(0, 0); got != 1 {
		t.Fatalf("Workers(0, 0) = %d, want 1", got)
	}
	if got := Workers(8, 3); got != 3 {
		t.Fatalf("Workers(8, 3) = %d, want 3", got)
	}
}

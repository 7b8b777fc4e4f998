package td3

import (
	"fmt"

	"gorl/env"
	"gorl/internal/memguard"
)

// checkMemory refuses settings whose allocations exceed the machine's available
// memory, before anything is allocated: the replay buffers (members x min(buffer_size,
// steps) float32 transitions) and the minibatch with the per-row workspace of the
// actor, the two critics and their targets (activations and gradients of every hidden
// layer). The estimate is a lower bound; SET and SWAT keep more per row.
func checkMemory(c Config, steps int64, obsDim, actDim, members int) error {
	row := 4 * float64(2*obsDim+actDim+2)
	replay := float64(members) * float64(min(int64(c.BufferSize), steps)) * row
	width := float64(obsDim + actDim)
	for _, h := range c.Hidden {
		width += float64(h)
	}
	batch := float64(c.Batch) * (row + 6*2*4*width)
	what := fmt.Sprintf("--batch %d with --buffer-size %d (%d member(s), %d steps)", c.Batch, c.BufferSize, members, steps)
	return memguard.Check(what, replay+batch)
}

// vectorMembers is the number of morphologies the first environment of vec trains on
// (1 unless it is a multi-task set).
func vectorMembers(vec *env.Vector) int {
	if m, ok := env.As[MultiTask](vec.Envs[0]); ok {
		return max(1, len(m.Members()))
	}
	return 1
}

package gym

import (
	"bytes"
	"fmt"

	"gorl/env"
)

// Batch groups envs, gym: environments just made (each alone in its worker process, not
// yet reset), into groups worker processes: group k hosts the contiguous run of
// environments k*n/groups to (k+1)*n/groups-1. The first environment of a run keeps its
// process, which makes instances for the others (made as theirs were), and their own
// processes stop; each environment keeps its pending seed and then steps in its group's
// process. The returned batches step each group with one message (env.Batcher). Envs
// that differ in id, options or interpreter, or that already share processes, are not
// grouped (no batches).
func (e *Env) Batch(envs []env.Env, groups int) ([]env.EnvBatch, error) {
	gs := make([]*Env, len(envs))
	for i, x := range envs {
		g, ok := x.(*Env)
		if !ok || g.w.Num != 1 || g.w.refs != 1 || g.closed || g.w.python != e.w.python || !bytes.Equal(g.w.spec, e.w.spec) {
			return nil, nil
		}
		gs[i] = g
	}
	n := len(gs)
	groups = max(1, min(groups, n))
	batches := make([]env.EnvBatch, 0, groups)
	for k := range groups {
		run := gs[k*n/groups : (k+1)*n/groups]
		w := run[0].w
		if err := w.Add(len(run) - 1); err != nil {
			return nil, fmt.Errorf("env gym:%s: %w", w.ID, err)
		}
		for j, g := range run[1:] {
			g.w.Close()
			g.w, g.slot = w, j+1
			w.refs++
		}
		batches = append(batches, &batch{w: w})
	}
	return batches, nil
}

var _ env.Batcher = (*Env)(nil)

// batch steps all environments of one worker process with one message.
type batch struct{ w *Worker }

func (b *batch) Len() int { return b.w.Num }

func (b *batch) StartStep(actions [][]float64) {
	if b.w.err == nil {
		b.w.StartStep(0, actions, true)
	}
}

func (b *batch) FinishStep(obs, finalObs [][]float64, rewards []float64, terminated, truncated []bool) {
	if b.w.err == nil && b.w.FinishStep(obs, finalObs, rewards, terminated, truncated) == nil {
		return
	}
	// The worker failed (its environments' Failure says why): every episode ends, as a
	// failed environment's Step and Reset report it.
	for i := range obs {
		clear(obs[i])
		clear(finalObs[i])
		rewards[i], terminated[i], truncated[i] = 0, true, false
	}
}

package env

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// SnapshotOf saves e's state; it fails when e (or an environment it wraps) cannot.
func SnapshotOf(e Env) ([]byte, error) {
	s, ok := e.(Snapshotter)
	if !ok {
		return nil, fmt.Errorf("snapshot: %T cannot save its state", e)
	}
	return s.Snapshot()
}

// RestoreOf restores a state saved by SnapshotOf.
func RestoreOf(e Env, state []byte) error {
	s, ok := e.(Snapshotter)
	if !ok {
		return fmt.Errorf("restore: %T cannot restore its state", e)
	}
	return s.Restore(state)
}

// wrapperSnapshot prefixes the inner environment's snapshot with the wrapper's own
// numbers (float64, little endian).
func wrapperSnapshot(inner Env, own ...float64) ([]byte, error) {
	in, err := SnapshotOf(inner)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, 4+8*len(own)+len(in))
	out = binary.LittleEndian.AppendUint32(out, uint32(len(own)))
	for _, v := range own {
		out = binary.LittleEndian.AppendUint64(out, math.Float64bits(v))
	}
	return append(out, in...), nil
}

// wrapperRestore restores the inner environment first and sets the wrapper's own numbers
// only when that succeeded, so that a failed Restore leaves the wrapper as it was.
func wrapperRestore(inner Env, state []byte, own ...*float64) error {
	if len(state) < 4 || int(binary.LittleEndian.Uint32(state)) != len(own) || len(state) < 4+8*len(own) {
		return errors.New("restore: snapshot does not match this wrapper")
	}
	if err := RestoreOf(inner, state[4+8*len(own):]); err != nil {
		return err
	}
	for i, p := range own {
		*p = math.Float64frombits(binary.LittleEndian.Uint64(state[4+8*i:]))
	}
	return nil
}

func (t *TimeLimit) Snapshot() ([]byte, error) { return wrapperSnapshot(t.inner, float64(t.elapsed)) }
func (t *TimeLimit) Restore(state []byte) error {
	var elapsed float64
	if err := wrapperRestore(t.inner, state, &elapsed); err != nil {
		return err
	}
	t.elapsed = int(elapsed)
	return nil
}

func (s *EpisodeStats) Snapshot() ([]byte, error) {
	return wrapperSnapshot(s.inner, s.Return, float64(s.Length), s.LastReturn, float64(s.LastLength), float64(s.Finished))
}
func (s *EpisodeStats) Restore(state []byte) error {
	var length, lastLength, finished float64
	if err := wrapperRestore(s.inner, state, &s.Return, &length, &s.LastReturn, &lastLength, &finished); err != nil {
		return err
	}
	s.Length, s.LastLength, s.Finished = int(length), int(lastLength), int(finished)
	return nil
}

func (c *ClipAction) Snapshot() ([]byte, error)  { return SnapshotOf(c.inner) }
func (c *ClipAction) Restore(state []byte) error { return RestoreOf(c.inner, state) }

func (n *NormalizeObservation) Snapshot() ([]byte, error) {
	own := append([]float64{n.Stats.Count}, n.Stats.Mean...)
	own = append(own, n.Stats.Var...)
	return wrapperSnapshot(n.inner, own...)
}
func (n *NormalizeObservation) Restore(state []byte) error {
	ptrs := []*float64{&n.Stats.Count}
	for i := range n.Stats.Mean {
		ptrs = append(ptrs, &n.Stats.Mean[i])
	}
	for i := range n.Stats.Var {
		ptrs = append(ptrs, &n.Stats.Var[i])
	}
	return wrapperRestore(n.inner, state, ptrs...)
}

// Snapshot saves every sub-environment's state.
func (v *Vector) Snapshot() ([][]byte, error) {
	out := make([][]byte, len(v.Envs))
	for i, e := range v.Envs {
		s, err := SnapshotOf(e)
		if err != nil {
			return nil, fmt.Errorf("env %d: %w", i, err)
		}
		out[i] = s
	}
	return out, nil
}

// Restore restores states saved by Snapshot. Obs is not restored: callers keep the
// current observations in their own checkpoint.
func (v *Vector) Restore(states [][]byte) error {
	if len(states) != len(v.Envs) {
		return fmt.Errorf("restore vector env: %d states for %d environments", len(states), len(v.Envs))
	}
	for i, e := range v.Envs {
		if err := RestoreOf(e, states[i]); err != nil {
			return fmt.Errorf("env %d: %w", i, err)
		}
	}
	return nil
}

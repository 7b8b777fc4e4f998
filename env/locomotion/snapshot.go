package locomotion

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// Snapshots hold a tag, the simulation state (qpos, qvel, act, qacc_warmstart, time), the
// target, the reward-term sums and the random stream: everything the next steps and logs
// depend on, so a restored environment continues bit for bit as the original. Snapshots of
// the first format (snapshotTagV1, without reward terms) still restore.

const (
	snapshotTag   = "gorl-sgrl-2"
	snapshotTagV1 = "gorl-sgrl-1"
)

// Snapshot saves the environment's state.
func (e *Env) Snapshot() ([]byte, error) {
	if e.data == nil {
		return nil, fmt.Errorf("snapshot %s: environment is closed", e.name)
	}
	d := e.data
	rng, err := e.src.MarshalBinary()
	if err != nil {
		return nil, fmt.Errorf("snapshot %s: %w", e.name, err)
	}
	out := append([]byte(nil), snapshotTag...)
	for _, part := range [][]float64{d.Qpos(), d.Qvel(), d.Act(), d.QaccWarmstart(), {d.Time(), e.goal[0], e.goal[1]}, e.termState()} {
		out = binary.LittleEndian.AppendUint32(out, uint32(len(part)))
		for _, v := range part {
			out = binary.LittleEndian.AppendUint64(out, math.Float64bits(v))
		}
	}
	return append(out, rng...), nil
}

// Restore loads a state saved by Snapshot of an environment with the same model.
func (e *Env) Restore(state []byte) error {
	if e.data == nil {
		return fmt.Errorf("restore %s: environment is closed", e.name)
	}
	bad := func(why string) error { return fmt.Errorf("restore %s: %s", e.name, why) }
	v1 := len(state) >= len(snapshotTagV1) && string(state[:len(snapshotTagV1)]) == snapshotTagV1
	if !v1 && (len(state) < len(snapshotTag) || string(state[:len(snapshotTag)]) != snapshotTag) {
		return bad("not a locomotion snapshot")
	}
	rest := state[len(snapshotTag):]
	d := e.data
	want := []int{len(d.Qpos()), len(d.Qvel()), len(d.Act()), len(d.QaccWarmstart()), 3}
	if !v1 {
		want = append(want, -1) // reward terms, of any length setTermState accepts
	}
	parts := make([][]float64, len(want))
	for i, n := range want {
		if n < 0 && len(rest) >= 4 {
			n = int(binary.LittleEndian.Uint32(rest))
		}
		if len(rest) < 4 || int(binary.LittleEndian.Uint32(rest)) != n || len(rest) < 4+8*n {
			return bad("snapshot is of a different model")
		}
		rest = rest[4:]
		parts[i] = make([]float64, n)
		for k := range parts[i] {
			parts[i][k] = math.Float64frombits(binary.LittleEndian.Uint64(rest))
			rest = rest[8:]
		}
	}
	if err := e.src.UnmarshalBinary(rest); err != nil {
		return bad(fmt.Sprintf("random stream: %v", err))
	}
	if v1 {
		e.setTermState(make([]float64, 2+2*NumRewardTerms))
	} else if !e.setTermState(parts[5]) {
		return bad("malformed reward terms")
	}
	if err := d.Reset(); err != nil {
		return err
	}
	_ = d.SetQpos(parts[0])
	_ = d.SetQvel(parts[1])
	_ = d.SetAct(parts[2])
	_ = d.SetQaccWarmstart(parts[3])
	d.SetTime(parts[4][0])
	e.goal = [2]float64{parts[4][1], parts[4][2]}
	e.lastErr = nil
	if err := d.Kinematics(); err != nil {
		return errors.Join(bad("recomputing the kinematics"), err)
	}
	e.observe()
	return nil
}

// Obs is the current observation (owned by the environment), for example after Restore.
func (e *Env) Obs() []float64 { return e.obs }

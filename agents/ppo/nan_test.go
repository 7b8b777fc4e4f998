package ppo

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gorl/agents"
	"gorl/env"
	"gorl/logs"
)

// nanReward is CartPole whose rewards turn NaN after a number of steps.
type nanReward struct {
	env.Env
	after, steps int
}

func (e *nanReward) Step(a []float64) env.Transition {
	tr := e.Env.Step(a)
	e.steps++
	if e.steps > e.after {
		tr.Reward = math.NaN()
	}
	return tr
}

func (e *nanReward) Snapshot() ([]byte, error) {
	s, err := env.SnapshotOf(e.Env)
	return binary.LittleEndian.AppendUint64(s, uint64(e.steps)), err
}

func (e *nanReward) Restore(b []byte) error {
	if len(b) < 8 {
		return errors.New("short snapshot")
	}
	e.steps = int(binary.LittleEndian.Uint64(b[len(b)-8:]))
	return env.RestoreOf(e.Env, b[:len(b)-8])
}

func init() {
	env.Register(env.Spec{ID: "test/CartPoleNaN-v0", New: func(env.Options) (env.Env, error) {
		e, err := env.Make("CartPole-v1", nil)
		return &nanReward{Env: e, after: 1000}, err
	}})
}

// TestNaNLossStopsTraining: each env takes 256 steps per update and its rewards turn
// NaN after 1000 steps, so update 4 fails with a message naming it, the run is marked
// failed and the checkpoint of update 3 stays.
func TestNaNLossStopsTraining(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	tc := agents.TrainConfig{Env: "test/CartPoleNaN-v0", Seed: 1, Steps: 10 * 512, Envs: 2, RolloutSteps: 256, CheckpointEvery: 1}
	run, err := logs.Create(dir, tc, logs.Options{})
	if err != nil {
		t.Fatal(err)
	}
	l, err := agents.NewLoop(tc, run, newAgentFunc(Config{}, 1))
	if err != nil {
		t.Fatal(err)
	}
	_, err = l.Run()
	if err == nil {
		t.Fatal("training with NaN rewards succeeded")
	}
	msg := err.Error()
	if !errors.Is(err, agents.ErrNonFinite) || !strings.Contains(msg, "update 4 of 10") || !strings.Contains(msg, "NaN") ||
		!strings.Contains(msg, "last good checkpoint: update 3") {
		t.Fatalf("error %q: want it to name update 4 of 10, NaN and the last good checkpoint (update 3)", msg)
	}
	ck, err := agents.LatestCheckpoint(dir)
	if err != nil || ck.Update != 3 {
		t.Fatalf("latest checkpoint %v (%v), want update 3", ck, err)
	}
	var st logs.Status
	data, _ := os.ReadFile(filepath.Join(dir, "status.json"))
	if err := json.Unmarshal(data, &st); err != nil || st.Status != "failed" || !strings.Contains(st.Error, "NaN") {
		t.Fatalf("status.json %s: want failed with the NaN message", data)
	}
	t.Log(msg)
}

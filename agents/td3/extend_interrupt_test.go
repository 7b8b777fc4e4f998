package td3

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"gorl/agents"
	"gorl/logs"
)

// A finished run extended with a larger budget and interrupted before the new end is
// not finished: --resume continues it to the new budget, and eval acts with its latest
// networks, not with the final checkpoint of the shorter run.
func TestInterruptedExtensionResumes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	trainRun(t, dir, tinyPendulum(), nil)

	long := tinyPendulum()
	long.Steps = 2000
	s := &Settings{TD3: long}
	if err := s.Resolve(); err != nil {
		t.Fatal(err)
	}
	opts := logs.Options{EnvID: long.Env, StepEvery: long.StepEvery}
	tr, err := s.Resume(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if _, err := tr.Train(ctx, agents.Hooks{OnUpdate: func(st agents.Status) {
		if st.EnvSteps >= 1400 {
			cancel()
		}
	}}); !errors.Is(err, agents.ErrInterrupted) {
		t.Fatalf("extension after cancel: %v, want ErrInterrupted", err)
	}
	_, _, name, err := s.Policy(dir, long.Env, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(name, "1400") {
		t.Fatalf("eval of the interrupted extension acts with %q, want its latest checkpoint (env step 1400)", name)
	}
	tr, err = s.Resume(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := tr.Train(context.Background(), agents.Hooks{})
	if err != nil || sum.ResumedSteps != 1400 || sum.EnvSteps != 2000 {
		t.Fatalf("resumed extension: %+v, %v; want resumed at 1400 and ended at 2000", sum, err)
	}
}

package agents

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"gorl/logs"
)

// Reading what a training command is given: a --config file, and a run directory to
// resume or extend.

// ReadConfigFile reads a --config file (JSON as in a run's config.json), refusing a
// missing, unreadable or empty one in one line.
func ReadConfigFile(path string) ([]byte, error) {
	if err := logs.CheckInputFile("config", path); err != nil {
		return nil, err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config %s: %w", path, err)
	}
	if len(strings.TrimSpace(string(data))) == 0 {
		return nil, fmt.Errorf("config %s is empty", path)
	}
	return data, nil
}

// ErrFinished is returned by ResumeRun for a run that has nothing left to train.
var ErrFinished = errors.New("finished")

// ReadResume reads the run in dir for --resume. steps, when not "", is a new budget in
// env steps (--resume --steps N): at least the recorded one, and when larger the run is
// extended (extend). The caller locks the run before ResumeRun.
func ReadResume(dir string, reg *Registry, steps string) (rc *RunConfig, extend bool, err error) {
	if rc, err = ReadRun(dir, reg); err != nil {
		return nil, false, err
	}
	if steps == "" {
		return rc, false, nil
	}
	cm := rc.Settings.Common()
	n, err := strconv.ParseInt(steps, 10, 64)
	if err != nil || n < *cm.Steps {
		return nil, false, fmt.Errorf("--resume --steps %s: a run can only be extended, to more than its %d steps", steps, *cm.Steps)
	}
	extend = n > *cm.Steps
	*cm.Steps = n
	return rc, extend, rc.Settings.Resolve()
}

// ResumeRun continues the run rc in dir from its latest readable checkpoint, logging
// with opts; with extend its larger budget is written to config.json. A run that has
// nothing left to train returns an error wrapping ErrFinished (and is left untouched).
func ResumeRun(dir string, rc *RunConfig, extend bool, opts logs.Options) (Trainer, error) {
	if info, err := logs.ReadRunInfo(dir); err == nil && info.Status == "running" { // a writer that takes no lock
		return nil, fmt.Errorf("run %s is still running (process %d); stop it before --resume", dir, info.PID)
	}
	tr, err := rc.Settings.Resume(dir, opts)
	if err != nil {
		return nil, err
	}
	if tr.Finished() {
		tr.Close()
		if extend {
			return nil, fmt.Errorf("run %s cannot be extended: it has no final resumable checkpoint (its env cannot save its state, or an older gorl wrote it)", dir)
		}
		return nil, fmt.Errorf("run %s has finished its %d steps: %w", dir, *rc.Settings.Common().Steps, ErrFinished)
	}
	if extend { // the budget is part of the run's settings
		if err := logs.WriteJSONAtomic(filepath.Join(dir, "config.json"), rc); err != nil {
			tr.Close()
			return nil, err
		}
	}
	return tr, nil
}

// StartRun creates the run directory dir for rc, writes its config.json, locks it (the
// caller unlocks) and builds the trainer. The run id is dir's base name, kept when the
// directory is copied; opts, when not nil, adjusts the log options (a TensorBoard
// mirror). A trainer that cannot be built leaves no directory behind (when there was
// none, or it was empty, before).
func StartRun(dir string, rc *RunConfig, opts func(logs.Options) (logs.Options, error)) (Trainer, *logs.RunLock, error) {
	_, statErr := os.Stat(dir)
	rc.RunID = filepath.Base(filepath.Clean(dir))
	if err := rc.DescribeEnv(); err != nil {
		return nil, nil, err
	}
	o := logs.Options{EnvID: rc.Env, StepEvery: *rc.Settings.Common().StepEvery, RunID: rc.RunID}
	if opts != nil {
		var err error
		if o, err = opts(o); err != nil {
			return nil, nil, err
		}
	}
	run, err := logs.Create(dir, rc, o)
	if err != nil {
		return nil, nil, err
	}
	lock, err := logs.LockRun(dir)
	if err != nil {
		return nil, nil, err
	}
	tr, err := rc.Settings.NewTrainer(run)
	if err != nil {
		lock.Unlock()
		if errors.Is(statErr, os.ErrNotExist) {
			_ = os.RemoveAll(dir)
		}
		return nil, nil, err
	}
	return tr, lock, nil
}

//go:build unix

package logs

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// RunLock is an exclusive lock on a run directory: one process at a time trains,
// resumes or extends a run, so two writers never interleave their rows. The lock is an
// flock(2) on the directory itself (no file is added to the run), released when the
// process ends however it ends (SIGKILL included), so a killed run never leaves a stale
// lock.
type RunLock struct {
	f *os.File
}

// LockRun takes the exclusive lock of run directory dir, which must exist. When
// another process holds it, the error names that process (from status.json).
func LockRun(dir string) (*RunLock, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("lock run %s: %w", dir, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			var s Status
			data, _ := os.ReadFile(filepath.Join(dir, "status.json"))
			if json.Unmarshal(data, &s) == nil && s.PID > 0 {
				return nil, fmt.Errorf("run %s is in use by process %d (since %s); wait for it or stop it",
					dir, s.PID, s.Started.Format(time.RFC3339))
			}
			return nil, fmt.Errorf("run %s is in use by another process; wait for it or stop it", dir)
		}
		if errors.Is(err, syscall.ENOLCK) || errors.Is(err, syscall.EOPNOTSUPP) || errors.Is(err, syscall.EINVAL) {
			return &RunLock{}, nil // a file system without flock: run unlocked rather than not at all
		}
		return nil, fmt.Errorf("lock run %s: %w", dir, err)
	}
	return &RunLock{f: f}, nil
}

// Unlock releases the lock.
func (l *RunLock) Unlock() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := l.f.Close() // closing the descriptor releases the flock
	l.f = nil
	return err
}

// Interrupt flushes everything and marks the run interrupted (stopped by a signal, with
// a checkpoint to resume from) with cause's message.
func (r *Run) Interrupt(cause error) error { return r.finish("interrupted", cause) }

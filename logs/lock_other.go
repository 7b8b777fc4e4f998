//go:build !unix

package logs

// RunLock is a no-op where flock(2) is missing.
type RunLock struct{}

// LockRun does not lock where flock(2) is missing.
func LockRun(dir string) (*RunLock, error) { return &RunLock{}, nil }

// Unlock does nothing.
func (l *RunLock) Unlock() error { return nil }

// Interrupt flushes everything and marks the run interrupted with cause's message.
func (r *Run) Interrupt(cause error) error { return r.finish("interrupted", cause) }

package main

import (
	"os"
	"path/filepath"
	"testing"
)

// Settings that would allocate more than the machine has are refused in one line
// naming the flags, before the run directory exists (they used to end in the Go
// runtime's out-of-memory stack trace).
func TestMemoryGuardTD3(t *testing.T) {
	for name, args := range map[string][]string{
		"batch":       {"--batch", "100000000000", "--steps", "100"},
		"buffer size": {"--buffer-size", "9000000000000", "--steps", "9000000000000"},
	} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "run")
			wantOneLineError(t, "needs about", append([]string{"train", "--algo", "td3", "--env", "Pendulum-v1", "--run-dir", dir}, args...)...)
			if _, err := os.Stat(dir); err == nil {
				t.Errorf("the refused run left %s", dir)
			}
		})
	}
}

package sweep

import (
	"context"
	"strings"
	"testing"

	"gorl/logs"
)

// A second sweep process on the same directory is refused in one line while the
// first holds it.
func TestSecondSweepOnDirectoryRefused(t *testing.T) {
	dir := t.TempDir()
	held, err := logs.LockRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Unlock()
	_, err = Execute(context.Background(), dir, Plan{}, Options{Exec: Binary("true")})
	if err == nil || !strings.Contains(err.Error(), "is in use by another process") {
		t.Fatalf("Execute on a held sweep directory: %v", err)
	}
}

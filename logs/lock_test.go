//go:build unix

package logs

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLockRun: a second lock on a held run directory is refused naming the holder's pid
// (from status.json), and is granted once the first is released.
func TestLockRun(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	r, err := Create(dir, map[string]int{"seed": 1}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	first, err := LockRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, err = LockRun(dir)
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("in use by process %d", os.Getpid())) {
		t.Fatalf("second lock: %v, want one naming process %d", err, os.Getpid())
	}
	if err := first.Unlock(); err != nil {
		t.Fatal(err)
	}
	again, err := LockRun(dir)
	if err != nil {
		t.Fatalf("lock after unlock: %v", err)
	}
	again.Unlock()
	if entries, _ := os.ReadDir(dir); len(entries) != 3 { // config.json, steps/, status.json: the lock adds no file
		t.Fatalf("run directory holds %d entries after locking", len(entries))
	}
}

//go:build linux

package logs

import (
	"os"
	"os/exec"
	"testing"
	"time"
)

// A child that exited but was not reaped is a zombie: alive to signal 0, dead to
// processAlive.
func TestZombieIsNotAlive(t *testing.T) {
	if !processAlive(os.Getpid()) {
		t.Fatal("this process is not alive")
	}
	cmd := exec.Command("sh", "-c", "exit 0")
	if err := cmd.Start(); err != nil {
		t.Skip(err)
	}
	pid := cmd.Process.Pid
	defer cmd.Wait()
	deadline := time.Now().Add(5 * time.Second)
	for !zombie(pid) {
		if time.Now().After(deadline) {
			t.Skip("the child never showed as a zombie in /proc")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if processAlive(pid) {
		t.Errorf("exited, unreaped child %d counts as alive", pid)
	}
}

// Package xvfbtest gives tests a private X server: Start runs Xvfb on a free display
// number, waits until the display accepts connections, and points DISPLAY at it for the
// test.
//
// Several test binaries start servers at once when `go test ./...` runs packages in
// parallel, and other programs on the machine (xvfb-run -a from :99 up, Xvfb -displayfd
// from :0 up) pick low numbers; an X server that loses a race for a number can remove
// the winner's socket on its way out. Start therefore draws a number in [1000, 10000)
// that has no lock file, serialises its start-ups across processes with a lock file,
// retries with a fresh server when the display does not answer, and stops its server
// with SIGTERM so that the server removes its lock and socket.
package xvfbtest

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// Start starts a private X server for t and sets DISPLAY; it skips t when Xvfb is not
// installed or no server can be started.
func Start(t testing.TB) {
	t.Helper()
	bin, err := exec.LookPath("Xvfb")
	if err != nil {
		t.Skip("no display: Xvfb not installed")
	}
	unlock := lockStartUp(t)
	defer unlock()
	var last string
	for attempt := 1; attempt <= 5; attempt++ {
		display, stop, err := startServer(bin)
		if err != nil {
			last = err.Error()
			continue
		}
		t.Cleanup(stop)
		t.Setenv("DISPLAY", ":"+display)
		return
	}
	t.Skipf("no display: could not start a usable Xvfb (%s)", last)
}

// lockStartUp holds an exclusive lock shared by every test process on the machine
// until the returned function is called.
func lockStartUp(t testing.TB) func() {
	f, err := os.OpenFile(filepath.Join(os.TempDir(), "gorl-xvfbtest.lock"), os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		return func() {}
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return func() {}
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}
}

// startServer runs Xvfb on a free high display number and returns the number and a
// function that stops the server, once the display accepts connections.
func startServer(bin string) (display string, stop func(), err error) {
	var n int
	for {
		n = 1000 + rand.IntN(9000)
		if _, err := os.Stat(fmt.Sprintf("/tmp/.X%d-lock", n)); os.IsNotExist(err) {
			break
		}
	}
	display = strconv.Itoa(n)
	cmd := exec.Command(bin, ":"+display, "-screen", "0", "640x480x24", "-nolisten", "tcp")
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	stop = func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-done:
			return "", nil, fmt.Errorf("Xvfb :%s exited at start-up", display)
		case <-time.After(20 * time.Millisecond):
		}
		if connectable(display) {
			return display, stop, nil
		}
	}
	stop()
	return "", nil, fmt.Errorf("Xvfb :%s did not accept connections within 10 s", display)
}

// connectable reports whether the display's Unix socket accepts a connection.
func connectable(display string) bool {
	c, err := net.DialTimeout("unix", "/tmp/.X11-unix/X"+display, 2*time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

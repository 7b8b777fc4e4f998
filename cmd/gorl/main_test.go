package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// gorlBin is the gorl binary built once for the tests that run it as a subprocess.
var gorlBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "gorl-bin-")
	if err != nil {
		panic(err)
	}
	gorlBin = filepath.Join(dir, "gorl")
	build := exec.Command("go", "build", "-o", gorlBin, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		os.RemoveAll(dir)
		panic("build gorl: " + err.Error())
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// gorl runs the binary and returns stdout, stderr and the exit code.
func gorl(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(gorlBin, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run gorl %v: %v", args, err)
	}
	return out.String(), errb.String(), code
}

// wantOneLineError checks a user mistake: non-zero exit, one line on stderr that
// contains want, and no Go stack trace.
func wantOneLineError(t *testing.T, want string, args ...string) {
	t.Helper()
	_, stderr, code := gorl(t, args...)
	if code == 0 {
		t.Fatalf("gorl %v: exit 0, want an error", args)
	}
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "gorl: ") || !strings.Contains(lines[0], want) {
		t.Fatalf("gorl %v: stderr %q, want one line containing %q", args, stderr, want)
	}
	if strings.Contains(stderr, "goroutine") || strings.Contains(stderr, "panic") {
		t.Fatalf("gorl %v printed a stack trace: %s", args, stderr)
	}
}

package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// smallDisk mounts a fresh tmpfs of size (e.g. "400k") for the test, or skips where
// mounting is not permitted (it needs root and a kernel that allows it).
func smallDisk(t *testing.T, size string) string {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a small tmpfs here (%v: %s); the packages' injected write errors cover this", err, strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
	return dir
}

// Every command that writes a run, run out of disk: it exits non-zero with one line
// naming the cause and never leaves the run marked "finished" without its tables.
func TestDiskFullNeverFinished(t *testing.T) {
	for name, c := range map[string]struct {
		disk string
		args []string
	}{
		"rollout": {"400k", []string{"rollout", "--env", "CartPole-v1", "--episodes", "3000", "--seed", "1", "--quiet"}},
		"train":   {"400k", []string{"train", "--env", "CartPole-v1", "--steps", "200000", "--seed", "1", "--quiet"}},
		"lmdp":    {"400k", []string{"lmdp", "run", "--family", "random", "--M", "2", "--S", "4", "--A", "2", "--H", "6", "--K", "200000", "--seeds", "2", "--quiet"}},
		"glow":    {"400k", []string{"glow", "run", "--algo", "qlearning", "--H", "5", "--episodes", "400000", "--eval-every", "1", "--seeds", "2", "--quiet"}},
		// A generation's drift files and state outgrow 96 kB at once.
		"evolve": {"96k", []string{"evolve", "--objective", "lpo", "--generations", "3", "--population", "4", "--inner-steps", "512", "--quiet"}},
	} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(smallDisk(t, c.disk), "run")
			_, stderr, code := gorl(t, append(c.args, "--run-dir", dir)...)
			if code == 0 {
				t.Fatalf("gorl %s on a 400 kB disk exited 0", name)
			}
			lines := strings.Split(strings.TrimSpace(stderr), "\n")
			last := lines[len(lines)-1]
			if !strings.Contains(last, "no space left on device") || strings.Contains(stderr, "goroutine ") {
				t.Errorf("gorl %s: stderr ends %q, want one line naming the full disk", name, last)
			}
			data, err := os.ReadFile(filepath.Join(dir, "status.json"))
			if err != nil {
				return // no status at all: nothing claims the run finished
			}
			var st struct {
				Status string `json:"status"`
			}
			if err := json.Unmarshal(data, &st); err != nil {
				t.Fatalf("status.json: %v", err)
			}
			if st.Status == "finished" {
				t.Errorf("gorl %s on a full disk left status finished", name)
			}
			t.Logf("%s: exit %d, status %q, %s", name, code, st.Status, last)
		})
	}
}

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gorl/agents"
)

// renameCheckpoints gives the checkpoints of run dir the names the previous gorl wrote,
// as name(path) returns them, and lists the new paths oldest first.
func renameCheckpoints(t *testing.T, dir string, name func(path string) string) []string {
	t.Helper()
	paths, err := agents.CheckpointPaths(dir)
	if err != nil || len(paths) == 0 {
		t.Fatalf("checkpoints of %s: %v (%v)", dir, paths, err)
	}
	var out []string
	for _, p := range paths {
		to := filepath.Join(filepath.Dir(p), name(p))
		if err := os.Rename(p, to); err != nil {
			t.Fatal(err)
		}
		out = append(out, to)
	}
	if final := agents.FinalCheckpointPath(dir); statOK(final) {
		if err := os.Rename(final, filepath.Join(filepath.Dir(final), "td3-final.ckpt")); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func baseNames(t *testing.T, dir string) []string {
	t.Helper()
	paths, _ := filepath.Glob(filepath.Join(dir, "checkpoints", "*"))
	for i, p := range paths {
		paths[i] = filepath.Base(p)
	}
	return paths
}

// TestOldCheckpointNamesResumePPO: a PPO run directory with the checkpoint names of the
// previous gorl (update-NNNNNNN.ckpt), cut back to a mid-run checkpoint, resumes to the
// uninterrupted run's rows; the new checkpoints come after the old ones.
func TestOldCheckpointNamesResumePPO(t *testing.T) {
	tmp := t.TempDir()
	ref, old := filepath.Join(tmp, "ref"), filepath.Join(tmp, "old")
	if _, stderr, code := gorl(t, "train", "--steps", "4096", "--checkpoint-every", "512", "--step-every", "5", "--seed", "3", "--run-dir", ref, "-q"); code != 0 {
		t.Fatal(stderr)
	}
	copyDir(t, ref, old)
	paths := renameCheckpoints(t, old, func(p string) string {
		ck, err := agents.ReadCheckpoint(p)
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("update-%07d.ckpt", ck.Update)
	})
	if got := filepath.Base(paths[len(paths)-1]); got != "update-0000008.ckpt" {
		t.Fatalf("newest checkpoint renamed to %s, want update-0000008.ckpt", got)
	}
	os.Remove(paths[len(paths)-1]) // as if killed after update 7; keep_checkpoints 2 leaves update 7 beside the new final one
	out, stderr, code := gorl(t, "train", "--resume", "--run-dir", old, "-q")
	if code != 0 || !strings.Contains(out, "resumed    from update 7") {
		t.Fatalf("resume of the old-name run: exit %d: %s %s", code, out, stderr)
	}
	sameTrainRuns(t, ref, old)
	if names := baseNames(t, old); !slices.Equal(names, []string{"steps-000000004096.ckpt", "update-0000007.ckpt"}) {
		t.Fatalf("checkpoints after the resume: %v", names)
	}
	if ck, err := agents.LatestCheckpoint(old); err != nil || ck.EnvSteps != 4096 {
		t.Fatalf("latest checkpoint %+v (%v), want the new one at env step 4096", ck, err)
	}
}

// TestOldCheckpointNamesTD3: a killed td3 run whose resumable checkpoint has the previous
// name (td3-steps-N.ckpt) resumes to the uninterrupted run; a finished one with the old
// final name (td3-final.ckpt) evaluates, reports itself finished and extends, keeping one
// final checkpoint (under the new name: the extension drops the shorter run's final one).
func TestOldCheckpointNamesTD3(t *testing.T) {
	tmp := t.TempDir()
	args := func(dir string) []string {
		return []string{"train", "--algo", "td3", "--env", "Pendulum-v1", "--steps", "8000", "--warm-up", "400", "--hidden", "16,16",
			"--batch", "32", "--buffer-size", "3000", "--metrics-every", "250", "--checkpoint-every", "1000", "--step-every", "3",
			"--seed", "6", "--run-dir", dir, "--quiet"}
	}
	ref, killed := filepath.Join(tmp, "ref"), filepath.Join(tmp, "killed")
	if _, stderr, code := gorl(t, args(ref)...); code != 0 {
		t.Fatal(stderr)
	}
	at := killAfterCheckpoint(t, killed, 2000, args(killed)...)
	renameCheckpoints(t, killed, func(p string) string { return "td3-" + filepath.Base(p) })
	if names := baseNames(t, killed); len(names) != 1 || names[0] != fmt.Sprintf("td3-steps-%012d.ckpt", at) {
		t.Fatalf("renamed checkpoints %v", names)
	}
	out, stderr, code := gorl(t, "train", "--resume", "--run-dir", killed, "--quiet")
	if code != 0 || !strings.Contains(out, fmt.Sprintf("resumed    from env step %d", at)) {
		t.Fatalf("resume of the old-name td3 run: exit %d: %s %s", code, out, stderr)
	}
	sameTD3Runs(t, ref, killed)

	renameCheckpoints(t, ref, func(p string) string { return "td3-" + filepath.Base(p) })
	if names := baseNames(t, ref); !slices.Equal(names, []string{"td3-final.ckpt", "td3-steps-000000008000.ckpt"}) {
		t.Fatalf("renamed checkpoints %v", names)
	}
	out, stderr, code = gorl(t, "eval", ref, "--episodes", "1", "--step-every", "-1", "--out", filepath.Join(tmp, "eval"))
	if code != 0 || !strings.Contains(out, "final checkpoint") {
		t.Fatalf("eval of the old-name td3 run: exit %d: %s %s", code, out, stderr)
	}
	if out, stderr, code = gorl(t, "train", "--resume", "--run-dir", ref); code != 0 || !strings.Contains(out, "has finished") {
		t.Fatalf("resume of the finished old-name td3 run: exit %d: %s %s", code, out, stderr)
	}
	if out, stderr, code = gorl(t, "train", "--resume", "--run-dir", ref, "--steps", "8400", "-q"); code != 0 || !strings.Contains(out, "resumed    from env step 8000") {
		t.Fatalf("extend the old-name td3 run: exit %d: %s %s", code, out, stderr)
	}
	if names := baseNames(t, ref); !slices.Equal(names, []string{"final.ckpt", "steps-000000008400.ckpt"}) {
		t.Fatalf("checkpoints of the extended old-name run: %v, want the new resumable one and the one final", names)
	}
}

func statOK(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

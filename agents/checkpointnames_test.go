package agents

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestCheckpointPaths: checkpoints of the current scheme come after the legacy names
// (of an older gorl, before a resume), each ordered by the number in its name, not as
// strings (update-10000000 has one digit more than the padding); pruning keeps the
// newest.
func TestCheckpointPaths(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(CheckpointDir(dir), 0o755); err != nil {
		t.Fatal(err)
	}
	names := []string{"update-10000000.ckpt", "update-9999999.ckpt", "update-0000002.json",
		filepath.Base(CheckpointPath(dir, 1000)), filepath.Base(CheckpointPath(dir, 20)), "final.ckpt", "notes.txt"}
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(CheckpointDir(dir), n), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	base := func(paths []string) []string {
		out := make([]string, len(paths))
		for i, p := range paths {
			out[i] = filepath.Base(p)
		}
		return out
	}
	paths, err := CheckpointPaths(dir, loopLegacy...)
	want := []string{"update-0000002.json", "update-9999999.ckpt", "update-10000000.ckpt", "steps-000000000020.ckpt", "steps-000000001000.ckpt"}
	if err != nil || !slices.Equal(base(paths), want) {
		t.Fatalf("CheckpointPaths: %v (%v), want %v", base(paths), err, want)
	}
	if paths, _ := CheckpointPaths(dir); !slices.Equal(base(paths), want[3:]) {
		t.Fatalf("without legacy patterns: %v", base(paths))
	}
	if err := PruneCheckpoints(dir, 2, loopLegacy...); err != nil {
		t.Fatal(err)
	}
	if paths, _ := CheckpointPaths(dir, loopLegacy...); !slices.Equal(base(paths), want[3:]) {
		t.Fatalf("after pruning to 2: %v", base(paths))
	}
	if _, err := os.Stat(FinalCheckpointPath(dir)); err != nil {
		t.Fatal("pruning removed the final checkpoint")
	}
}

// TestCheckFlag: the flags of settings are checked by name, naming the flag; others pass.
func TestCheckFlag(t *testing.T) {
	for _, c := range []struct{ flag, text, want string }{
		{"envs", "0", "--envs must be in [1, 65536], got 0"},
		{"lr", "NaN", "--lr must be a positive number, got NaN"},
		{"checkpoint-every", "0", "--checkpoint-every must not be 0"},
		{"normalize", "yes", `--normalize must be auto, on or off, got "yes"`},
		{"hidden", "64,-1", "--hidden must list positive layer sizes, got 64,-1"},
		{"batch", "x", `invalid argument "x" for --batch`},
		{"envs", "8", ""},
		{"normalize", "on", ""},
		{"run-dir", "0", ""},
	} {
		err := CheckFlag(c.flag, c.text)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if c.want == "" && got != "" || c.want != "" && (len(got) < len(c.want) || got[:len(c.want)] != c.want) {
			t.Errorf("CheckFlag(%s, %s) = %q, want %q", c.flag, c.text, got, c.want)
		}
	}
}

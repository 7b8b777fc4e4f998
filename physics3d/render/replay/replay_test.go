package replay

import (
	"os"
	"path/filepath"
	"testing"
)

// TestRunEnv: the envelope of a training run and the nested section of a format-1 run
// both name the environment and its options.
func TestRunEnv(t *testing.T) {
	for name, cfg := range map[string]string{
		"format 1": `{"command": "train", "train": {"env": "sgrl/hopper-3", "env_options": {"target": "v2", "frame_skip": 4}}}`,
		"envelope": `{"command": "train", "algo": "td3", "env": "sgrl/hopper-3", "env_options": {"target": "v2", "frame_skip": "4"}, "td3": {}}`,
	} {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(cfg), 0o644); err != nil {
			t.Fatal(err)
		}
		id, opts, err := RunEnv(dir)
		if err != nil {
			t.Fatal(err)
		}
		if id != "sgrl/hopper-3" || opts["target"] != "v2" || opts["frame_skip"] != "4" {
			t.Fatalf("%s: env %q options %v", name, id, opts)
		}
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"command": "train"}`), 0o644)
	if _, _, err := RunEnv(dir); err == nil {
		t.Fatal("a config.json without env read")
	}
}

package replay

import (
	"os"
	"path/filepath"
	"strings"
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

// TestSettingsValidate: file and live settings are checked apart, naming the flags.
func TestSettingsValidate(t *testing.T) {
	none := func(string) bool { return false }
	out := filepath.Join(t.TempDir(), "x.gif")
	ok := Settings{Every: 1, Speed: 1, File: FileOptions{Out: out, FPS: 30, CRF: 23, Preset: "medium"}}
	ok.File.Width, ok.File.Height, ok.File.Supersample = 480, 360, 2
	if err := ok.Validate(none); err != nil {
		t.Fatal(err)
	}
	for want, c := range map[string]struct {
		change func(*Settings)
		given  string
	}{
		"--every 0":                {func(s *Settings) { s.Every = 0 }, ""},
		"must end in .gif or .mp4": {func(s *Settings) { s.File.Out = "x.png" }, ""},
		"needs even sizes":         {func(s *Settings) { s.File.Out, s.File.Width = "x.mp4", 481 }, ""},
		"apply to MP4 output":      {func(s *Settings) {}, "crf"},
		"apply to --live only":     {func(s *Settings) {}, "frames"},
		"--out does not apply":     {func(s *Settings) { s.Live = true }, "out"},
		"--speed 0":                {func(s *Settings) { s.Live, s.Speed = true, 0 }, ""},
	} {
		s := ok
		c.change(&s)
		err := s.Validate(func(f string) bool { return f == c.given })
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v", want, err)
		}
	}
}

package main

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gorl/agents"
	"gorl/logs"
)

// badInputFixtures are the files and run directories the bad-input cases point at.
type badInputFixtures struct {
	dir                   string
	empty, corrupt, arr   string // JSON files: empty, not JSON, an array
	trailing, badLR       string // a config with trailing data, one with lr -1
	hugeNet, missingDrift string // configs with a huge hidden layer, a missing drift file
	text                  string // a plain text file
	rollout, train        string // finished runs of gorl rollout and gorl train
	badCheckpoint         string // a copy of train whose latest checkpoint is garbage
	negMarks              string // a copy of train whose latest checkpoint has negative log marks
	badRunConfig          string // a copy of train whose config.json says envs -3
	badParquet            string // a copy of rollout whose step part is garbage
	data, richData        string // gorl glow data --H 5 --episodes 20, latent and rich
	keep                  string // an existing output file a failed export must not touch
	full                  string // a non-empty directory that is not a run
	drift, noSuch, noDir  string // a drift file that is not one; paths that do not exist
}

func newBadInputFixtures(t *testing.T) *badInputFixtures {
	t.Helper()
	d := t.TempDir()
	p := func(name string) string { return filepath.Join(d, name) }
	f := &badInputFixtures{dir: d, empty: p("empty.json"), corrupt: p("corrupt.json"), arr: p("arr.json"),
		trailing: p("trailing.json"), badLR: p("badlr.json"), hugeNet: p("hugenet.json"), missingDrift: p("nodrift.json"), text: p("notes.txt"), rollout: p("rollout"),
		train: p("train"), badCheckpoint: p("train-badck"), negMarks: p("train-negmarks"), badRunConfig: p("train-badconfig"), badParquet: p("rollout-badparquet"), data: p("data"), richData: p("data-rich"),
		keep: p("keep.csv"), full: p("full"), drift: p("x.drift"), noSuch: p("no-such.json"), noDir: p("no-such-dir")}
	files := map[string]string{
		f.empty: "", f.corrupt: "{bad", f.arr: "[]", f.trailing: `{"train": {"steps": 1000}} trailing`,
		f.badLR: `{"ppo": {"lr": -1}}`, f.hugeNet: `{"ppo": {"hidden": [100000000]}}`,
		f.missingDrift: `{"ppo": {"objective": "lpo", "objective_params": "/no/such.drift"}}`, f.text: "hello\n", f.keep: "keep\n", f.drift: "not a drift network\n",
		filepath.Join(f.full, "x"): "keep",
	}
	for path, content := range files {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, args := range [][]string{
		{"rollout", "--episodes", "2", "--run-dir", f.rollout, "-q"},
		{"train", "--steps", "512", "--run-dir", f.train, "--quiet"},
		{"glow", "data", "--H", "5", "--episodes", "20", "--run-dir", f.data},
		{"glow", "data", "--env", "lock-rich", "--H", "5", "--episodes", "20", "--run-dir", f.richData},
	} {
		if _, stderr, code := gorl(t, args...); code != 0 {
			t.Fatalf("fixture gorl %v: exit %d: %s", args, code, stderr)
		}
	}
	copyDir(t, f.train, f.badCheckpoint)
	cks, _ := filepath.Glob(filepath.Join(f.badCheckpoint, "checkpoints", "*.ckpt"))
	if len(cks) == 0 {
		t.Fatal("the training fixture wrote no checkpoint")
	}
	for _, ck := range cks { // every one: the latest readable would be used instead
		os.WriteFile(ck, []byte("garbage"), 0o644)
	}
	copyDir(t, f.train, f.negMarks)
	negs, _ := filepath.Glob(filepath.Join(f.negMarks, "checkpoints", "*.ckpt"))
	for _, path := range negs {
		ck, err := agents.ReadCheckpoint(path)
		if err != nil {
			t.Fatalf("read checkpoint %s: %v", path, err)
		}
		ck.Marks = logs.Marks{Steps: -5, Episodes: -1, Metrics: -1}
		if err := agents.SaveCheckpoint(f.negMarks, ck, 10); err != nil {
			t.Fatal(err)
		}
	}
	copyDir(t, f.train, f.badRunConfig)
	cfgPath := filepath.Join(f.badRunConfig, "config.json")
	var rc map[string]any
	if data, err := os.ReadFile(cfgPath); err != nil || json.Unmarshal(data, &rc) != nil {
		t.Fatalf("read %s: %v", cfgPath, err)
	}
	rc["train"].(map[string]any)["envs"] = -3
	data, _ := json.Marshal(rc)
	os.WriteFile(cfgPath, data, 0o644)
	copyDir(t, f.rollout, f.badParquet)
	parts, _ := filepath.Glob(filepath.Join(f.badParquet, "steps", "*.parquet"))
	if len(parts) == 0 {
		t.Fatal("the rollout fixture wrote no step part")
	}
	os.WriteFile(parts[0], []byte("junk"), 0o644)
	return f
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, path)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// snapshot maps every file under dir to its content.
func snapshot(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		files[path] = data
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestBadInput runs every command with user mistakes: each must exit non-zero with one
// line "gorl: ..." naming what is wrong, print no stack trace, create no run directory
// (fresh paths below are checked afterwards) and change no existing file.
func TestBadInput(t *testing.T) {
	f := newBadInputFixtures(t)
	fresh := filepath.Join(f.dir, "fresh") // every case that would create a run uses this path
	before := snapshot(t, f.dir)
	cases := []struct {
		want string
		args []string
	}{
		// Commands.
		{`unknown command "nosuch" for "gorl"`, []string{"nosuch"}},
		{`unknown command "nosuch" for gorl lmdp`, []string{"lmdp", "nosuch"}},
		{`unknown command "nosuch" for gorl glow`, []string{"glow", "nosuch"}},
		{`unknown command "nosuch" for gorl logs`, []string{"logs", "nosuch"}},
		{`unknown command "extra"`, []string{"version", "extra"}},
		{"unknown flag: --nosuch", []string{"rollout", "--nosuch"}},
		{`unknown help topic "nosuch"`, []string{"help", "nosuch"}},
		{`unknown help topic "lmdp nosuch"`, []string{"help", "lmdp", "nosuch"}},
		{`unknown command "nosuch" for gorl completion`, []string{"completion", "nosuch"}},

		// rollout.
		{`unknown env "Nope-v0"`, []string{"rollout", "--env", "Nope-v0", "--run-dir", fresh}},
		{`unknown env "CartPole-v0" (did you mean CartPole-v1?`, []string{"rollout", "--env", "CartPole-v0", "--run-dir", fresh}},
		{`unknown env "sgrl/hoper-3" (did you mean sgrl/hopper-3?`, []string{"train", "--env", "sgrl/hoper-3", "--run-dir", fresh}},
		{"--episodes must be at least 1, got -1", []string{"rollout", "--episodes", "-1", "--run-dir", fresh}},
		{`invalid argument "1e12" for "--episodes"`, []string{"rollout", "--episodes", "1e12", "--run-dir", fresh}},
		{"--envs must be in [1, 65536], got 0", []string{"rollout", "--envs", "0", "--run-dir", fresh}},
		{"--envs must be in [1, 65536], got 100000000", []string{"rollout", "--envs", "100000000", "--run-dir", fresh}},
		{"--workers must be at least 1", []string{"rollout", "--workers", "-2", "--run-dir", fresh}},
		{"--part-rows must be in [1, 4194304], got 2000000000", []string{"rollout", "--part-rows", "2000000000", "--run-dir", fresh}},
		{"--flush-every must be a positive number", []string{"rollout", "--flush-every", "NaN", "--run-dir", fresh}},
		{"--flush-every must be a positive number", []string{"rollout", "--flush-every", "Inf", "--run-dir", fresh}},
		{`max_episode_steps="abc": not an integer`, []string{"rollout", "--env-opt", "max_episode_steps=abc", "--run-dir", fresh}},
		{"max_episode_steps must be >= 0", []string{"rollout", "--env-opt", "max_episode_steps=-1", "--run-dir", fresh}},
		{`unknown option "nosuch"`, []string{"rollout", "--env-opt", "nosuch=1", "--run-dir", fresh}},
		{`option g="NaN": not a finite number`, []string{"rollout", "--env", "Pendulum-v1", "--env-opt", "g=NaN", "--run-dir", fresh}},
		{`option min_z="Inf": not a finite number`, []string{"rollout", "--env", "sgrl/hopper-3", "--env-opt", "min_z=Inf", "--run-dir", fresh}},
		{"--model " + f.noSuch + ": no such file", []string{"rollout", "--env", "sgrl/custom", "--family", "hopper", "--model", f.noSuch, "--run-dir", fresh}},
		{"--model " + f.dir + " is a directory", []string{"rollout", "--env", "sgrl/custom", "--family", "hopper", "--model", f.dir, "--run-dir", fresh}},
		{"load model", []string{"rollout", "--env", "sgrl/custom", "--family", "hopper", "--model", f.empty, "--run-dir", fresh}},
		{"already exists and is not empty", []string{"rollout", "--run-dir", f.full, "-q"}},
		{"already exists and is not empty", []string{"rollout", "--run-dir", f.train, "-q"}},
		{"not a directory", []string{"rollout", "--run-dir", f.text, "-q"}},
		{"create run directory", []string{"rollout", "--run-dir", "/proc/gorl-badinput", "-q"}},

		// train: flags.
		{"--lr must be a positive number, got NaN", []string{"train", "--lr", "NaN", "--run-dir", fresh}},
		{"--lr must be a positive number, got +Inf", []string{"train", "--lr", "Inf", "--run-dir", fresh}},
		{"--lr must be a positive number, got 0", []string{"train", "--lr", "0", "--run-dir", fresh}},
		{"--steps must be at least 1, got -1", []string{"train", "--steps", "-1", "--run-dir", fresh}},
		{"--steps must be at least 1, got 0", []string{"train", "--steps", "0", "--run-dir", fresh}},
		{"--envs must be in [1, 65536], got 0", []string{"train", "--envs", "0", "--run-dir", fresh}},
		{"--envs must be in [1, 65536], got 4294967296", []string{"train", "--envs", "4294967296", "--rollout-steps", "4294967296", "--run-dir", fresh}},
		{"is too large", []string{"train", "--envs", "65536", "--rollout-steps", "65536", "--steps", "9000000000000", "--run-dir", fresh}},
		{"--rollout-steps must be in", []string{"train", "--rollout-steps", "0", "--run-dir", fresh}},
		{"--workers must be at least 1", []string{"train", "--workers", "0", "--run-dir", fresh}},
		{"--stop-at-return must be a finite number, got NaN", []string{"train", "--stop-at-return", "NaN", "--run-dir", fresh}},
		{"--checkpoint-every must not be 0", []string{"train", "--checkpoint-every", "0", "--run-dir", fresh}},
		{"--step-every must not be 0", []string{"train", "--step-every", "0", "--run-dir", fresh}},
		{"--eval-every must be >= 0", []string{"train", "--eval-every", "-1", "--run-dir", fresh}},
		{`max_episode_steps="abc"`, []string{"train", "--env-opt", "max_episode_steps=abc", "--run-dir", fresh}},
		{"--objective-params is read only by --objective lpo or ta-lpo", []string{"train", "--objective-params", f.drift, "--run-dir", fresh}},
		{"--objective-params " + f.noSuch + ": no such file", []string{"train", "--objective", "lpo", "--objective-params", f.noSuch, "--run-dir", fresh}},
		{"is a directory", []string{"train", "--objective", "ta-lpo", "--objective-params", f.dir, "--run-dir", fresh}},
		{"not a gorl drift network file", []string{"train", "--objective", "ta-lpo", "--objective-params", f.drift, "--run-dir", fresh}},
		{"already exists and is not empty", []string{"train", "--steps", "512", "--run-dir", f.train, "--quiet"}},
		{"create run directory", []string{"train", "--steps", "512", "--run-dir", "/proc/gorl-badinput", "--quiet"}},
		// train: --config files.
		{"--config " + f.noSuch + ": no such file", []string{"train", "--config", f.noSuch, "--run-dir", fresh}},
		{"--config " + f.dir + " is a directory", []string{"train", "--config", f.dir, "--run-dir", fresh}},
		{"is not a regular file", []string{"train", "--config", "/dev/zero", "--run-dir", fresh}},
		{"config " + f.empty + " is empty", []string{"train", "--config", f.empty, "--run-dir", fresh}},
		{"invalid character", []string{"train", "--config", f.corrupt, "--run-dir", fresh}},
		{"want a JSON object, got array", []string{"train", "--config", f.arr, "--run-dir", fresh}},
		{"unexpected data after the JSON object", []string{"train", "--config", f.trailing, "--run-dir", fresh}},
		{"config " + f.badLR + ": lr must be positive", []string{"train", "--config", f.badLR, "--run-dir", fresh}},
		{"config " + f.hugeNet + ": hidden layer sizes must be in [1, 65536]", []string{"train", "--config", f.hugeNet, "--run-dir", fresh}},
		{"config " + f.missingDrift + ": objective_params /no/such.drift: no such file", []string{"train", "--config", f.missingDrift, "--run-dir", fresh}},
		// train --resume.
		{"--resume needs --run-dir", []string{"train", "--resume"}},
		{f.noDir + ": no such run directory", []string{"train", "--resume", "--run-dir", f.noDir}},
		{"is not a run directory (not a directory)", []string{"train", "--resume", "--run-dir", f.text}},
		{"is not a run directory (no config.json)", []string{"train", "--resume", "--run-dir", f.full}},
		{"is not a training run (it was written by gorl rollout)", []string{"train", "--resume", "--run-dir", f.rollout}},
		{"read checkpoint", []string{"train", "--resume", "--run-dir", f.badCheckpoint, "--quiet"}},
		{"drop --lr", []string{"train", "--resume", "--run-dir", f.train, "--lr", "1"}},
		{"negative log marks", []string{"train", "--resume", "--run-dir", f.negMarks, "--quiet"}},
		{"config.json: envs must be positive, got -3", []string{"train", "--resume", "--run-dir", f.badRunConfig, "--quiet"}},
		{"config.json: envs must be positive, got -3", []string{"eval", f.badRunConfig, "--out", fresh}},

		// eval.
		{"accepts 1 arg(s)", []string{"eval"}},
		{f.noDir + ": no such run directory", []string{"eval", f.noDir}},
		{"is not a run directory (not a directory)", []string{"eval", f.text}},
		{"is not a training run (it was written by gorl rollout)", []string{"eval", f.rollout}},
		{"read checkpoint", []string{"eval", f.badCheckpoint, "--out", fresh}},
		{"--episodes must be positive, got 0", []string{"eval", f.train, "--episodes", "0", "--out", fresh}},
		{"does not fit env Acrobot-v1", []string{"eval", f.train, "--env", "Acrobot-v1", "--out", fresh}},
		{`unknown env "Nope-v0"`, []string{"eval", f.train, "--env", "Nope-v0", "--out", fresh}},
		{`max_episode_steps="abc"`, []string{"eval", f.train, "--env-opt", "max_episode_steps=abc", "--out", fresh}},
		{"already exists and is not empty", []string{"eval", f.train, "--out", f.rollout}},
		{"create run directory", []string{"eval", f.train, "--out", "/proc/gorl-badinput"}},

		// lmdp.
		{"--K must be > 0, got 0", []string{"lmdp", "run", "--K", "0", "--run-dir", fresh}},
		{"episodes is too many", []string{"lmdp", "run", "--K", "1000000000000", "--run-dir", fresh}},
		{"--seeds must be in [1, 65536], got 0", []string{"lmdp", "run", "--seeds", "0", "--run-dir", fresh}},
		{"--seeds must be in [1, 65536], got 100000000", []string{"lmdp", "run", "--seeds", "100000000", "--K", "1", "--run-dir", fresh}},
		{"--c1 and --c2 must be finite and >= 0, got NaN", []string{"lmdp", "run", "--c1", "NaN", "--run-dir", fresh}},
		{"--c1 and --c2 must be finite and >= 0", []string{"lmdp", "run", "--c2", "Inf", "--run-dir", fresh}},
		{"--delta must be in (0, 1), got NaN", []string{"lmdp", "run", "--delta", "NaN", "--run-dir", fresh}},
		{"--gamma must be >= 1, got 0", []string{"lmdp", "run", "--gamma", "0", "--run-dir", fresh}},
		{"--H must be at most 100000", []string{"lmdp", "run", "--H", "1000000000", "--run-dir", fresh}},
		{"M, S, A, H must be >= 1", []string{"lmdp", "run", "--M", "0", "--run-dir", fresh}},
		{"eps=NaN must be in (0, 0.5]", []string{"lmdp", "run", "--family", "hard", "--eps", "NaN", "--run-dir", fresh}},
		{`unknown --solver "x"`, []string{"lmdp", "run", "--solver", "x", "--run-dir", fresh}},
		{"--workers must be >= 0", []string{"lmdp", "run", "--workers", "-1", "--run-dir", fresh}},
		{"--plot /proc/x.png: cannot write in /proc", []string{"lmdp", "run", "--plot", "/proc/x.png", "--run-dir", fresh}},
		{`unknown image format "txt"`, []string{"lmdp", "run", "--plot", filepath.Join(f.dir, "x.txt"), "--run-dir", fresh}},
		{"directory " + f.noDir + " does not exist", []string{"lmdp", "run", "--plot", filepath.Join(f.noDir, "x.png"), "--run-dir", fresh}},
		{"--instance " + f.noSuch + ": no such file", []string{"lmdp", "run", "--instance", f.noSuch, "--run-dir", fresh}},
		{"already exists and is not empty", []string{"lmdp", "run", "--K", "4", "--seeds", "1", "--run-dir", f.train, "--quiet"}},
		{"--instance " + f.noSuch + ": no such file", []string{"lmdp", "instance", "--instance", f.noSuch}},
		{"--instance " + f.dir + " is a directory", []string{"lmdp", "instance", "--instance", f.dir}},
		{"load LMDP", []string{"lmdp", "instance", "--instance", f.empty}},
		{"load LMDP", []string{"lmdp", "instance", "--instance", f.corrupt}},
		{"load LMDP", []string{"lmdp", "instance", "--instance", f.arr}},
		{"--max-nodes must be >= 1, got 0", []string{"lmdp", "instance", "--max-nodes", "0"}},
		{"--save-instance /proc/x.json: cannot write in /proc", []string{"lmdp", "instance", "--save-instance", "/proc/x.json"}},
		{"--save-instance " + f.dir + " is a directory", []string{"lmdp", "instance", "--save-instance", f.dir}},
		{"refusing to overwrite a file of run directory", []string{"lmdp", "instance", "--save-instance", filepath.Join(f.train, "config.json")}},
		{"--save-instance /dev/null is not a regular file", []string{"lmdp", "instance", "--save-instance", "/dev/null"}},
		{"--values is required", []string{"lmdp", "sweep", "--run-dir", fresh}},
		{`--over must be H, K, solver, noise or p, got "Q"`, []string{"lmdp", "sweep", "--over", "Q", "--values", "4", "--run-dir", fresh}},
		{`--values: "x" is not a positive integer`, []string{"lmdp", "sweep", "--values", "4,x", "--run-dir", fresh}},
		{`--values: "4" appears twice`, []string{"lmdp", "sweep", "--values", "4, 4", "--run-dir", fresh}},
		{"value 1000000000000: --K x --seeds", []string{"lmdp", "sweep", "--over", "K", "--values", "10,1000000000000", "--run-dir", fresh}},
		{`unknown solver "nope"`, []string{"lmdp", "sweep", "--over", "solver", "--values", "pooled,nope", "--run-dir", fresh}},

		// glow.
		{`--env "x": want lock, lock-rich or incomplete`, []string{"glow", "run", "--env", "x", "--run-dir", fresh}},
		{"--H must be in [1, 100000], got 0", []string{"glow", "run", "--H", "0", "--run-dir", fresh}},
		{"--actions must be in [2, 65536], got 1000000000", []string{"glow", "run", "--actions", "1000000000", "--run-dir", fresh}},
		{"--anti-reward must be in [0, 1], got NaN", []string{"glow", "run", "--anti-reward", "NaN", "--run-dir", fresh}},
		{"--step-penalty must be in [0, 1], got NaN", []string{"glow", "run", "--step-penalty", "NaN", "--run-dir", fresh}},
		{"--step-penalty must be in [0, 1], got -0.1", []string{"glow", "sweep", "--step-penalty", "-0.1", "--H", "5"}},
		{"--step-penalty must be in [0, 1], got 2", []string{"glow", "data", "--step-penalty", "2", "--run-dir", fresh}},
		{"--noise must be finite and >= 0, got +Inf", []string{"glow", "run", "--env", "lock-rich", "--noise", "Inf", "--run-dir", fresh}},
		{"--episodes must be in [1, 16777216], got 0", []string{"glow", "run", "--episodes", "0", "--run-dir", fresh}},
		{"--episodes must be in [1, 16777216], got 1000000000000", []string{"glow", "run", "--episodes", "1000000000000", "--run-dir", fresh}},
		{"--beta-scale must be finite and >= 0, got NaN", []string{"glow", "run", "--beta-scale", "NaN", "--run-dir", fresh}},
		{"--gamma must be finite and >= 0, got +Inf", []string{"glow", "run", "--gamma", "Inf", "--run-dir", fresh}},
		{"--ridge must be finite and >= 0, got NaN", []string{"glow", "run", "--ridge", "NaN", "--run-dir", fresh}},
		{"--epsilon must be in [0, 1], got 2", []string{"glow", "run", "--algo", "qlearning", "--epsilon", "2", "--run-dir", fresh}},
		{"--seeds must be in [1, 65536], got 0", []string{"glow", "run", "--seeds", "0", "--run-dir", fresh}},
		{"--seeds must be in [1, 65536], got 1000000000", []string{"glow", "run", "--seeds", "1000000000", "--run-dir", fresh}},
		{"--workers must be >= 0", []string{"glow", "run", "--workers", "-1", "--run-dir", fresh}},
		{`unknown algorithm "x"`, []string{"glow", "run", "--algo", "x", "--run-dir", fresh}},
		{"--offline-dir " + f.noDir + ": no such directory or file", []string{"glow", "run", "--offline", "mixed", "--offline-dir", f.noDir, "--H", "5", "--run-dir", fresh}},
		{"not a readable Parquet file", []string{"glow", "run", "--offline", "mixed", "--offline-dir", f.text, "--H", "5", "--run-dir", fresh}},
		{"not a readable Parquet file", []string{"glow", "run", "--offline", "mixed", "--offline-dir", f.badParquet, "--H", "5", "--run-dir", fresh}},
		{"offline episode 0 has 5 steps, want 7", []string{"glow", "run", "--offline", "mixed", "--offline-dir", f.data, "--H", "7", "--run-dir", fresh}},
		{"does not fit lock/latent with 3 actions", []string{"glow", "run", "--offline", "mixed", "--offline-dir", f.data, "--H", "5", "--actions", "3", "--episodes", "2", "--run-dir", fresh}},
		{"is not a latent [state, step] pair", []string{"glow", "run", "--offline", "mixed", "--offline-dir", f.richData, "--H", "5", "--episodes", "2", "--run-dir", fresh}},
		{"2 features, want 16", []string{"glow", "run", "--env", "lock-rich", "--offline", "mixed", "--offline-dir", f.data, "--H", "5", "--episodes", "2", "--run-dir", fresh}},
		{"has 20 episodes, H2O needs one per online episode (50)", []string{"glow", "run", "--offline", "mixed", "--offline-dir", f.data, "--H", "5", "--episodes", "50", "--run-dir", fresh}},
		{"--offline-dir is read only by --algo hyglow, hyq or offline, not glow", []string{"glow", "run", "--algo", "glow", "--offline-dir", f.data, "--H", "5", "--run-dir", fresh}},
		{"already exists and is not empty", []string{"glow", "run", "--H", "5", "--seeds", "1", "--episodes", "2", "--run-dir", f.train, "--quiet"}},
		{`--H "0": want positive integers`, []string{"glow", "sweep", "--H", "0"}},
		{"empty algorithm name", []string{"glow", "sweep", "--algos", "hyglow,,glow"}},
		{`unknown algorithm "x"`, []string{"glow", "sweep", "--algos", "hyglow,x", "--H", "5"}},
		{`unknown offline design "x"`, []string{"glow", "data", "--design", "x", "--run-dir", fresh}},
		{"--episodes must be >= 1, got 0", []string{"glow", "data", "--episodes", "0", "--run-dir", fresh}},
		{"steps is too many", []string{"glow", "data", "--episodes", "100000000000", "--run-dir", fresh}},
		{"--anti-reward must be in [0, 1], got NaN", []string{"glow", "data", "--anti-reward", "NaN", "--run-dir", fresh}},

		// logs.
		{f.noDir + ": no such directory", []string{"logs", "ls", f.noDir}},
		{"not a directory", []string{"logs", "ls", f.text}},
		{`unknown --format "x"`, []string{"logs", "ls", f.dir, "--format", "x"}},
		{"no such run directory or file", []string{"logs", "summary", f.noDir}},
		{"not a readable Parquet file", []string{"logs", "summary", f.empty}},
		{"no such run directory or file", []string{"logs", "episodes", f.noDir}},
		{"no such run directory or file", []string{"logs", "metrics", f.noDir}},
		{"is not a run directory (no config.json)", []string{"logs", "episodes", f.full}},
		{"is not a run directory (no config.json)", []string{"logs", "export", f.full, "--table", "steps"}},
		{"metrics.parquet", []string{"logs", "metrics", f.rollout}},
		{"--head and --tail must be positive", []string{"logs", "episodes", f.rollout, "--head", "-1"}},
		{"want COLUMN OP VALUE", []string{"logs", "episodes", f.rollout, "--filter", "garbage"}},
		{`unknown column "nope"`, []string{"logs", "episodes", f.rollout, "--columns", "nope"}},
		{"--out is required", []string{"logs", "curve", f.train}},
		{"--out /proc/x.png: cannot write in /proc", []string{"logs", "curve", f.train, "--out", "/proc/x.png"}},
		{`unknown image format "txt"`, []string{"logs", "curve", f.train, "--out", filepath.Join(f.dir, "x.txt")}},
		{"--width and --height must be in (0, 100] inches, got NaN", []string{"logs", "curve", f.train, "--out", filepath.Join(f.dir, "c.png"), "--width", "NaN"}},
		{"--width and --height must be in (0, 100] inches, got 1e+09", []string{"logs", "curve", f.train, "--out", filepath.Join(f.dir, "c.png"), "--width", "1e9"}},
		{"--width and --height must be in (0, 100] inches", []string{"logs", "curve", f.train, "--out", filepath.Join(f.dir, "c.png"), "--height", "-1"}},
		{"--level must be in (0, 1), got NaN", []string{"logs", "curve", f.train, "--out", filepath.Join(f.dir, "c.png"), "--level", "NaN"}},
		{"--points must be in [2, 1048576]", []string{"logs", "curve", f.train, "--out", filepath.Join(f.dir, "c.png"), "--points", "1000000000000"}},
		{`unknown --x "nope"`, []string{"logs", "curve", f.train, "--out", filepath.Join(f.dir, "c.png"), "--x", "nope"}},
		{`unknown metric "nope"`, []string{"logs", "curve", f.train, "--out", filepath.Join(f.dir, "c.png"), "--metric", "nope"}},
		{"--level must be in (0, 1), got NaN", []string{"logs", "compare", f.train, "--level", "NaN"}},
		{"--resamples must be at most 10000000", []string{"logs", "compare", f.train, "--resamples", "1000000000000"}},
		{"--last and --resamples must be at least 1", []string{"logs", "compare", f.train, "--last", "0"}},
		{"no such run directory or file", []string{"logs", "export", f.noDir, "--out", filepath.Join(f.dir, "e.csv")}},
		{`unknown --table "x"`, []string{"logs", "export", f.train, "--table", "x"}},
		{`unknown --format "table"`, []string{"logs", "export", f.train, "--format", "table"}},
		{"--out " + f.dir + " is a directory", []string{"logs", "export", f.train, "--out", f.dir}},
		{"--out /proc/x.csv: cannot write in /proc", []string{"logs", "export", f.train, "--out", "/proc/x.csv"}},
		{"refusing to overwrite a file of run directory", []string{"logs", "export", f.train, "--table", "metrics", "--out", filepath.Join(f.train, "config.json")}},
		{"refusing to overwrite a file of run directory", []string{"logs", "export", f.train, "--out", filepath.Join(f.train, "episodes.parquet")}},
		{"not a readable Parquet file", []string{"logs", "export", f.badParquet, "--table", "steps", "--out", f.keep, "--force"}},
		{"already exists: pass --force to replace it", []string{"logs", "export", f.train, "--out", f.keep}},
	}
	for _, c := range cases {
		wantOneLineError(t, c.want, c.args...)
		if _, err := os.Stat(fresh); err == nil {
			t.Fatalf("gorl %v left %s behind", c.args, fresh)
		}
	}
	// No case may change, add or remove a file (bar the images and exports that must
	// not have been written either).
	after := snapshot(t, f.dir)
	for path, data := range before {
		if got, ok := after[path]; !ok || !bytes.Equal(got, data) {
			t.Errorf("%s was changed or removed", path)
		}
	}
	for path := range after {
		if _, ok := before[path]; !ok {
			t.Errorf("%s was created", path)
		}
	}
	for _, p := range []string{"/proc/gorl-badinput", "/proc/x.png"} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("%s was created", p)
		}
	}
}

// TestValidButExtreme checks settings at the edge of what is valid: they finish.
func TestValidButExtreme(t *testing.T) {
	dir := t.TempDir()
	for i, args := range [][]string{
		{"rollout", "--episodes", "1", "--envs", "64", "-q"},
		{"rollout", "--episodes", "3", "--envs", "5", "--workers", "64", "--step-every", "0", "-q"},
		{"rollout", "--env-opt", "max_episode_steps=0", "--episodes", "1", "-q"},
		{"train", "--steps", "128", "--envs", "1", "--rollout-steps", "128", "--quiet"},
		{"lmdp", "run", "--K", "1", "--seeds", "1", "--quiet"},
		{"glow", "run", "--H", "1", "--seeds", "1", "--episodes", "1", "--quiet"},
	} {
		args = append(args, "--run-dir", filepath.Join(dir, strings.Repeat("r", i+1)))
		if _, stderr, code := gorl(t, args...); code != 0 {
			t.Fatalf("gorl %v: exit %d: %s", args, code, stderr)
		}
	}
	// An export to a device writes into it; it must not replace it with a file.
	if _, stderr, code := gorl(t, "logs", "export", filepath.Join(dir, "r"), "--table", "steps", "--out", os.DevNull); code != 0 {
		t.Fatalf("export to %s: exit %d: %s", os.DevNull, code, stderr)
	}
	if st, err := os.Stat(os.DevNull); err != nil || st.Mode().IsRegular() {
		t.Fatalf("%s is no longer a device after an export (%v)", os.DevNull, err)
	}
	// Exporting again into a run directory's own CSV is allowed (with --force).
	csv := filepath.Join(dir, "r", "episodes.csv")
	for _, force := range []string{"--force=false", "--force"} {
		if _, stderr, code := gorl(t, "logs", "export", filepath.Join(dir, "r"), "--out", csv, force); code != 0 {
			t.Fatalf("export to %s: exit %d: %s", csv, code, stderr)
		}
	}
	for _, args := range [][]string{{"help"}, {"help", "lmdp", "run"}, {"completion", "bash"}, {"lmdp"}, {"logs"}} {
		if out, stderr, code := gorl(t, args...); code != 0 || out == "" {
			t.Fatalf("gorl %v: exit %d, %d bytes of output: %s", args, code, len(out), stderr)
		}
	}
	out, stderr, code := gorl(t, "version")
	if code != 0 || !strings.HasPrefix(out, "gorl ") || stderr != "" {
		t.Fatalf("version: exit %d, stdout %q, stderr %q (want the version on stdout)", code, out, stderr)
	}
}

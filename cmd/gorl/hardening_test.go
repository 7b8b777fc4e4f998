package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"gorl/logs"
	"gorl/physics3d/morph"
)

// An MJCF model MuJoCo compiles but nothing can simulate is refused in one line
// naming the element, before a run starts.
func TestInsaneMJCFRefused(t *testing.T) {
	m, err := morph.Builtin("hopper-3-shin")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := m.MJCF()
	if err != nil {
		t.Fatal(err)
	}
	sane := filepath.Join(t.TempDir(), "hopper.xml")
	if err := os.WriteFile(sane, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, stderr, code := gorl(t, "rollout", "--env", "sgrl/custom", "--env-opt", "model="+sane, "--env-opt", "family=hopper",
		"--episodes", "1", "--quiet", "--run-dir", filepath.Join(t.TempDir(), "ok")); code != 0 {
		t.Fatalf("the built-in hopper as a custom model: exit %d: %s", code, stderr)
	}
	for name, c := range map[string]struct{ attr, value, want string }{
		"negative timestep": {"timestep", "-1", "timestep -1 is not in (0, 1] s"},
		"nan position":      {"pos", "nan 0 1", `"nan" is not a finite number`},
		"huge gear":         {"gear", "1e300", "gear 1e+300"},
	} {
		t.Run(name, func(t *testing.T) {
			// Set the first occurrence of attr to value, keeping the document well formed.
			i := strings.Index(doc, " "+c.attr+`="`)
			if i < 0 {
				t.Fatalf("the generated model has no %s attribute", c.attr)
			}
			i += len(c.attr) + 3
			j := strings.IndexByte(doc[i:], '"')
			bad := doc[:i] + c.value + doc[i+j:]
			path := filepath.Join(t.TempDir(), "bad.xml")
			if err := os.WriteFile(path, []byte(bad), 0o644); err != nil {
				t.Fatal(err)
			}
			wantOneLineError(t, c.want, "rollout", "--env", "sgrl/custom", "--env-opt", "model="+path, "--env-opt", "family=hopper",
				"--episodes", "1", "--quiet", "--run-dir", filepath.Join(t.TempDir(), "run"))
		})
	}
}

// A metrics table copied over episodes.parquet is refused by name, not exported with
// invented returns and lengths.
func TestExportRefusesSwappedTable(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	if _, stderr, code := gorl(t, "train", "--env", "CartPole-v1", "--steps", "4096", "--quiet", "--run-dir", dir); code != 0 {
		t.Fatalf("train: exit %d: %s", code, stderr)
	}
	metrics, err := os.ReadFile(filepath.Join(dir, "metrics.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "episodes.parquet"), metrics, 0o644); err != nil {
		t.Fatal(err)
	}
	wantOneLineError(t, "is not a gorl episodes table (no episode column); it is a metrics table",
		"logs", "export", dir, "--table", "episodes", "-o", filepath.Join(t.TempDir(), "episodes.csv"))
}

// gorl render never replaces an existing --out file unless --force says so.
func TestRenderKeepsExistingOut(t *testing.T) {
	tmp := t.TempDir()
	out := filepath.Join(tmp, "existing.gif")
	if err := os.WriteFile(out, []byte("a file someone made"), 0o644); err != nil {
		t.Fatal(err)
	}
	wantOneLineError(t, "exists: pass --force to replace it", "render", filepath.Join(tmp, "any-run"), "--out", out)
	if data, err := os.ReadFile(out); err != nil || string(data) != "a file someone made" {
		t.Fatalf("the existing file changed: %q, %v", data, err)
	}
}

// keep_checkpoints 0, as a flag or in a config file, is refused in one line; it used
// to become the default (2) without a word.
func TestKeepCheckpointsZeroRefused(t *testing.T) {
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "run")
	wantOneLineError(t, "--keep-checkpoints 0: must be at least 1", "train", "--env", "CartPole-v1", "--steps", "4096", "--keep-checkpoints", "0", "--run-dir", dir)
	cfg := filepath.Join(tmp, "config.json")
	if err := os.WriteFile(cfg, []byte(`{"train":{"keep_checkpoints":0}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	wantOneLineError(t, "train.keep_checkpoints 0: must be at least 1", "train", "--env", "CartPole-v1", "--steps", "4096", "--config", cfg, "--run-dir", dir)
	if _, err := os.Stat(dir); err == nil {
		t.Error("a refused run left its directory")
	}
}

// Two resumes of one run started together: exactly one runs, the other exits 1 with
// one line naming the process that holds the run.
func TestConcurrentResumesOneRuns(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	if _, stderr, code := gorl(t, "train", "--env", "CartPole-v1", "--steps", "4096", "--step-every", "-1", "--quiet", "--run-dir", dir); code != 0 {
		t.Fatalf("train: exit %d: %s", code, stderr)
	}
	type result struct {
		code   int
		stderr string
	}
	results := make(chan result, 2)
	for range 2 {
		go func() {
			cmd := exec.Command(gorlBin, "train", "--resume", "--run-dir", dir, "--steps", "150000", "--quiet")
			var errb strings.Builder
			cmd.Stderr = &errb
			err := cmd.Run()
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			}
			results <- result{code, errb.String()}
		}()
	}
	a, b := <-results, <-results
	if a.code != 0 {
		a, b = b, a
	}
	if a.code != 0 || b.code != 1 {
		t.Fatalf("exit codes %d and %d, want one 0 and one 1 (stderr %q, %q)", a.code, b.code, a.stderr, b.stderr)
	}
	lines := strings.Split(strings.TrimSpace(b.stderr), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], "is in use by process") {
		t.Fatalf("the refused resume said %q, want one line naming the holder", b.stderr)
	}
}

// A truncated newest checkpoint does not block eval or --resume of a killed run while
// an older checkpoint reads: both fall back to it.
func TestTruncatedNewestCheckpointFallsBack(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	cmd := exec.Command(gorlBin, "train", "--env", "CartPole-v1", "--steps", "400000", "--checkpoint-every", "2048",
		"--keep-checkpoints", "3", "--step-every", "-1", "--quiet", "--run-dir", dir)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var cks []string
	for deadline := time.Now().Add(60 * time.Second); len(cks) < 3; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("%d checkpoints after 60 s", len(cks))
		}
		cks, _ = filepath.Glob(filepath.Join(dir, "checkpoints", "*.ckpt"))
	}
	cmd.Process.Kill()
	cmd.Wait()
	cks, _ = filepath.Glob(filepath.Join(dir, "checkpoints", "*.ckpt"))
	newest := cks[len(cks)-1]
	data, err := os.ReadFile(newest)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(newest, data[:len(data)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	if _, stderr, code := gorl(t, "eval", dir, "--episodes", "2", "--step-every", "-1", "--out", filepath.Join(t.TempDir(), "eval")); code != 0 {
		t.Fatalf("eval with a truncated newest checkpoint: exit %d: %s", code, stderr)
	}
	// The resume continues from the older checkpoint; stop it at once, it only has to
	// start (the full run would take minutes).
	res := exec.Command(gorlBin, "train", "--resume", "--run-dir", dir, "--quiet")
	var errb strings.Builder
	res.Stderr = &errb
	if err := res.Start(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if after, _ := filepath.Glob(filepath.Join(dir, "checkpoints", "*.ckpt")); len(after) > 0 && after[len(after)-1] > newest {
			break // a checkpoint newer than the damaged one: training went on
		}
		if res.ProcessState != nil || time.Now().After(deadline) {
			res.Process.Kill()
			res.Wait()
			t.Fatalf("resume with a truncated newest checkpoint made no progress: %s", errb.String())
		}
	}
	res.Process.Kill()
	res.Wait()
}

// stepRunIDs counts the run_id values of a run's step part files.
func stepRunIDs(t *testing.T, dir string) map[string]int {
	t.Helper()
	parts, err := logs.StepParts(dir)
	if err != nil || len(parts) == 0 {
		t.Fatalf("step parts of %s: %v, %v", dir, parts, err)
	}
	ids := map[string]int{}
	for _, p := range parts {
		rows, err := parquet.ReadFile[struct {
			RunID string `parquet:"run_id"`
		}](p)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			ids[r.RunID]++
		}
	}
	return ids
}

// --resume of a finished run rewrites nothing; a copied run directory, extended, keeps
// the original run_id in its step rows too.
func TestResumeFinishedAndCopiedRun(t *testing.T) {
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "orig")
	if _, stderr, code := gorl(t, "train", "--env", "CartPole-v1", "--steps", "2048", "--quiet", "--run-dir", dir); code != 0 {
		t.Fatalf("train: exit %d: %s", code, stderr)
	}
	before := map[string][]byte{}
	for _, f := range []string{"episodes.parquet", "metrics.parquet", "status.json", "config.json"} {
		data, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		before[f] = data
	}
	out, stderr, code := gorl(t, "train", "--resume", "--run-dir", dir)
	if code != 0 || !strings.Contains(out+stderr, "nothing to resume") {
		t.Fatalf("--resume of a finished run: exit %d: %s%s", code, out, stderr)
	}
	for f, data := range before {
		if now, err := os.ReadFile(filepath.Join(dir, f)); err != nil || string(now) != string(data) {
			t.Errorf("--resume of a finished run changed %s", f)
		}
	}
	copied := filepath.Join(tmp, "copied")
	if err := os.CopyFS(copied, os.DirFS(dir)); err != nil {
		t.Fatal(err)
	}
	if _, stderr, code := gorl(t, "train", "--resume", "--run-dir", copied, "--steps", "4096", "--quiet"); code != 0 {
		t.Fatalf("extend the copy: exit %d: %s", code, stderr)
	}
	if ids := stepRunIDs(t, copied); len(ids) != 1 || ids["orig"] == 0 {
		t.Errorf("run_id of the copy's step rows: %v, want only the original's \"orig\"", ids)
	}
}

// Two resumes of one killed meta-training run started together: exactly one runs.
func TestConcurrentEvolveResumesOneRuns(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	cmd := exec.Command(gorlBin, "evolve", "--generations", "6", "--population", "4", "--inner-steps", "1024", "--hidden", "4",
		"--seed", "2", "--quiet", "--run-dir", dir)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if _, err := os.Stat(filepath.Join(dir, "es_state.json")); err == nil {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatal("no es_state.json after 60 s")
		}
	}
	cmd.Process.Kill()
	cmd.Wait()
	codes := make(chan [2]any, 2)
	for range 2 {
		go func() {
			c := exec.Command(gorlBin, "evolve", "--resume", "--run-dir", dir, "--quiet")
			var errb strings.Builder
			c.Stderr = &errb
			err := c.Run()
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			}
			codes <- [2]any{code, errb.String()}
		}()
	}
	a, b := <-codes, <-codes
	if a[0] != 0 {
		a, b = b, a
	}
	if a[0] != 0 || b[0] != 1 || !strings.Contains(b[1].(string), "is in use by process") {
		t.Fatalf("resumes ended %v and %v, want one run and one refusal naming the holder", a, b)
	}
}

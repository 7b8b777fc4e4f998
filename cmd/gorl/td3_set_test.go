package main

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gorl/logs"
)

func TestTrainTD3SETBadInput(t *testing.T) {
	dir := t.TempDir()
	run := func(name string) string { return filepath.Join(dir, name) }
	wantOneLineError(t, "--arch set needs an environment with a morphology graph", "train", "--algo", "td3", "--arch", "set", "--env", "CartPole-v1", "--steps", "10", "--run-dir", run("a"))
	wantOneLineError(t, "--set-channels applies to --arch set only", "train", "--algo", "td3", "--arch", "swat", "--env", "sgrl/hopper++", "--set-channels", "4", "--steps", "10", "--run-dir", run("b"))
	wantOneLineError(t, `unknown --arch "gnn" (known: mlp, set, swat)`, "train", "--algo", "td3", "--arch", "gnn", "--env", "Pendulum-v1", "--run-dir", run("c"))
	wantOneLineError(t, "--set-layers applies to --arch set or swat only", "train", "--algo", "td3", "--env", "Pendulum-v1", "--set-layers", "2", "--run-dir", run("d"))
	wantOneLineError(t, "--hidden applies to --arch mlp only", "train", "--algo", "td3", "--arch", "set", "--env", "sgrl/hopper-3", "--hidden", "8", "--run-dir", run("e"))
	wantOneLineError(t, "--set-channels must be at least 3", "train", "--algo", "td3", "--arch", "set", "--env", "sgrl/hopper-3", "--set-channels", "2", "--run-dir", run("f"))
	wantOneLineError(t, "--arch applies to --algo td3 only", "train", "--arch", "set", "--run-dir", run("g"))
	wantOneLineError(t, "--arch swat needs an environment with a morphology graph", "train", "--algo", "td3", "--arch", "swat", "--env", "Pendulum-v1", "--steps", "10", "--run-dir", run("h"))
	wantOneLineError(t, "--set-embed 10 must be a multiple of --set-heads 4", "train", "--algo", "td3", "--arch", "swat", "--env", "sgrl/hopper-3", "--set-embed", "10", "--set-heads", "4", "--run-dir", run("i"))
	for _, name := range []string{"a", "b", "c", "d", "e", "f", "g", "h", "i"} {
		if _, err := os.Stat(run(name)); err == nil {
			t.Errorf("a refused run left a run directory %s", run(name))
		}
	}
}

// TestTrainTD3SET trains a tiny SET run on sgrl/hopper-3 and reruns its config.json.
func TestTrainTD3SET(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	out, stderr, code := gorl(t, "train", "--algo", "td3", "--arch", "set", "--env", "sgrl/hopper-3", "--steps", "300", "--warm-up", "200",
		"--batch", "8", "--set-embed", "8", "--set-ff", "16", "--set-layers", "1", "--set-channels", "4", "--metrics-every", "100",
		"--seed", "2", "--run-dir", dir, "--quiet")
	if code != 0 {
		t.Fatalf("train: exit %d: %s", code, stderr)
	}
	if !strings.Contains(out, "td3 (set)") || !strings.Contains(out, "updates    100 ") || !strings.Contains(out, "env steps  300") {
		t.Fatalf("train summary:\n%s", out)
	}
	var cfg trainConfig
	if err := readTrainConfig(filepath.Join(dir, "config.json"), &cfg); err != nil {
		t.Fatal(err)
	}
	want := setSizes{Embed: 8, Heads: defaultSET.Heads, FF: 16, Layers: 1, Channels: 4}
	if cfg.Arch != "set" || cfg.SET == nil || *cfg.SET != want {
		t.Fatalf("config.json arch %q sizes %+v, want set %+v", cfg.Arch, cfg.SET, want)
	}
	if _, err := os.Stat(filepath.Join(dir, "checkpoints", "final.ckpt")); err != nil {
		t.Fatal(err)
	}
	rows, err := logs.ReadMetrics(dir)
	if err != nil {
		t.Fatal(err)
	}
	loss, ok := rows.Column("critic_loss")
	if !ok || rows.Len() == 0 {
		t.Fatalf("metrics: no critic_loss rows (%v)", rows.Names)
	}
	if last := loss[len(loss)-1]; math.IsNaN(last) || math.IsInf(last, 0) {
		t.Fatalf("critic_loss at the end = %v, want finite", last)
	}
	// gorl eval rebuilds the SET actor from the run's config.
	evalOut, stderr, code := gorl(t, "eval", dir, "--episodes", "1", "--step-every", "-1")
	if code != 0 || !strings.Contains(evalOut, "final checkpoint") {
		t.Fatalf("eval: exit %d: %s%s", code, evalOut, stderr)
	}
	// The config file alone reproduces the architecture.
	dir2 := filepath.Join(t.TempDir(), "rerun")
	out2, stderr, code := gorl(t, "train", "--config", filepath.Join(dir, "config.json"), "--run-dir", dir2, "--quiet")
	if code != 0 {
		t.Fatalf("rerun: exit %d: %s", code, stderr)
	}
	var cfg2 trainConfig
	if err := readTrainConfig(filepath.Join(dir2, "config.json"), &cfg2); err != nil {
		t.Fatal(err)
	}
	if cfg2.Arch != "set" || cfg2.SET == nil || *cfg2.SET != want || !strings.Contains(out2, "td3 (set)") {
		t.Fatalf("rerun config arch %q sizes %+v, summary:\n%s", cfg2.Arch, cfg2.SET, out2)
	}
}

// TestTrainTD3SETResumeAfterSIGKILL kills a SET run on sgrl/hopper-3 (whose episodes end
// by termination and whose MuJoCo state the checkpoints carry) after a checkpoint,
// resumes it and compares it with an uninterrupted run.
func TestTrainTD3SETResumeAfterSIGKILL(t *testing.T) {
	tmp := t.TempDir()
	args := func(dir string) []string {
		return []string{"train", "--algo", "td3", "--arch", "set", "--env", "sgrl/hopper-3", "--steps", "1500", "--warm-up", "200",
			"--batch", "8", "--set-embed", "8", "--set-ff", "16", "--set-layers", "1", "--set-channels", "4", "--metrics-every", "100",
			"--checkpoint-every", "300", "--seed", "5", "--run-dir", dir, "--quiet"}
	}
	ref, killed := filepath.Join(tmp, "ref"), filepath.Join(tmp, "killed")
	if _, stderr, code := gorl(t, args(ref)...); code != 0 {
		t.Fatalf("train: exit %d: %s", code, stderr)
	}
	at := killAfterCheckpoint(t, killed, 600, args(killed)...)
	t.Logf("killed after the checkpoint of env step %d", at)
	out, stderr, code := gorl(t, "train", "--resume", "--run-dir", killed, "--quiet")
	if code != 0 || !strings.Contains(out, "td3 (set)") || !strings.Contains(out, "resumed    from env step") {
		t.Fatalf("resume: exit %d: %s %s", code, out, stderr)
	}
	sameTD3Runs(t, ref, killed)
}

// tinyMultiArgs trains arch on sgrl/hopper++ (three hoppers, a member per episode) for a
// few hundred steps with tiny networks.
func tinyMultiArgs(arch, dir string, steps int, extra ...string) []string {
	args := []string{"train", "--algo", "td3", "--arch", arch, "--env", "sgrl/hopper++", "--steps", fmt.Sprint(steps), "--warm-up", "200",
		"--batch", "8", "--metrics-every", "100", "--seed", "6", "--run-dir", dir, "--quiet"}
	if arch == "mlp" {
		return append(append(args, "--hidden", "16,16"), extra...)
	}
	return append(append(args, "--set-embed", "8", "--set-ff", "16", "--set-layers", "1"), extra...)
}

// TestTrainTD3MultiTaskZeroShot trains SET, SWAT and the MLP on sgrl/hopper++ and
// evaluates them on sgrl/walker-7-full, a morphology outside the training set (7 limbs
// against at most 5): SET and SWAT act on it, the MLP is refused in one line.
func TestTrainTD3MultiTaskZeroShot(t *testing.T) {
	tmp := t.TempDir()
	for _, arch := range []string{"set", "swat", "mlp"} {
		dir := filepath.Join(tmp, arch)
		out, stderr, code := gorl(t, tinyMultiArgs(arch, dir, 300)...)
		if code != 0 || !strings.Contains(out, "td3 ("+arch+")") || !strings.Contains(out, "updates    100 ") || !strings.Contains(out, "  hopper-4-lower-shin ") {
			t.Fatalf("%s: train exit %d: %s%s", arch, code, out, stderr)
		}
		eps, err := logs.ReadEpisodes(dir)
		if err != nil || len(eps) == 0 {
			t.Fatalf("%s: episodes %v", arch, err)
		}
		for _, e := range eps {
			if e.Context < 0 || e.Context > 2 {
				t.Fatalf("%s: episode %d context %d, want the member index 0..2", arch, e.Episode, e.Context)
			}
		}
		if arch == "mlp" {
			wantOneLineError(t, "fixed input size", "eval", dir, "--env", "sgrl/walker-7-full", "--episodes", "1")
			continue
		}
		var cfg trainConfig
		if err := readTrainConfig(filepath.Join(dir, "config.json"), &cfg); err != nil {
			t.Fatal(err)
		}
		if cfg.Arch != arch || (arch == "swat") != (cfg.SWAT != nil) || (arch == "set") != (cfg.SET != nil) {
			t.Fatalf("config.json arch %q, set %+v, swat %+v", cfg.Arch, cfg.SET, cfg.SWAT)
		}
		evalDir := filepath.Join(tmp, arch+"-walker")
		out, stderr, code = gorl(t, "eval", dir, "--env", "sgrl/walker-7-full", "--episodes", "2", "--out", evalDir)
		if code != 0 || !strings.Contains(out, "2 episodes of sgrl/walker-7-full") {
			t.Fatalf("%s: zero-shot eval: exit %d: %s%s", arch, code, out, stderr)
		}
		n := 0
		if err := logs.ScanSteps(evalDir, func(s *logs.StepRow) error {
			if len(s.Action) != 21 {
				return fmt.Errorf("action of %d values, want 21", len(s.Action))
			}
			for _, a := range s.Action {
				if math.IsNaN(a) || a < -1 || a > 1 {
					return fmt.Errorf("action value %v", a)
				}
			}
			n++
			return nil
		}); err != nil || n == 0 {
			t.Fatalf("%s: zero-shot eval steps (%d): %v", arch, n, err)
		}
		// On its own multi-task set, the policy follows each episode's member.
		out, stderr, code = gorl(t, "eval", dir, "--episodes", "3", "--step-every", "-1", "--out", filepath.Join(tmp, arch+"-set"))
		if code != 0 || !strings.Contains(out, "3 episodes of sgrl/hopper++") {
			t.Fatalf("%s: eval on the training set: exit %d: %s%s", arch, code, out, stderr)
		}
	}
}

// TestTrainTD3MultiTaskResumeAfterSIGKILL kills a SWAT run on sgrl/hopper++ (three replay
// buffers in each checkpoint) after a checkpoint, resumes it and compares it with an
// uninterrupted run.
func TestTrainTD3MultiTaskResumeAfterSIGKILL(t *testing.T) {
	tmp := t.TempDir()
	ref, killed := filepath.Join(tmp, "ref"), filepath.Join(tmp, "killed")
	args := func(dir string) []string { return tinyMultiArgs("swat", dir, 1500, "--checkpoint-every", "300") }
	if _, stderr, code := gorl(t, args(ref)...); code != 0 {
		t.Fatalf("train: exit %d: %s", code, stderr)
	}
	at := killAfterCheckpoint(t, killed, 600, args(killed)...)
	t.Logf("killed after the checkpoint of env step %d", at)
	out, stderr, code := gorl(t, "train", "--resume", "--run-dir", killed, "--quiet")
	if code != 0 || !strings.Contains(out, "td3 (swat)") || !strings.Contains(out, "resumed    from env step") {
		t.Fatalf("resume: exit %d: %s %s", code, out, stderr)
	}
	sameTD3Runs(t, ref, killed)
}

package sweep

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

func TestNewPlanCoversGridTimesSeeds(t *testing.T) {
	grid := []Axis{{Flag: "lr", Values: []string{"0.1", "0.3"}}, {Flag: "env", Values: []string{"sgrl/hopper-3", "CartPole-v1"}}}
	p, err := NewPlan("v", []string{"--steps=10"}, grid, []uint64{1, 2, 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Runs) != 12 {
		t.Fatalf("%d runs, want 2 x 2 x 3", len(p.Runs))
	}
	if p.Runs[0].Name != "lr=0.1_env=sgrl-hopper-3_seed=1" || p.Runs[11].Name != "lr=0.3_env=CartPole-v1_seed=3" {
		t.Fatalf("names %q ... %q", p.Runs[0].Name, p.Runs[11].Name)
	}
	seen := map[string]bool{}
	for _, r := range p.Runs {
		key := fmt.Sprint(r.Params["lr"], r.Params["env"], r.Seed)
		if seen[key] || seen[r.Name] {
			t.Fatalf("run %s twice", r.Name)
		}
		seen[key], seen[r.Name] = true, true
	}
	got := strings.Join(p.TrainArgs(p.Runs[1], "D"), " ")
	if want := "train --steps=10 --lr=0.1 --env=sgrl/hopper-3 --seed=2 --run-dir=D/lr=0.1_env=sgrl-hopper-3_seed=2"; got != want {
		t.Fatalf("args %q, want %q", got, want)
	}
}

func TestParseSeedsAndGrid(t *testing.T) {
	s, err := ParseSeeds("1-3,7")
	if err != nil || !slices.Equal(s, []uint64{1, 2, 3, 7}) {
		t.Fatalf("seeds %v, %v", s, err)
	}
	for _, bad := range []string{"", "3-1", "a", "1,1", "1-"} {
		if _, err := ParseSeeds(bad); err == nil {
			t.Errorf("ParseSeeds(%q) accepted", bad)
		}
	}
	a, err := ParseGrid("--lr=0.0001, 0.0003")
	if err != nil || a.Flag != "lr" || !slices.Equal(a.Values, []string{"0.0001", "0.0003"}) {
		t.Fatalf("grid %+v, %v", a, err)
	}
	for _, bad := range []string{"lr", "=1", "lr=", "lr=1,,2", "lr=1,1"} {
		if _, err := ParseGrid(bad); err == nil {
			t.Errorf("ParseGrid(%q) accepted", bad)
		}
	}
}

func TestPrepareRefusesAnotherSweep(t *testing.T) {
	dir := t.TempDir()
	p, _ := NewPlan("v1", nil, []Axis{{Flag: "lr", Values: []string{"1"}}}, []uint64{1})
	if err := Prepare(dir, p); err != nil {
		t.Fatal(err)
	}
	p.Version = "v2"
	if err := Prepare(dir, p); err != nil {
		t.Fatalf("same sweep, other version: %v", err)
	}
	q, _ := NewPlan("v1", nil, []Axis{{Flag: "lr", Values: []string{"2"}}}, []uint64{1})
	if err := Prepare(dir, q); err == nil || !strings.Contains(err.Error(), "describes another sweep") {
		t.Fatalf("other grid: %v", err)
	}
}

// writeStatus makes a minimal run directory in a given state.
func writeStatus(t *testing.T, dir, status string, pid int, checkpoint bool) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(dir, "checkpoints"), 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"env": "CartPole-v1"}`), 0o644)
	os.WriteFile(filepath.Join(dir, "status.json"), []byte(fmt.Sprintf(`{"status": %q, "pid": %d}`, status, pid)), 0o644)
	if checkpoint {
		os.WriteFile(filepath.Join(dir, "checkpoints", "update-1.json"), []byte("{}"), 0o644)
	}
}

func TestExecuteDecidesFromRunState(t *testing.T) {
	dir := t.TempDir()
	p, _ := NewPlan("v", []string{"--steps=5"}, []Axis{{Flag: "lr", Values: []string{"1", "2", "3", "4", "5"}}}, []uint64{1})
	if err := Prepare(dir, p); err != nil {
		t.Fatal(err)
	}
	// lr=1 finished, lr=2 killed after a checkpoint, lr=3 killed before one, lr=4 failed,
	// lr=5 never started. A dead writer: a process id that cannot exist.
	const dead = 1 << 30
	writeStatus(t, filepath.Join(dir, p.Runs[0].Name), "finished", dead, true)
	writeStatus(t, filepath.Join(dir, p.Runs[1].Name), "running", dead, true)
	writeStatus(t, filepath.Join(dir, p.Runs[2].Name), "running", dead, false)
	os.WriteFile(filepath.Join(dir, p.Runs[2].Name, "checkpoints", ".update-2.json.tmp-1"), []byte("{"), 0o644) // killed while writing
	writeStatus(t, filepath.Join(dir, p.Runs[3].Name), "failed", dead, false)
	var mu sync.Mutex
	var calls []string
	exec := func(_ context.Context, args []string, _ io.Writer) error {
		mu.Lock()
		defer mu.Unlock()
		calls = append(calls, strings.Join(args, " "))
		return nil
	}
	out, err := Execute(context.Background(), dir, p, Options{Workers: 3, Exec: exec})
	want := []Action{Skip, Resume, Start, Refused, Start}
	for i, o := range out {
		if o.Action != want[i] {
			t.Errorf("%s: %s, want %s", o.Run.Name, o.Action, want[i])
		}
	}
	if err == nil || !strings.Contains(err.Error(), "1 of 5 runs failed, first lr=4_seed=1") {
		t.Fatalf("error %v", err)
	}
	slices.Sort(calls)
	wantCalls := []string{
		"train --resume --run-dir=" + filepath.Join(dir, "lr=2_seed=1") + " --quiet",
		"train --steps=5 --lr=3 --seed=1 --run-dir=" + filepath.Join(dir, "lr=3_seed=1") + " --quiet",
		"train --steps=5 --lr=5 --seed=1 --run-dir=" + filepath.Join(dir, "lr=5_seed=1") + " --quiet",
	}
	if !slices.Equal(calls, wantCalls) {
		t.Fatalf("calls\n%s\nwant\n%s", strings.Join(calls, "\n"), strings.Join(wantCalls, "\n"))
	}
	// The run killed before its first checkpoint was removed before its restart.
	if _, err := os.Stat(filepath.Join(dir, "lr=3_seed=1", "status.json")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("partial run kept: %v", err)
	}
	if out, _ := Execute(context.Background(), dir, p, Options{RetryFailed: true, Exec: exec}); out[3].Action != Start {
		t.Fatalf("retry failed: %s", out[3].Action)
	}
}

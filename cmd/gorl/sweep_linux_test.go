//go:build linux

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"gorl/agents/sweep"
	"gorl/logs"
)

// sweepArgs is a small sweep: 2 learning rates x 3 seeds of short CartPole runs that
// checkpoint often, so that a kill lands between checkpoints of some run.
func sweepArgs(dir string) []string {
	return []string{"sweep", "--env", "CartPole-v1", "--steps", "12000", "--checkpoint-every", "4", "--step-every", "-1",
		"--grid", "lr=0.0001,0.0003", "--seeds", "1-3", "--workers", "2", "--run-dir", dir}
}

// columnsOf reads columns of a run's table as float64s.
func columnsOf(t *testing.T, path string, cols ...string) [][]float64 {
	t.Helper()
	out := make([][]float64, len(cols))
	err := logs.ScanColumns([]string{path}, cols, func(c [][]float64) error {
		for i := range c {
			out[i] = append(out[i], c[i]...)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestSweepKilledAndRerunMatchesUninterrupted(t *testing.T) {
	root := t.TempDir()
	whole, killed := filepath.Join(root, "whole"), filepath.Join(root, "killed")
	if out, stderr, code := gorl(t, sweepArgs(whole)...); code != 0 {
		t.Fatalf("uninterrupted sweep: %s %s", out, stderr)
	}

	// Kill the second sweep with SIGKILL once a run has finished and another is part-way.
	// Its runs die with it and are re-parented to init; where init reaps no orphans (a bare
	// container) they would stay zombies that look alive, so this test process adopts and
	// reaps them itself.
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		t.Fatal(err)
	}
	defer unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)
	cmd := exec.Command(gorlBin, sweepArgs(killed)...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for !partWay(killed) {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("no run of the sweep was ever part-way")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	before := journal(t, killed)
	reapRuns(t, killed)
	// What the kill left: a run whose status.json says finished was complete, whether or
	// not the sweep lived to write "done" in its journal.
	finishedBefore := map[string]bool{}
	entries, _ := os.ReadDir(killed)
	for _, e := range entries {
		if info, err := logs.ReadRunInfo(filepath.Join(killed, e.Name())); err == nil && info.Status == "finished" {
			finishedBefore[e.Name()] = true
		}
	}
	out, stderr, code := gorl(t, sweepArgs(killed)...)
	if code != 0 {
		logs, _ := filepath.Glob(filepath.Join(killed, "logs", "*.log"))
		var tails []string
		for _, l := range logs {
			data, _ := os.ReadFile(l)
			tails = append(tails, filepath.Base(l)+": "+string(data))
		}
		t.Fatalf("rerun: %s %s\n%s", out, stderr, strings.Join(tails, "\n"))
	}
	after := journal(t, killed)[len(before):]

	plan, err := sweep.ReadPlan(killed)
	if err != nil || len(plan.Runs) != 6 {
		t.Fatalf("plan %+v, %v", plan, err)
	}
	resumed := 0
	for _, r := range plan.Runs {
		doneBefore := finishedBefore[r.Name]
		if slices.Contains(before, "done "+r.Name) && !doneBefore {
			t.Fatalf("%s: journal says done, status.json says otherwise", r.Name)
		}
		var acts []string
		for _, l := range after {
			if f := strings.Fields(l); len(f) >= 2 && f[1] == r.Name {
				acts = append(acts, f[0])
			}
		}
		switch {
		case doneBefore && !slices.Equal(acts, []string{"skip"}):
			t.Errorf("%s finished before the kill, then %v: want skip", r.Name, acts)
		case !doneBefore && (len(acts) != 2 || acts[1] != "done" || (acts[0] != "start" && acts[0] != "resume")):
			t.Errorf("%s not finished before the kill, then %v: want start or resume, then done", r.Name, acts)
		}
		if len(acts) > 0 && acts[0] == "resume" {
			resumed++
		}
		info, err := logs.ReadRunInfo(filepath.Join(killed, r.Name))
		if err != nil || info.Status != "finished" {
			t.Fatalf("%s: status %q, %v", r.Name, info.Status, err)
		}
		for _, table := range []string{"episodes.parquet", "metrics.parquet"} {
			cols := []string{"env_steps", "return", "length"}
			if table == "metrics.parquet" {
				cols = []string{"env_steps", "policy_loss", "value_loss", "approx_kl"}
			}
			a := columnsOf(t, filepath.Join(whole, r.Name, table), cols...)
			b := columnsOf(t, filepath.Join(killed, r.Name, table), cols...)
			for i := range cols {
				if !slices.Equal(a[i], b[i]) {
					t.Fatalf("%s %s column %s differs from the uninterrupted sweep's (%d vs %d rows)", r.Name, table, cols[i], len(a[i]), len(b[i]))
				}
			}
		}
	}
	skipped := 0
	for _, l := range after {
		if strings.HasPrefix(l, "skip ") {
			skipped++
		}
	}
	if resumed == 0 || skipped == 0 {
		t.Fatalf("%d runs resumed and %d skipped after the kill, want some of each (journal after: %q)", resumed, skipped, after)
	}
}

// partWay reports whether, in the sweep in dir, a run has finished and another has a
// checkpoint but is not finished: a kill then leaves runs of all three kinds.
func partWay(dir string) bool {
	entries, _ := os.ReadDir(dir)
	finished, part := false, false
	for _, e := range entries {
		run := filepath.Join(dir, e.Name())
		ck, _ := filepath.Glob(filepath.Join(run, "checkpoints", "[^.]*"))
		if len(ck) == 0 {
			continue
		}
		if info, err := logs.ReadRunInfo(run); err == nil {
			finished = finished || info.Status == "finished"
			part = part || info.Status == "running"
		}
	}
	return finished && part
}

// journal returns sweep.log's actions without their time stamps.
func journal(t *testing.T, dir string) []string {
	data, err := os.ReadFile(filepath.Join(dir, "sweep.log"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if _, rest, ok := strings.Cut(l, " "); ok {
			out = append(out, strings.Join(strings.Fields(rest)[:2], " "))
		}
	}
	return out
}

// reapRuns waits for the writers of the sweep's unfinished runs, killed with the sweep
// (parent-death signal) and adopted by this process.
func reapRuns(t *testing.T, dir string) {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		info, err := logs.ReadRunInfo(filepath.Join(dir, e.Name()))
		if err != nil || info.PID <= 0 || info.Status == "finished" {
			continue
		}
		for deadline := time.Now().Add(10 * time.Second); ; {
			var ws unix.WaitStatus
			pid, err := unix.Wait4(info.PID, &ws, unix.WNOHANG, nil)
			if pid == info.PID || err != nil { // reaped, or not ours (already gone)
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("run %s: process %d still alive after the sweep was killed", e.Name(), info.PID)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gorl/logs"
)

// runLogsCmd runs the CLI in-process with args and returns its stdout and error.
func runLogsCmd(t *testing.T, args ...string) (string, error) {
	t.Helper()
	root := newRootCmd()
	var out, errOut bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SetArgs(args)
	err := root.Execute()
	if s := errOut.String(); strings.Contains(s, "goroutine") || strings.Contains(s, "panic") {
		t.Fatalf("stack trace on stderr: %s", s)
	}
	return out.String(), err
}

// wantLogsError asserts a user error is one clear line mentioning want.
func wantLogsError(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one mentioning %q", want)
	}
	msg := err.Error()
	if strings.Contains(msg, "\n") || strings.Contains(msg, "goroutine") || strings.Contains(msg, "panic") {
		t.Fatalf("error is not one clean line: %q", msg)
	}
	if !strings.Contains(msg, want) {
		t.Fatalf("error %q does not mention %q", msg, want)
	}
}

// writeLogsTestRun writes a run with the given episode returns (each episode 10 steps long,
// rewards spread evenly) and metrics fitness values.
func writeLogsTestRun(t *testing.T, dir string, cfg map[string]any, returns []float64, fitness []float64) string {
	t.Helper()
	r, err := logs.Create(dir, cfg, logs.Options{EnvID: "Test-v0"})
	if err != nil {
		t.Fatal(err)
	}
	var steps int64
	for ep, ret := range returns {
		for s := int64(0); s < 10; s++ {
			if err := r.LogStep(&logs.StepRow{Episode: int64(ep), Step: s, Obs: []float64{1, 2, 3, 4}, Action: []float64{0},
				Reward: ret / 10, Terminated: s == 9, Context: logs.NoContext}); err != nil {
				t.Fatal(err)
			}
		}
		steps += 10
		if err := r.LogEpisode(logs.EpisodeRow{Episode: int64(ep), Return: ret, Length: 10, Terminated: true, EnvSteps: steps,
			WallSeconds: float64(ep), Context: logs.NoContext}); err != nil {
			t.Fatal(err)
		}
	}
	for i, f := range fitness {
		if err := r.LogMetrics(logs.MetricRow{Iteration: int64(i), EnvSteps: int64(10 * (i + 1)), Values: map[string]float64{"fitness": f}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestLogsSummaryCommand(t *testing.T) {
	root := t.TempDir()
	a := writeLogsTestRun(t, filepath.Join(root, "a"), map[string]any{"env_id": "Test-v0", "algo": "ppo", "seed": 1}, []float64{10, 20, 60}, []float64{0.5})
	out, err := runLogsCmd(t, "logs", "summary", a, "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	var recs []map[string]any
	if err := json.Unmarshal([]byte(out), &recs); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	r := recs[0]
	// mean (10+20+60)/3 = 30; sample std sqrt(((-20)^2+(-10)^2+30^2)/2) = sqrt(700)
	if r["episodes"].(float64) != 3 || r["return_mean"].(float64) != 30 || r["return_max"].(float64) != 60 ||
		r["return_std"].(float64) != 26.457513110645905 || r["step_rows"].(float64) != 30 || r["last_fitness"].(float64) != 0.5 ||
		r["algo"] != "ppo" || r["status"] != "finished" {
		t.Fatalf("summary %v", r)
	}
	out, err = runLogsCmd(t, "logs", "summary", a)
	if err != nil || !strings.Contains(out, "return_mean") || !strings.Contains(out, "30") {
		t.Fatalf("table output %q, err %v", out, err)
	}
}

func TestLogsSummaryBadInput(t *testing.T) {
	root := t.TempDir()
	a := writeLogsTestRun(t, filepath.Join(root, "a"), map[string]any{}, []float64{1, 2}, nil)

	_, err := runLogsCmd(t, "logs", "summary", filepath.Join(root, "missing"))
	wantLogsError(t, err, "missing: no such run directory or file")

	_, err = runLogsCmd(t, "logs", "summary", filepath.Join(a, "metrics.parquet")) // never written: no metrics
	wantLogsError(t, err, "metrics.parquet: no such run directory or file")

	corrupt := filepath.Join(a, "episodes.parquet")
	data, err := os.ReadFile(corrupt)
	if err != nil {
		t.Fatal(err)
	}
	// Garbage in the middle of the file: the footer still parses, the pages do not.
	for i := 4; i < len(data)/2; i++ {
		data[i] ^= 0x5a
	}
	if err := os.WriteFile(corrupt, data, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = runLogsCmd(t, "logs", "summary", a)
	wantLogsError(t, err, "episodes.parquet")

	if err := os.WriteFile(corrupt, []byte("not parquet"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = runLogsCmd(t, "logs", "summary", corrupt)
	wantLogsError(t, err, "episodes.parquet is not a readable Parquet file")

	_, err = runLogsCmd(t, "logs", "summary", a, "--format", "xml")
	wantLogsError(t, err, `unknown --format "xml"`)

	notRun := t.TempDir()
	_, err = runLogsCmd(t, "logs", "summary", notRun)
	wantLogsError(t, err, "not a run directory (no config.json)")
}

// TestLogsSummaryBinaryErrors runs the built binary: a missing or corrupt Parquet file
// gives one "gorl: ..." line on stderr, exit status 1 and no stack trace.
func TestLogsSummaryBinaryErrors(t *testing.T) {
	root := t.TempDir()
	a := writeLogsTestRun(t, filepath.Join(root, "a"), map[string]any{}, []float64{1, 2}, nil)
	wantOneLineError(t, "no such run directory or file", "logs", "summary", filepath.Join(a, "missing.parquet"))
	ep := filepath.Join(a, "episodes.parquet")
	data, err := os.ReadFile(ep)
	if err != nil {
		t.Fatal(err)
	}
	for i := 4; i < len(data)-8; i++ { // everything but the magic bytes and the footer length
		data[i] = byte(i * 31)
	}
	if err := os.WriteFile(ep, data, 0o644); err != nil {
		t.Fatal(err)
	}
	wantOneLineError(t, "episodes.parquet", "logs", "summary", a)
	wantOneLineError(t, "episodes.parquet", "logs", "summary", ep)
}

func TestLogsUnknownSubcommand(t *testing.T) {
	_, err := runLogsCmd(t, "logs", "summar", "x")
	wantLogsError(t, err, `unknown command "summar" for gorl logs`)
}

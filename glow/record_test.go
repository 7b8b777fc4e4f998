package glow

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gorl/logs"
)

// failingMirror accepts rows but fails when they are flushed, as a full disk would.
type failingMirror struct{}

var errDiskFull = errors.New("no space left on device")

func (failingMirror) MirrorEpisode(logs.EpisodeRow) error { return nil }
func (failingMirror) MirrorMetrics(logs.MetricRow) error  { return nil }
func (failingMirror) Flush() error                        { return errDiskFull }
func (failingMirror) Close() error                        { return errDiskFull }

// A write error when the results are flushed marks the run failed with the error,
// never finished (closing directly would write "finished" after the failed flush).
func TestLogResultsMarksRunFailedOnWriteError(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	run, err := logs.Create(dir, map[string]any{"command": "glow run"}, logs.Options{StepEvery: -1, Mirror: failingMirror{}})
	if err != nil {
		t.Fatal(err)
	}
	res := []Result{{Seed: 1, Rows: []logs.MetricRow{{Seed: 1, Iteration: 1, Values: map[string]float64{"success": 1}}}}}
	if err := LogResults(run, res); !errors.Is(err, errDiskFull) {
		t.Fatalf("LogResults error %v, want the write error", err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "status.json"))
	if err != nil {
		t.Fatal(err)
	}
	var st logs.Status
	if err := json.Unmarshal(raw, &st); err != nil {
		t.Fatal(err)
	}
	if st.Status != "failed" || !strings.Contains(st.Error, "no space left") {
		t.Fatalf("status %q error %q, want failed with the write error", st.Status, st.Error)
	}
	// Without the injected error the same results finish.
	ok := filepath.Join(t.TempDir(), "ok")
	run, _ = logs.Create(ok, map[string]any{}, logs.Options{StepEvery: -1})
	if err := LogResults(run, res); err != nil {
		t.Fatal(err)
	}
	raw, _ = os.ReadFile(filepath.Join(ok, "status.json"))
	if !strings.Contains(string(raw), `"finished"`) {
		t.Fatalf("status.json %s, want finished", raw)
	}
}

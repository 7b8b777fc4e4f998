package board

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRefusesPathsOutsideRuns(t *testing.T) {
	root := t.TempDir()
	runs, open := writeSweep(t, root)
	defer open.Close()
	outside := t.TempDir()
	os.WriteFile(filepath.Join(outside, "secret"), []byte("TOP-SECRET-CONTENT"), 0o644)
	if err := os.Symlink(outside, filepath.Join(root, "sw", "escape")); err != nil {
		t.Fatal(err)
	}
	s, err := New([]string{root})
	if err != nil {
		t.Fatal(err)
	}
	h := s.Handler()
	get := func(url string) (int, string) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", url, nil))
		return rec.Code, rec.Body.String()
	}
	for _, url := range []string{
		"/files/0/../../etc/passwd",
		"/files/0/%2e%2e/%2e%2e/etc/passwd",
		"/files/0/sw/..%2f..%2fsecret",
		"/files//etc/passwd",
		"/files/0//etc/passwd",
		"/files/0/sw/escape/secret",
		"/files/0/%2fetc%2fpasswd",
		"/api/run?run=0/../../etc",
		"/api/run?run=0//etc",
		"/api/run?run=0/%2Fetc",
		"/api/curve?runs=0/sw/../../x",
		"/api/poses?run=0/sw/escape",
	} {
		if code, body := get(url); code != http.StatusBadRequest || strings.Contains(body, "TOP-SECRET") || strings.Contains(body, "root:") {
			t.Errorf("%s: %d %q, want 400", url, code, body)
		}
	}
	if code, body := get("/files/0/sw/" + runs[0].name + "/config.json"); code != 200 || !strings.Contains(body, `"lr"`) {
		t.Fatalf("a run's own file: %d %q", code, body)
	}
}

func TestCurvesPointsAndBands(t *testing.T) {
	root := t.TempDir()
	runs, open := writeSweep(t, root)
	defer open.Close()
	s, err := New([]string{root})
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := s.Rows()
	if len(rows) != 6 || rows[0].Params["lr"] != "0.0001" || rows[5].Status != "running" {
		t.Fatalf("rows %+v", rows)
	}
	// One run per group: its own points, one per episode.
	rep, err := s.Curves(CurveQuery{By: "run"})
	if err != nil {
		t.Fatal(err)
	}
	for i, g := range rep.Groups {
		if g.Group != runs[i].name || len(g.X) != runs[i].episodes || g.Banded {
			t.Fatalf("group %s: %d points, banded %v; want %s with %d", g.Group, len(g.X), g.Banded, runs[i].name, runs[i].episodes)
		}
	}
	// By lr: 3 runs a group, a band; 2 runs (one seed filtered out): none.
	rep, _ = s.Curves(CurveQuery{By: "lr", Points: 50})
	if len(rep.Groups) != 2 || rep.Groups[0].Group != "lr=0.0001" || rep.Groups[0].N != 3 || !rep.Groups[0].Banded || len(rep.Groups[0].X) != 50 {
		t.Fatalf("by lr: %+v", rep.Groups)
	}
	if rep.Band != "95% bootstrap CI of the mean" || rep.Warning != "" {
		t.Fatalf("band %q, warning %q", rep.Band, rep.Warning)
	}
	rep, _ = s.Curves(CurveQuery{By: "lr", Runs: []string{rows[0].ID, rows[1].ID}})
	if g := rep.Groups[0]; g.N != 2 || g.Banded || g.NoBand != "no band: n < 3" {
		t.Fatalf("2 runs: %+v", g)
	}
	// A metric a table lacks is reported per run, not an error for the others.
	rep, err = s.Curves(CurveQuery{Metric: "loss", X: "iteration", By: "lr"})
	if err != nil || len(rep.Groups) != 2 {
		t.Fatalf("loss: %v %+v", err, rep)
	}
	if _, err := s.Curves(CurveQuery{Metric: "nope"}); err == nil {
		t.Fatal("unknown metric: no error")
	}
}

package logs

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestListRuns: every run under the root is listed; one that does not read is listed
// as unreadable and named in the error.
func TestListRuns(t *testing.T) {
	root := t.TempDir()
	writeTestRun(t, root, testRun{name: "a", config: map[string]any{"env": "Test-v0"}, lengths: []int64{3, 4}, status: "finished"})
	writeTestRun(t, root, testRun{name: "b", config: map[string]any{"env": "Test-v0"}, lengths: []int64{5}, status: "finished"})
	if err := os.WriteFile(filepath.Join(root, "b", "episodes.parquet"), []byte("not parquet"), 0o644); err != nil {
		t.Fatal(err)
	}
	sums, err := ListRuns(root)
	if len(sums) != 2 || err == nil || !strings.Contains(err.Error(), "1 of 2 runs could not be read") {
		t.Fatalf("ListRuns: %d summaries, %v", len(sums), err)
	}
	if sums[1].Status != "unreadable" || sums[0].Status == "unreadable" {
		t.Fatalf("statuses %q, %q", sums[0].Status, sums[1].Status)
	}
	if _, err := ListRuns(filepath.Join(root, "none")); err == nil {
		t.Fatal("a missing root listed")
	}
}

// TestTableCut: filters, then columns, then head or tail.
func TestTableCut(t *testing.T) {
	tab := &Table{Columns: []string{"episode", "return"}, Rows: [][]any{{int64(0), 1.0}, {int64(1), 5.0}, {int64(2), 7.0}, {int64(3), 2.0}}}
	got, err := tab.Cut([]string{"return>1.5"}, []string{"episode"}, 0, 2)
	if err != nil || len(got.Columns) != 1 || len(got.Rows) != 2 || got.Rows[0][0] != int64(2) || got.Rows[1][0] != int64(3) {
		t.Fatalf("Cut: %+v (%v)", got, err)
	}
	if _, err := tab.Cut([]string{"return~1"}, nil, 0, 0); err == nil {
		t.Fatal("a bad filter passed")
	}
	if _, err := tab.Cut(nil, []string{"nope"}, 0, 0); err == nil {
		t.Fatal("an unknown column passed")
	}
}

func TestCheckCut(t *testing.T) {
	if CheckCut(3, 0) != nil || CheckCut(0, 0) != nil || CheckCut(-1, 0) == nil || CheckCut(2, 2) == nil {
		t.Fatal("CheckCut accepts or refuses the wrong head and tail")
	}
}

// TestSummarizeAll: one record per run; the table format has one column per run.
func TestSummarizeAll(t *testing.T) {
	root := t.TempDir()
	a := writeTestRun(t, root, testRun{name: "a", config: map[string]any{"env": "Test-v0"}, lengths: []int64{3}, status: "finished"})
	b := writeTestRun(t, root, testRun{name: "b", config: map[string]any{"env": "Test-v0"}, lengths: []int64{4, 5}, status: "finished"})
	rows, err := SummarizeAll([]string{a, b}, FormatCSV)
	if err != nil || len(rows.Rows) != 2 {
		t.Fatalf("csv: %+v (%v)", rows, err)
	}
	cols, err := SummarizeAll([]string{a, b}, FormatTable)
	if err != nil || len(cols.Columns) != 3 {
		t.Fatalf("table: columns %v (%v), want the field and one per run", cols.Columns, err)
	}
	if _, err := SummarizeAll([]string{filepath.Join(root, "none")}, FormatCSV); err == nil {
		t.Fatal("a missing run summarised")
	}
}

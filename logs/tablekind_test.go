package logs

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A table copied over another is refused by name, never read with invented values.
func TestTableOfAnotherKindRefused(t *testing.T) {
	dir := writeTestRun(t, t.TempDir(), testRun{name: "r", lengths: []int64{3, 4}, fitness: []float64{1, 2}})
	for _, c := range []struct {
		src, dst string
		read     func(string) error
		want     string
	}{
		{"metrics.parquet", "episodes.parquet", func(p string) error { _, err := ReadEpisodes(p); return err },
			"is not a gorl episodes table (no episode column); it is a metrics table"},
		{"metrics.parquet", "episodes.parquet", func(p string) error { _, err := EpisodesTable(p); return err },
			"is not a gorl episodes table"},
		{"episodes.parquet", "metrics.parquet", func(p string) error { _, err := ReadMetrics(p); return err },
			"is not a gorl metrics table (no iteration column); it is an episodes table"},
		{"episodes.parquet", "part-00000.parquet", func(p string) error {
			return ScanSteps(p, func(*StepRow) error { return nil })
		}, "is not a gorl steps table (no step column); it is an episodes table"},
	} {
		data, err := os.ReadFile(filepath.Join(dir, c.src))
		if err != nil {
			t.Fatal(err)
		}
		bad := filepath.Join(t.TempDir(), c.dst)
		if err := os.WriteFile(bad, data, 0o644); err != nil {
			t.Fatal(err)
		}
		err = c.read(bad)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s read as %s: error %v, want %q", c.src, c.dst, err, c.want)
		}
	}
	// The genuine tables still read.
	if _, err := ReadEpisodes(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadMetrics(dir); err != nil {
		t.Fatal(err)
	}
}

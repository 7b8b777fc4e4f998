package logs

import (
	"os"
	"path/filepath"
	"testing"
)

// The table readers turn any file into rows or an error, never a panic or a hang.
func FuzzReadTables(f *testing.F) {
	dir := writeTestRun(f, f.TempDir(), testRun{name: "r", lengths: []int64{3, 2}, fitness: []float64{1, 2}})
	for _, name := range []string{"episodes.parquet", "metrics.parquet", filepath.Join("steps", "part-00000.parquet")} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
		f.Add(data[:len(data)/2])
	}
	f.Add([]byte("PAR1"))
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "table.parquet")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		_, _ = ReadEpisodes(path)
		_, _ = EpisodesTable(path)
		_, _ = ReadMetrics(path)
		_ = ScanSteps(path, func(*StepRow) error { return nil })
	})
}

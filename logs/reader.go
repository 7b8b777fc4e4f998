package logs

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"

	"github.com/parquet-go/parquet-go"
)

// StepParts lists the step part files of a run, in order.
func StepParts(dir string) ([]string, error) {
	parts, err := filepath.Glob(filepath.Join(dir, "steps", "part-*.parquet"))
	if err != nil {
		return nil, err
	}
	sort.Strings(parts)
	return parts, nil
}

// openParquet opens path as a Parquet file, with a clear error for a missing or corrupt one.
func openParquet(path string) (*parquet.File, *os.File, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil, fmt.Errorf("%s: %w", path, os.ErrNotExist)
		}
		return nil, nil, fmt.Errorf("open %s: %w", path, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("stat %s: %w", path, err)
	}
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("%s is not a readable Parquet file: %v", path, err)
	}
	return pf, f, nil
}

// readAll reads every row of a Parquet file into records of type T.
func readAll[T any](path string) (rows []T, err error) {
	pf, f, err := openParquet(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	defer func() {
		// parquet-go may panic on some corrupt pages; report it as a read error.
		if p := recover(); p != nil {
			rows, err = nil, fmt.Errorf("%s is corrupt: %v", path, p)
		}
	}()
	r := parquet.NewGenericReader[T](pf)
	defer r.Close()
	rows = make([]T, r.NumRows())
	n, err := r.Read(rows)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return rows[:n], nil
}

// ReadEpisodes reads episodes.parquet of a run directory (or the file itself).
func ReadEpisodes(dirOrFile string) ([]EpisodeRow, error) {
	recs, err := readAll[episodeRecord](tablePath(dirOrFile, "episodes.parquet"))
	if err != nil {
		return nil, err
	}
	out := make([]EpisodeRow, len(recs))
	for i := range recs {
		out[i] = recs[i].row()
	}
	return out, nil
}

func tablePath(dirOrFile, name string) string {
	if st, err := os.Stat(dirOrFile); err == nil && st.IsDir() {
		return filepath.Join(dirOrFile, name)
	}
	return dirOrFile
}

// ScanSteps streams the step rows of a run (every part file in order, or one file),
// calling fn for each. The row passed to fn is reused: copy what must be kept.
func ScanSteps(dirOrFile string, fn func(*StepRow) error) error {
	var files []string
	if st, err := os.Stat(dirOrFile); err == nil && st.IsDir() {
		parts, err := StepParts(dirOrFile)
		if err != nil {
			return err
		}
		files = parts
	} else {
		files = []string{dirOrFile}
	}
	for _, path := range files {
		if err := scanStepFile(path, fn); err != nil {
			return err
		}
	}
	return nil
}

func scanStepFile(path string, fn func(*StepRow) error) (err error) {
	pf, f, err := openParquet(path)
	if err != nil {
		return err
	}
	defer f.Close()
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%s is corrupt: %v", path, p)
		}
	}()
	r := parquet.NewGenericReader[stepRecord](pf)
	defer r.Close()
	buf := make([]stepRecord, 1024)
	var row StepRow
	for {
		n, rerr := r.Read(buf)
		for i := 0; i < n; i++ {
			row = buf[i].row()
			if err := fn(&row); err != nil {
				return err
			}
		}
		if rerr != nil {
			if errors.Is(rerr, io.EOF) {
				return nil
			}
			return fmt.Errorf("read %s: %w", path, rerr)
		}
		if n == 0 {
			return nil
		}
	}
}

// MetricsTable is metrics.parquet in columns. Missing values are NaN.
type MetricsTable struct {
	Names       []string // metric columns, sorted
	Seed        []int64
	Iteration   []int64
	EnvSteps    []int64
	WallSeconds []float64
	Values      map[string][]float64
}

// Len is the number of rows.
func (t *MetricsTable) Len() int { return len(t.Iteration) }

// Column returns a metric column by name, or one of the fixed columns (seed, iteration,
// env_steps, wall_seconds) as float64.
func (t *MetricsTable) Column(name string) ([]float64, bool) {
	switch name {
	case "seed", "iteration", "env_steps":
		src := map[string][]int64{"seed": t.Seed, "iteration": t.Iteration, "env_steps": t.EnvSteps}[name]
		out := make([]float64, len(src))
		for i, v := range src {
			out[i] = float64(v)
		}
		return out, true
	case "wall_seconds":
		return t.WallSeconds, true
	}
	v, ok := t.Values[name]
	return v, ok
}

// Rows converts the table back to rows (NaN values are left out).
func (t *MetricsTable) Rows() []MetricRow {
	rows := make([]MetricRow, t.Len())
	for i := range rows {
		vals := map[string]float64{}
		for _, name := range t.Names {
			if v := t.Values[name][i]; !math.IsNaN(v) {
				vals[name] = v
			}
		}
		rows[i] = MetricRow{Seed: t.Seed[i], Iteration: t.Iteration[i], EnvSteps: t.EnvSteps[i],
			WallSeconds: t.WallSeconds[i], Values: vals}
	}
	return rows
}

// ReadMetrics reads metrics.parquet of a run directory (or the file itself).
func ReadMetrics(dirOrFile string) (t *MetricsTable, err error) {
	path := tablePath(dirOrFile, "metrics.parquet")
	pf, f, err := openParquet(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	defer func() {
		if p := recover(); p != nil {
			t, err = nil, fmt.Errorf("%s is corrupt: %v", path, p)
		}
	}()
	cols := pf.Schema().Columns()
	t = &MetricsTable{Values: map[string][]float64{}}
	kind := make([]string, len(cols))
	for i, c := range cols {
		name := c[0]
		kind[i] = name
		if !isFixedMetricColumn(name) {
			t.Names = append(t.Names, name)
		}
	}
	for _, fc := range fixedMetricColumns[1:] {
		found := false
		for _, k := range kind {
			found = found || k == fc
		}
		if !found {
			return nil, fmt.Errorf("%s is not a gorl metrics table (no %s column)", path, fc)
		}
	}
	sort.Strings(t.Names)
	r := parquet.NewReader(pf)
	defer r.Close()
	buf := make([]parquet.Row, 256)
	for {
		n, rerr := r.ReadRows(buf)
		for _, row := range buf[:n] {
			seen := make([]bool, len(cols))
			for _, v := range row {
				ci := v.Column()
				if ci < 0 || ci >= len(cols) {
					continue
				}
				seen[ci] = true
				switch name := kind[ci]; name {
				case "run_id":
				case "seed":
					t.Seed = append(t.Seed, v.Int64())
				case "iteration":
					t.Iteration = append(t.Iteration, v.Int64())
				case "env_steps":
					t.EnvSteps = append(t.EnvSteps, v.Int64())
				case "wall_seconds":
					t.WallSeconds = append(t.WallSeconds, v.Double())
				default:
					x := math.NaN()
					if !v.IsNull() {
						x = v.Double()
					}
					t.Values[name] = append(t.Values[name], x)
				}
			}
			for ci, ok := range seen {
				if !ok && !isFixedMetricColumn(kind[ci]) {
					t.Values[kind[ci]] = append(t.Values[kind[ci]], math.NaN())
				}
			}
		}
		if rerr != nil {
			if errors.Is(rerr, io.EOF) {
				break
			}
			return nil, fmt.Errorf("read %s: %w", path, rerr)
		}
		if n == 0 {
			break
		}
	}
	for _, name := range t.Names {
		if t.Values[name] == nil {
			t.Values[name] = make([]float64, t.Len())
			for i := range t.Values[name] {
				t.Values[name][i] = math.NaN()
			}
		}
	}
	return t, nil
}

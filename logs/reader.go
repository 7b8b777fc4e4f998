package logs

import (
	"encoding/binary"
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
func openParquet(path string) (pf *parquet.File, file *os.File, err error) {
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
	if err := checkFooter(f, st.Size()); err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("%s is not a readable Parquet file: %v", path, err)
	}
	defer func() {
		// parquet-go panics on some corrupt footers and page indexes (found by
		// FuzzReadTables): report them as unreadable files.
		if p := recover(); p != nil {
			f.Close()
			pf, file, err = nil, nil, fmt.Errorf("%s is not a readable Parquet file: %v", path, p)
		}
	}()
	pf, err = parquet.OpenFile(f, st.Size())
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("%s is not a readable Parquet file: %v", path, err)
	}
	return pf, f, nil
}

// checkFooter checks a Parquet file's trailer (footer length, then "PAR1") before
// parquet-go reads it: a damaged length makes parquet-go allocate that many bytes (a
// 16-byte file can ask for 1.7 GB, found by FuzzReadTables) before it fails.
func checkFooter(f *os.File, size int64) error {
	const magic = "PAR1"
	if size < 12 {
		return fmt.Errorf("%d bytes, too short for a Parquet file", size)
	}
	var tail [8]byte
	if _, err := f.ReadAt(tail[:], size-8); err != nil {
		return err
	}
	if string(tail[4:]) != magic {
		return errors.New("no Parquet magic at its end")
	}
	if n := int64(binary.LittleEndian.Uint32(tail[:4])); n > size-12 {
		return fmt.Errorf("footer of %d bytes in a file of %d", n, size)
	}
	return nil
}

// readAll reads every row of a Parquet file into records of type T, after checking
// that the file has the columns of a gorl table named table.
func readAll[T any](path, table string, required []string) (rows []T, err error) {
	pf, f, err := openParquet(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if err := requireColumns(pf, path, table, required); err != nil {
		return nil, err
	}
	defer func() {
		// parquet-go may panic on some corrupt pages; report it as a read error.
		if p := recover(); p != nil {
			rows, err = nil, fmt.Errorf("%s is corrupt: %v", path, p)
		}
	}()
	r := parquet.NewGenericReader[T](pf)
	defer r.Close()
	// Read in batches rather than sizing by the footer's row count, which a damaged
	// file may put at any value.
	buf := make([]T, min(r.NumRows(), 4096))
	for len(buf) > 0 {
		n, err := r.Read(buf)
		rows = append(rows, buf[:n]...)
		if errors.Is(err, io.EOF) || (err == nil && n == 0) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", path, err)
		}
	}
	return rows, nil
}

// ReadEpisodes reads episodes.parquet of a run directory (or the file itself).
func ReadEpisodes(dirOrFile string) ([]EpisodeRow, error) {
	recs, err := readAll[episodeRecord](tablePath(dirOrFile, "episodes.parquet"), "episodes", episodeColumnsRequired)
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

// scanStepFile reads a step part file column by column, page by page: scalar columns
// through typed page reads, list columns (obs, action, body_pos, body_quat) value by
// value with their repetition levels. Columns the file lacks keep their zero meaning
// (no context, NaN log_prob and value, empty lists).
func scanStepFile(path string, fn func(*StepRow) error) (err error) {
	pf, f, err := openParquet(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := requireColumns(pf, path, "steps", stepColumnsRequired); err != nil {
		return err
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%s is corrupt: %v", path, p)
		}
	}()
	sc := newStepScanner(pf)
	defer sc.close()
	var row StepRow
	remaining := pf.NumRows()
	for remaining > 0 {
		n := int(min(remaining, int64(scanBatch)))
		if err := sc.readBatch(n); err != nil {
			return fmt.Errorf("read %s: %w", path, err)
		}
		for i := 0; i < n; i++ {
			if err := sc.row(i, &row); err != nil {
				return fmt.Errorf("read %s: %w", path, err)
			}
			if err := fn(&row); err != nil {
				return err
			}
		}
		remaining -= int64(n)
	}
	return nil
}

const scanBatch = 1024

// Scalar step columns read as float64 batches, in this order.
var stepScalarColumns = []string{"episode", "step", "reward", "terminated", "truncated", "context", "log_prob", "value"}

// Step list columns, in the order of stepScanner.lists.
var stepListColumns = []string{"obs", "action", "body_pos", "body_quat"}

type stepScanner struct {
	scalars [8]*columnReader // nil where the file lacks the column
	batch   [8][]float64
	env     *valueStream
	envBuf  []string
	lists   [4]*valueStream
	listBuf [4][]float64
}

func newStepScanner(pf *parquet.File) *stepScanner {
	sc := &stepScanner{envBuf: make([]string, scanBatch)}
	for i, name := range stepScalarColumns {
		sc.batch[i] = make([]float64, scanBatch)
		if idx, err := leafIndex(pf, name); err == nil {
			sc.scalars[i] = &columnReader{file: pf, leaf: idx}
		}
	}
	if idx, err := leafIndex(pf, "env_id"); err == nil {
		sc.env = &valueStream{col: columnReader{file: pf, leaf: idx}}
	}
	for i, name := range stepListColumns {
		if c := pf.Root().Column(name); c != nil {
			for !c.Leaf() && len(c.Columns()) == 1 {
				c = c.Columns()[0]
			}
			if c.Leaf() && c.MaxRepetitionLevel() == 1 {
				sc.lists[i] = &valueStream{col: columnReader{file: pf, leaf: c.Index()}, maxDef: c.MaxDefinitionLevel()}
			}
		}
	}
	return sc
}

// readBatch reads the next n values of every scalar column and env_id.
func (sc *stepScanner) readBatch(n int) error {
	for i, c := range sc.scalars {
		if c == nil {
			continue
		}
		k, err := c.read(sc.batch[i][:n])
		if err != nil {
			return fmt.Errorf("column %s: %w", stepScalarColumns[i], err)
		}
		if k != n {
			return fmt.Errorf("column %s ends early", stepScalarColumns[i])
		}
	}
	if sc.env != nil {
		for i := 0; i < n; i++ {
			v, err := sc.env.next()
			if err != nil {
				return fmt.Errorf("column env_id: %w", err)
			}
			b := v.ByteArray()
			if prev := sc.envBuf[(i+scanBatch-1)%scanBatch]; prev != string(b) { // reuse the previous string when equal
				sc.envBuf[i] = string(b)
			} else {
				sc.envBuf[i] = prev
			}
		}
	}
	return nil
}

// row fills r with row i of the current batch, reading its list values.
func (sc *stepScanner) row(i int, r *StepRow) error {
	get := func(col int, absent float64) float64 {
		if sc.scalars[col] == nil {
			return absent
		}
		return sc.batch[col][i]
	}
	*r = StepRow{Episode: int64(get(0, 0)), Step: int64(get(1, 0)), Reward: get(2, 0), Terminated: get(3, 0) != 0,
		Truncated: get(4, 0) != 0, Context: NoContext, LogProb: get(6, math.NaN()), Value: get(7, math.NaN())}
	if c := get(5, math.NaN()); !math.IsNaN(c) {
		r.Context = int64(c)
	}
	if sc.env != nil {
		r.EnvID = sc.envBuf[i]
	}
	dst := [4]*[]float64{&r.Obs, &r.Action, &r.BodyPos, &r.BodyQuat}
	for j, s := range sc.lists {
		if s == nil {
			continue
		}
		vals, err := s.nextList(sc.listBuf[j][:0])
		if err != nil {
			return fmt.Errorf("column %s: %w", stepListColumns[j], err)
		}
		sc.listBuf[j] = vals
		if len(vals) > 0 {
			*dst[j] = vals
		}
	}
	return nil
}

func (sc *stepScanner) close() {
	for _, c := range sc.scalars {
		if c != nil {
			c.close()
		}
	}
	if sc.env != nil {
		sc.env.col.close()
	}
	for _, s := range sc.lists {
		if s != nil {
			s.col.close()
		}
	}
}

// valueStream reads the values of one leaf column one at a time, across pages and row
// groups. A page is released only once all its buffered values were consumed.
type valueStream struct {
	col      columnReader
	maxDef   int
	buf      []parquet.Value
	pos, n   int
	pageDone bool
}

// peek returns the next value without consuming it; ok is false at the end.
func (s *valueStream) peek() (v *parquet.Value, ok bool, err error) {
	for s.pos >= s.n {
		if s.col.values == nil || s.pageDone {
			s.col.releasePage()
			s.pageDone = false
			more, err := s.col.nextPage()
			if err != nil || !more {
				return nil, false, err
			}
		}
		if s.buf == nil {
			s.buf = make([]parquet.Value, 1024)
		}
		k, err := s.col.values.ReadValues(s.buf)
		s.pos, s.n = 0, k
		if errors.Is(err, io.EOF) || (err == nil && k == 0) {
			s.pageDone = true
		} else if err != nil {
			return nil, false, err
		}
	}
	return &s.buf[s.pos], true, nil
}

func (s *valueStream) next() (*parquet.Value, error) {
	v, ok, err := s.peek()
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, io.ErrUnexpectedEOF
	}
	s.pos++
	return v, nil
}

// nextList appends the elements of the next row's list to dst: the values from one with
// repetition level 0 up to the next such value; values below the maximum definition
// level stand for an empty or null list.
func (s *valueStream) nextList(dst []float64) ([]float64, error) {
	v, err := s.next()
	if err != nil {
		return dst, err
	}
	if v.RepetitionLevel() != 0 {
		return dst, errors.New("list values out of step with rows")
	}
	if v.DefinitionLevel() == s.maxDef {
		dst = append(dst, listFloat(v))
	}
	for {
		v, ok, err := s.peek()
		if err != nil {
			return dst, err
		}
		if !ok || v.RepetitionLevel() == 0 {
			return dst, nil
		}
		s.pos++
		if v.DefinitionLevel() == s.maxDef {
			dst = append(dst, listFloat(v))
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
			return nil, fmt.Errorf("%s is not a gorl metrics table (no %s column)%s", path, fc, looksLike(kind, "metrics"))
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

// listFloat converts a list element, doubles (gorl's own lists) without the type switch.
func listFloat(v *parquet.Value) float64 {
	if v.Kind() == parquet.Double {
		return v.Double()
	}
	return valueFloat(*v)
}

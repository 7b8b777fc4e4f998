package logs

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/parquet-go/parquet-go"
)

// EpisodeColumns are the columns of EpisodesTable, named as in episodes.parquet.
var EpisodeColumns = []string{"run_id", "env_id", "episode", "seed", "return", "length", "terminated", "truncated",
	"env_steps", "wall_seconds", "context"}

// EpisodesTable reads episodes.parquet of a run directory (or the file itself) as a
// Table with the columns of EpisodeColumns, followed by RewardTermColumns when any
// episode carries reward terms (3D locomotion); a missing value is an empty cell.
func EpisodesTable(dirOrFile string) (*Table, error) {
	path := tablePath(dirOrFile, "episodes.parquet")
	recs, err := readAll[episodeRecord](path, "episodes", episodeColumnsRequired)
	if err != nil {
		return nil, err
	}
	terms := false
	for _, r := range recs {
		terms = terms || r.Progress != nil || r.Heading != nil || r.Alive != nil || r.Control != nil
	}
	t := &Table{Columns: EpisodeColumns, Rows: make([][]any, len(recs))}
	if terms {
		t.Columns = append(slices.Clip(EpisodeColumns), RewardTermColumns...)
	}
	opt := func(p *float64) any {
		if p == nil {
			return nil
		}
		return *p
	}
	for i, r := range recs {
		var ctx any
		if r.Context != nil {
			ctx = *r.Context
		}
		t.Rows[i] = []any{r.RunID, r.EnvID, r.Episode, r.Seed, r.Return, r.Length, r.Terminated, r.Truncated,
			r.EnvSteps, r.WallSeconds, ctx}
		if terms {
			t.Rows[i] = append(t.Rows[i], opt(r.Progress), opt(r.Heading), opt(r.Alive), opt(r.Control))
		}
	}
	return t, nil
}

// MetricsTableOf reads metrics.parquet of a run directory (or the file itself) as a
// Table: run_id, seed, iteration, env_steps, wall_seconds, then the metric columns
// (sorted by name); missing values are NaN (empty in text and CSV, null in JSON).
func MetricsTableOf(dirOrFile string) (*Table, error) {
	path := tablePath(dirOrFile, "metrics.parquet")
	m, err := ReadMetrics(path)
	if err != nil {
		return nil, err
	}
	runID, err := firstString(path, "run_id")
	if err != nil {
		return nil, err
	}
	t := &Table{Columns: append([]string{"run_id", "seed", "iteration", "env_steps", "wall_seconds"}, m.Names...)}
	t.Rows = make([][]any, m.Len())
	for i := range t.Rows {
		row := []any{runID, m.Seed[i], m.Iteration[i], m.EnvSteps[i], m.WallSeconds[i]}
		for _, name := range m.Names {
			row = append(row, m.Values[name][i])
		}
		t.Rows[i] = row
	}
	return t, nil
}

// firstString reads the first value of a string column ("" for an empty table).
func firstString(path, column string) (s string, err error) {
	pf, f, err := openParquet(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%s is corrupt: %v", path, p)
		}
	}()
	idx, err := leafIndex(pf, column)
	if err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	c := &columnReader{file: pf, leaf: idx}
	defer c.close()
	ok, err := c.nextPage()
	if err != nil || !ok {
		return "", err
	}
	v := make([]parquet.Value, 1)
	if n, _ := c.values.ReadValues(v); n == 1 && !v[0].IsNull() {
		return v[0].String(), nil
	}
	return "", nil
}

// Select keeps the named columns, in the order given. Unknown names are an error that
// lists the table's columns.
func (t *Table) Select(columns []string) (*Table, error) {
	idx := make([]int, len(columns))
	for i, c := range columns {
		idx[i] = slices.Index(t.Columns, c)
		if idx[i] < 0 {
			return nil, fmt.Errorf("unknown column %q (columns: %s)", c, strings.Join(t.Columns, ", "))
		}
	}
	out := &Table{Columns: append([]string(nil), columns...), Rows: make([][]any, len(t.Rows))}
	for r, row := range t.Rows {
		sel := make([]any, len(idx))
		for i, j := range idx {
			sel[i] = row[j]
		}
		out.Rows[r] = sel
	}
	return out, nil
}

// Filter is a condition on one column: COLUMN OP VALUE with OP one of = == != < <= > >=.
// Numbers and booleans (true = 1) compare numerically; strings compare with = and !=.
// Build one with ParseFilter. Empty (null, NaN) cells match only !=.
type Filter struct {
	Column string
	Op     string
	Value  string
	num    float64
	isNum  bool
}

// ParseFilter parses "return>100", "terminated=true", "env_id=CartPole-v1", ...
func ParseFilter(expr string) (Filter, error) {
	for _, op := range []string{">=", "<=", "!=", "==", "=", ">", "<"} {
		i := strings.Index(expr, op)
		if i <= 0 {
			continue
		}
		f := Filter{Column: strings.TrimSpace(expr[:i]), Op: op, Value: strings.TrimSpace(expr[i+len(op):])}
		if f.Op == "==" {
			f.Op = "="
		}
		if f.Value == "" {
			break
		}
		if v, err := strconv.ParseFloat(f.Value, 64); err == nil {
			f.num, f.isNum = v, true
		} else if b, err := strconv.ParseBool(f.Value); err == nil {
			f.num, f.isNum = b2f(b), true
		} else if f.Op != "=" && f.Op != "!=" {
			return Filter{}, fmt.Errorf("filter %q: %s needs a number", expr, f.Op)
		}
		return f, nil
	}
	return Filter{}, fmt.Errorf("filter %q: want COLUMN OP VALUE with OP one of = != < <= > >= (e.g. return>100)", expr)
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func (f Filter) match(v any) bool {
	var x float64
	switch c := v.(type) {
	case nil:
		return f.Op == "!=" // an empty cell matches only !=
	case string:
		if f.isNum {
			return f.Op == "!="
		}
		return (c == f.Value) == (f.Op == "=")
	case bool:
		x = b2f(c)
	case int64:
		x = float64(c)
	case int:
		x = float64(c)
	case float64:
		x = c
	}
	if !f.isNum {
		return f.Op == "!="
	}
	if math.IsNaN(x) {
		return f.Op == "!="
	}
	switch f.Op {
	case "=":
		return x == f.num
	case "!=":
		return x != f.num
	case "<":
		return x < f.num
	case "<=":
		return x <= f.num
	case ">":
		return x > f.num
	case ">=":
		return x >= f.num
	}
	return false
}

// Where keeps the rows that match every filter.
func (t *Table) Where(filters []Filter) (*Table, error) {
	idx := make([]int, len(filters))
	for i, f := range filters {
		idx[i] = slices.Index(t.Columns, f.Column)
		if idx[i] < 0 {
			return nil, fmt.Errorf("filter on unknown column %q (columns: %s)", f.Column, strings.Join(t.Columns, ", "))
		}
	}
	out := &Table{Columns: t.Columns}
	for _, row := range t.Rows {
		keep := true
		for i, f := range filters {
			if !f.match(row[idx[i]]) {
				keep = false
				break
			}
		}
		if keep {
			out.Rows = append(out.Rows, row)
		}
	}
	return out, nil
}

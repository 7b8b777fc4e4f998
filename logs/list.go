package logs

import "fmt"

// ListRuns summarises every run directory under root for gorl logs ls (Overview). A run
// that cannot be read is listed with status "unreadable" and the others still show;
// the error then says how many could not be read and why the first did not.
func ListRuns(root string) ([]*Summary, error) {
	dirs, err := FindRuns(root)
	if err != nil {
		return nil, err
	}
	sums := make([]*Summary, 0, len(dirs))
	var bad []error
	for _, dir := range dirs {
		s, err := Overview(dir)
		if err != nil {
			bad = append(bad, err)
			s = NewSummary(RunInfo{Dir: dir, Status: "unreadable"})
		}
		sums = append(sums, s)
	}
	if len(bad) > 0 {
		return sums, fmt.Errorf("%d of %d runs could not be read; first: %v", len(bad), len(dirs), bad[0])
	}
	return sums, nil
}

// Cut keeps the rows of t that pass every filter, then its columns (all when columns
// is empty), then its first head or last tail rows (0: all).
func (t *Table) Cut(filters []string, columns []string, head, tail int) (*Table, error) {
	var fs []Filter
	for _, expr := range filters {
		f, err := ParseFilter(expr)
		if err != nil {
			return nil, err
		}
		fs = append(fs, f)
	}
	t, err := t.Where(fs)
	if err != nil {
		return nil, err
	}
	if len(columns) > 0 {
		if t, err = t.Select(columns); err != nil {
			return nil, err
		}
	}
	if head > 0 && len(t.Rows) > head {
		t.Rows = t.Rows[:head]
	}
	if tail > 0 && len(t.Rows) > tail {
		t.Rows = t.Rows[len(t.Rows)-tail:]
	}
	return t, nil
}

// SummarizeAll summarises each path (a run directory or one of its files) for gorl
// logs summary: one record per run, or, in the table format, one column per run.
func SummarizeAll(paths []string, format string) (*Table, error) {
	sums := make([]*Summary, 0, len(paths))
	for _, path := range paths {
		s, err := Summarize(path)
		if err != nil {
			return nil, err
		}
		sums = append(sums, s)
	}
	t := SummaryTable(sums)
	if format == FormatTable {
		t = t.Transpose()
	}
	return t, nil
}

// CheckCut checks the head and tail of Cut as gorl logs episodes and metrics take them.
func CheckCut(head, tail int) error {
	if head < 0 || tail < 0 {
		return fmt.Errorf("--head and --tail must be positive")
	}
	if head > 0 && tail > 0 {
		return fmt.Errorf("use --head or --tail, not both")
	}
	return nil
}

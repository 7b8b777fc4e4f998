package logs

import "slices"

// Compare settings for final-performance comparisons. Zero values mean defaults.
type Compare struct {
	// Last is the number of last values of each series averaged into its final value
	// (default FinalWindow: a run's final return, the mean return of its last 20
	// episodes, or the mean of a metric's last 20 logged values).
	Last int
	// Bootstrap sets the confidence interval of each group's mean (10000 resamples at
	// 95% by default; its Seed makes the interval reproducible).
	Bootstrap Bootstrap
}

// GroupResult is the final performance of one group of series.
type GroupResult struct {
	Group      string
	N          int       // series (runs, or seeds of runs)
	Finals     []float64 // the final value of each series, in input order
	Mean, Std  float64   // of Finals (Std: sample standard deviation)
	StdErr     float64   // Std/√N
	CILo, CIHi float64   // bootstrap percentile interval of the mean
	Min, Max   float64
	Runs       []string // the series' runs, in the order of Finals
	Seeds      []string // the series' seeds ("" where unknown)
	Last       int      // values averaged per series (Compare.Last)
}

// FinalValue is the mean of the last n values of y (all of them when fewer).
func FinalValue(y []float64, n int) float64 {
	if n <= 0 {
		n = 10
	}
	return Mean(y[max(0, len(y)-n):])
}

// Groups computes each group's final performance; groups are sorted like Aggregate's.
func (c Compare) Groups(series []Series) []GroupResult {
	last := c.Last
	if last <= 0 {
		last = FinalWindow
	}
	index := map[string]int{}
	var out []GroupResult
	for _, s := range series {
		i, ok := index[s.Group]
		if !ok {
			i = len(out)
			index[s.Group] = i
			out = append(out, GroupResult{Group: s.Group, Last: last})
		}
		g := &out[i]
		g.Finals = append(g.Finals, FinalValue(s.Y, last))
		g.Runs = append(g.Runs, s.Run)
		g.Seeds = append(g.Seeds, s.Seed)
	}
	for i := range out {
		g := &out[i]
		g.N = len(g.Finals)
		g.Mean, g.Std, g.StdErr = Mean(g.Finals), StdDev(g.Finals), StdErr(g.Finals)
		g.CILo, g.CIHi = c.Bootstrap.MeanCI(g.Finals)
		g.Min, g.Max = slices.Min(g.Finals), slices.Max(g.Finals)
	}
	slices.SortStableFunc(out, func(a, b GroupResult) int {
		switch {
		case labelLess(a.Group, b.Group):
			return -1
		case labelLess(b.Group, a.Group):
			return 1
		}
		return 0
	})
	return out
}

// CompareTable lays out group results, one row per group; ci_lo and ci_hi are the
// bootstrap interval of the mean.
func CompareTable(groups []GroupResult) *Table {
	t := &Table{Columns: []string{"group", "n", "mean", "std", "stderr", "ci_lo", "ci_hi", "min", "max"}}
	for _, g := range groups {
		t.Rows = append(t.Rows, []any{g.Group, g.N, g.Mean, g.Std, g.StdErr, g.CILo, g.CIHi, g.Min, g.Max})
	}
	return t
}

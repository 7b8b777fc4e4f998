package logs

import (
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/stat/distuv"
)

// episodeMetrics are the curve metrics read from episodes.parquet; every other metric is
// a column of metrics.parquet.
var episodeMetrics = []string{"return", "length"}

// IsEpisodeMetric reports whether metric is read from episodes.parquet.
func IsEpisodeMetric(metric string) bool { return slices.Contains(episodeMetrics, metric) }

// CurveSpec chooses what a learning curve shows.
type CurveSpec struct {
	// Metric is return or length (episodes.parquet) or any metrics.parquet column
	// (regret, fitness, loss, ...). Default return.
	Metric string
	// X is the column on the x axis: env_steps (default), wall_seconds, or any other scalar
	// column of the same table (episode, iteration).
	X string
	// By is the config key runs are grouped by: seed, algo, env, objective or any key of
	// config.json ("" or "run": one group per run). seed is the seed column of the rows
	// when a run holds several seeds, else the config's seed.
	By string
}

func (s CurveSpec) withDefaults() CurveSpec {
	if s.Metric == "" {
		s.Metric = "return"
	}
	if s.X == "" {
		s.X = "env_steps"
	}
	return s
}

// Series is one learning curve: a metric of one run, or of one seed of a run that holds
// several, in row order sorted by x. NaN values are left out.
type Series struct {
	Run   string
	Env   string // the run's env id ("" when its config names none)
	Seed  string // seed of the rows ("" when the table has none)
	Group string
	X, Y  []float64
}

// LoadSeries reads the curves of runs for spec: one Series per run and seed, each given
// its group. Errors name the run and the missing file or metric.
func LoadSeries(runs []string, spec CurveSpec) ([]Series, error) {
	spec = spec.withDefaults()
	labels := runLabels(runs)
	var out []Series
	for i, run := range runs {
		info, err := ReadRunInfo(run)
		if err != nil {
			return nil, err
		}
		table, path := "metrics.parquet", filepath.Join(run, "metrics.parquet")
		if IsEpisodeMetric(spec.Metric) {
			table, path = "episodes.parquet", filepath.Join(run, "episodes.parquet")
		}
		if !fileExists(path) {
			return nil, fmt.Errorf("run %s has no %s (needed for metric %q)", run, table, spec.Metric)
		}
		if err := checkColumns(path, spec.Metric, spec.X); err != nil {
			return nil, fmt.Errorf("run %s: %w", run, err)
		}
		cols := []string{spec.X, spec.Metric}
		hasSeed, err := HasColumn(path, "seed")
		if err != nil {
			return nil, err
		}
		if hasSeed {
			cols = append(cols, "seed")
		}
		bySeed := map[float64]*Series{}
		var order []float64
		err = ScanColumns([]string{path}, cols, func(c [][]float64) error {
			for j := range c[0] {
				x, y := c[0][j], c[1][j]
				if math.IsNaN(x) || math.IsNaN(y) {
					continue
				}
				seed := 0.0
				if hasSeed {
					seed = c[2][j]
				}
				s := bySeed[seed]
				if s == nil {
					s = &Series{Run: run, Env: info.EnvID}
					if hasSeed {
						s.Seed = strconv.FormatFloat(seed, 'f', -1, 64)
					}
					bySeed[seed] = s
					order = append(order, seed)
				}
				s.X = append(s.X, x)
				s.Y = append(s.Y, y)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		if len(order) == 0 {
			return nil, fmt.Errorf("run %s: no values of %q in %s", run, spec.Metric, table)
		}
		for _, seed := range order {
			s := bySeed[seed]
			sortByX(s)
			s.Group = groupOf(spec.By, info, labels[i], s.Seed, len(order) > 1)
			out = append(out, *s)
		}
	}
	return out, nil
}

// checkColumns reports a clear error for a metric or x column the table lacks.
func checkColumns(path, metric, x string) error {
	names, err := Columns(path)
	if err != nil {
		return err
	}
	for _, want := range []string{metric, x} {
		if !slices.Contains(names, want) {
			what := "metric"
			if want == x {
				what = "x column"
			}
			hint := ""
			if filepath.Base(path) == "metrics.parquet" {
				hint = "; return and length come from episodes.parquet"
			}
			return fmt.Errorf("unknown %s %q in %s (columns: %s%s)", what, want, filepath.Base(path), strings.Join(names, ", "), hint)
		}
	}
	return nil
}

func sortByX(s *Series) {
	if sort.Float64sAreSorted(s.X) {
		return
	}
	idx := make([]int, len(s.X))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return s.X[idx[a]] < s.X[idx[b]] })
	x, y := make([]float64, len(idx)), make([]float64, len(idx))
	for i, j := range idx {
		x[i], y[i] = s.X[j], s.Y[j]
	}
	s.X, s.Y = x, y
}

// runLabels names runs by their base names, or by their paths where base names repeat.
func runLabels(runs []string) []string {
	count := map[string]int{}
	for _, r := range runs {
		count[filepath.Base(filepath.Clean(r))]++
	}
	out := make([]string, len(runs))
	for i, r := range runs {
		out[i] = filepath.Base(filepath.Clean(r))
		if count[out[i]] > 1 {
			out[i] = filepath.Clean(r)
		}
	}
	return out
}

// groupOf is the group label of a series.
func groupOf(by string, info RunInfo, runLabel, rowSeed string, severalSeeds bool) string {
	switch strings.ToLower(by) {
	case "", "run":
		if severalSeeds {
			return runLabel + " seed " + rowSeed
		}
		return runLabel
	case "seed", "seeds":
		if severalSeeds || info.Seed == "" {
			return "seed " + rowSeed
		}
		return "seed " + info.Seed
	}
	keys := []string{by}
	switch strings.ToLower(by) {
	case "algo", "algorithm":
		keys = algoKeys
	case "env", "env_id":
		keys = envKeys
	}
	if v := ConfigString(info.Config, keys...); v != "" {
		return v
	}
	return "no " + by
}

// Curve is the aggregate of a group's series on a common x grid: the mean and a
// confidence band of the mean across series.
type Curve struct {
	Group   string
	N       int // number of series
	X       []float64
	Mean    []float64
	Lo, Hi  []float64 // band ends (equal to Mean where no band is drawn)
	Banded  bool      // whether Lo and Hi hold a band (false: "none", or N below MinN)
	NoBand  string    // why a band that was asked for is not drawn ("" when drawn or not asked)
	Members []Series  // the (smoothed) series of the group
}

// Aggregate settings. Zero values mean defaults.
type Aggregate struct {
	// Smooth is the window of a trailing moving average applied to each series before
	// aggregation, in rows (0 or 1: none).
	Smooth int
	// Points is the number of grid points (default 100). The grid spans the x range all
	// series of the group cover, from the largest first x to the smallest last x, and each
	// series is interpolated linearly onto it.
	Points int
	// Level is the confidence level of the "ci" band (default 0.95).
	Level float64
	// Band chooses the band: "bootstrap" (default: at each grid point, the percentile
	// bootstrap interval of the mean across series, Bootstrap's method, the one Compare
	// reports), "ci" (mean ± t(n-1)·s/√n, the Student-t interval of the mean), "se" (mean ±
	// one standard error), "sd" (mean ± one sample standard deviation), "minmax" (the range
	// of the series) or "none".
	Band string
	// Bootstrap sets the "bootstrap" band's resamples, level and seed.
	Bootstrap Bootstrap
	// MinN is the fewest series a group needs for a band (default 3): an interval of the
	// mean from two values says little (Student-t's is 12.7 standard errors wide at 95%).
	MinN int
	// LogGrid spaces the grid points evenly in log x (for a log x axis), from the first
	// positive x the series all cover.
	LogGrid bool
}

// Bands lists the accepted values of Aggregate.Band.
var Bands = []string{"bootstrap", "ci", "se", "sd", "minmax", "none"}

func (a Aggregate) minN() int {
	if a.MinN <= 0 {
		return 3
	}
	return a.MinN
}

func (a Aggregate) level() float64 {
	if a.Level <= 0 || a.Level >= 1 {
		return 0.95
	}
	return a.Level
}

// BandLabel states the band's method for a legend, e.g. "95% bootstrap CI of the mean"
// ("" for "none").
func (a Aggregate) BandLabel() string {
	switch a.Band {
	case "", "bootstrap":
		return fmt.Sprintf("%g%% bootstrap CI of the mean", 100*a.Bootstrap.level())
	case "ci":
		return fmt.Sprintf("%g%% Student-t CI of the mean", 100*a.level())
	case "se":
		return "mean ± 1 s.e."
	case "sd":
		return "mean ± 1 s.d."
	case "minmax":
		return "min-max of runs"
	}
	return ""
}

// Curves groups series by their Group (groups sorted, numbers numerically) and
// aggregates each group.
func (a Aggregate) Curves(series []Series) []Curve {
	if a.Points <= 0 {
		a.Points = 100
	}
	groups := map[string][]Series{}
	var names []string
	for _, s := range series {
		if _, ok := groups[s.Group]; !ok {
			names = append(names, s.Group)
		}
		s.Y = MovingAverage(s.Y, a.Smooth)
		groups[s.Group] = append(groups[s.Group], s)
	}
	SortLabels(names)
	out := make([]Curve, 0, len(names))
	for _, g := range names {
		out = append(out, a.aggregateGroup(g, groups[g]))
	}
	return out
}

func (a Aggregate) aggregateGroup(name string, members []Series) Curve {
	points := a.Points
	lo, hi := math.Inf(-1), math.Inf(1)
	for _, s := range members {
		lo = math.Max(lo, s.X[0])
		hi = math.Min(hi, s.X[len(s.X)-1])
	}
	c := Curve{Group: name, N: len(members), Members: members}
	if hi < lo { // the series do not overlap: nothing is common to all
		return c
	}
	if a.LogGrid && lo <= 0 && hi > 0 {
		lo = hi
		for _, s := range members {
			if j := sort.SearchFloat64s(s.X, math.SmallestNonzeroFloat64); j < len(s.X) {
				lo = math.Min(lo, s.X[j])
			}
		}
	}
	logGrid := a.LogGrid && lo > 0
	if hi == lo {
		points = 1
	}
	c.Banded = len(members) >= a.minN() && a.Band != "none"
	if !c.Banded && a.Band != "none" {
		c.NoBand = fmt.Sprintf("no band: n < %d", a.minN())
	}
	var t float64
	if n := len(members); n > 1 {
		t = distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(n - 1)}.Quantile((1 + a.level()) / 2)
	}
	ys := make([]float64, len(members))
	var resamples [][]int32
	var means []float64
	if c.Banded && (a.Band == "" || a.Band == "bootstrap") {
		resamples = a.Bootstrap.Resample(len(members))
		means = make([]float64, len(resamples))
	}
	for p := 0; p < points; p++ {
		x := lo
		switch {
		case points > 1 && logGrid:
			x = lo * math.Pow(hi/lo, float64(p)/float64(points-1))
		case points > 1:
			x = lo + (hi-lo)*float64(p)/float64(points-1)
		}
		for i, s := range members {
			ys[i] = Interpolate(s.X, s.Y, x)
		}
		m := Mean(ys)
		lo, hi := m, m
		if c.Banded {
			switch a.Band {
			case "", "bootstrap":
				lo, hi = a.Bootstrap.ResampledCI(ys, resamples, means)
			case "ci":
				lo, hi = m-t*StdErr(ys), m+t*StdErr(ys)
			case "se":
				lo, hi = m-StdErr(ys), m+StdErr(ys)
			case "sd":
				lo, hi = m-StdDev(ys), m+StdDev(ys)
			case "minmax":
				lo, hi = slices.Min(ys), slices.Max(ys)
			}
		}
		c.X = append(c.X, x)
		c.Mean = append(c.Mean, m)
		c.Lo = append(c.Lo, lo)
		c.Hi = append(c.Hi, hi)
	}
	return c
}

// Envs lists the distinct env ids of series, sorted, with the number of runs of each
// ("" stands for runs whose config names no env).
func Envs(series []Series) (ids []string, runs map[string]int) {
	runs = map[string]int{}
	seen := map[string]bool{}
	for _, s := range series {
		if seen[s.Run] {
			continue
		}
		seen[s.Run] = true
		if _, ok := runs[s.Env]; !ok {
			ids = append(ids, s.Env)
		}
		runs[s.Env]++
	}
	slices.Sort(ids)
	return ids, runs
}

// MixedEnvs returns an error naming the envs when series come from runs of more than
// one env: their returns are on different scales and one axis misleads.
func MixedEnvs(series []Series) error {
	ids, runs := Envs(series)
	if len(ids) < 2 {
		return nil
	}
	parts := make([]string, len(ids))
	for i, id := range ids {
		if id == "" {
			id = "no env"
		}
		parts[i] = fmt.Sprintf("%s (%d run%s)", id, runs[ids[i]], map[bool]string{true: "s"}[runs[ids[i]] > 1])
	}
	return fmt.Errorf("runs of %d different envs on one axis: %s", len(ids), strings.Join(parts, ", "))
}

// MovingAverage returns the trailing moving average of y over window values (the first
// values average what is there); a window of 0 or 1 returns y itself.
func MovingAverage(y []float64, window int) []float64 {
	if window <= 1 {
		return y
	}
	out := make([]float64, len(y))
	sum := 0.0
	for i, v := range y {
		sum += v
		if i >= window {
			sum -= y[i-window]
		}
		out[i] = sum / float64(min(i+1, window))
	}
	return out
}

// Interpolate evaluates the piecewise-linear function through (xs, ys) at x (xs sorted);
// outside the range it holds the end values. Where xs repeat, the last value counts.
func Interpolate(xs, ys []float64, x float64) float64 {
	n := len(xs)
	if n == 0 {
		return math.NaN()
	}
	if x <= xs[0] {
		j := sort.Search(n, func(i int) bool { return xs[i] > xs[0] })
		return ys[j-1]
	}
	if x >= xs[n-1] {
		return ys[n-1]
	}
	j := sort.Search(n, func(i int) bool { return xs[i] > x }) // xs[j-1] <= x < xs[j]
	x0, x1 := xs[j-1], xs[j]
	if x0 == x {
		return ys[j-1]
	}
	f := (x - x0) / (x1 - x0)
	return ys[j-1] + f*(ys[j]-ys[j-1])
}

// SortLabels sorts group labels, comparing embedded numbers numerically ("seed 2" before
// "seed 10").
func SortLabels(labels []string) {
	sort.SliceStable(labels, func(i, j int) bool { return labelLess(labels[i], labels[j]) })
}

func labelLess(a, b string) bool {
	pa, na, oka := splitNumber(a)
	pb, nb, okb := splitNumber(b)
	if oka && okb && pa == pb && na != nb {
		return na < nb
	}
	return a < b
}

// splitNumber splits a trailing number off a label ("seed 10" -> "seed ", 10); a minus
// sign counts only at the start or after a space ("run-2" is "run-" and 2).
func splitNumber(s string) (string, float64, bool) {
	i := len(s)
	for i > 0 && strings.ContainsRune("0123456789.", rune(s[i-1])) {
		i--
	}
	if i > 0 && s[i-1] == '-' && (i == 1 || s[i-2] == ' ') {
		i--
	}
	for ; i < len(s); i++ {
		if v, err := strconv.ParseFloat(s[i:], 64); err == nil {
			return s[:i], v, true
		}
	}
	return s, 0, false
}

// Columns lists the scalar columns of a Parquet table other than run_id and env_id, in
// file order: the metrics a curve can show, and its x columns.
func Columns(path string) ([]string, error) {
	pf, f, err := openParquet(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var names []string
	for _, p := range pf.Schema().Columns() {
		if len(p) == 1 && p[0] != "run_id" && p[0] != "env_id" {
			names = append(names, p[0])
		}
	}
	return names, nil
}

package logs

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
)

// FinalWindow is the number of last episodes whose mean return is a run's final return:
// 20, the default return_window of gorl train, so that train, logs ls, logs summary and
// the board report one figure.
const FinalWindow = 20

// Summary is what `gorl logs summary` reports about a run: its identity and status,
// episode statistics (episodes.parquet), step statistics (steps/) and the last value of
// every metric (metrics.parquet). Every table is read in a single streaming pass over
// the columns it needs.
type Summary struct {
	RunInfo

	Episodes    int64
	ReturnMean  float64 // over all episodes
	ReturnStd   float64 // sample standard deviation
	ReturnMin   float64
	ReturnMax   float64
	FinalReturn float64 // mean return of the last min(FinalWindow, Episodes) episodes
	LengthMean  float64
	Terminated  int64 // episodes that ended in a terminal state
	Truncated   int64 // episodes cut by a time limit
	EnvSteps    int64 // largest env_steps of episodes and metrics
	WallSeconds float64

	StepParts    int
	StepRows     int64
	StepEpisodes int64 // episodes that start (step 0) in the logged steps
	StepReward   float64
	StepMaxStep  int64 // largest step index (episode length - 1 of the longest logged episode)

	MetricRows  int64
	MetricNames []string           // metric columns in file order
	MetricLast  map[string]float64 // last non-null value of each metric
}

// Summarize summarises a run directory, or a single table file of a run (an
// episodes.parquet, metrics.parquet or step part file, recognised by its columns).
func Summarize(path string) (*Summary, error) { return summarize(path, true) }

// Overview is Summarize without the pass over the step rows: what `gorl logs ls` shows.
func Overview(path string) (*Summary, error) { return summarize(path, false) }

func summarize(path string, withSteps bool) (*Summary, error) {
	st, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%s: no such run directory or file", path)
		}
		return nil, err
	}
	s := NewSummary(RunInfo{Dir: path, Status: "unknown"})
	if !st.IsDir() {
		if info, err := ReadRunInfo(runDirOf(path)); err == nil {
			s.RunInfo = info
			s.Dir = path
		}
		kind, err := TableKind(path)
		if err != nil {
			return nil, err
		}
		switch kind {
		case "episodes":
			err = s.addEpisodes(path)
		case "metrics":
			err = s.addMetrics(path)
		case "steps":
			s.StepParts = 1
			if withSteps {
				err = s.addSteps([]string{path})
			}
		}
		if err != nil {
			return nil, err
		}
		return s, nil
	}
	info, err := ReadRunInfo(path)
	if err != nil {
		return nil, err
	}
	s.RunInfo = info
	if p := filepath.Join(path, "episodes.parquet"); fileExists(p) {
		if err := s.addEpisodes(p); err != nil {
			return nil, err
		}
	}
	if p := filepath.Join(path, "metrics.parquet"); fileExists(p) {
		if err := s.addMetrics(p); err != nil {
			return nil, err
		}
	}
	parts, err := StepParts(path)
	if err != nil {
		return nil, err
	}
	s.StepParts = len(parts)
	if withSteps {
		if err := s.addSteps(parts); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// NewSummary is an empty summary of a run: no episodes, no rows, NaN statistics.
func NewSummary(info RunInfo) *Summary {
	s := &Summary{RunInfo: info, MetricLast: map[string]float64{}}
	clearStats(s)
	return s
}

func clearStats(s *Summary) {
	nan := math.NaN()
	s.ReturnMean, s.ReturnStd, s.ReturnMin, s.ReturnMax, s.FinalReturn, s.LengthMean = nan, nan, nan, nan, nan, nan
	s.WallSeconds = nan
}

// runDirOf guesses the run directory of a table file (its directory, or the parent of
// steps/).
func runDirOf(file string) string {
	dir := filepath.Dir(file)
	if filepath.Base(dir) == "steps" {
		return filepath.Dir(dir)
	}
	return dir
}

// TableKind tells which gorl table a Parquet file holds (episodes, metrics or steps) from
// its columns.
func TableKind(path string) (string, error) {
	pf, f, err := openParquet(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	has := map[string]bool{}
	for _, p := range pf.Schema().Columns() {
		has[p[0]] = true
	}
	switch {
	case has["return"] && has["length"]:
		return "episodes", nil
	case has["iteration"] && has["env_steps"]:
		return "metrics", nil
	case has["step"] && has["reward"]:
		return "steps", nil
	}
	return "", fmt.Errorf("%s is not a gorl episodes, metrics or steps table", path)
}

func (s *Summary) addEpisodes(path string) error {
	var mean, m2, lenSum float64 // Welford's running mean and sum of squared deviations
	ring := make([]float64, FinalWindow)
	s.ReturnMin, s.ReturnMax = math.Inf(1), math.Inf(-1)
	err := ScanColumns([]string{path}, []string{"return", "length", "terminated", "truncated", "env_steps", "wall_seconds"},
		func(c [][]float64) error {
			for i, ret := range c[0] {
				ring[s.Episodes%FinalWindow] = ret
				s.Episodes++
				d := ret - mean
				mean += d / float64(s.Episodes)
				m2 += d * (ret - mean)
				s.ReturnMin = math.Min(s.ReturnMin, ret)
				s.ReturnMax = math.Max(s.ReturnMax, ret)
				lenSum += c[1][i]
				s.Terminated += int64(c[2][i])
				s.Truncated += int64(c[3][i])
				s.EnvSteps = max(s.EnvSteps, int64(c[4][i]))
				s.WallSeconds = nanMax(s.WallSeconds, c[5][i])
			}
			return nil
		})
	if err != nil {
		return err
	}
	if s.Episodes == 0 {
		clearStats(s)
		return nil
	}
	n := float64(s.Episodes)
	s.ReturnMean = mean
	s.LengthMean = lenSum / n
	if s.Episodes > 1 {
		s.ReturnStd = math.Sqrt(m2 / (n - 1))
	}
	w := min(s.Episodes, FinalWindow)
	s.FinalReturn = Mean(ring[:w])
	return nil
}

func nanMax(a, b float64) float64 {
	if math.IsNaN(a) {
		return b
	}
	if math.IsNaN(b) {
		return a
	}
	return math.Max(a, b)
}

func (s *Summary) addMetrics(path string) error {
	pf, f, err := openParquet(path)
	if err != nil {
		return err
	}
	var names []string
	for _, p := range pf.Schema().Columns() {
		if len(p) == 1 && !isFixedMetricColumn(p[0]) {
			names = append(names, p[0])
		}
	}
	f.Close()
	s.MetricNames = names
	cols := append([]string{"env_steps", "wall_seconds"}, names...)
	return ScanColumns([]string{path}, cols, func(c [][]float64) error {
		s.MetricRows += int64(len(c[0]))
		for i := range c[0] {
			s.EnvSteps = max(s.EnvSteps, int64(c[0][i]))
			s.WallSeconds = nanMax(s.WallSeconds, c[1][i])
			for j, name := range names {
				if v := c[2+j][i]; !math.IsNaN(v) {
					s.MetricLast[name] = v
				}
			}
		}
		return nil
	})
}

func (s *Summary) addSteps(parts []string) error {
	if len(parts) == 0 {
		return nil
	}
	return ScanColumns(parts, []string{"step", "reward"}, func(c [][]float64) error {
		s.StepRows += int64(len(c[0]))
		for i, step := range c[0] {
			if step == 0 {
				s.StepEpisodes++
			}
			s.StepMaxStep = max(s.StepMaxStep, int64(step))
			s.StepReward += c[1][i]
		}
		return nil
	})
}

// ListTable lays out overviews as `gorl logs ls` shows them: run, env, algo, seed,
// env steps, episodes, final return and status.
func ListTable(sums []*Summary) *Table {
	t := &Table{Columns: []string{"run", "env", "algo", "seed", "env_steps", "episodes", "final_return", "status"}}
	for _, s := range sums {
		t.Rows = append(t.Rows, []any{s.Dir, s.EnvID, s.Algo, s.Seed, s.EnvSteps, s.Episodes, s.FinalReturn, s.Status})
	}
	return t
}

// SummaryTable lays out summaries as a table with one row per run; the metric columns
// are the union of the runs' metric names, each as last_<name>.
func SummaryTable(sums []*Summary) *Table {
	t := &Table{Columns: []string{"run", "env", "algo", "seed", "status", "episodes", "env_steps", "wall_seconds",
		"return_mean", "return_std", "return_min", "return_max", "final_return", "length_mean",
		"terminated", "truncated", "step_rows", "step_parts", "step_episodes", "step_reward", "metric_rows"}}
	var metrics []string
	seen := map[string]bool{}
	for _, s := range sums {
		for _, m := range s.MetricNames {
			if !seen[m] {
				seen[m] = true
				metrics = append(metrics, m)
			}
		}
	}
	for _, m := range metrics {
		t.Columns = append(t.Columns, "last_"+m)
	}
	for _, s := range sums {
		row := []any{s.Dir, s.EnvID, s.Algo, s.Seed, s.Status, s.Episodes, s.EnvSteps, s.WallSeconds,
			s.ReturnMean, s.ReturnStd, s.ReturnMin, s.ReturnMax, s.FinalReturn, s.LengthMean,
			s.Terminated, s.Truncated, s.StepRows, s.StepParts, s.StepEpisodes, s.StepReward, s.MetricRows}
		for _, m := range metrics {
			v, ok := s.MetricLast[m]
			if !ok {
				v = math.NaN()
			}
			row = append(row, v)
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

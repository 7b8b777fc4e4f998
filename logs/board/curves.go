package board

import (
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"

	"gorl/logs"
)

// maxRawPoints bounds the points of a single run's curve sent to the browser; longer
// curves keep every k-th point and the last.
const maxRawPoints = 5000

// floats encodes NaN and infinities as null (JSON has no NaN).
type floats []float64

func (f floats) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 12*len(f)+2)
	b = append(b, '[')
	for i, v := range f {
		if i > 0 {
			b = append(b, ',')
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			b = append(b, "null"...)
			continue
		}
		b = strconv.AppendFloat(b, v, 'g', 7, 64)
	}
	return append(b, ']'), nil
}

// CurveGroup is one group's curve as the browser draws it.
type CurveGroup struct {
	Group  string   `json:"group"`
	N      int      `json:"n"`
	X      floats   `json:"x"`
	Mean   floats   `json:"mean"`
	Lo     floats   `json:"lo"`
	Hi     floats   `json:"hi"`
	Banded bool     `json:"banded"`
	NoBand string   `json:"no_band,omitempty"`
	Runs   []string `json:"runs"`
}

// CurveReply is the answer to /api/curve.
type CurveReply struct {
	Band    string            `json:"band"`              // the band's method, stated in the legend
	Warning string            `json:"warning,omitempty"` // runs of different envs share the axis
	Groups  []CurveGroup      `json:"groups"`
	Skipped map[string]string `json:"skipped,omitempty"` // run id: why it has no curve
}

// CurveQuery selects the curves of /api/curve.
type CurveQuery struct {
	Runs   []string // run ids (none: every run)
	Metric string   // default return
	X      string   // default env_steps
	By     string   // a group key (default run)
	Smooth int
	Points int  // grid points of groups of several runs (default 100)
	LogX   bool // grid points evenly spaced in log x
}

type cachedSeries struct {
	stamp  string
	series []logs.Series
	err    error
}

// series loads the curves of one run for metric against x, cached until its files change.
func (s *Server) series(dir, metric, x string) ([]logs.Series, error) {
	key := dir + "\x00" + metric + "\x00" + x
	stamp := stampOf(dir)
	s.mu.Lock()
	c, ok := s.seriesCache[key]
	s.mu.Unlock()
	if ok && c.stamp == stamp {
		return c.series, c.err
	}
	ser, err := logs.LoadSeries([]string{dir}, logs.CurveSpec{Metric: metric, X: x})
	s.mu.Lock()
	s.seriesCache[key] = cachedSeries{stamp: stamp, series: ser, err: err}
	s.mu.Unlock()
	return ser, err
}

// Curves computes the grouped curves of q: each group's mean and, for 3 runs or more, the
// percentile bootstrap band of the mean (logs.Aggregate's default, as logs compare).
func (s *Server) Curves(q CurveQuery) (CurveReply, error) {
	if q.Metric == "" {
		q.Metric = "return"
	}
	if q.X == "" {
		q.X = "env_steps"
	}
	if q.Points <= 0 {
		q.Points = 100
	}
	rows, _ := s.Rows()
	byID := map[string]RunRow{}
	for _, r := range rows {
		byID[r.ID] = r
	}
	want := q.Runs
	if len(want) == 0 {
		for _, r := range rows {
			want = append(want, r.ID)
		}
	}
	agg := logs.Aggregate{Smooth: q.Smooth, Points: q.Points, Bootstrap: logs.Bootstrap{Resamples: 2000}, LogGrid: q.LogX}
	reply := CurveReply{Band: agg.BandLabel(), Skipped: map[string]string{}}
	var all []logs.Series
	for _, id := range want {
		dir, err := s.resolve(id)
		if err != nil {
			return reply, err
		}
		row, ok := byID[id]
		if !ok {
			reply.Skipped[id] = "not a run"
			continue
		}
		ser, err := s.series(dir, q.Metric, q.X)
		if err != nil {
			reply.Skipped[id] = strings.TrimPrefix(err.Error(), "run "+dir+": ")
			continue
		}
		for _, x := range ser {
			x.Run = id
			x.Group = groupOf(row, q.By)
			if (q.By == "" || q.By == "run") && x.Seed != "" && len(ser) > 1 {
				x.Group += " seed " + x.Seed
			}
			all = append(all, x)
		}
	}
	if err := logs.MixedEnvs(all); err != nil {
		reply.Warning = err.Error()
	}
	for _, c := range agg.Curves(all) {
		g := CurveGroup{Group: c.Group, N: c.N, X: c.X, Mean: c.Mean, Lo: c.Lo, Hi: c.Hi, Banded: c.Banded, NoBand: c.NoBand}
		for _, m := range c.Members {
			g.Runs = append(g.Runs, m.Run)
		}
		if c.N == 1 { // one run: its own points, not a grid
			m := c.Members[0]
			g.X, g.Mean = thin(m.X), thin(m.Y)
			g.Lo, g.Hi = g.Mean, g.Mean
		}
		reply.Groups = append(reply.Groups, g)
	}
	if len(reply.Groups) == 0 && len(reply.Skipped) > 0 {
		return reply, errors.New("no run has " + q.Metric + " against " + q.X)
	}
	return reply, nil
}

// thin keeps at most maxRawPoints values: every k-th and the last.
func thin(v []float64) floats {
	if len(v) <= maxRawPoints {
		return v
	}
	k := (len(v) + maxRawPoints - 2) / (maxRawPoints - 1)
	out := make([]float64, 0, maxRawPoints)
	for i := 0; i < len(v)-1; i += k {
		out = append(out, v[i])
	}
	return append(out, v[len(v)-1])
}

func (s *Server) handleCurve(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	q := CurveQuery{Metric: v.Get("y"), X: v.Get("x"), By: v.Get("by")}
	if runs := v.Get("runs"); runs != "" {
		q.Runs = strings.Split(runs, ",")
	}
	q.Smooth, _ = strconv.Atoi(v.Get("smooth"))
	q.LogX = v.Get("logx") == "1"
	q.Points, _ = strconv.Atoi(v.Get("points"))
	if q.Smooth < 0 || q.Smooth > 10000 || q.Points < 0 || q.Points > 5000 {
		http.Error(w, "smooth must be in [0, 10000] and points in [0, 5000]", http.StatusBadRequest)
		return
	}
	// The same query over unchanged runs gives the same curves: a page that polls, or
	// several open on the same view, aggregate once.
	rows, _ := s.Rows()
	var key strings.Builder
	key.WriteString(r.URL.RawQuery)
	for _, row := range rows {
		key.WriteString(row.Stamp)
	}
	s.mu.Lock()
	data, ok := s.replies[key.String()]
	s.mu.Unlock()
	if !ok {
		reply, err := s.Curves(q)
		if err != nil {
			fail(w, err)
			return
		}
		if data, err = json.Marshal(reply); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		s.mu.Lock()
		if len(s.replies) >= maxReplies {
			clear(s.replies)
		}
		s.replies[key.String()] = data
		s.mu.Unlock()
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(data)
}

// maxReplies bounds the cached curve replies.
const maxReplies = 64

// columnsOf lists the scalar columns of a run's episodes and metrics tables.
func columnsOf(dir string) (episodes, metrics []string) {
	episodes, _ = logs.Columns(filepath.Join(dir, "episodes.parquet"))
	metrics, _ = logs.Columns(filepath.Join(dir, "metrics.parquet"))
	return episodes, metrics
}

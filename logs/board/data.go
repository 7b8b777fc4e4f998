package board

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"gorl/logs"
)

// RunRow is one line of the runs table.
type RunRow struct {
	ID          string            `json:"id"`
	Name        string            `json:"name"`
	Env         string            `json:"env"`
	Algo        string            `json:"algo"`
	Seed        string            `json:"seed"`
	Status      string            `json:"status"`
	Steps       int64             `json:"steps"`
	Episodes    int64             `json:"episodes"`
	FinalReturn *float64          `json:"final_return"` // mean of the last logs.FinalWindow episodes; null without episodes
	Wall        float64           `json:"wall_seconds"`
	Stamp       string            `json:"stamp"`           // changes whenever a table of the run changes
	Sweep       string            `json:"sweep,omitempty"` // the sweep directory holding the run
	Params      map[string]string `json:"params,omitempty"`
	Config      map[string]string `json:"config"`  // config.json flattened to dotted keys
	Columns     []string          `json:"columns"` // scalar columns of episodes and metrics
}

type cachedRun struct {
	stamp string
	row   RunRow
}

// stampOf fingerprints a run's files by size and modification time.
func stampOf(dir string) string {
	var b strings.Builder
	for _, f := range []string{"config.json", "status.json", "episodes.parquet", "metrics.parquet"} {
		if st, err := os.Stat(filepath.Join(dir, f)); err == nil {
			fmt.Fprintf(&b, "%d.%d;", st.Size(), st.ModTime().UnixNano())
		} else {
			b.WriteString("-;")
		}
	}
	return b.String()
}

// row returns the runs-table line of dir, read again only when its files changed.
func (s *Server) row(dir, id string) (RunRow, error) {
	stamp := stampOf(dir)
	s.mu.Lock()
	c, ok := s.cache[dir]
	s.mu.Unlock()
	if ok && c.stamp == stamp {
		return c.row, nil
	}
	sum, err := logs.Overview(dir)
	if err != nil {
		return RunRow{}, err
	}
	r := RunRow{ID: id, Name: filepath.Base(dir), Env: sum.EnvID, Algo: sum.Algo, Seed: sum.Seed, Status: sum.Status,
		Steps: sum.EnvSteps, Episodes: sum.Episodes, Wall: sum.WallSeconds, Stamp: stamp, Config: map[string]string{}}
	if sum.Episodes > 0 && !math.IsNaN(sum.FinalReturn) {
		v := sum.FinalReturn
		r.FinalReturn = &v
	}
	flatten("", sum.Config, r.Config)
	ep, met := columnsOf(dir)
	for _, c := range append(ep, met...) {
		if !slices.Contains(r.Columns, c) && c != "seed" {
			r.Columns = append(r.Columns, c)
		}
	}
	if params, ok := sweepParams(dir); ok {
		r.Params = params
		r.Sweep = filepath.Base(filepath.Dir(dir))
	}
	s.mu.Lock()
	s.cache[dir] = cachedRun{stamp: stamp, row: r}
	s.mu.Unlock()
	return r, nil
}

// flatten writes the scalars of a decoded config under dotted keys (lists joined by ",").
func flatten(prefix string, v any, out map[string]string) {
	switch x := v.(type) {
	case map[string]any:
		for k, sub := range x {
			key := k
			if prefix != "" {
				key = prefix + "." + k
			}
			flatten(key, sub, out)
		}
	case []any:
		parts := make([]string, 0, len(x))
		for _, e := range x {
			switch e.(type) {
			case map[string]any, []any:
				return
			}
			parts = append(parts, fmt.Sprint(e))
		}
		out[prefix] = strings.Join(parts, ",")
	case nil:
	case float64:
		out[prefix] = strconv.FormatFloat(x, 'g', -1, 64)
	default:
		out[prefix] = fmt.Sprint(x)
	}
}

// sweepParams reads the grid values of a run from the sweep.json of its parent directory.
func sweepParams(dir string) (map[string]string, bool) {
	data, err := os.ReadFile(filepath.Join(filepath.Dir(dir), "sweep.json"))
	if err != nil {
		return nil, false
	}
	var plan struct {
		Runs []struct {
			Name   string            `json:"name"`
			Params map[string]string `json:"params"`
			Seed   uint64            `json:"seed"`
		} `json:"runs"`
	}
	if json.Unmarshal(data, &plan) != nil {
		return nil, false
	}
	for _, r := range plan.Runs {
		if r.Name == filepath.Base(dir) {
			p := map[string]string{"seed": strconv.FormatUint(r.Seed, 10)}
			for k, v := range r.Params {
				p[k] = v
			}
			return p, true
		}
	}
	return nil, false
}

// Rows returns the runs table: every run under the roots.
func (s *Server) Rows() ([]RunRow, error) {
	dirs, ids := s.runDirs()
	rows := make([]RunRow, 0, len(dirs))
	for i, dir := range dirs {
		r, err := s.row(dir, ids[i])
		if err != nil {
			continue // a run being created: config.json not yet written, say
		}
		rows = append(rows, r)
	}
	return rows, nil
}

// groupKeys are the keys the runs can be grouped by: run, the identity columns, the sweep
// parameters and every config key whose value differs between runs.
func groupKeys(rows []RunRow) []string {
	keys := []string{"run", "algo", "env", "seed"}
	params := map[string]bool{}
	values := map[string]map[string]bool{}
	for _, r := range rows {
		for k := range r.Params {
			params[k] = true
		}
		for k, v := range r.Config {
			if values[k] == nil {
				values[k] = map[string]bool{}
			}
			values[k][v] = true
		}
	}
	var extra []string
	for k := range params {
		if !slices.Contains(keys, k) {
			extra = append(extra, k)
		}
	}
	sort.Strings(extra)
	keys = append(keys, extra...)
	var cfg []string
	for k, vs := range values {
		if (len(vs) > 1 || len(rows) == 1) && !slices.Contains(keys, k) {
			cfg = append(cfg, k)
		}
	}
	sort.Strings(cfg)
	return append(keys, cfg...)
}

func (s *Server) handleRuns(w http.ResponseWriter, _ *http.Request) {
	rows, _ := s.Rows()
	writeJSON(w, map[string]any{"runs": rows, "group_keys": groupKeys(rows)})
}

// groupOf is the value of key for a run ("run": the run's name).
func groupOf(r RunRow, key string) string {
	var v string
	switch key {
	case "", "run":
		return r.Name
	case "algo":
		v = r.Algo
	case "env":
		v = r.Env
	case "seed":
		v = r.Seed
	default:
		if p, ok := r.Params[key]; ok {
			v = p
		} else {
			v = r.Config[key]
		}
	}
	if v == "" {
		return "no " + key
	}
	if key == "algo" || key == "env" {
		return v
	}
	return key + "=" + v
}

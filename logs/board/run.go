package board

import (
	"encoding/json"
	"errors"
	"io/fs"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"gorl/logs"
)

// maxEpisodeRows is the number of last episodes the run page lists.
const maxEpisodeRows = 500

// RunPage is what the page of one run shows.
type RunPage struct {
	Row            RunRow          `json:"row"`
	Config         json.RawMessage `json:"config"`
	Summary        map[string]any  `json:"summary"`
	EpisodeColumns []string        `json:"episode_columns"`
	MetricColumns  []string        `json:"metric_columns"`
	EpisodeRows    [][]any         `json:"episode_rows"` // the last maxEpisodeRows episodes
	EpisodeTotal   int             `json:"episode_total"`
	Poses          bool            `json:"poses"` // step rows carry body_pos (3D replay)
	Media          []string        `json:"media"` // rendered videos and images in the run directory
}

func (s *Server) handleRun(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("run")
	dir, err := s.resolve(id)
	if err != nil {
		fail(w, err)
		return
	}
	row, err := s.row(dir, id)
	if err != nil {
		fail(w, err)
		return
	}
	page := RunPage{Row: row, Summary: map[string]any{}, EpisodeRows: [][]any{}, EpisodeColumns: []string{}, MetricColumns: []string{}}
	page.Config, _ = os.ReadFile(filepath.Join(dir, "config.json"))
	if !json.Valid(page.Config) {
		page.Config = json.RawMessage("null")
	}
	if ep, met := columnsOf(dir); met != nil {
		page.EpisodeColumns, page.MetricColumns = ep, met
	}
	if sum, err := logs.Overview(dir); err == nil {
		for k, v := range map[string]float64{"episodes": float64(sum.Episodes), "return_mean": sum.ReturnMean, "return_std": sum.ReturnStd,
			"return_min": sum.ReturnMin, "return_max": sum.ReturnMax, "final_return": sum.FinalReturn, "length_mean": sum.LengthMean,
			"env_steps": float64(sum.EnvSteps), "wall_seconds": sum.WallSeconds, "metric_rows": float64(sum.MetricRows)} {
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				page.Summary[k] = v
			}
		}
		for k, v := range sum.MetricLast {
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				page.Summary["last "+k] = v
			}
		}
	}
	if t, err := logs.EpisodesTable(dir); err == nil {
		page.EpisodeTotal = len(t.Rows)
		page.EpisodeRows = t.Rows[max(0, len(t.Rows)-maxEpisodeRows):]
		for _, row := range page.EpisodeRows {
			for j, v := range row {
				if f, ok := v.(float64); ok && (math.IsNaN(f) || math.IsInf(f, 0)) {
					row[j] = nil
				}
			}
		}
		page.EpisodeColumns = t.Columns
	}
	if parts, err := logs.StepParts(dir); err == nil && len(parts) > 0 {
		page.Poses, _ = logs.HasColumn(parts[0], "body_pos")
		if page.Poses {
			page.Poses = hasPoseValues(parts[0])
		}
	}
	page.Media = media(dir)
	writeJSON(w, page)
}

// hasPoseValues reports whether the first step row of a part file holds body positions
// (the column exists, empty, in every step table).
func hasPoseValues(part string) bool {
	found := errors.New("found")
	err := logs.ScanSteps(part, func(r *logs.StepRow) error {
		if len(r.BodyPos) > 0 {
			return found
		}
		return errors.New("none")
	})
	return err == found
}

// media lists the videos and images in a run directory (two levels deep), as paths
// relative to it.
func media(dir string) []string {
	out := []string{}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		if d.IsDir() {
			if strings.Count(rel, string(filepath.Separator)) >= 1 || rel == "steps" || rel == "checkpoints" {
				return filepath.SkipDir
			}
			return nil
		}
		switch strings.ToLower(filepath.Ext(p)) {
		case ".mp4", ".gif", ".png", ".svg", ".webm":
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	slices.Sort(out)
	return out
}

// Pose is one logged step of a 3D episode.
type Pose struct {
	Step   int64   `json:"step"`
	Reward float64 `json:"reward"`
	Pos    floats  `json:"pos"` // x, y, z of each body
}

// maxPoseSteps bounds the steps of a replay.
const maxPoseSteps = 5000

func (s *Server) handlePoses(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	dir, err := s.resolve(q.Get("run"))
	if err != nil {
		fail(w, err)
		return
	}
	parts, err := logs.StepParts(dir)
	if err != nil || len(parts) == 0 {
		fail(w, errors.New("run has no step rows"))
		return
	}
	var episodes []int64
	err = logs.ScanColumns(parts, []string{"episode"}, func(c [][]float64) error {
		for _, e := range c[0] {
			if n := len(episodes); n == 0 || episodes[n-1] != int64(e) {
				episodes = append(episodes, int64(e))
			}
		}
		return nil
	})
	if err != nil {
		fail(w, err)
		return
	}
	slices.Sort(episodes)
	episodes = slices.Compact(episodes)
	want := int64(-1)
	if e := q.Get("episode"); e != "" {
		want, _ = strconv.ParseInt(e, 10, 64)
	} else if len(episodes) > 0 {
		want = episodes[len(episodes)-1]
	}
	var poses []Pose
	stop := errors.New("stop")
	err = logs.ScanSteps(dir, func(st *logs.StepRow) error {
		if st.Episode != want {
			return nil
		}
		if len(poses) >= maxPoseSteps {
			return stop
		}
		poses = append(poses, Pose{Step: st.Step, Reward: st.Reward, Pos: slices.Clone(st.BodyPos)})
		return nil
	})
	if err != nil && err != stop {
		fail(w, err)
		return
	}
	writeJSON(w, map[string]any{"episodes": episodes, "episode": want, "poses": poses})
}

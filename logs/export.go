package logs

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
)

// ExportSteps streams the step rows of a run directory (or one part file) to w as CSV or
// JSON lines, without holding more than one row. JSON lines use the Parquet column names
// (env_id, episode, step, obs, action, reward, terminated, truncated, context, log_prob,
// value, body_pos, body_quat), lists as arrays and absent values as null. CSV spreads
// each list column over numbered columns (obs_0, obs_1, ..., action_0, ...) whose count
// is taken from the first row; a later row with a different count is an error (use JSON
// lines for such runs). Empty lists have no columns; absent values are empty cells.
func ExportSteps(dirOrFile string, w io.Writer, format string) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	var err error
	switch format {
	case FormatCSV:
		err = exportStepsCSV(dirOrFile, bw)
	case FormatJSONL:
		err = exportStepsJSONL(dirOrFile, bw)
	default:
		return fmt.Errorf("export steps: unknown format %q (want csv or jsonl)", format)
	}
	if err != nil {
		return err
	}
	return bw.Flush()
}

func exportStepsCSV(dirOrFile string, w io.Writer) error {
	cw := csv.NewWriter(w)
	var widths [4]int
	var cells []string
	rows := int64(0)
	err := ScanSteps(dirOrFile, func(s *StepRow) error {
		lists := [4][]float64{s.Obs, s.Action, s.BodyPos, s.BodyQuat}
		if rows == 0 {
			header := []string{"env_id", "episode", "step"}
			for i, name := range []string{"obs", "action"} {
				widths[i] = len(lists[i])
				header = append(header, numbered(name, widths[i])...)
			}
			header = append(header, "reward", "terminated", "truncated", "context", "log_prob", "value")
			for i, name := range []string{"body_pos", "body_quat"} {
				widths[2+i] = len(lists[2+i])
				header = append(header, numbered(name, widths[2+i])...)
			}
			if err := cw.Write(header); err != nil {
				return err
			}
		}
		for i, name := range []string{"obs", "action", "body_pos", "body_quat"} {
			if len(lists[i]) != widths[i] {
				return fmt.Errorf("export steps: row %d (episode %d step %d) has %d %s values where the first row has %d; export as jsonl",
					rows, s.Episode, s.Step, len(lists[i]), name, widths[i])
			}
		}
		cells = append(cells[:0], s.EnvID, strconv.FormatInt(s.Episode, 10), strconv.FormatInt(s.Step, 10))
		cells = appendFloats(cells, s.Obs)
		cells = appendFloats(cells, s.Action)
		cells = append(cells, fmtFloat(s.Reward), strconv.FormatBool(s.Terminated), strconv.FormatBool(s.Truncated), "")
		if s.Context != NoContext {
			cells[len(cells)-1] = strconv.FormatInt(s.Context, 10)
		}
		cells = append(cells, fmtFloat(s.LogProb), fmtFloat(s.Value))
		cells = appendFloats(cells, s.BodyPos)
		cells = appendFloats(cells, s.BodyQuat)
		rows++
		return cw.Write(cells)
	})
	if err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

func numbered(name string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = name + "_" + strconv.Itoa(i)
	}
	return out
}

func appendFloats(cells []string, v []float64) []string {
	for _, x := range v {
		cells = append(cells, fmtFloat(x))
	}
	return cells
}

func fmtFloat(x float64) string {
	if math.IsNaN(x) {
		return ""
	}
	return strconv.FormatFloat(x, 'g', -1, 64)
}

// jsonStep is the JSON-lines layout of a step row.
type jsonStep struct {
	EnvID      string    `json:"env_id"`
	Episode    int64     `json:"episode"`
	Step       int64     `json:"step"`
	Obs        []float64 `json:"obs"`
	Action     []float64 `json:"action"`
	Reward     float64   `json:"reward"`
	Terminated bool      `json:"terminated"`
	Truncated  bool      `json:"truncated"`
	Context    *int64    `json:"context"`
	LogProb    *float64  `json:"log_prob"`
	Value      *float64  `json:"value"`
	BodyPos    []float64 `json:"body_pos"`
	BodyQuat   []float64 `json:"body_quat"`
}

func exportStepsJSONL(dirOrFile string, w io.Writer) error {
	enc := json.NewEncoder(w)
	return ScanSteps(dirOrFile, func(s *StepRow) error {
		j := jsonStep{EnvID: s.EnvID, Episode: s.Episode, Step: s.Step, Obs: orEmpty(s.Obs), Action: orEmpty(s.Action),
			Reward: s.Reward, Terminated: s.Terminated, Truncated: s.Truncated, BodyPos: orEmpty(s.BodyPos), BodyQuat: orEmpty(s.BodyQuat)}
		if s.Context != NoContext {
			j.Context = &s.Context
		}
		if !math.IsNaN(s.LogProb) {
			j.LogProb = &s.LogProb
		}
		if !math.IsNaN(s.Value) {
			j.Value = &s.Value
		}
		if err := enc.Encode(&j); err != nil {
			return fmt.Errorf("export steps: episode %d step %d: %w", s.Episode, s.Step, err)
		}
		return nil
	})
}

func orEmpty(v []float64) []float64 {
	if v == nil {
		return []float64{}
	}
	return v
}

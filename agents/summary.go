package agents

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
)

// WriteText prints the summary of run (named runDir) as gorl train does. "return" is
// the one definition of a run's final return across train, logs ls and logs summary:
// the mean of the last ReturnWindow finished episodes.
func (s Summary) WriteText(w io.Writer, runDir string, rc *RunConfig) {
	fmt.Fprintf(w, "run        %s\n", runDir)
	fmt.Fprintf(w, "env        %s, %s, seed %d\n", rc.Env, s.Label, rc.Seed)
	if s.ResumedSteps >= 0 {
		if s.Updates > 0 {
			fmt.Fprintf(w, "resumed    from update %d\n", s.Resumed)
		} else {
			fmt.Fprintf(w, "resumed    from env step %d\n", s.ResumedSteps)
		}
	}
	if s.Updates > 0 {
		fmt.Fprintf(w, "updates    %d of %d\n", s.Update, s.Updates)
	} else {
		fmt.Fprintf(w, "updates    %d (gradient steps)\n", s.Update)
	}
	fmt.Fprintf(w, "env steps  %d\n", s.EnvSteps)
	fmt.Fprintf(w, "episodes   %d\n", s.Episodes)
	if !math.IsNaN(s.RecentReturn) {
		fmt.Fprintf(w, "return     %.2f (mean of the last %d episodes)\n", s.RecentReturn, s.ReturnWindow)
	}
	if line := rewardTermsLine(s.Metrics); line != "" {
		fmt.Fprintf(w, "terms      %s (per episode, recent episodes)\n", line)
	}
	for _, m := range s.Members {
		if m.Last == 0 {
			fmt.Fprintf(w, "  %-28s no episode finished\n", m.Name)
			continue
		}
		fmt.Fprintf(w, "  %-28s %.2f (mean of the last %d of %d episodes)\n", m.Name, m.Recent, m.Last, m.Episodes)
	}
	if s.Target != nil {
		verdict := "not reached"
		if s.Solved {
			verdict = fmt.Sprintf("reached after %d env steps", s.EnvSteps)
		}
		fmt.Fprintf(w, "target     %.2f: %s\n", *s.Target, verdict)
	}
	if s.WallSeconds > 0 {
		fmt.Fprintf(w, "wall       %.2f s (%.0f env steps/s)\n", s.WallSeconds, float64(s.EnvSteps)/s.WallSeconds)
	}
	if s.Checkpoint != "" {
		fmt.Fprintf(w, "checkpoint %s\n", s.Checkpoint)
	}
}

// SummaryJSON is the one-line JSON summary of a run (gorl train --json; the PyTorch
// peer prints the same keys).
type SummaryJSON struct {
	Run         string   `json:"run"`
	Env         string   `json:"env"`
	Algo        string   `json:"algo"`
	Objective   string   `json:"objective"` // the variant: objective, rule or architecture
	Seed        uint64   `json:"seed"`
	Updates     int      `json:"updates"`
	EnvSteps    int64    `json:"env_steps"`
	Episodes    int64    `json:"episodes"`
	LastMean    *float64 `json:"last20_mean"`
	Target      *float64 `json:"target,omitempty"`
	Solved      bool     `json:"solved"`
	WallSeconds float64  `json:"wall_s"`
	ResumedFrom *int64   `json:"resumed_from_env_step,omitempty"`
}

// WriteJSON prints the summary as one JSON line.
func (s Summary) WriteJSON(w io.Writer, runDir string, rc *RunConfig) error {
	j := SummaryJSON{Run: runDir, Env: rc.Env, Algo: rc.Algo, Objective: s.Variant, Seed: rc.Seed, Updates: s.Update,
		EnvSteps: s.EnvSteps, Episodes: s.Episodes, Target: s.Target, Solved: s.Solved,
		WallSeconds: math.Round(s.WallSeconds*1000) / 1000}
	if s.ResumedSteps >= 0 {
		j.ResumedFrom = &s.ResumedSteps
	}
	if !math.IsNaN(s.RecentReturn) {
		j.LastMean = &s.RecentReturn
	}
	data, err := json.Marshal(j)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(w, string(data))
	return err
}

// rewardTermNames are the terms of a 3D task's reward (env/locomotion), in the order
// the summary prints them.
var rewardTermNames = []string{"progress", "heading", "alive", "control"}

// rewardTermsLine is "progress 64.10, heading ..., alive ..., control ..." for the terms
// metrics holds, or "" when it holds none.
func rewardTermsLine(metrics map[string]float64) string {
	line := ""
	for _, name := range rewardTermNames {
		if v, ok := metrics[name]; ok {
			if line != "" {
				line += ", "
			}
			line += fmt.Sprintf("%s %.2f", name, v)
		}
	}
	return line
}

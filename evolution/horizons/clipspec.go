package horizons

import (
	"errors"
	"fmt"
	"io"
	"math"

	"gorl/agents/ppo"
	"gorl/logs"
)

// ClipSpec is an effective clip range analysis (gorl drift clip): r*(A, n/N) of an
// objective for every advantage of Advs and Points values of n/N from 0 to 1, over the
// ratio grid [RMin, RMax] in steps of RStep.
type ClipSpec struct {
	// File is a drift network file; without it, Objective names a built-in objective
	// (clip or dpo). With it, Objective ("" or lpo, ta-lpo) is checked against the file.
	File, Objective   string
	ClipEps           float64 // --objective clip's range, and the PPO-clip reference's
	Advs              []float64
	Points            int
	RMin, RMax, RStep float64
}

// Validate reports the first setting out of range in one line, naming gorl drift
// clip's flags.
func (s ClipSpec) Validate() error {
	if len(s.Advs) == 0 {
		return errors.New("--adv needs at least one advantage")
	}
	for _, a := range s.Advs {
		if math.IsNaN(a) || math.Abs(a) > 1e6 {
			return fmt.Errorf("--adv values must be finite numbers in [-1e6, 1e6], got %v", a)
		}
	}
	switch {
	case s.Points < 2 || s.Points > 10001:
		return fmt.Errorf("--points must be in [2, 10001], got %d", s.Points)
	case !(s.RMin > 0 && s.RMin < 1):
		return fmt.Errorf("--r-min must be in (0, 1), got %v", s.RMin)
	case !(s.RMax > 1 && s.RMax <= 1e6):
		return fmt.Errorf("--r-max must be in (1, 1e6], got %v", s.RMax)
	case !(s.RStep > 0) || math.IsInf(s.RStep, 0) || (s.RMax-s.RMin)/s.RStep > 1<<22:
		return fmt.Errorf("--r-step must be a positive number giving at most %d grid points, got %v", 1<<22, s.RStep)
	case !(s.ClipEps > 0 && s.ClipEps < 1):
		return fmt.Errorf("--clip-eps must be in (0, 1), got %v", s.ClipEps)
	}
	return nil
}

// Clip is the result of a ClipSpec.
type Clip struct {
	Spec     ClipSpec
	Obj      ppo.Objective
	Grid     ppo.EffectiveClip
	Progress []float64
	Points   []ppo.ClipPoint
	// PPOEps is the clip range of the PPO-clip reference lines: a PPO-initialised
	// drift's own, else ClipEps.
	PPOEps float64
}

// Run computes the table of s.
func (s ClipSpec) Run() (*Clip, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	obj, err := s.objective()
	if err != nil {
		return nil, err
	}
	c := &Clip{Spec: s, Obj: obj, PPOEps: s.ClipEps,
		Grid: ppo.EffectiveClip{RMin: s.RMin, RMax: s.RMax, Points: int(math.Round((s.RMax-s.RMin)/s.RStep)) + 1}}
	if c.Grid.Points < 3 {
		return nil, fmt.Errorf("--r-step %v leaves fewer than 3 grid points in [%v, %v]", s.RStep, s.RMin, s.RMax)
	}
	c.Progress = make([]float64, s.Points)
	for i := range c.Progress {
		c.Progress[i] = float64(i) / float64(s.Points-1)
	}
	if c.Points, err = c.Grid.Table(obj, s.Advs, c.Progress, nil); err != nil {
		return nil, err
	}
	if l, ok := obj.(*ppo.LPO); ok && l.PPOInit && l.ClipEps != 0 {
		c.PPOEps = float64(l.ClipEps)
	}
	return c, nil
}

// objective is the objective to analyse: the drift network in File (when given), or
// the built-in objective named (clip or dpo).
func (s ClipSpec) objective() (ppo.Objective, error) {
	switch s.Objective {
	case "", "clip", "dpo", "lpo", "ta-lpo":
	default:
		return nil, fmt.Errorf("unknown --objective %q (want clip, dpo, lpo or ta-lpo)", s.Objective)
	}
	if s.File == "" {
		switch s.Objective {
		case "clip":
			return ppo.Clip{Eps: float32(s.ClipEps)}, nil
		case "dpo":
			return &ppo.DPO{}, nil
		case "":
			return nil, errors.New("want a drift file (gorl evolve's mean.drift or best.drift) or --objective clip or dpo")
		}
		return nil, fmt.Errorf("--objective %s needs a drift file", s.Objective)
	}
	if s.Objective == "clip" || s.Objective == "dpo" {
		return nil, fmt.Errorf("--objective %s takes no drift file (got %s)", s.Objective, s.File)
	}
	if problem := logs.FileProblem(s.File); problem != "" {
		return nil, fmt.Errorf("drift file %s%s", s.File, problem)
	}
	l, err := ppo.LoadLPO(s.File)
	if err != nil {
		return nil, err
	}
	if s.Objective != "" && l.Name() != s.Objective {
		return nil, fmt.Errorf("%s holds a %s drift network, not %s", s.File, l.Name(), s.Objective)
	}
	return l, nil
}

// Write writes the table in format: logs.FormatTable has one row per n/N and one column
// per A; csv, json and jsonl one row per (A, n/N).
func (c *Clip) Write(w io.Writer, format string) error {
	if format == logs.FormatTable {
		return WriteClipText(w, c.Obj, c.Spec.File, c.Grid, c.Spec.Advs, c.Progress, c.Points, c.PPOEps)
	}
	return ClipLongTable(c.Points).Write(w, format)
}

// SavePlot draws r* against n/N into path; title "" names the objective.
func (c *Clip) SavePlot(path, title string, width, height float64) error {
	if title == "" {
		title = "effective clip range of " + c.Obj.Name()
	}
	return SaveClipPlot(path, title, width, height, c.Spec.Advs, c.Progress, c.Points, c.PPOEps)
}

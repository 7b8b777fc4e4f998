package horizons

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"gorl/agents/ppo"
	"gorl/logs"
	"gorl/logs/plot"
)

// The effective-clip analysis of a drift (gorl drift clip): tables and a plot of
// r*(A, n/N) = argmax_r (r A - drift(r, A, n/N)) from ppo.EffectiveClip.

func advLabel(a float64) string { return "A=" + strconv.FormatFloat(a, 'g', -1, 64) }

// WriteClipText writes the wide table (rows n/N, columns A) and the spread of r* per A.
func WriteClipText(w io.Writer, obj ppo.Objective, file string, ec ppo.EffectiveClip, advs, progress []float64, pts []ppo.ClipPoint, eps float64) error {
	src := obj.Name()
	if file != "" {
		src += " (" + file + ")"
	}
	fmt.Fprintf(w, "effective clip ratio r* = argmax_r (r A - drift(r, A, n/N)) of %s; grid [%g, %g] step %g\n",
		src, ec.RMin, ec.RMax, ec.Step())
	t := &logs.Table{Columns: []string{"n/N"}}
	for _, a := range advs {
		t.Columns = append(t.Columns, advLabel(a))
	}
	np := len(progress)
	for j, p := range progress {
		row := []any{strconv.FormatFloat(p, 'f', 3, 64)}
		for i := range advs {
			row = append(row, clipCell(pts[i*np+j]))
		}
		t.Rows = append(t.Rows, row)
	}
	if err := t.WriteText(w); err != nil {
		return err
	}
	var spread []string
	for i, a := range advs {
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, p := range pts[i*np : (i+1)*np] {
			lo, hi = math.Min(lo, p.Ratio), math.Max(hi, p.Ratio)
		}
		spread = append(spread, fmt.Sprintf("%s %.3f", advLabel(a), hi-lo))
	}
	_, err := fmt.Fprintf(w, "spread of r* over n/N: %s (PPO-clip: %g for A > 0, %g for A < 0, spread 0)\n",
		strings.Join(spread, ", "), 1+eps, 1-eps)
	return err
}

// clipCell formats r*, marking a bound outside the grid.
func clipCell(p ppo.ClipPoint) string {
	s := strconv.FormatFloat(p.Ratio, 'f', 3, 64)
	switch {
	case p.AtEdge && p.Ratio >= 1:
		return ">=" + s
	case p.AtEdge:
		return "<=" + s
	}
	return s
}

// ClipLongTable has one row per (A, n/N): adv, progress, ratio, surrogate, at_edge.
func ClipLongTable(pts []ppo.ClipPoint) *logs.Table {
	t := &logs.Table{Columns: []string{"adv", "progress", "ratio", "surrogate", "at_edge"}}
	for _, p := range pts {
		t.Rows = append(t.Rows, []any{p.Adv, p.Progress, p.Ratio, p.Surrogate, p.AtEdge})
	}
	return t
}

// SaveClipPlot draws r* against n/N, one line per advantage, with PPO-clip's bounds
// drawn over the lines (logs/plot.Lines), so that neither a bound nor lines that
// coincide (r* at the grid's edge for several A) hide one another.
func SaveClipPlot(path, title string, width, height float64, advs, progress []float64, pts []ppo.ClipPoint, eps float64) error {
	np := len(progress)
	lines := make([]plot.Line, len(advs))
	for i, a := range advs {
		lines[i] = plot.Line{Label: advLabel(a), X: progress, Y: make([]float64, np)}
		for j := range np {
			lines[i].Y[j] = pts[i*np+j].Ratio
		}
	}
	refs := []plot.Ref{{Label: fmt.Sprintf("PPO-clip 1 + %g", eps), Y: 1 + eps}, {Label: fmt.Sprintf("PPO-clip 1 - %g", eps), Y: 1 - eps}}
	f := plot.Lines{Title: title, XLabel: "training progress n/N", YLabel: "effective clip ratio r*", Width: width, Height: height, Markers: true}
	return f.Save(path, lines, refs)
}

package horizons

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"strconv"
	"strings"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"

	"gorl/agents/ppo"
	"gorl/logs"
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

// SaveClipPlot draws r* against n/N, one line per advantage, with PPO-clip's bounds.
func SaveClipPlot(path, title string, width, height float64, advs, progress []float64, pts []ppo.ClipPoint, eps float64) error {
	p := gplot.New()
	p.Title.Text = title
	p.X.Label.Text = "training progress n/N"
	p.Y.Label.Text = "effective clip ratio r*"
	p.Add(plotter.NewGrid())
	p.Legend.Top = true
	p.Legend.Left = false
	np := len(progress)
	for _, ref := range []float64{1 + eps, 1 - eps} {
		l, err := plotter.NewLine(plotter.XYs{{X: progress[0], Y: ref}, {X: progress[np-1], Y: ref}})
		if err != nil {
			return fmt.Errorf("plot %s: %w", path, err)
		}
		l.Color = color.Gray{Y: 0x70}
		l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		l.Width = vg.Points(1)
		p.Add(l)
		if ref > 1 {
			p.Legend.Add(fmt.Sprintf("PPO-clip 1 ± %g", eps), l)
		}
	}
	for i, a := range advs {
		xys := make(plotter.XYs, np)
		for j := range xys {
			xys[j] = plotter.XY{X: progress[j], Y: pts[i*np+j].Ratio}
		}
		l, s, err := plotter.NewLinePoints(xys)
		if err != nil {
			return fmt.Errorf("plot %s: %w", path, err)
		}
		col := plotutil.Color(i)
		l.Color, l.Width = col, vg.Points(2)
		s.Color, s.Shape, s.Radius = col, plotutil.Shape(i), vg.Points(2.5)
		p.Add(l, s)
		p.Legend.Add(advLabel(a), l, s)
	}
	// Room around the lines: r* often sits at the grid's ends.
	lo, hi := 1-eps, 1+eps
	for _, pt := range pts {
		lo, hi = math.Min(lo, pt.Ratio), math.Max(hi, pt.Ratio)
	}
	p.Y.Min, p.Y.Max = lo-0.05*(hi-lo), hi+0.05*(hi-lo)
	// Room on the right for the legend, so that it hides no line.
	p.X.Min, p.X.Max = progress[0], progress[np-1]+0.3*(progress[np-1]-progress[0])
	p.X.Tick.Marker = gplot.TickerFunc(func(float64, float64) []gplot.Tick {
		return gplot.DefaultTicks{}.Ticks(progress[0], progress[np-1])
	})
	if err := p.Save(vg.Length(width)*vg.Inch, vg.Length(height)*vg.Inch, path); err != nil {
		return fmt.Errorf("plot %s: %w", path, err)
	}
	return nil
}

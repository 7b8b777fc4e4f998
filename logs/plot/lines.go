package plot

import (
	"errors"
	"fmt"
	"image/color"
	"math"
	"slices"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Line is one line of a Lines figure.
type Line struct {
	Label string // legend entry ("" for none)
	X, Y  []float64
	Faint bool // thin grey line without markers (e.g. single seeds under a mean)
}

// Ref is a horizontal reference line (a baseline's value), drawn over the data in black
// and labelled at its right end, so that a line lying on it cannot hide it.
type Ref struct {
	Label string
	Y     float64
}

// Lines settings. Zero values mean defaults.
type Lines struct {
	Title  string
	XLabel string
	YLabel string
	Width  float64 // inches, default 8
	Height float64 // inches, default 5
	LogX   bool    // log x axis (points at x <= 0 are left out)
	LogY   bool    // log y axis (points at y <= 0 are left out)
	// Markers draws a marker shape per line at every point. Where later lines pass
	// through the same point, an earlier line's marker (and line) is drawn larger, so that
	// coinciding lines nest and each stays visible.
	Markers bool
}

// Save draws lines and reference lines on one figure and writes it to path (format by
// extension). Lines that coincide stay distinguishable: each has its own colour and
// dashes, and earlier lines are drawn wider under later ones.
func (f Lines) Save(path string, lines []Line, refs []Ref) error {
	if _, err := format(path); err != nil {
		return err
	}
	p := gplot.New()
	leg := gplot.NewLegend()
	p.Title.Text = f.Title
	p.X.Label.Text, p.Y.Label.Text = f.XLabel, f.YLabel
	axes(&p.X, f.LogX)
	axes(&p.Y, f.LogY)
	p.Add(plotter.NewGrid())
	var marked []int
	for i, l := range lines {
		if !l.Faint {
			marked = append(marked, i)
		}
	}
	xlo, xhi := math.Inf(1), math.Inf(-1)
	for i, l := range lines {
		pts := f.keep(l.X, l.Y)
		if len(pts) == 0 {
			continue
		}
		xlo, xhi = math.Min(xlo, pts[0].X), math.Max(xhi, pts[len(pts)-1].X)
		line, err := plotter.NewLine(pts)
		if err != nil {
			return fmt.Errorf("plot %s: line %q: %w", path, l.Label, err)
		}
		if l.Faint {
			line.Color, line.Width = color.Gray{Y: 190}, vg.Points(0.5)
			p.Add(line)
			continue
		}
		k := indexOf(marked, i)
		over := coinciding(lines, marked, k)
		line.Color = plotutil.Color(k)
		line.Dashes = plotutil.Dashes(k)
		line.Width = vg.Points(1.5 + 1.5*float64(slices.Max(append(over, 0))))
		p.Add(line)
		thumbs := []gplot.Thumbnailer{line}
		if f.Markers {
			sc, err := plotter.NewScatter(pts)
			if err != nil {
				return fmt.Errorf("plot %s: line %q: %w", path, l.Label, err)
			}
			sc.Color, sc.Shape, sc.Radius = line.Color, plotutil.Shape(k), vg.Points(3)
			if len(over) == len(pts) {
				sc.GlyphStyleFunc = func(j int) draw.GlyphStyle {
					return draw.GlyphStyle{Color: line.Color, Shape: plotutil.Shape(k), Radius: vg.Points(3 + 2*float64(over[j]))}
				}
			}
			p.Add(sc)
			thumbs = append(thumbs, sc)
		}
		if l.Label != "" {
			leg.Add(l.Label, thumbs...)
		}
	}
	if math.IsInf(xlo, 0) {
		return errors.New("plot " + path + ": no line to draw")
	}
	for _, r := range refs {
		line, err := plotter.NewLine(plotter.XYs{{X: xlo, Y: r.Y}, {X: xhi, Y: r.Y}})
		if err != nil {
			return fmt.Errorf("plot %s: reference %q: %w", path, r.Label, err)
		}
		line.Color, line.Width = color.Black, vg.Points(1.2)
		line.Dashes = []vg.Length{vg.Points(6), vg.Points(3)}
		p.Add(line)
		if r.Label != "" {
			lab, err := plotter.NewLabels(plotter.XYLabels{XYs: []plotter.XY{{X: xhi, Y: r.Y}}, Labels: []string{r.Label}})
			if err != nil {
				return fmt.Errorf("plot %s: reference %q: %w", path, r.Label, err)
			}
			lab.TextStyle[0].XAlign = draw.XRight
			lab.TextStyle[0].YAlign = draw.YBottom
			lab.Offset = vg.Point{X: -vg.Points(2), Y: vg.Points(2)}
			p.Add(lab)
			leg.Add(r.Label, line)
		}
	}
	padY(p, f.LogY)
	return saveOutside(p, leg, inches(f.Width, 8), inches(f.Height, 5), path)
}

// padY widens the y range by 6% on each side (in log units on a log axis), so that lines
// at the range's ends are not drawn on the axes' edges.
func padY(p *gplot.Plot, log bool) {
	lo, hi := p.Y.Min, p.Y.Max
	if log && lo > 0 {
		r := math.Pow(hi/lo, 0.06)
		if hi == lo {
			r = 1.2
		}
		p.Y.Min, p.Y.Max = lo/r, hi*r
		return
	}
	d := 0.06 * (hi - lo)
	if d == 0 {
		d = 0.06 * math.Max(math.Abs(hi), 1)
	}
	p.Y.Min, p.Y.Max = lo-d, hi+d
}

// keep returns the points a log axis can show.
func (f Lines) keep(x, y []float64) plotter.XYs {
	out := make(plotter.XYs, 0, len(x))
	for i := range x {
		if (f.LogX && x[i] <= 0) || (f.LogY && y[i] <= 0) || math.IsNaN(y[i]) {
			continue
		}
		out = append(out, plotter.XY{X: x[i], Y: y[i]})
	}
	return out
}

// coinciding counts, at each point of the k-th marked line, the later marked lines
// through the same point (nil when their x values differ).
func coinciding(lines []Line, marked []int, k int) []int {
	l := lines[marked[k]]
	out := make([]int, len(l.Y))
	for _, i := range marked[k+1:] {
		m := lines[i]
		if !slices.Equal(m.X, l.X) {
			return nil
		}
		for j := range l.Y {
			if math.Abs(m.Y[j]-l.Y[j]) <= 1e-9*math.Max(1, math.Abs(l.Y[j])) {
				out[j]++
			}
		}
	}
	return out
}

func indexOf(s []int, v int) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}

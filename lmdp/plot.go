package lmdp

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"

	lplot "gorl/logs/plot"
)

// Curve is one line of a regret plot: Y[k] is the value after episode k+1.
type Curve struct {
	Label string // legend entry ("" for none)
	Y     []float64
	Faint bool // thin grey line (e.g. single seeds under a mean)
}

// PlotRegret writes a PNG (or SVG/PDF, by extension) of cumulative regret against
// episodes, on a log x axis. logLog also puts y on a log scale. Long curves are thinned
// to about 2000 points.
func PlotRegret(path, title string, curves []Curve, logLog bool) error {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "episode"
	p.Y.Label.Text = "cumulative regret (exact)"
	// x is always on a log scale: regret flattens within the first tenth of the episodes,
	// which a linear axis squeezes against its left edge.
	p.X.Scale, p.X.Tick.Marker = plot.LogScale{}, plot.LogTicks{Prec: -1}
	if logLog {
		p.Y.Scale, p.Y.Tick.Marker = plot.LogScale{}, plot.LogTicks{Prec: -1}
	} else {
		p.Y.Tick.Marker = lplot.NiceTicks{}
	}
	p.Add(plotter.NewGrid())
	colour, top, named := 0, math.Inf(-1), 0
	for _, c := range curves {
		pts := thin(c.Y, logLog)
		if len(pts) == 0 {
			continue
		}
		line, err := plotter.NewLine(pts)
		if err != nil {
			return fmt.Errorf("plot %q: %w", path, err)
		}
		if c.Faint {
			line.Color = color.Gray{Y: 190}
			line.Width = vg.Points(0.5)
		} else {
			line.Color = plotutil.Color(colour)
			line.Dashes = plotutil.Dashes(0)
			line.Width = vg.Points(1.5)
			colour++
		}
		p.Add(line)
		if c.Label != "" {
			p.Legend.Add(c.Label, line)
			named++
		}
		for _, pt := range pts {
			top = max(top, pt.Y)
		}
	}
	// Head room above the curves for the legend (top left).
	if named > 0 && top > 0 {
		room := 1 + 0.07*float64(named)
		if logLog {
			room = math.Pow(10, 0.25*float64(named))
		}
		p.Y.Max = max(p.Y.Max, top*room)
	}
	p.Legend.Top, p.Legend.Left = true, true
	p.Legend.XOffs, p.Legend.YOffs = vg.Points(8), -vg.Points(4)
	if err := p.Save(7*vg.Inch, 4.5*vg.Inch, path); err != nil {
		return fmt.Errorf("plot %q: %w", path, err)
	}
	return nil
}

// thin keeps about 2000 points, log-spaced in x; on a log y axis non-positive values
// are dropped.
func thin(y []float64, logLog bool) plotter.XYs {
	n := len(y)
	var pts plotter.XYs
	add := func(k int) {
		v := y[k-1]
		if logLog && !(v > 0) {
			return
		}
		if len(pts) > 0 && pts[len(pts)-1].X == float64(k) {
			return
		}
		pts = append(pts, plotter.XY{X: float64(k), Y: v})
	}
	const target = 2000
	if n <= target {
		for k := 1; k <= n; k++ {
			add(k)
		}
		return pts
	}
	for j := 0; j <= target; j++ {
		var k int
		k = int(math.Round(math.Pow(float64(n), float64(j)/target))) // log-spaced, as the x axis
		add(min(max(k, 1), n))
	}
	return pts
}

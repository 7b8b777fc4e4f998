// Package plot draws learning curves aggregated by package logs (a mean line and a
// confidence band per group, all groups on one figure) and line figures with reference
// lines (Lines) with gonum.org/v1/plot: legends outside the axes, ticks at round values.
package plot

import (
	"errors"
	"fmt"
	"image/color"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"

	"gorl/logs"
)

// Figure settings. Zero values mean defaults.
type Figure struct {
	Title  string
	XLabel string  // default "x"
	YLabel string  // default "y"
	Width  float64 // inches, default 8
	Height float64 // inches, default 5
	// Members also draws every series of a group as a thin line under its mean.
	Members bool
	// BandLabel states the bands' method (logs.Aggregate.BandLabel, e.g. "95% bootstrap
	// CI of the mean"); the legend's first entry shows it.
	BandLabel string
	// LogX draws x on a log scale (points at x <= 0 are left out).
	LogX bool
}

// Save draws curves on one figure and writes it to path; the extension chooses the
// format (png, svg, pdf, jpg, eps, tif). The legend sits right of the axes. Curves with
// no common x range are left out; if none is left, Save fails.
func (f Figure) Save(path string, curves []logs.Curve) error {
	if _, err := format(path); err != nil {
		return err
	}
	p, leg, err := f.plot(curves)
	if err != nil {
		return fmt.Errorf("plot %s: %w", path, err)
	}
	return saveOutside(p, leg, inches(f.Width, 8), inches(f.Height, 5), path)
}

func (f Figure) plot(curves []logs.Curve) (*gplot.Plot, gplot.Legend, error) {
	p := gplot.New()
	leg := gplot.NewLegend()
	p.Title.Text = f.Title
	p.X.Label.Text = orDefault(f.XLabel, "x")
	p.Y.Label.Text = orDefault(f.YLabel, "y")
	axes(&p.X, f.LogX)
	axes(&p.Y, false)
	p.Add(plotter.NewGrid())
	banded := false
	for _, c := range curves {
		banded = banded || c.Banded
	}
	if banded && f.BandLabel != "" {
		swatch, _ := plotter.NewPolygon(plotter.XYs{{X: 0, Y: 0}, {X: 1, Y: 0}, {X: 1, Y: 1}})
		swatch.Color = color.Gray{Y: 0xc8}
		swatch.LineStyle.Width = 0
		leg.Add("band: "+f.BandLabel, swatch)
	}
	drawn := 0
	for i, c := range curves {
		c = keepPositiveX(c, f.LogX)
		if len(c.X) == 0 {
			continue
		}
		col := plotutil.Color(i)
		if f.Members {
			for _, s := range c.Members {
				s.X, s.Y = positiveX(s.X, s.Y, f.LogX)
				if len(s.X) == 0 {
					continue
				}
				l, err := plotter.NewLine(xys(s.X, s.Y))
				if err != nil {
					return nil, leg, fmt.Errorf("group %s: %w", c.Group, err)
				}
				l.Color = withAlpha(col, 0x70)
				l.Width = vg.Points(0.6)
				p.Add(l)
			}
		}
		if c.Banded {
			ring := make(plotter.XYs, 0, 2*len(c.X))
			for j := range c.X {
				ring = append(ring, plotter.XY{X: c.X[j], Y: c.Lo[j]})
			}
			for j := len(c.X) - 1; j >= 0; j-- {
				ring = append(ring, plotter.XY{X: c.X[j], Y: c.Hi[j]})
			}
			band, err := plotter.NewPolygon(ring)
			if err != nil {
				return nil, leg, fmt.Errorf("group %s band: %w", c.Group, err)
			}
			band.Color = withAlpha(col, 0x50)
			band.LineStyle.Width = 0
			p.Add(band)
		}
		mean, err := plotter.NewLine(xys(c.X, c.Mean))
		if err != nil {
			return nil, leg, fmt.Errorf("group %s: %w", c.Group, err)
		}
		mean.Color = col
		mean.Width = vg.Points(2)
		mean.Dashes = plotutil.Dashes(i / len(plotutil.SoftColors))
		p.Add(mean)
		label := fmt.Sprintf("%s (n=%d)", c.Group, c.N)
		if c.NoBand != "" && c.N > 1 {
			label = fmt.Sprintf("%s (n=%d, %s)", c.Group, c.N, c.NoBand)
		}
		leg.Add(label, mean)
		drawn++
	}
	if drawn == 0 {
		return nil, leg, errors.New("no curve to draw (the series of each group share no x range)")
	}
	padY(p, false)
	return p, leg, nil
}

// keepPositiveX drops the grid points at x <= 0 from a curve drawn on a log x axis.
func keepPositiveX(c logs.Curve, logX bool) logs.Curve {
	if !logX {
		return c
	}
	i := 0
	for i < len(c.X) && c.X[i] <= 0 {
		i++
	}
	c.X, c.Mean, c.Lo, c.Hi = c.X[i:], c.Mean[i:], c.Lo[i:], c.Hi[i:]
	return c
}

// positiveX drops the points at x <= 0 (xs sorted) on a log x axis.
func positiveX(x, y []float64, logX bool) ([]float64, []float64) {
	if !logX {
		return x, y
	}
	i := 0
	for i < len(x) && x[i] <= 0 {
		i++
	}
	return x[i:], y[i:]
}

func xys(x, y []float64) plotter.XYs {
	out := make(plotter.XYs, len(x))
	for i := range x {
		out[i] = plotter.XY{X: x[i], Y: y[i]}
	}
	return out
}

// withAlpha returns c (opaque) with alpha a.
func withAlpha(c color.Color, a uint8) color.Color {
	r, g, b, _ := c.RGBA()
	return color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: a}
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

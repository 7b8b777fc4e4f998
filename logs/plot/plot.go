// Package plot draws learning curves aggregated by package logs (a mean line and a
// confidence band per group, all groups on one figure) with gonum.org/v1/plot.
package plot

import (
	"errors"
	"fmt"
	"image/color"
	"path/filepath"
	"strings"

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
	// BandLabel says what the bands show (e.g. "95% CI"); it is added to the legend.
	BandLabel string
}

// Save draws curves on one figure and writes it to path; the extension chooses the
// format (png, svg, pdf, jpg, eps, tif). Curves with no common x range are left out; if
// none is left, Save fails.
func (f Figure) Save(path string, curves []logs.Curve) error {
	ext := strings.ToLower(strings.TrimPrefix(filepath.Ext(path), "."))
	switch ext {
	case "png", "svg", "pdf", "jpg", "jpeg", "eps", "tif", "tiff":
	default:
		return fmt.Errorf("plot %s: unknown image format %q (want png, svg, pdf, jpg, eps or tif)", path, ext)
	}
	p, err := f.plot(curves)
	if err != nil {
		return fmt.Errorf("plot %s: %w", path, err)
	}
	w, h := f.Width, f.Height
	if w <= 0 {
		w = 8
	}
	if h <= 0 {
		h = 5
	}
	if err := p.Save(vg.Length(w)*vg.Inch, vg.Length(h)*vg.Inch, path); err != nil {
		return fmt.Errorf("plot %s: %w", path, err)
	}
	return nil
}

func (f Figure) plot(curves []logs.Curve) (*gplot.Plot, error) {
	p := gplot.New()
	p.Title.Text = f.Title
	p.X.Label.Text = orDefault(f.XLabel, "x")
	p.Y.Label.Text = orDefault(f.YLabel, "y")
	p.Add(plotter.NewGrid())
	p.Legend.Top = true
	p.Legend.Left = true
	drawn := 0
	for i, c := range curves {
		if len(c.X) == 0 {
			continue
		}
		col := plotutil.Color(i)
		if f.Members {
			for _, s := range c.Members {
				l, err := plotter.NewLine(xys(s.X, s.Y))
				if err != nil {
					return nil, fmt.Errorf("group %s: %w", c.Group, err)
				}
				l.Color = withAlpha(col, 0x70)
				l.Width = vg.Points(0.6)
				p.Add(l)
			}
		}
		if hasBand(c) {
			ring := make(plotter.XYs, 0, 2*len(c.X))
			for j := range c.X {
				ring = append(ring, plotter.XY{X: c.X[j], Y: c.Lo[j]})
			}
			for j := len(c.X) - 1; j >= 0; j-- {
				ring = append(ring, plotter.XY{X: c.X[j], Y: c.Hi[j]})
			}
			band, err := plotter.NewPolygon(ring)
			if err != nil {
				return nil, fmt.Errorf("group %s band: %w", c.Group, err)
			}
			band.Color = withAlpha(col, 0x50)
			band.LineStyle.Width = 0
			p.Add(band)
		}
		mean, err := plotter.NewLine(xys(c.X, c.Mean))
		if err != nil {
			return nil, fmt.Errorf("group %s: %w", c.Group, err)
		}
		mean.Color = col
		mean.Width = vg.Points(2)
		p.Add(mean)
		label := fmt.Sprintf("%s (n=%d)", c.Group, c.N)
		if hasBand(c) && f.BandLabel != "" {
			label = fmt.Sprintf("%s (n=%d; band: %s)", c.Group, c.N, f.BandLabel)
		}
		p.Legend.Add(label, mean)
		drawn++
	}
	if drawn == 0 {
		return nil, errors.New("no curve to draw (the series of each group share no x range)")
	}
	return p, nil
}

// hasBand reports whether a curve's band has any width.
func hasBand(c logs.Curve) bool {
	for j := range c.Lo {
		if c.Lo[j] != c.Hi[j] {
			return true
		}
	}
	return false
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

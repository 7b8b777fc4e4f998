package plot

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"gorl/logs"
)

// format returns the image format of path from its extension.
func format(path string) (string, error) {
	ext := strings.ToLower(strings.TrimPrefix(filepath.Ext(path), "."))
	switch ext {
	case "png", "svg", "pdf", "jpg", "jpeg", "eps", "tif", "tiff":
		return ext, nil
	}
	return "", fmt.Errorf("plot %s: unknown image format %q (want png, svg, pdf, jpg, eps or tif)", path, ext)
}

// inches returns a figure size in inches, d where v is not positive.
func inches(v, d float64) vg.Length {
	if v <= 0 {
		v = d
	}
	return vg.Length(v) * vg.Inch
}

// saveOutside draws p with its legend in a column right of the axes (never over the data)
// and writes the figure atomically to path.
func saveOutside(p *gplot.Plot, leg gplot.Legend, w, h vg.Length, path string) error {
	ext, err := format(path)
	if err != nil {
		return err
	}
	c, err := draw.NewFormattedCanvas(w, h, ext)
	if err != nil {
		return fmt.Errorf("plot %s: %w", path, err)
	}
	dc := draw.New(c)
	legW := vg.Length(0)
	if n := leg.Rectangle(dc).Size().X; n > 0 {
		legW = min(n+vg.Points(12), w*0.45)
	}
	p.Draw(draw.Crop(dc, 0, -legW, 0, 0))
	if legW > 0 {
		top := vg.Points(6)
		if p.Title.Text != "" {
			top += p.Title.TextStyle.Height(p.Title.Text) + p.Title.Padding
		}
		leg.Top, leg.Left = true, true
		leg.Draw(draw.Crop(dc, w-legW+vg.Points(6), 0, 0, -top))
	}
	err = logs.WriteFileAtomic(path, func(f *os.File) error {
		_, err := c.WriteTo(f)
		return err
	})
	if err != nil {
		return fmt.Errorf("plot %s: %w", path, err)
	}
	return nil
}

// axes sets an axis's scale and ticker: log (base 10) or linear with NiceTicks.
func axes(a *gplot.Axis, log bool) {
	if log {
		a.Scale = gplot.LogScale{}
		a.Tick.Marker = LogTicks{}
		return
	}
	a.Tick.Marker = NiceTicks{}
}

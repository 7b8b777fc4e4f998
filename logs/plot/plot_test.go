package plot

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/plot/plotutil"

	"gorl/logs"
)

func TestSavePNG(t *testing.T) {
	var series []logs.Series
	for g, name := range []string{"ppo", "lpo"} {
		for k := 0; k < 4; k++ {
			s := logs.Series{Group: name}
			for x := 0.0; x <= 1000; x += 10 {
				s.X = append(s.X, x)
				s.Y = append(s.Y, float64(g+1)*math.Sqrt(x)+float64(k)*3+5*math.Sin(x/37+float64(k)))
			}
			series = append(series, s)
		}
	}
	curves := logs.Aggregate{Smooth: 5}.Curves(series)
	path := filepath.Join(t.TempDir(), "curve.png")
	if err := (Figure{Title: "test", XLabel: "env steps", YLabel: "return", Members: true}).Save(path, curves); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bounds()
	if b.Dx() < 600 || b.Dy() < 350 {
		t.Fatalf("image %dx%d, want about 768x480", b.Dx(), b.Dy())
	}
	colours := map[color.RGBA]bool{}
	background := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
			colours[c] = true
			if c.R > 250 && c.G > 250 && c.B > 250 {
				background++
			}
		}
	}
	drawn := 1 - float64(background)/float64(b.Dx()*b.Dy())
	// Two bands, two means, eight member lines, axes, labels and a legend.
	if len(colours) < 50 || drawn < 0.05 {
		t.Fatalf("%d distinct colours, %.1f%% non-background pixels: the figure looks empty", len(colours), 100*drawn)
	}
}

func TestSaveErrors(t *testing.T) {
	dir := t.TempDir()
	err := Figure{}.Save(filepath.Join(dir, "x.bmp"), nil)
	if err == nil || !strings.Contains(err.Error(), `unknown image format "bmp"`) {
		t.Fatalf("format: %v", err)
	}
	disjoint := logs.Aggregate{}.Curves([]logs.Series{{Group: "g", X: []float64{0, 1}, Y: []float64{0, 1}}, {Group: "g", X: []float64{2, 3}, Y: []float64{0, 1}}})
	err = Figure{}.Save(filepath.Join(dir, "x.png"), disjoint)
	if err == nil || !strings.Contains(err.Error(), "no curve to draw") {
		t.Fatalf("empty: %v", err)
	}
}

// decode reads a PNG written by a test.
func decode(t *testing.T, path string) image.Image {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func TestLegendOutsideData(t *testing.T) {
	// A min-max band filling the whole data area: a legend inside it would sit on the band.
	var series []logs.Series
	for k := range 3 {
		series = append(series, logs.Series{Group: "a long group name", X: []float64{0, 1000}, Y: []float64{float64(k) * 10, float64(k) * 10}})
	}
	agg := logs.Aggregate{Band: "minmax", Points: 10}
	path := filepath.Join(t.TempDir(), "legend.png")
	if err := (Figure{BandLabel: agg.BandLabel()}).Save(path, agg.Curves(series)); err != nil {
		t.Fatal(err)
	}
	img := decode(t, path)
	b := img.Bounds()
	rightBand, leftText := -1, b.Max.X
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
			// The band: a light tint of the first colour (red dominant, not grey).
			if c.R > 240 && c.G > 180 && c.G < 235 && c.B > 180 && c.B < 235 && int(c.R)-int(c.G) > 15 {
				rightBand = max(rightBand, x)
			}
		}
	}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := rightBand + 1; x < b.Max.X; x++ {
			if c := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA); c.R < 60 && c.G < 60 && c.B < 60 {
				leftText = min(leftText, x)
			}
		}
	}
	if rightBand < 0 || rightBand > b.Dx()*85/100 || leftText == b.Max.X {
		t.Fatalf("band reaches x=%d of %d, legend text from x=%d: the legend is not right of the data", rightBand, b.Dx(), leftText)
	}
}

func TestLinesCoincideAndReferenceOnTop(t *testing.T) {
	// Three identical lines lying exactly on the reference line y = 1.2.
	x := []float64{0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1}
	y := make([]float64, len(x))
	for i := range y {
		y[i] = 1.2
	}
	lo := make([]float64, len(x))
	for i := range lo {
		lo[i] = 0.8
	}
	lines := []Line{{Label: "A=0.5", X: x, Y: y}, {Label: "A=1", X: x, Y: y}, {Label: "A=2", X: x, Y: y}, {Label: "A=-1", X: x, Y: lo}}
	path := filepath.Join(t.TempDir(), "lines.png")
	if err := (Lines{XLabel: "n/N", YLabel: "r*", Markers: true}).Save(path, lines, []Ref{{Label: "PPO-clip 1+ε", Y: 1.2}, {Y: 0.8}}); err != nil {
		t.Fatal(err)
	}
	img := decode(t, path)
	b := img.Bounds()
	seen := map[int]bool{}
	black := 0
	for yy := b.Min.Y; yy < b.Max.Y; yy++ {
		for xx := b.Min.X; xx < b.Max.X*3/4; xx++ {
			c := color.RGBAModel.Convert(img.At(xx, yy)).(color.RGBA)
			for k := range 3 {
				kc := color.RGBAModel.Convert(plotutil.Color(k)).(color.RGBA)
				if c == kc {
					seen[k] = true
				}
			}
			if c.R < 80 && c.G < 80 && c.B < 80 && xx > b.Dx()/4 {
				black++
			}
		}
	}
	if len(seen) != 3 {
		t.Fatalf("coinciding lines: colours of lines %v visible, want all 3", seen)
	}
	// Two reference lines of about 0.55 of the width each, dashed: several hundred pixels.
	if black < 300 {
		t.Fatalf("%d black pixels in the data area: the reference lines are hidden", black)
	}
}

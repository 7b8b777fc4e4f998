package plot

import (
	"bytes"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

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

package render

import (
	"fmt"
	"image"
	"image/color/palette"
	"image/draw"
	"image/gif"
	"image/png"
	"os"
)

// GIF collects frames of an animated GIF, each reduced to the Plan 9 palette as it
// is added so that full-colour frames need not be kept.
type GIF struct {
	FPS  float64 // frames per second (default 30; GIF delays are whole hundredths of a second)
	anim gif.GIF
}

// Add appends a frame.
func (g *GIF) Add(img image.Image) {
	p := image.NewPaletted(img.Bounds(), palette.Plan9)
	draw.Draw(p, p.Rect, img, img.Bounds().Min, draw.Src)
	fps := g.FPS
	if fps <= 0 {
		fps = 30
	}
	g.anim.Image = append(g.anim.Image, p)
	g.anim.Delay = append(g.anim.Delay, max(1, int(100/fps+0.5)))
}

// Len is the number of frames added.
func (g *GIF) Len() int { return len(g.anim.Image) }

// Frame returns frame i as stored (paletted).
func (g *GIF) Frame(i int) *image.Paletted { return g.anim.Image[i] }

// Write stores the animation at path.
func (g *GIF) Write(path string) error {
	if len(g.anim.Image) == 0 {
		return fmt.Errorf("write %s: no frames", path)
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write gif: %w", err)
	}
	if err := gif.EncodeAll(f, &g.anim); err != nil {
		f.Close()
		return fmt.Errorf("write gif %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write gif %s: %w", path, err)
	}
	return nil
}

// WritePNG stores one frame at path.
func WritePNG(path string, img image.Image) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write png: %w", err)
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return fmt.Errorf("write png %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write png %s: %w", path, err)
	}
	return nil
}

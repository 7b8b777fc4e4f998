package render

import (
	"fmt"
	"image"
	"image/color"
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
	// index memoises the palette entry nearest to each colour seen: rendered frames
	// hold a few thousand colours, so this replaces a search of 256 entries per pixel
	// by one map look-up.
	index map[[4]uint8]uint8
}

// Add appends a frame. Each pixel becomes the palette colour nearest to it in RGBA
// (the same choice draw.Draw makes).
func (g *GIF) Add(img image.Image) {
	p := image.NewPaletted(img.Bounds(), palette.Plan9)
	if rgba, ok := img.(*image.RGBA); ok {
		g.quantise(p, rgba)
	} else {
		draw.Draw(p, p.Rect, img, img.Bounds().Min, draw.Src)
	}
	fps := g.FPS
	if fps <= 0 {
		fps = 30
	}
	g.anim.Image = append(g.anim.Image, p)
	g.anim.Delay = append(g.anim.Delay, max(1, int(100/fps+0.5)))
}

// quantise maps each pixel of src to its nearest palette entry, memoised by colour.
func (g *GIF) quantise(dst *image.Paletted, src *image.RGBA) {
	if g.index == nil || len(g.index) > 1<<20 {
		g.index = make(map[[4]uint8]uint8) // bounded: noisy images could hold millions of colours
	}
	w, h := src.Rect.Dx(), src.Rect.Dy()
	for y := range h {
		row := src.Pix[y*src.Stride : y*src.Stride+4*w]
		out := dst.Pix[y*dst.Stride : y*dst.Stride+w]
		for x := range out {
			c := [4]uint8{row[4*x], row[4*x+1], row[4*x+2], row[4*x+3]}
			i, ok := g.index[c]
			if !ok {
				i = uint8(dst.Palette.Index(color.RGBA{c[0], c[1], c[2], c[3]}))
				g.index[c] = i
			}
			out[x] = i
		}
	}
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

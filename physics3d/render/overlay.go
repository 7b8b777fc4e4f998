package render

import (
	"image"
	"image/color"
	"image/draw"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// DrawOverlay writes lines of text in the top left corner of img, white on a
// translucent dark box so that it reads over sky and floor alike.
func DrawOverlay(img *image.RGBA, lines ...string) {
	face := basicfont.Face7x13
	const pad, lineH = 4, 15
	width := 0
	for _, l := range lines {
		width = max(width, font.MeasureString(face, l).Ceil())
	}
	box := image.Rect(0, 0, width+2*pad, len(lines)*lineH+2*pad).Intersect(img.Rect)
	draw.Draw(img, box, image.NewUniform(color.NRGBA{A: 150}), image.Point{}, draw.Over)
	d := font.Drawer{Dst: img, Src: image.White, Face: face}
	for i, l := range lines {
		d.Dot = fixed.P(pad, pad+(i+1)*lineH-4)
		d.DrawString(l)
	}
}

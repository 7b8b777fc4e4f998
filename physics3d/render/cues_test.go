package render

import (
	"image"
	"image/color"
	"testing"

	"gorl/physics3d"
	"gorl/physics3d/morph"
)

func TestDownsampleAveragesBlocks(t *testing.T) {
	src := image.NewRGBA(image.Rect(0, 0, 4, 2))
	for i := range src.Pix {
		src.Pix[i] = uint8(10 * (i % 7))
	}
	dst := downsample(src, 2, nil)
	if dst.Rect.Dx() != 2 || dst.Rect.Dy() != 1 {
		t.Fatalf("size %v", dst.Rect)
	}
	for x := range 2 {
		for c := range 4 {
			sum := 0
			for dy := range 2 {
				for dx := range 2 {
					sum += int(src.Pix[dy*src.Stride+4*(2*x+dx)+c])
				}
			}
			if want := uint8((sum + 2) / 4); dst.Pix[4*x+c] != want {
				t.Fatalf("pixel %d channel %d: %d, want %d", x, c, dst.Pix[4*x+c], want)
			}
		}
	}
}

func TestDrawOverlayWritesInTheCorner(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 200, 100))
	for i := range img.Pix {
		img.Pix[i] = 200
	}
	DrawOverlay(img, "step 12   reward 1.000   return 13.50")
	white, dark := 0, 0
	for y := range 20 {
		for x := range 200 {
			c := img.RGBAAt(x, y)
			switch {
			case c.R == 255 && c.G == 255:
				white++
			case c.R < 120:
				dark++
			}
		}
	}
	if white < 60 || dark < 1000 {
		t.Fatalf("%d white and %d dark pixels in the top rows: no text box", white, dark)
	}
	if c := img.RGBAAt(100, 80); c != (color.RGBA{200, 200, 200, 200}) {
		t.Fatalf("pixel below the box changed to %v", c)
	}
}

func TestLimbsAndSides(t *testing.T) {
	// A humanoid: its two legs and two arms are four limbs, two on each side.
	var name string
	for _, n := range morph.Names() {
		if len(n) > 8 && n[:8] == "humanoid" && (name == "" || len(n) > len(name)) {
			name = n
		}
	}
	m, err := morph.Builtin(name)
	if err != nil {
		t.Fatal(err)
	}
	xml, err := m.MJCF()
	if err != nil {
		t.Fatal(err)
	}
	model, err := physics3d.LoadXML(xml)
	if err != nil {
		t.Fatal(err)
	}
	defer model.Close()
	d, err := model.NewData()
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	shapes, err := ShapesFromData(d)
	if err != nil {
		t.Fatal(err)
	}
	side := map[int]int{}
	for _, s := range shapes {
		if s.Body == 0 && (s.Limb != 0 || s.Side != 0) {
			t.Fatalf("%s: torso geom on limb %d side %d", name, s.Limb, s.Side)
		}
		if s.Limb > 0 {
			if old, ok := side[s.Limb]; ok && old != s.Side {
				t.Fatalf("%s: limb %d on sides %d and %d", name, s.Limb, old, s.Side)
			}
			side[s.Limb] = s.Side
		}
	}
	left, right := 0, 0
	for _, s := range side {
		switch s {
		case 1:
			left++
		case -1:
			right++
		}
	}
	if left < 2 || right < 2 {
		t.Fatalf("%s: limbs by side %v: want at least 2 left and 2 right", name, side)
	}
	if limbColour(1, 0) == limbColour(-1, 0) || limbColour(1, 0) == limbColour(1, 1) {
		t.Fatal("left and right, or two limbs of a side, share a colour")
	}
}

func TestShadowTurnsToContactColour(t *testing.T) {
	// One sphere of radius 0.1 on body 0, at 2 cm above its body's origin.
	shapes := []Shape{{Kind: Sphere, Body: 0, From: [3]float64{0, 0, 0.02}, Radius: 0.1, RGBA: [4]float32{0.5, 0.5, 0.5, 1}}}
	s := newScene(shapes, 1)
	quat := []float64{1, 0, 0, 0}
	for _, c := range []struct {
		z       float64
		contact bool
	}{{0.085, true}, {0.5, false}, {0.0, true}, {0.2, false}} {
		if _, err := s.pose([]float64{1, 2, c.z}, quat); err != nil {
			t.Fatal(err)
		}
		sh := s.shadows[0]
		got := sh.mat.AmbientColor() == contactColour
		if got != c.contact {
			t.Fatalf("body at z=%v (sphere bottom %v above the floor): contact colour %v, want %v", c.z, c.z+0.02-0.1, got, c.contact)
		}
		if p := sh.disk.Position(); p.X != 1 || p.Y != 2 {
			t.Fatalf("shadow at %v, want under the sphere at (1, 2)", p)
		}
	}
}

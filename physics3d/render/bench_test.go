package render

import (
	"image"
	"testing"

	"gorl/physics3d"
	"gorl/physics3d/morph"
)

// BenchmarkFrame renders and reads back one 480x360 frame of a hopper. It needs an X
// display (run under xvfb-run) and is skipped without one.
func BenchmarkFrame(b *testing.B) {
	if err := probeDisplay(); err != nil {
		b.Skip(err)
	}
	var name string
	for _, n := range morph.Names() {
		if len(n) > 6 && n[:6] == "hopper" {
			name = n
			break
		}
	}
	m, err := morph.Builtin(name)
	if err != nil {
		b.Fatal(err)
	}
	xml, err := m.MJCF()
	if err != nil {
		b.Fatal(err)
	}
	model, err := physics3d.LoadXML(xml)
	if err != nil {
		b.Fatal(err)
	}
	defer model.Close()
	d, err := model.NewData()
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	if err := d.Forward(); err != nil {
		b.Fatal(err)
	}
	shapes, err := ShapesFromData(d)
	if err != nil {
		b.Fatal(err)
	}
	nb := NumBodies(shapes)
	pos, quat := append([]float64(nil), d.Xpos()[3:3+3*nb]...), append([]float64(nil), d.Xquat()[4:4+4*nb]...)
	r, err := NewRenderer(shapes, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	var img *image.RGBA
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		pos[0] = 0.01 * float64(i%100)
		if img, err = r.Frame(pos, quat, img); err != nil {
			b.Fatal(err)
		}
	}
}

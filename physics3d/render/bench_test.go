package render

import (
	"fmt"
	"image"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// movingHopper returns a built-in hopper's shapes and n poses of it walking: the torso
// slides along x while every hinge swings (no physics, just kinematics).
func movingHopper(b *testing.B, n int) ([]Shape, *Episode) {
	b.Helper()
	_, model, d := builtinHopper(b)
	if err := d.Forward(); err != nil {
		b.Fatal(err)
	}
	shapes, err := ShapesFromData(d)
	if err != nil {
		b.Fatal(err)
	}
	nb := NumBodies(shapes)
	qpos0 := model.Qpos0(nil)
	qpos := make([]float64, len(qpos0))
	ep := &Episode{}
	for i := range n {
		copy(qpos, qpos0)
		qpos[0] += 0.02 * float64(i)
		for j := 7; j < len(qpos); j++ {
			qpos[j] = 0.4 * math.Sin(0.2*float64(i)+float64(j))
		}
		if err := d.SetQpos(qpos); err != nil {
			b.Fatal(err)
		}
		if err := d.Forward(); err != nil {
			b.Fatal(err)
		}
		ep.Pos = append(ep.Pos, append([]float64(nil), d.Xpos()[3:3+3*nb]...))
		ep.Quat = append(ep.Quat, append([]float64(nil), d.Xquat()[4:4+4*nb]...))
	}
	return shapes, ep
}

// BenchmarkFrame renders and reads back one 480x360 frame of a hopper, with the default
// 2x supersampling and without it. It needs an X display (run under xvfb-run) and is
// skipped without one.
func BenchmarkFrame(b *testing.B) {
	if err := probeDisplay(); err != nil {
		b.Skip(err)
	}
	shapes, ep := movingHopper(b, 100)
	for _, ss := range []int{1, 2} {
		b.Run(fmt.Sprintf("supersample=%d", ss), func(b *testing.B) {
			r, err := NewRenderer(shapes, Options{Supersample: ss})
			if err != nil {
				b.Fatal(err)
			}
			defer r.Close()
			var img *image.RGBA
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if img, err = r.Frame(ep.Pos[i%100], ep.Quat[i%100], img); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkMP4Encode encodes rendered 480x360 frames of a moving hopper to H.264 at
// each preset (CRF 23) and writes the file: ns/op is the encoding cost per frame,
// including the frames x264 holds back until Write. It needs an X display to render
// the frames (run under xvfb-run) and is skipped without one.
func BenchmarkMP4Encode(b *testing.B) {
	if err := probeDisplay(); err != nil {
		b.Skip(err)
	}
	const n = 120
	shapes, ep := movingHopper(b, n)
	frames := make([]*image.RGBA, n)
	err := RenderEpisode(shapes, ep, Options{}, func(i int, img *image.RGBA) error {
		frames[i] = image.NewRGBA(img.Rect)
		copy(frames[i].Pix, img.Pix)
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	for _, preset := range []string{"ultrafast", "veryfast", "medium"} {
		b.Run("preset="+preset, func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "bench.mp4")
			m := MP4{Preset: preset}
			defer m.Close()
			b.ResetTimer()
			for i := range b.N {
				if err := m.Add(frames[i%n]); err != nil {
					b.Fatal(err)
				}
			}
			if err := m.Write(path); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			if st, err := os.Stat(path); err == nil {
				b.ReportMetric(float64(st.Size())/float64(b.N), "bytes/frame")
			}
		})
	}
}

// BenchmarkRGBAToI420 is the colour conversion of one 480x360 frame, part of each Add.
func BenchmarkRGBAToI420(b *testing.B) {
	img := image.NewRGBA(image.Rect(0, 0, 480, 360))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 7)
	}
	yp, up, vp := make([]byte, 480*360), make([]byte, 240*180), make([]byte, 240*180)
	b.ReportAllocs()
	for b.Loop() {
		rgbaToI420(img, yp, 480, up, 240, vp, 240)
	}
}

// BenchmarkGIFAdd reduces one rendered 480x360 frame of a moving hopper to the GIF
// palette (the cost of GIF.Add). It needs an X display and is skipped without one.
func BenchmarkGIFAdd(b *testing.B) {
	if err := probeDisplay(); err != nil {
		b.Skip(err)
	}
	const n = 30
	shapes, ep := movingHopper(b, n)
	frames := make([]*image.RGBA, n)
	err := RenderEpisode(shapes, ep, Options{}, func(i int, img *image.RGBA) error {
		frames[i] = image.NewRGBA(img.Rect)
		copy(frames[i].Pix, img.Pix)
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	var g GIF
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		g.Add(frames[i%n])
	}
}

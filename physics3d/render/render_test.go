package render

import (
	"errors"
	"image"
	"image/color"
	"image/color/palette"
	"image/draw"
	"image/gif"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gorl/logs"
	"gorl/physics3d"
	"gorl/physics3d/morph"
)

func hopperName(t testing.TB) string {
	t.Helper()
	for _, n := range morph.Names() {
		if strings.HasPrefix(n, "hopper") {
			return n
		}
	}
	t.Fatal("no built-in hopper")
	return ""
}

// builtinHopper loads a built-in hopper into MuJoCo; the model and its data are closed
// when the test ends.
func builtinHopper(t testing.TB) (*morph.Morphology, *physics3d.Model, *physics3d.Data) {
	t.Helper()
	m, err := morph.Builtin(hopperName(t))
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
	t.Cleanup(func() { model.Close() })
	d, err := model.NewData()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return m, model, d
}

// sameSegment reports whether two capsule segments are equal as unordered pairs of ends.
func sameSegment(a, b Shape, tol float64) bool {
	near := func(p, q [3]float64) bool {
		return math.Abs(p[0]-q[0]) < tol && math.Abs(p[1]-q[1]) < tol && math.Abs(p[2]-q[2]) < tol
	}
	return (near(a.From, b.From) && near(a.To, b.To)) || (near(a.From, b.To) && near(a.To, b.From))
}

// The geoms' local poses read back from MuJoCo's world poses are the morphology's own
// body-frame capsules, in any pose of the model (here: the torso turned and tilted,
// every hinge bent).
func TestShapesFromDataMatchMorphology(t *testing.T) {
	m, model, d := builtinHopper(t)
	var want []Shape
	for n, b := range m.Bodies() {
		for _, g := range b.Geoms {
			s := Shape{Kind: Capsule, Body: n, From: g.From, To: g.To, Radius: g.Radius}
			if g.Kind != morph.Capsule {
				s = Shape{Kind: Sphere, Body: n, From: g.Pos, To: g.Pos, Radius: g.Radius}
			}
			want = append(want, s)
		}
	}
	qpos := model.Qpos0(nil)
	for _, bent := range []bool{false, true} {
		if bent {
			// Root quaternion: 0.7 rad about (1, 2, 3)/|.|; then every hinge at 0.3 rad.
			ax := [3]float64{1, 2, 3}
			n := math.Sqrt(14)
			qpos[3], qpos[4], qpos[5], qpos[6] = math.Cos(0.35), math.Sin(0.35)*ax[0]/n, math.Sin(0.35)*ax[1]/n, math.Sin(0.35)*ax[2]/n
			for i := 7; i < len(qpos); i++ {
				qpos[i] = 0.3
			}
		}
		if err := d.SetQpos(qpos); err != nil {
			t.Fatal(err)
		}
		if err := d.Forward(); err != nil {
			t.Fatal(err)
		}
		got, err := ShapesFromData(d)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Fatalf("bent=%v: %d shapes, want %d", bent, len(got), len(want))
		}
		for i := range want {
			g, w := got[i], want[i]
			if g.Kind != w.Kind || g.Body != w.Body || math.Abs(g.Radius-w.Radius) > 1e-9 || !sameSegment(g, w, 1e-6) {
				t.Fatalf("bent=%v shape %d: got %+v, want %+v", bent, i, g, w)
			}
		}
	}
	if NumBodies(want) != len(m.Bodies()) {
		t.Fatalf("NumBodies %d, want %d", NumBodies(want), len(m.Bodies()))
	}
}

func TestQuatMatRotates(t *testing.T) {
	// 90° about z maps x to y.
	c := math.Sqrt(0.5)
	r := quatMat([4]float64{c, 0, 0, c})
	v := [3]float64{r[0], r[3], r[6]} // R e_x
	if math.Abs(v[0]) > 1e-12 || math.Abs(v[1]-1) > 1e-12 || math.Abs(v[2]) > 1e-12 {
		t.Fatalf("R e_x = %v, want (0, 1, 0)", v)
	}
	if got := mulT(r, [3]float64{0, 1, 0}); math.Abs(got[0]-1) > 1e-12 {
		t.Fatalf("Rᵀ e_y = %v, want (1, 0, 0)", got)
	}
}

func writeRun(t *testing.T, poses bool, episodes, steps int) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "run")
	run, err := logs.Create(dir, map[string]any{"env": "test"}, logs.Options{EnvID: "test"})
	if err != nil {
		t.Fatal(err)
	}
	for e := range episodes {
		for s := range steps {
			row := logs.StepRow{Episode: int64(e), Step: int64(s), Obs: []float64{0}, Action: []float64{0},
				LogProb: math.NaN(), Value: math.NaN(), Context: logs.NoContext}
			if poses {
				row.BodyPos = []float64{float64(e), float64(s), 1, 0, 0, 0.5}
				row.BodyQuat = []float64{1, 0, 0, 0, 1, 0, 0, 0}
			}
			if err := run.LogStep(&row); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := run.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestLoadEpisode(t *testing.T) {
	dir := writeRun(t, true, 3, 5)
	ep, err := LoadEpisode(dir, 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(ep.Pos) != 3 || len(ep.Quat) != 3 {
		t.Fatalf("%d frames, want steps 0, 2, 4", len(ep.Pos))
	}
	for i, p := range ep.Pos {
		if p[0] != 1 || p[1] != float64(2*i) {
			t.Fatalf("frame %d pos %v: want episode 1 step %d", i, p, 2*i)
		}
	}
	if err := checkEpisode(ep, 2); err != nil {
		t.Fatal(err)
	}
	if err := checkEpisode(ep, 3); err == nil {
		t.Fatal("3 bodies accepted for 2 logged")
	}
	if _, err := LoadEpisode(dir, 7, 1); !errors.Is(err, ErrNoEpisode) {
		t.Fatalf("missing episode: %v, want ErrNoEpisode", err)
	}
	if _, err := LoadEpisode(writeRun(t, false, 2, 3), 0, 1); !errors.Is(err, ErrNoPoses) {
		t.Fatalf("run without poses: %v, want ErrNoPoses", err)
	}
	if _, err := LoadEpisode(filepath.Join(t.TempDir(), "absent"), 0, 1); err == nil {
		t.Fatal("absent run dir accepted")
	}
}

func TestGIFWrite(t *testing.T) {
	var g GIF
	g.FPS = 20
	for i := range 3 {
		img := image.NewRGBA(image.Rect(0, 0, 8, 6))
		img.Set(i, 1, color.RGBA{R: 255, A: 255})
		g.Add(img)
	}
	path := filepath.Join(t.TempDir(), "a.gif")
	if err := g.Write(path); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	a, err := gif.DecodeAll(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Image) != 3 || a.Delay[0] != 5 {
		t.Fatalf("%d frames, delay %d: want 3 frames of 5/100 s", len(a.Image), a.Delay[0])
	}
	if r, _, _, _ := a.Image[2].At(2, 1).RGBA(); r < 0xf000 {
		t.Fatalf("frame 2 lost its red pixel: %v", a.Image[2].At(2, 1))
	}
	if err := (&GIF{}).Write(path); err == nil {
		t.Fatal("empty GIF written")
	}
}

// GIF.Add's memoised palette reduction picks the same entries as draw.Draw, frame
// after frame (the memo carries over).
func TestGIFQuantiseMatchesDraw(t *testing.T) {
	var g GIF
	for f := range 3 {
		img := image.NewRGBA(image.Rect(0, 0, 64, 48))
		for i := range img.Pix {
			img.Pix[i] = uint8((i*i*7 + i*13 + f*101) % 251)
		}
		for i := 3; i < len(img.Pix); i += 4 {
			img.Pix[i] = 255
		}
		g.Add(img)
		want := image.NewPaletted(img.Rect, palette.Plan9)
		draw.Draw(want, want.Rect, img, image.Point{}, draw.Src)
		if !slices.Equal(g.Frame(f).Pix, want.Pix) {
			t.Fatalf("frame %d: palette indices differ from draw.Draw's", f)
		}
	}
}

func TestNoDisplay(t *testing.T) {
	t.Setenv("DISPLAY", "")
	shapes := []Shape{{Kind: Sphere, Radius: 0.1}}
	if _, err := NewRenderer(shapes, Options{}); !errors.Is(err, ErrNoDisplay) {
		t.Fatalf("no DISPLAY: %v, want ErrNoDisplay", err)
	}
	t.Setenv("DISPLAY", ":987")
	if _, err := NewRenderer(shapes, Options{}); !errors.Is(err, ErrNoDisplay) {
		t.Fatalf("DISPLAY of no server: %v, want ErrNoDisplay", err)
	}
}

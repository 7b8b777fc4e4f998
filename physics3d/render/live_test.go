package render

import (
	"errors"
	"image"
	"math"
	"strings"
	"testing"

	"gorl/internal/xvfbtest"
)

// startXvfb gives the test a private X server (see internal/xvfbtest).
func startXvfb(t testing.TB) { xvfbtest.Start(t) }

// hopperEpisode returns a built-in hopper's shapes and an episode of n poses in which
// the whole body slides 5 cm along x per pose.
func hopperEpisode(t testing.TB, n int) ([]Shape, *Episode) {
	t.Helper()
	_, _, d := builtinHopper(t)
	if err := d.Forward(); err != nil {
		t.Fatal(err)
	}
	shapes, err := ShapesFromData(d)
	if err != nil {
		t.Fatal(err)
	}
	nb := NumBodies(shapes)
	ep := &Episode{}
	for i := range n {
		pos := append([]float64(nil), d.Xpos()[3:3+3*nb]...)
		for b := range nb {
			pos[3*b] += 0.05 * float64(i)
		}
		ep.Pos = append(ep.Pos, pos)
		ep.Quat = append(ep.Quat, append([]float64(nil), d.Xquat()[4:4+4*nb]...))
	}
	return shapes, ep
}

func TestPlayer(t *testing.T) {
	p := newPlayer(10, 0.1, 1) // 10 poses, 10 a second
	p.advance(0.35)
	if p.frame() != 3 {
		t.Fatalf("after 0.35 s at 10 poses/s: pose %d, want 3", p.frame())
	}
	p.advance(2.0) // 20 more poses: wraps twice
	if p.frame() != 3 || p.loops != 2 {
		t.Fatalf("after 2.35 s: pose %d, loops %d; want 3, 2", p.frame(), p.loops)
	}
	p.apply(togglePause)
	p.advance(1)
	if p.frame() != 3 {
		t.Fatalf("paused playback moved to pose %d", p.frame())
	}
	p.apply(stepForward)
	p.apply(stepForward)
	if p.frame() != 5 || !p.paused {
		t.Fatalf("two steps forward: pose %d paused %v", p.frame(), p.paused)
	}
	p.apply(restart)
	p.apply(stepBack)
	if p.frame() != 9 {
		t.Fatalf("a step back from pose 0 while looping: pose %d, want 9", p.frame())
	}
	p.apply(togglePause)
	p.apply(faster)
	if p.speed != 2 {
		t.Fatalf("speed %g after faster, want 2", p.speed)
	}
	for range 10 {
		p.apply(faster)
	}
	if p.speed != maxSpeed {
		t.Fatalf("speed %g, want the cap %g", p.speed, maxSpeed)
	}
	for range 20 {
		p.apply(slower)
	}
	if p.speed != minSpeed {
		t.Fatalf("speed %g, want the floor %g", p.speed, minSpeed)
	}
	p.speed = 1
	p.apply(toggleLoop)
	p.apply(restart)
	p.advance(5) // 50 poses of 10: stops at the last
	if p.frame() != 9 || !p.paused || p.loops != 2 {
		t.Fatalf("without loop: pose %d paused %v loops %d; want 9, true, 2", p.frame(), p.paused, p.loops)
	}
	p.apply(stepForward)
	if p.frame() != 9 {
		t.Fatalf("a step past the end without loop: pose %d", p.frame())
	}
	p.apply(togglePause) // resuming at the end plays from the start
	if p.frame() != 0 || p.paused {
		t.Fatalf("resume at the end: pose %d paused %v", p.frame(), p.paused)
	}
	if !p.apply(quitView) {
		t.Fatal("quit not reported")
	}
}

func TestOrbit(t *testing.T) {
	o := newOrbit(3, 0.8)
	target := [3]float64{1, 2, 0.5}
	e := o.eye(target)
	// The default view is the offscreen renderer's: 3 m back along -y, 0.8 m up.
	if math.Abs(e[0]-1) > 1e-9 || math.Abs(e[1]-(2-3)) > 1e-9 || math.Abs(e[2]-1.3) > 1e-9 {
		t.Fatalf("default eye %v, want (1, -1, 1.3)", e)
	}
	o.drag(0, 1e6)
	if o.elevation != 1.5 {
		t.Fatalf("elevation %g after a long drag down, want the cap 1.5", o.elevation)
	}
	o.drag(100, 0)
	e = o.eye(target)
	if d := math.Hypot(math.Hypot(e[0]-target[0], e[1]-target[1]), e[2]-target[2]); math.Abs(d-o.distance) > 1e-9 {
		t.Fatalf("eye %g m from the target, distance %g", d, o.distance)
	}
	d0 := o.distance
	o.zoom(2)
	if math.Abs(o.distance-0.81*d0) > 1e-9 {
		t.Fatalf("two scroll steps: distance %g, want %g", o.distance, 0.81*d0)
	}
	o.zoom(-1000)
	if o.distance != 60 {
		t.Fatalf("distance %g after zooming far out, want the cap 60", o.distance)
	}
}

// The viewer opens a window on a private X server, draws the requested number of
// frames (the body in view, and moving), loops the episode and returns.
func TestViewXvfb(t *testing.T) {
	shapes, ep := hopperEpisode(t, 30)
	startXvfb(t)
	// The camera follows the torso, so the body stays put on screen while the floor
	// grid slides under it. The episode moves 0.05 m a pose and the grid has 0.5 m
	// cells, so poses 10 and 20 look like pose 0; which poses get drawn depends on
	// timing, so the check takes the frame that differs most from the first.
	var first *image.RGBA
	maxDiff, maxPose := 0, -1
	opt := ViewOptions{Width: 320, Height: 240, StepSeconds: 0.008, Speed: 16, Frames: 40}
	opt.probe = func(frame int, p *player, w *glWindow) {
		if w.fbW != 320 || w.fbH != 240 {
			t.Errorf("framebuffer %dx%d, want 320x240", w.fbW, w.fbH)
		}
		img := w.readRGBA(nil)
		if frame == 0 {
			first = img
			return
		}
		if first == nil || p.frame() == 0 {
			return
		}
		diff := 0
		for i := 0; i < len(first.Pix); i += 4 {
			if first.Pix[i] != img.Pix[i] || first.Pix[i+1] != img.Pix[i+1] || first.Pix[i+2] != img.Pix[i+2] {
				diff++
			}
		}
		if diff > maxDiff {
			maxDiff, maxPose = diff, p.frame()
		}
	}
	st, err := View(shapes, ep, opt)
	if err != nil {
		t.Fatal(err)
	}
	if st.Drawn != 40 {
		t.Fatalf("drew %d frames, want 40", st.Drawn)
	}
	// 40 frames take at least 40/60 s; at 16 x 125 poses/s that is > 40 passes over 30 poses.
	if st.Loops < 1 {
		t.Fatalf("%d loops: the episode did not play through", st.Loops)
	}
	if first == nil || maxPose < 0 {
		t.Fatal("no frame read back after the first pose")
	}
	if n := distinctRGBA(first); n < 8 {
		t.Fatalf("first frame has %d distinct colours: blank", n)
	}
	if maxDiff < 50 {
		t.Fatalf("no frame of another pose differs from pose 0 in 50 pixels (most: %d, pose %d)", maxDiff, maxPose)
	}
}

func distinctRGBA(img *image.RGBA) int {
	seen := map[[3]uint8]bool{}
	for i := 0; i < len(img.Pix); i += 4 {
		seen[[3]uint8{img.Pix[i], img.Pix[i+1], img.Pix[i+2]}] = true
	}
	return len(seen)
}

func TestViewNoDisplay(t *testing.T) {
	shapes, ep := hopperEpisode(t, 3)
	t.Setenv("DISPLAY", "")
	if _, err := View(shapes, ep, ViewOptions{}); !errors.Is(err, ErrNoDisplay) || !strings.Contains(err.Error(), "DISPLAY is not set") {
		t.Fatalf("no DISPLAY: %v, want ErrNoDisplay saying DISPLAY is not set", err)
	}
	if _, err := View(shapes, &Episode{}, ViewOptions{}); err == nil {
		t.Fatal("empty episode accepted")
	}
	if _, err := View(shapes, ep, ViewOptions{Frames: -1}); err == nil {
		t.Fatal("negative frame count accepted")
	}
}

package render

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/go-gl/glfw/v3.3/glfw"
)

// ViewKeys documents the live viewer's controls (for command help).
const ViewKeys = `  space          pause / resume
  right, .       step one frame forward (pauses)
  left, ,        step one frame back (pauses)
  r, home        restart from the first frame
  up, +          play twice as fast (up to 16x)
  down, -        play half as fast (down to 1/16x)
  l              loop on / off (on: the episode restarts at its end; off: it stops there)
  f              camera follows the torso on / off
  c              reset the camera
  q, escape      quit
  mouse: drag with the left button to orbit, scroll to zoom`

// ViewOptions are the live viewer's settings; zero values mean defaults.
type ViewOptions struct {
	Width, Height int     // initial window size in pixels (default 960 x 720)
	Distance      float64 // initial camera distance from the torso in metres (default 3)
	Height0       float64 // initial camera height above its aim point in metres (default 0.8)
	StepSeconds   float64 // simulated seconds between consecutive poses of the episode (default 1/30)
	Speed         float64 // initial playback speed: 1 plays in real time (default 1)
	Frames        int     // close the window after drawing this many frames (default: when the user quits)
	Title         string  // window title prefix (default "gorl view")
	Opened        func()  // if set, called once the window is open, before the first frame

	// probe, for tests, sees each drawn frame (the window's pixels) before it is shown.
	probe func(frame int, p *player, w *glWindow)
}

// ViewStats says what a viewing session showed.
type ViewStats struct {
	Drawn int // frames drawn in the window
	Loops int // times playback wrapped from the last pose to the first
	Last  int // index of the pose shown last
}

// View opens a window on the X display and plays ep in a loop at real time (scaled by
// the speed) until the user closes the window or presses q, or opt.Frames frames are
// drawn. The controls are listed in ViewKeys. Like NewRenderer it locks the calling
// goroutine to its OS thread while the window is open, and it returns an error
// wrapping ErrNoDisplay when no display can be opened.
func View(shapes []Shape, ep *Episode, opt ViewOptions) (ViewStats, error) {
	var st ViewStats
	if len(shapes) == 0 {
		return st, errors.New("view: no shapes")
	}
	if err := checkEpisode(ep, NumBodies(shapes)); err != nil {
		return st, err
	}
	if opt.Width <= 0 {
		opt.Width = 960
	}
	if opt.Height <= 0 {
		opt.Height = 720
	}
	if opt.Width > 8192 || opt.Height > 8192 {
		return st, fmt.Errorf("view: window size %dx%d above 8192", opt.Width, opt.Height)
	}
	if opt.StepSeconds < 0 || opt.Speed < 0 || opt.Frames < 0 {
		return st, fmt.Errorf("view: negative step seconds %g, speed %g or frames %d", opt.StepSeconds, opt.Speed, opt.Frames)
	}
	cam := Options{Distance: opt.Distance, Height0: opt.Height0}
	cam.camera()
	if opt.Title == "" {
		opt.Title = "gorl view"
	}
	p := newPlayer(len(ep.Pos), opt.StepSeconds, opt.Speed)
	home := newOrbit(cam.Distance, cam.Height0)
	orb := home

	w, err := openWindow(opt.Width, opt.Height, opt.Title, true)
	if err != nil {
		return st, err
	}
	defer w.close()
	sc := newScene(shapes, float32(opt.Width)/float32(opt.Height))

	quit := false
	follow := true
	var fixed [3]float64 // the aim point while the camera does not follow
	w.win.SetKeyCallback(func(_ *glfw.Window, key glfw.Key, _ int, action glfw.Action, _ glfw.ModifierKey) {
		if action == glfw.Release {
			return
		}
		switch key {
		case glfw.KeyF:
			if action == glfw.Press {
				follow = !follow
			}
		case glfw.KeyC:
			orb = home
		default:
			if a, ok := viewKeyActions[key]; ok && (action == glfw.Press || a == stepForward || a == stepBack || a == faster || a == slower) {
				quit = p.apply(a) || quit
			}
		}
	})
	w.win.SetMouseButtonCallback(func(win *glfw.Window, b glfw.MouseButton, action glfw.Action, _ glfw.ModifierKey) {
		if b == glfw.MouseButtonLeft {
			orb.dragging = action == glfw.Press
			orb.lastX, orb.lastY = win.GetCursorPos()
		}
	})
	w.win.SetCursorPosCallback(func(_ *glfw.Window, x, y float64) {
		if orb.dragging {
			orb.drag(x-orb.lastX, y-orb.lastY)
			orb.lastX, orb.lastY = x, y
		}
	})
	w.win.SetScrollCallback(func(_ *glfw.Window, _, dy float64) { orb.zoom(dy) })
	glfw.SwapInterval(1)
	if opt.Opened != nil {
		opt.Opened()
	}

	const minFrame = time.Second / 60 // draw at most 60 frames a second, with or without vsync
	last := time.Now()
	title := ""
	for !quit && !w.win.ShouldClose() && (opt.Frames == 0 || st.Drawn < opt.Frames) {
		glfw.PollEvents()
		now := time.Now()
		p.advance(now.Sub(last).Seconds())
		last = now

		i := p.frame()
		target, err := sc.pose(ep.Pos[i], ep.Quat[i])
		if err != nil {
			return st, fmt.Errorf("view: pose %d: %w", i, err)
		}
		if follow {
			fixed = target
		}
		if w.fbW > 0 && w.fbH > 0 {
			sc.cam.SetAspect(float32(w.fbW) / float32(w.fbH))
		}
		sc.look(fixed, orb.eye(fixed))
		if err := w.draw(sc); err != nil {
			return st, err
		}
		if opt.probe != nil {
			opt.probe(st.Drawn, p, w)
		}
		w.win.SwapBuffers()
		st.Drawn++
		if t := p.status(opt.Title, follow); t != title {
			w.win.SetTitle(t)
			title = t
		}
		if d := minFrame - time.Since(now); d > 0 {
			time.Sleep(d)
		}
	}
	st.Loops, st.Last = p.loops, p.frame()
	return st, nil
}

// viewAction is a playback command bound to a key.
type viewAction int

const (
	togglePause viewAction = iota
	stepForward
	stepBack
	restart
	faster
	slower
	toggleLoop
	quitView
)

var viewKeyActions = map[glfw.Key]viewAction{
	glfw.KeySpace: togglePause,
	glfw.KeyRight: stepForward, glfw.KeyPeriod: stepForward,
	glfw.KeyLeft: stepBack, glfw.KeyComma: stepBack,
	glfw.KeyR: restart, glfw.KeyHome: restart,
	glfw.KeyUp: faster, glfw.KeyEqual: faster, glfw.KeyKPAdd: faster,
	glfw.KeyDown: slower, glfw.KeyMinus: slower, glfw.KeyKPSubtract: slower,
	glfw.KeyL: toggleLoop,
	glfw.KeyQ: quitView, glfw.KeyEscape: quitView,
}

// player is the playback clock over n poses: pos is the position in poses (the pose
// shown is its integer part), advanced by elapsed seconds x speed / step seconds.
type player struct {
	n      int
	step   float64 // seconds per pose at speed 1
	pos    float64
	speed  float64
	paused bool
	loop   bool
	loops  int
}

const minSpeed, maxSpeed = 1.0 / 16, 16.0

func newPlayer(n int, step, speed float64) *player {
	if step <= 0 {
		step = 1.0 / 30
	}
	if speed <= 0 {
		speed = 1
	}
	return &player{n: n, step: step, speed: math.Min(math.Max(speed, minSpeed), maxSpeed), loop: true}
}

func (p *player) frame() int { return min(max(int(p.pos), 0), p.n-1) }

// advance moves the clock by dt seconds of wall time.
func (p *player) advance(dt float64) {
	if p.paused || dt <= 0 {
		return
	}
	p.pos += dt * p.speed / p.step
	if p.pos < float64(p.n) {
		return
	}
	if !p.loop {
		p.pos = float64(p.n - 1)
		p.paused = true
		return
	}
	wraps := math.Floor(p.pos / float64(p.n))
	p.loops += int(wraps)
	p.pos -= wraps * float64(p.n)
}

// to jumps to pose i, wrapping around the episode when looping.
func (p *player) to(i int) {
	if p.loop {
		i = (i%p.n + p.n) % p.n
	}
	p.pos = float64(min(max(i, 0), p.n-1))
}

// apply carries out a command and reports whether it asks to quit.
func (p *player) apply(a viewAction) bool {
	switch a {
	case togglePause:
		p.paused = !p.paused
		if !p.paused && !p.loop && p.frame() == p.n-1 {
			p.pos = 0 // resuming at the end of a stopped episode plays it again
		}
	case stepForward:
		p.paused = true
		p.to(p.frame() + 1)
	case stepBack:
		p.paused = true
		p.to(p.frame() - 1)
	case restart:
		p.pos = 0
	case faster:
		p.speed = math.Min(p.speed*2, maxSpeed)
	case slower:
		p.speed = math.Max(p.speed/2, minSpeed)
	case toggleLoop:
		p.loop = !p.loop
	case quitView:
		return true
	}
	return false
}

// status is the window title: pose, speed and state.
func (p *player) status(prefix string, follow bool) string {
	s := fmt.Sprintf("%s — step %d/%d — %gx", prefix, p.frame()+1, p.n, p.speed)
	if p.paused {
		s += " — paused"
	}
	if !p.loop {
		s += " — no loop"
	}
	if !follow {
		s += " — camera fixed"
	}
	return s
}

// orbit is a camera on a sphere around its aim point: azimuth about the vertical,
// elevation above the horizontal, both in radians, and distance in metres.
type orbit struct {
	azimuth, elevation, distance float64
	dragging                     bool
	lastX, lastY                 float64
}

// newOrbit starts where the offscreen renderer looks from: distance back along -y
// and height above the aim point.
func newOrbit(distance, height float64) orbit {
	return orbit{azimuth: -math.Pi / 2, elevation: math.Atan2(height, distance), distance: math.Hypot(distance, height)}
}

// drag turns the camera by a mouse movement of (dx, dy) pixels: sideways around the
// vertical, up and down in elevation (kept between just below the horizon and just
// short of overhead).
func (o *orbit) drag(dx, dy float64) {
	const radPerPixel = 0.008
	o.azimuth -= dx * radPerPixel
	o.elevation = math.Min(math.Max(o.elevation+dy*radPerPixel, -0.2), 1.5)
}

// zoom moves the camera 10% closer per scroll step up.
func (o *orbit) zoom(steps float64) {
	o.distance = math.Min(math.Max(o.distance*math.Pow(0.9, steps), 0.3), 60)
}

func (o *orbit) eye(target [3]float64) [3]float64 {
	c := math.Cos(o.elevation)
	return [3]float64{
		target[0] + o.distance*c*math.Cos(o.azimuth),
		target[1] + o.distance*c*math.Sin(o.azimuth),
		target[2] + o.distance*math.Sin(o.elevation),
	}
}

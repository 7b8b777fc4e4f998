package render

import (
	"errors"
	"fmt"
	"image"
	"math"
	"net"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/g3n/engine/camera"
	"github.com/g3n/engine/core"
	"github.com/g3n/engine/geometry"
	"github.com/g3n/engine/gls"
	"github.com/g3n/engine/graphic"
	"github.com/g3n/engine/light"
	"github.com/g3n/engine/material"
	"github.com/g3n/engine/math32"
	"github.com/g3n/engine/renderer"
	"github.com/g3n/engine/util/helper"
	"github.com/go-gl/glfw/v3.3/glfw"
)

// ErrNoDisplay means no X display could be opened for the hidden window frames are
// rendered in.
var ErrNoDisplay = errors.New("no X display: run under xvfb-run or set DISPLAY")

// Options are the renderer's settings; zero values mean defaults.
type Options struct {
	Width, Height int     // frame size in pixels (default 480 x 360)
	Distance      float64 // camera distance from the torso in metres (default 3)
	Height0       float64 // camera height above its aim point (half the torso's height) in metres (default 0.8)
}

// Renderer draws frames of one morphology into a hidden window and reads them back.
// It holds an OpenGL context bound to the OS thread of the goroutine that called
// NewRenderer: that goroutine must make every call, and only one Renderer may be open
// at a time in a process.
type Renderer struct {
	opt    Options
	win    *glfw.Window
	gs     *gls.GLS
	rend   *renderer.Renderer
	scene  *core.Node
	cam    *camera.Camera
	grid   *helper.Grid
	bodies []*core.Node
	fbW    int
	fbH    int
}

// NewRenderer opens a hidden window on the X display, builds the scene of shapes and
// locks the calling goroutine to its OS thread until Close. It returns an error
// wrapping ErrNoDisplay when no display can be opened.
func NewRenderer(shapes []Shape, opt Options) (r *Renderer, err error) {
	if len(shapes) == 0 {
		return nil, errors.New("renderer: no shapes")
	}
	if opt.Width <= 0 {
		opt.Width = 480
	}
	if opt.Height <= 0 {
		opt.Height = 360
	}
	if opt.Width > 8192 || opt.Height > 8192 {
		return nil, fmt.Errorf("renderer: frame size %dx%d above 8192", opt.Width, opt.Height)
	}
	if opt.Distance <= 0 {
		opt.Distance = 3
	}
	if opt.Height0 == 0 {
		opt.Height0 = 0.8
	}
	if err := probeDisplay(); err != nil {
		return nil, err
	}
	runtime.LockOSThread()
	// GLFW reports some failures (no context of the requested version, a display
	// that vanished) by panicking: turn those into errors.
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("renderer: open OpenGL window: %v", p)
			if e, ok := p.(*glfw.Error); ok && e.Code.String() == "NotInitialized" {
				// GLFW logs its failure to open the display and carries on uninitialised.
				err = fmt.Errorf("%w (GLFW could not open DISPLAY=%q)", ErrNoDisplay, os.Getenv("DISPLAY"))
			}
		}
		if err != nil {
			if r != nil && r.win != nil {
				r.win.Destroy()
			}
			glfw.Terminate()
			runtime.UnlockOSThread()
			r = nil
		}
	}()
	if err := glfw.Init(); err != nil {
		return nil, fmt.Errorf("%w (%v)", ErrNoDisplay, err)
	}
	glfw.WindowHint(glfw.Visible, glfw.False)
	glfw.WindowHint(glfw.Resizable, glfw.False)
	glfw.WindowHint(glfw.ContextVersionMajor, 3)
	glfw.WindowHint(glfw.ContextVersionMinor, 3)
	glfw.WindowHint(glfw.OpenGLProfile, glfw.OpenGLCoreProfile)
	r = &Renderer{opt: opt}
	r.win, err = glfw.CreateWindow(opt.Width, opt.Height, "gorl render", nil, nil)
	if err != nil {
		return r, fmt.Errorf("renderer: create window: %w", err)
	}
	r.win.MakeContextCurrent()
	r.gs, err = gls.New()
	if err != nil {
		return r, fmt.Errorf("renderer: OpenGL state: %w", err)
	}
	r.fbW, r.fbH = r.win.GetFramebufferSize()
	r.gs.Viewport(0, 0, int32(r.fbW), int32(r.fbH))
	r.gs.ClearColor(0.82, 0.88, 0.95, 1)
	r.rend = renderer.NewRenderer(r.gs)
	if err := r.rend.AddDefaultShaders(); err != nil {
		return r, fmt.Errorf("renderer: shaders: %w", err)
	}
	r.build(shapes)
	return r, nil
}

// probeDisplay checks that DISPLAY names an X server that accepts connections, since
// GLFW only logs a failure to open the display.
func probeDisplay() error {
	disp := os.Getenv("DISPLAY")
	if disp == "" {
		return ErrNoDisplay
	}
	host, rest, ok := strings.Cut(disp, ":")
	if !ok {
		return fmt.Errorf("%w (DISPLAY=%q is not host:display)", ErrNoDisplay, disp)
	}
	num, _, _ := strings.Cut(rest, ".")
	var conn net.Conn
	var err error
	if host == "" || host == "unix" {
		conn, err = net.DialTimeout("unix", "/tmp/.X11-unix/X"+num, 2*time.Second)
	} else {
		var n int
		if _, serr := fmt.Sscanf(num, "%d", &n); serr != nil {
			return fmt.Errorf("%w (DISPLAY=%q)", ErrNoDisplay, disp)
		}
		conn, err = net.DialTimeout("tcp", net.JoinHostPort(host, fmt.Sprint(6000+n)), 2*time.Second)
	}
	if err != nil {
		return fmt.Errorf("%w (DISPLAY=%q: %v)", ErrNoDisplay, disp, err)
	}
	return conn.Close()
}

// build makes the scene: one node per body holding its geoms' meshes, a floor with
// a grid, an ambient and a directional light, and the camera. The world is z-up, as
// in MuJoCo.
func (r *Renderer) build(shapes []Shape) {
	r.scene = core.NewNode()
	r.bodies = make([]*core.Node, NumBodies(shapes))
	for i := range r.bodies {
		r.bodies[i] = core.NewNode()
		r.scene.Add(r.bodies[i])
	}
	for _, s := range shapes {
		col := math32.NewColor4("white", 1)
		col.R, col.G, col.B = s.RGBA[0], s.RGBA[1], s.RGBA[2]
		if s.RGBA == [4]float32{0.5, 0.5, 0.5, 1} || s.RGBA[3] == 0 {
			col.R, col.G, col.B = 0.8, 0.55, 0.3 // MuJoCo's default grey: give the body a warmer colour
		}
		mat := material.NewStandard(&math32.Color{R: col.R, G: col.G, B: col.B})
		body := r.bodies[s.Body]
		addSphere := func(p [3]float64) {
			m := graphic.NewMesh(geometry.NewSphere(s.Radius, 16, 12), mat)
			m.SetPosition(float32(p[0]), float32(p[1]), float32(p[2]))
			body.Add(m)
		}
		addSphere(s.From)
		if s.Kind != Capsule {
			continue
		}
		addSphere(s.To)
		d := [3]float64{s.To[0] - s.From[0], s.To[1] - s.From[1], s.To[2] - s.From[2]}
		length := math.Sqrt(d[0]*d[0] + d[1]*d[1] + d[2]*d[2])
		if length == 0 {
			continue
		}
		// g3n's cylinder runs along its y axis: rotate y onto the segment.
		cyl := graphic.NewMesh(geometry.NewCylinder(s.Radius, length, 16, 1, false, false), mat)
		var q math32.Quaternion
		q.SetFromUnitVectors(&math32.Vector3{X: 0, Y: 1, Z: 0},
			&math32.Vector3{X: float32(d[0] / length), Y: float32(d[1] / length), Z: float32(d[2] / length)})
		cyl.SetQuaternionQuat(&q)
		cyl.SetPosition(float32((s.From[0]+s.To[0])/2), float32((s.From[1]+s.To[1])/2), float32((s.From[2]+s.To[2])/2))
		body.Add(cyl)
	}

	floor := graphic.NewMesh(geometry.NewPlane(400, 400), material.NewStandard(&math32.Color{R: 0.55, G: 0.6, B: 0.55}))
	r.scene.Add(floor)
	r.grid = helper.NewGrid(40, 0.5, &math32.Color{R: 0.25, G: 0.3, B: 0.25})
	r.grid.SetRotationX(math.Pi / 2) // the helper's grid lies in the xz plane; the floor is xy
	r.scene.Add(r.grid)

	r.scene.Add(light.NewAmbient(&math32.Color{R: 1, G: 1, B: 1}, 0.5))
	sun := light.NewDirectional(&math32.Color{R: 1, G: 1, B: 1}, 0.9)
	sun.SetPosition(1, -2, 3)
	r.scene.Add(sun)

	r.cam = camera.NewPerspective(float32(r.opt.Width)/float32(r.opt.Height), 0.05, 200, 45, camera.Vertical)
	r.scene.Add(r.cam)
}

// Frame poses the bodies (pos: 3 values per body, quat: w, x, y, z per body, as
// logged), points the camera at the torso from its side, renders, and returns the
// image (dst is reused when it has the frame's size).
func (r *Renderer) Frame(pos, quat []float64, dst *image.RGBA) (*image.RGBA, error) {
	if r == nil || r.win == nil {
		return nil, errors.New("renderer: closed")
	}
	nb := len(r.bodies)
	if len(pos) < 3*nb || len(quat) < 4*nb {
		return nil, fmt.Errorf("renderer: %d positions and %d quaternion values for %d bodies", len(pos), len(quat), nb)
	}
	for b, n := range r.bodies {
		n.SetPosition(float32(pos[3*b]), float32(pos[3*b+1]), float32(pos[3*b+2]))
		n.SetQuaternion(float32(quat[4*b+1]), float32(quat[4*b+2]), float32(quat[4*b+3]), float32(quat[4*b]))
	}
	// Aim halfway down the torso's height, so the limbs below it stay in view.
	tx, ty, tz := float32(pos[0]), float32(pos[1]), float32(pos[2]/2)
	// The grid follows the torso in whole cells, so lines stay put on the floor.
	r.grid.SetPosition(float32(math.Round(pos[0]*2)/2), float32(math.Round(pos[1]*2)/2), 0.002)
	r.cam.SetPosition(tx, ty-float32(r.opt.Distance), tz+float32(r.opt.Height0))
	r.cam.LookAt(&math32.Vector3{X: tx, Y: ty, Z: tz}, &math32.Vector3{X: 0, Y: 0, Z: 1})

	r.win.MakeContextCurrent()
	r.gs.Viewport(0, 0, int32(r.fbW), int32(r.fbH))
	r.gs.Clear(gls.COLOR_BUFFER_BIT | gls.DEPTH_BUFFER_BIT)
	if err := r.rend.Render(r.scene, r.cam); err != nil {
		return nil, fmt.Errorf("renderer: render: %w", err)
	}
	px := r.gs.ReadPixels(0, 0, r.fbW, r.fbH, gls.RGBA, gls.UNSIGNED_BYTE)
	if dst == nil || dst.Rect.Dx() != r.fbW || dst.Rect.Dy() != r.fbH {
		dst = image.NewRGBA(image.Rect(0, 0, r.fbW, r.fbH))
	}
	// OpenGL's rows run bottom to top.
	row := 4 * r.fbW
	for y := range r.fbH {
		copy(dst.Pix[y*dst.Stride:y*dst.Stride+row], px[(r.fbH-1-y)*row:(r.fbH-y)*row])
	}
	return dst, nil
}

// Close destroys the window, shuts GLFW down and unlocks the goroutine's OS thread.
func (r *Renderer) Close() error {
	if r == nil || r.win == nil {
		return nil
	}
	r.win.Destroy()
	r.win = nil
	glfw.Terminate()
	runtime.UnlockOSThread()
	return nil
}

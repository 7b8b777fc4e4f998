package render

import (
	"errors"
	"fmt"
	"image"
	"net"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/g3n/engine/gls"
	"github.com/g3n/engine/renderer"
	"github.com/go-gl/glfw/v3.3/glfw"
)

// ErrNoDisplay means no X display could be opened for a window: the hidden one frames
// are rendered in, or the live viewer's.
var ErrNoDisplay = errors.New("no X display: run under xvfb-run or set DISPLAY")

// Options are the renderer's settings; zero values mean defaults.
type Options struct {
	Width, Height int     // frame size in pixels (default 480 x 360)
	Distance      float64 // camera distance from the torso in metres (default 3)
	Height0       float64 // camera height above its aim point (half the torso's height) in metres (default 0.8)
	// Supersample renders each frame at this many times the size in each direction and
	// averages the blocks of pixels down (default 2), so that the floor's grid lines do not
	// alias into moiré near the horizon; 1 turns it off.
	Supersample int
	// Overlay writes each frame's step, reward and return in its top left corner
	// (RenderEpisode, for episodes that carry them).
	Overlay bool
}

// Renderer draws frames of one morphology into a hidden window and reads them back.
// It holds an OpenGL context bound to the OS thread of the goroutine that called
// NewRenderer: that goroutine must make every call, and only one Renderer or viewer
// may be open at a time in a process.
type Renderer struct {
	opt   Options
	w     *glWindow
	scene *scene
	big   *image.RGBA // the supersampled frame
}

// NewRenderer opens a hidden window on the X display, builds the scene of shapes and
// locks the calling goroutine to its OS thread until Close. It returns an error
// wrapping ErrNoDisplay when no display can be opened.
func NewRenderer(shapes []Shape, opt Options) (*Renderer, error) {
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
	opt.camera()
	if opt.Supersample <= 0 {
		opt.Supersample = 2
	}
	if opt.Supersample > 4 || opt.Width*opt.Supersample > 8192 || opt.Height*opt.Supersample > 8192 {
		opt.Supersample = 1
	}
	w, err := openWindow(opt.Width*opt.Supersample, opt.Height*opt.Supersample, "gorl render", false)
	if err != nil {
		return nil, err
	}
	return &Renderer{opt: opt, w: w, scene: newScene(shapes, float32(opt.Width)/float32(opt.Height))}, nil
}

// camera fills in the camera defaults.
func (o *Options) camera() {
	if o.Distance <= 0 {
		o.Distance = 3
	}
	if o.Height0 == 0 {
		o.Height0 = 0.8
	}
}

// glWindow is a GLFW window with a current OpenGL context and a g3n renderer.
type glWindow struct {
	win      *glfw.Window
	gs       *gls.GLS
	rend     *renderer.Renderer
	fbW, fbH int // framebuffer size in pixels, kept current by a callback
}

// openWindow checks the X display, locks the calling goroutine to its OS thread,
// initialises GLFW and opens a window (hidden or visible) with an OpenGL 3.3 core
// context. It returns an error wrapping ErrNoDisplay when no display can be opened.
func openWindow(width, height int, title string, visible bool) (w *glWindow, err error) {
	if err := probeDisplay(); err != nil {
		return nil, err
	}
	runtime.LockOSThread()
	w = &glWindow{}
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
			if w.win != nil {
				w.win.Destroy()
			}
			glfw.Terminate()
			runtime.UnlockOSThread()
			w = nil
		}
	}()
	if err := glfw.Init(); err != nil {
		return nil, fmt.Errorf("%w (%v)", ErrNoDisplay, err)
	}
	glfw.WindowHint(glfw.Visible, glfw.False)
	glfw.WindowHint(glfw.Resizable, glfw.False)
	if visible {
		glfw.WindowHint(glfw.Visible, glfw.True)
		glfw.WindowHint(glfw.Resizable, glfw.True)
	}
	glfw.WindowHint(glfw.ContextVersionMajor, 3)
	glfw.WindowHint(glfw.ContextVersionMinor, 3)
	glfw.WindowHint(glfw.OpenGLProfile, glfw.OpenGLCoreProfile)
	if w.win, err = glfw.CreateWindow(width, height, title, nil, nil); err != nil {
		return nil, fmt.Errorf("renderer: create window: %w", err)
	}
	w.win.MakeContextCurrent()
	w.fbW, w.fbH = w.win.GetFramebufferSize()
	w.win.SetFramebufferSizeCallback(func(_ *glfw.Window, fw, fh int) { w.fbW, w.fbH = fw, fh })
	if w.gs, err = gls.New(); err != nil {
		return nil, fmt.Errorf("renderer: OpenGL state: %w", err)
	}
	w.gs.ClearColor(0.82, 0.88, 0.95, 1)
	w.rend = renderer.NewRenderer(w.gs)
	if err := w.rend.AddDefaultShaders(); err != nil {
		return nil, fmt.Errorf("renderer: shaders: %w", err)
	}
	return w, nil
}

// draw renders the scene with its camera into the window's back buffer.
func (w *glWindow) draw(s *scene) error {
	fbW, fbH := w.fbW, w.fbH
	w.win.MakeContextCurrent()
	w.gs.Viewport(0, 0, int32(fbW), int32(fbH))
	w.gs.Clear(gls.COLOR_BUFFER_BIT | gls.DEPTH_BUFFER_BIT)
	if err := w.rend.Render(s.root, s.cam); err != nil {
		return fmt.Errorf("renderer: render: %w", err)
	}
	return nil
}

// readRGBA copies the back buffer into dst (reused when it has the buffer's size),
// top row first.
func (w *glWindow) readRGBA(dst *image.RGBA) *image.RGBA {
	fbW, fbH := w.fbW, w.fbH
	px := w.gs.ReadPixels(0, 0, fbW, fbH, gls.RGBA, gls.UNSIGNED_BYTE)
	if dst == nil || dst.Rect.Dx() != fbW || dst.Rect.Dy() != fbH {
		dst = image.NewRGBA(image.Rect(0, 0, fbW, fbH))
	}
	// OpenGL's rows run bottom to top.
	row := 4 * fbW
	for y := range fbH {
		copy(dst.Pix[y*dst.Stride:y*dst.Stride+row], px[(fbH-1-y)*row:(fbH-y)*row])
	}
	return dst
}

// close destroys the window, shuts GLFW down and unlocks the OS thread.
func (w *glWindow) close() {
	w.win.Destroy()
	w.win = nil
	glfw.Terminate()
	runtime.UnlockOSThread()
}

// probeDisplay checks that DISPLAY names an X server that accepts connections, since
// GLFW only logs a failure to open the display.
func probeDisplay() error {
	disp := os.Getenv("DISPLAY")
	if disp == "" {
		return fmt.Errorf("%w (DISPLAY is not set)", ErrNoDisplay)
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

// Frame poses the bodies (pos: 3 values per body, quat: w, x, y, z per body, as
// logged), points the camera at the torso from its side, renders, and returns the
// image (dst is reused when it has the frame's size).
func (r *Renderer) Frame(pos, quat []float64, dst *image.RGBA) (*image.RGBA, error) {
	if r == nil || r.w == nil {
		return nil, errors.New("renderer: closed")
	}
	target, err := r.scene.pose(pos, quat)
	if err != nil {
		return nil, fmt.Errorf("renderer: %w", err)
	}
	r.scene.look(target, [3]float64{target[0], target[1] - r.opt.Distance, target[2] + r.opt.Height0})
	if err := r.w.draw(r.scene); err != nil {
		return nil, err
	}
	if r.opt.Supersample <= 1 {
		return r.w.readRGBA(dst), nil
	}
	r.big = r.w.readRGBA(r.big)
	return downsample(r.big, r.opt.Supersample, dst), nil
}

// downsample averages each k x k block of src into one pixel of dst (reused when it has
// the right size).
func downsample(src *image.RGBA, k int, dst *image.RGBA) *image.RGBA {
	w, h := src.Rect.Dx()/k, src.Rect.Dy()/k
	if dst == nil || dst.Rect.Dx() != w || dst.Rect.Dy() != h {
		dst = image.NewRGBA(image.Rect(0, 0, w, h))
	}
	n := uint32(k * k)
	for y := range h {
		for x := range w {
			var sum [4]uint32
			for dy := range k {
				row := src.Pix[(y*k+dy)*src.Stride+4*x*k:]
				for dx := range k {
					for c := range 4 {
						sum[c] += uint32(row[4*dx+c])
					}
				}
			}
			o := dst.Pix[y*dst.Stride+4*x:]
			for c := range 4 {
				o[c] = uint8((sum[c] + n/2) / n)
			}
		}
	}
	return dst
}

// Close destroys the window, shuts GLFW down and unlocks the goroutine's OS thread.
func (r *Renderer) Close() error {
	if r == nil || r.w == nil {
		return nil
	}
	r.w.close()
	r.w = nil
	return nil
}

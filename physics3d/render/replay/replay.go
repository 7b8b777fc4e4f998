// Package replay renders the logged episodes of a run directory: it reads the run's
// environment from config.json, builds the morphology once for its shapes, and draws
// the body poses of the step rows, without re-simulating, to a GIF or MP4 file or in a
// live window (gorl render).
package replay

import (
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"gorl/env"
	"gorl/logs"
	"gorl/physics3d"
	"gorl/physics3d/render"
)

// Run is an episode of a run directory ready to draw.
type Run struct {
	Dir     string
	EnvID   string
	Episode *render.Episode
	Shapes  []render.Shape
	// StepSeconds is the environment's control step (1/30 when it does not say).
	StepSeconds float64
}

// Open reads episode ep of the run in dir, every Kth pose, with its morphology.
func Open(dir string, ep int64, every int) (*Run, error) {
	id, opts, err := RunEnv(dir)
	if err != nil {
		return nil, err
	}
	episode, err := render.LoadEpisode(dir, ep, every)
	if errors.Is(err, render.ErrNoPoses) && strings.HasPrefix(id, "sgrl/") {
		// A td3 training run logs no poses; its evaluation runs do.
		return nil, fmt.Errorf("%w; to render a trained policy, run gorl eval %s and render %s", err, dir, filepath.Join(dir, "eval-N"))
	}
	if err != nil {
		return nil, err
	}
	shapes, dt, err := EnvShapes(id, opts)
	if err != nil {
		return nil, err
	}
	return &Run{Dir: dir, EnvID: id, Episode: episode, Shapes: shapes, StepSeconds: dt}, nil
}

// RunEnv reads the environment id and options from a run's config.json: the envelope
// of a training run (rollout and eval configs have the same keys), or the section of a
// training run of format 1.
func RunEnv(runDir string) (string, env.Options, error) {
	data, err := os.ReadFile(filepath.Join(runDir, "config.json"))
	if err != nil {
		return "", nil, fmt.Errorf("render %s: %w", runDir, err)
	}
	var head struct {
		Env        string      `json:"env"`
		EnvOptions env.Options `json:"env_options"`
	}
	if json.Unmarshal(data, &head) == nil && head.Env != "" {
		return head.Env, head.EnvOptions, nil
	}
	var cfg map[string]any
	if err := json.Unmarshal(data, &cfg); err != nil {
		return "", nil, fmt.Errorf("render %s: config.json: %w", runDir, err)
	}
	id := logs.ConfigString(cfg, "env", "env_id")
	if id == "" {
		return "", nil, fmt.Errorf("render %s: config.json names no env", runDir)
	}
	opts := env.Options{}
	for k, v := range findEnvOptions(cfg) {
		opts[k] = fmt.Sprint(v)
	}
	return id, opts, nil
}

// findEnvOptions returns the first "env_options" object of a config, at the top level
// or nested (format 1's "train" section), breadth first like logs.ConfigString.
func findEnvOptions(cfg map[string]any) map[string]any {
	level := []map[string]any{cfg}
	for len(level) > 0 {
		var next []map[string]any
		for _, m := range level {
			if o, ok := m["env_options"].(map[string]any); ok {
				return o
			}
			for _, k := range slices.Sorted(maps.Keys(m)) {
				if sub, ok := m[k].(map[string]any); ok {
					next = append(next, sub)
				}
			}
		}
		level = next
	}
	return nil
}

// EnvShapes builds the environment once to read its morphology's geoms and its
// control step in seconds (1/30 when the environment does not say).
func EnvShapes(id string, opts env.Options) ([]render.Shape, float64, error) {
	e, err := env.Make(id, opts)
	if err != nil {
		return nil, 0, fmt.Errorf("render: %w", err)
	}
	if c, ok := e.(io.Closer); ok {
		defer c.Close()
	}
	type dataHolder interface{ Data() *physics3d.Data }
	h, ok := env.As[dataHolder](e)
	if !ok {
		return nil, 0, fmt.Errorf("render: %s is not a single-morphology 3D environment (multi-task ids need member=...)", id)
	}
	e.Reset()
	shapes, err := render.ShapesFromData(h.Data())
	if err != nil {
		return nil, 0, fmt.Errorf("render %s: %w", id, err)
	}
	dt := 1.0 / 30
	if c, ok := env.As[interface{ Dt() float64 }](e); ok && c.Dt() > 0 {
		dt = c.Dt()
	}
	return shapes, dt, nil
}

// FileOptions say how Write encodes the frames.
type FileOptions struct {
	Out    string // .gif or .mp4
	PNGDir string // also every frame as PNGDIR/frame-NNNNN.png; "" none
	render.Options
	FPS    float64
	CRF    float64 // MP4 only
	Preset string  // MP4 only
}

// MP4 reports whether the output is an MP4 video (else an animated GIF).
func (o FileOptions) MP4() bool { return strings.EqualFold(filepath.Ext(o.Out), ".mp4") }

// Timing is where Write's time went.
type Timing struct {
	Frames        int
	Total, Encode time.Duration
}

// PerFrame is d in milliseconds per frame.
func (t Timing) PerFrame(d time.Duration) float64 { return d.Seconds() * 1e3 / float64(t.Frames) }

// Write draws every pose of r's episode into o.Out (and o.PNGDir); onFrame, when not
// nil, is called after each frame.
func (r *Run) Write(o FileOptions, onFrame func()) (Timing, error) {
	var t Timing
	if o.PNGDir != "" {
		if err := os.MkdirAll(o.PNGDir, 0o755); err != nil {
			return t, fmt.Errorf("--png-dir: %w", err)
		}
	}
	var sink frameSink = &gifSink{render.GIF{FPS: o.FPS}}
	if o.MP4() {
		m := &render.MP4{FPS: o.FPS, CRF: o.CRF, Preset: o.Preset}
		defer m.Close()
		sink = m
	}
	start := time.Now()
	err := render.RenderEpisode(r.Shapes, r.Episode, o.Options, func(i int, img *image.RGBA) error {
		at := time.Now()
		if err := sink.Add(img); err != nil {
			return fmt.Errorf("frame %d: %w", i, err)
		}
		t.Encode += time.Since(at)
		if o.PNGDir != "" {
			if err := render.WritePNG(filepath.Join(o.PNGDir, fmt.Sprintf("frame-%05d.png", i)), img); err != nil {
				return err
			}
		}
		if onFrame != nil {
			onFrame()
		}
		return nil
	})
	if err != nil {
		return t, err
	}
	at := time.Now()
	if err := sink.Write(o.Out); err != nil {
		return t, err
	}
	t.Encode += time.Since(at)
	t.Total, t.Frames = time.Since(start), sink.Len()
	return t, nil
}

// frameSink is where rendered frames go: an animated GIF or an MP4 video.
type frameSink interface {
	Add(img image.Image) error
	Len() int
	Write(path string) error
}

type gifSink struct{ render.GIF }

func (g *gifSink) Add(img image.Image) error { g.GIF.Add(img); return nil }

// Settings are what gorl render draws: episode Episode of a run, every Every-th pose,
// into File, or in a live window (Live) at Speed for Frames frames (0: until closed).
type Settings struct {
	Episode int64
	Every   int
	File    FileOptions
	Force   bool // replace an existing File.Out
	Live    bool
	Speed   float64
	Frames  int
}

// Validate checks s in one line naming gorl render's flags; given reports whether a
// flag was set on the command line (some apply to files or to --live only).
func (s Settings) Validate(given func(flag string) bool) error {
	o := s.File
	switch {
	case s.Episode < 0:
		return fmt.Errorf("--episode %d: must be >= 0", s.Episode)
	case o.Width < 16 || o.Width > 4096 || o.Height < 16 || o.Height > 4096:
		return fmt.Errorf("--width %d --height %d: each must be in [16, 4096]", o.Width, o.Height)
	case o.FPS <= 0 || o.FPS > 100:
		return fmt.Errorf("--fps %g: must be in (0, 100]", o.FPS)
	case s.Every < 1:
		return fmt.Errorf("--every %d: must be >= 1", s.Every)
	case o.Supersample < 1 || o.Supersample > 4:
		return fmt.Errorf("--supersample %d: must be in [1, 4]", o.Supersample)
	case !s.Live && (given("speed") || given("frames")):
		return errors.New("--speed and --frames apply to --live only")
	case !s.Live:
		return o.validate(s.Force, given("crf") || given("preset"))
	}
	for _, name := range []string{"out", "png-dir", "fps", "crf", "preset"} {
		if given(name) {
			return fmt.Errorf("--live plays the episode in a window: --%s does not apply", name)
		}
	}
	if s.Speed < 1.0/16 || s.Speed > 16 {
		return fmt.Errorf("--speed %g: must be in [1/16, 16]", s.Speed)
	}
	if s.Frames < 0 {
		return fmt.Errorf("--frames %d: must be >= 0", s.Frames)
	}
	return nil
}

// ViewOptions are the live window's for s: each logged pose stands for the
// environment's control step times s.Every. sizeGiven keeps s.File's size for the
// window (else the viewer's default).
func (r *Run) ViewOptions(s Settings, sizeGiven bool) render.ViewOptions {
	vo := render.ViewOptions{StepSeconds: r.StepSeconds * float64(s.Every), Speed: s.Speed, Frames: s.Frames,
		Title: fmt.Sprintf("gorl %s episode %d", r.EnvID, s.Episode)}
	if sizeGiven {
		vo.Width, vo.Height = s.File.Width, s.File.Height
	}
	return vo
}

// validate checks the file settings: force allows replacing an existing Out, and
// encoderGiven says --crf or --preset was given (they apply to MP4 only).
func (o FileOptions) validate(force, encoderGiven bool) error {
	mp4 := o.MP4()
	switch {
	case !mp4 && !strings.EqualFold(filepath.Ext(o.Out), ".gif"):
		return fmt.Errorf("--out %q: must end in .gif or .mp4", o.Out)
	case !force && exists(o.Out):
		return fmt.Errorf("--out %s exists: pass --force to replace it", o.Out)
	case !mp4 && encoderGiven:
		return errors.New("--crf and --preset apply to MP4 output (--out x.mp4) only")
	case !mp4:
		return nil
	case o.Width%2 != 0 || o.Height%2 != 0:
		return fmt.Errorf("--width %d --height %d: MP4 (H.264 4:2:0) needs even sizes", o.Width, o.Height)
	case o.CRF <= 0:
		return fmt.Errorf("--crf %g: must be in (0, 51]", o.CRF)
	}
	m := render.MP4{FPS: o.FPS, CRF: o.CRF, Preset: o.Preset}
	if err := m.Validate(); err != nil {
		return fmt.Errorf("--crf %g --preset %q: %w", o.CRF, o.Preset, err)
	}
	return nil
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

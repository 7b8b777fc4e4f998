package main

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

	"github.com/spf13/cobra"

	"gorl/env"
	"gorl/logs"
	"gorl/physics3d"
	"gorl/physics3d/render"
)

type renderFlags struct {
	episode       int64
	out, pngDir   string
	width, height int
	fps           float64
	crf           float64
	preset        string
	every         int
	quiet         bool
	force         bool
	live          bool
	speed         float64
	frames        int
	overlay       bool
	supersample   int
	changed       func(name string) bool
}

func newRenderCmd() *cobra.Command {
	var f renderFlags
	cmd := &cobra.Command{
		Use:   "render RUN_DIR",
		Short: "Render a logged 3D locomotion episode to GIF, MP4 or PNG frames, or play it in a window",
		Long: `Render one episode of a 3D locomotion run (sgrl/*) from the body poses in its step
rows, without re-simulating: the morphology comes from the run's environment (config.json),
the poses from steps/. Multi-task ids need member=... in the run's env options.

Files: --out names an animated GIF (.gif) or an H.264 MP4 video (.mp4, libx264: --crf sets
the quality, --preset the encoding speed: faster presets give larger files at the same
quality); --png-dir also writes every frame as a PNG. Width and height
must be even for MP4. Frames are drawn with OpenGL in a hidden window, so an X display is needed: run under
xvfb-run on a machine without one.

Live: --live opens a window that plays the episode in a loop at real time (the
environment's control step times --every, scaled by --speed), with the camera following
the torso. Keys:
` + render.ViewKeys,
		Example: `  gorl rollout --env sgrl/hopper-3 --episodes 1 --run-dir runs/hop
  xvfb-run -a gorl render runs/hop --episode 0 --out hop.gif --every 2
  xvfb-run -a gorl render runs/hop --episode 0 --out hop.mp4 --width 640 --height 480
  gorl render runs/hop --episode 0 --live --speed 0.5`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f.changed = cmd.Flags().Changed
			if err := f.validate(); err != nil {
				return err
			}
			if f.live {
				return viewRun(cmd, args[0], f)
			}
			return renderRun(cmd, args[0], f)
		},
	}
	fl := cmd.Flags()
	fl.Int64Var(&f.episode, "episode", 0, "episode id to render")
	fl.StringVar(&f.out, "out", "rollout.gif", "file to write: animated GIF (.gif) or H.264 video (.mp4)")
	fl.StringVar(&f.pngDir, "png-dir", "", "also write every frame as DIR/frame-NNNNN.png")
	fl.IntVar(&f.width, "width", 480, "frame width in pixels (MP4: even; --live: window width, 960 unless given)")
	fl.IntVar(&f.height, "height", 360, "frame height in pixels (MP4: even; --live: window height, 720 unless given)")
	fl.Float64Var(&f.fps, "fps", 30, "GIF or MP4 frames per second")
	fl.Float64Var(&f.crf, "crf", 23, "MP4 quality: x264 constant rate factor in (0, 51], lower is better and larger")
	fl.StringVar(&f.preset, "preset", "medium", "MP4 encoding speed: x264 preset, ultrafast .. veryslow")
	fl.IntVar(&f.every, "every", 1, "render every Kth step")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "no progress output")
	fl.BoolVar(&f.force, "force", false, "replace an existing --out file")
	fl.BoolVar(&f.live, "live", false, "play the episode in a window (needs an X display) instead of writing files")
	fl.Float64Var(&f.speed, "speed", 1, "--live: initial playback speed (1 = real time; keys change it)")
	fl.IntVar(&f.frames, "frames", 0, "--live: close the window after drawing this many frames (0: when you quit)")
	fl.BoolVar(&f.overlay, "overlay", false, "write each frame's step, reward and return in its top left corner")
	fl.IntVar(&f.supersample, "supersample", 2, "render at N times the size and average down (anti-aliasing; 1: off, at most 4)")
	return cmd
}

func (f renderFlags) mp4() bool { return strings.EqualFold(filepath.Ext(f.out), ".mp4") }

func (f renderFlags) validate() error {
	changed := f.changed
	if changed == nil {
		changed = func(string) bool { return false }
	}
	switch {
	case f.episode < 0:
		return fmt.Errorf("--episode %d: must be >= 0", f.episode)
	case f.width < 16 || f.width > 4096 || f.height < 16 || f.height > 4096:
		return fmt.Errorf("--width %d --height %d: each must be in [16, 4096]", f.width, f.height)
	case f.fps <= 0 || f.fps > 100:
		return fmt.Errorf("--fps %g: must be in (0, 100]", f.fps)
	case f.every < 1:
		return fmt.Errorf("--every %d: must be >= 1", f.every)
	case f.supersample < 1 || f.supersample > 4:
		return fmt.Errorf("--supersample %d: must be in [1, 4]", f.supersample)
	case f.live:
		for _, name := range []string{"out", "png-dir", "fps", "crf", "preset"} {
			if changed(name) {
				return fmt.Errorf("--live plays the episode in a window: --%s does not apply", name)
			}
		}
		if f.speed < 1.0/16 || f.speed > 16 {
			return fmt.Errorf("--speed %g: must be in [1/16, 16]", f.speed)
		}
		if f.frames < 0 {
			return fmt.Errorf("--frames %d: must be >= 0", f.frames)
		}
		return nil
	case changed("speed") || changed("frames"):
		return errors.New("--speed and --frames apply to --live only")
	case !f.mp4() && !strings.EqualFold(filepath.Ext(f.out), ".gif"):
		return fmt.Errorf("--out %q: must end in .gif or .mp4", f.out)
	case !f.force && fileExists(f.out):
		return fmt.Errorf("--out %s exists: pass --force to replace it", f.out)
	case !f.mp4() && (changed("crf") || changed("preset")):
		return errors.New("--crf and --preset apply to MP4 output (--out x.mp4) only")
	case f.mp4() && (f.width%2 != 0 || f.height%2 != 0):
		return fmt.Errorf("--width %d --height %d: MP4 (H.264 4:2:0) needs even sizes", f.width, f.height)
	}
	if f.mp4() {
		m := render.MP4{FPS: f.fps, CRF: f.crf, Preset: f.preset}
		if f.crf <= 0 {
			return fmt.Errorf("--crf %g: must be in (0, 51]", f.crf)
		}
		if err := m.Validate(); err != nil {
			return fmt.Errorf("--crf %g --preset %q: %w", f.crf, f.preset, err)
		}
	}
	return nil
}

// frameSink is where rendered frames go: an animated GIF or an MP4 video.
type frameSink interface {
	Add(img image.Image) error
	Len() int
	Write(path string) error
}

type gifSink struct{ render.GIF }

func (g *gifSink) Add(img image.Image) error { g.GIF.Add(img); return nil }

func renderRun(cmd *cobra.Command, runDir string, f renderFlags) error {
	envID, opts, err := runEnv(runDir)
	if err != nil {
		return err
	}
	ep, err := loadEpisode(runDir, envID, f)
	if err != nil {
		return err
	}
	shapes, _, err := envShapes(envID, opts)
	if err != nil {
		return err
	}
	if f.pngDir != "" {
		if err := os.MkdirAll(f.pngDir, 0o755); err != nil {
			return fmt.Errorf("--png-dir: %w", err)
		}
	}
	var sink frameSink = &gifSink{render.GIF{FPS: f.fps}}
	if f.mp4() {
		m := &render.MP4{FPS: f.fps, CRF: f.crf, Preset: f.preset}
		defer m.Close()
		sink = m
	}
	var prog *progress // started with the first frame, so a failure to open the display prints one line
	var encode time.Duration
	start := time.Now()
	err = render.RenderEpisode(shapes, ep, render.Options{Width: f.width, Height: f.height, Overlay: f.overlay, Supersample: f.supersample},
		func(i int, img *image.RGBA) error {
			if prog == nil {
				prog = newProgress(int64(len(ep.Pos)), "render", f.quiet)
			}
			t := time.Now()
			if err := sink.Add(img); err != nil {
				return fmt.Errorf("frame %d: %w", i, err)
			}
			encode += time.Since(t)
			if f.pngDir != "" {
				if err := render.WritePNG(filepath.Join(f.pngDir, fmt.Sprintf("frame-%05d.png", i)), img); err != nil {
					return err
				}
			}
			prog.Add(1)
			return nil
		})
	if prog != nil {
		prog.Finish()
	}
	if err != nil {
		return err
	}
	t := time.Now()
	if err := sink.Write(f.out); err != nil {
		return err
	}
	encode += time.Since(t)
	total := time.Since(start)
	n := sink.Len()
	perFrame := func(d time.Duration) float64 { return d.Seconds() * 1e3 / float64(n) }
	fmt.Fprintf(cmd.OutOrStdout(), "%d frames of episode %d (%s) in %s (%.2f ms/frame: %.2f drawing with window setup, %.2f encoding)\n",
		n, f.episode, envID, f.out, perFrame(total), perFrame(total-encode), perFrame(encode))
	return nil
}

// viewRun plays an episode in a window at real time: each logged pose stands for the
// environment's control step times --every.
func viewRun(cmd *cobra.Command, runDir string, f renderFlags) error {
	envID, opts, err := runEnv(runDir)
	if err != nil {
		return err
	}
	ep, err := loadEpisode(runDir, envID, f)
	if err != nil {
		return err
	}
	shapes, dt, err := envShapes(envID, opts)
	if err != nil {
		return err
	}
	vo := render.ViewOptions{StepSeconds: dt * float64(f.every), Speed: f.speed, Frames: f.frames,
		Title: fmt.Sprintf("gorl %s episode %d", envID, f.episode)}
	if f.changed != nil && (f.changed("width") || f.changed("height")) {
		vo.Width, vo.Height = f.width, f.height
	}
	if !f.quiet {
		vo.Opened = func() {
			fmt.Fprintf(cmd.ErrOrStderr(), "playing %d poses of episode %d at %.4g per second; keys: space pause, left/right step, r restart, up/down speed, l loop, f follow, c camera, q quit\n",
				len(ep.Pos), f.episode, 1/vo.StepSeconds)
		}
	}
	st, err := render.View(shapes, ep, vo)
	if err != nil {
		return fmt.Errorf("render --live: %w", err)
	}
	fmt.Fprintf(cmd.OutOrStdout(), "played episode %d (%s): %d frames drawn, %d loops, last pose %d of %d\n",
		f.episode, envID, st.Drawn, st.Loops, st.Last+1, len(ep.Pos))
	return nil
}

// runEnv reads the environment id and options from a run's config.json.
func runEnv(runDir string) (string, env.Options, error) {
	data, err := os.ReadFile(filepath.Join(runDir, "config.json"))
	if err != nil {
		return "", nil, fmt.Errorf("render %s: %w", runDir, err)
	}
	var head struct { // a training run's envelope; rollout and eval configs have the same keys
		Env        string      `json:"env"`
		EnvOptions env.Options `json:"env_options"`
	}
	if json.Unmarshal(data, &head) == nil && head.Env != "" {
		return head.Env, head.EnvOptions, nil
	}
	var cfg map[string]any // a training run of format 1 names its env in its section
	if err := json.Unmarshal(data, &cfg); err != nil {
		return "", nil, fmt.Errorf("render %s: config.json: %w", runDir, err)
	}
	id := logs.ConfigString(cfg, "env", "env_id")
	if id == "" {
		return "", nil, fmt.Errorf("render %s: config.json names no env", runDir)
	}
	opts := env.Options{}
	if m := findEnvOptions(cfg); m != nil {
		for k, v := range m {
			opts[k] = fmt.Sprint(v)
		}
	}
	return id, opts, nil
}

// findEnvOptions returns the first "env_options" object of a config, at the top level
// (rollout) or nested (train's "train" section), breadth first like logs.ConfigString.
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

// envShapes builds the environment once to read its morphology's geoms and its
// control step in seconds (1/30 when the environment does not say).
func envShapes(id string, opts env.Options) ([]render.Shape, float64, error) {
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

// loadEpisode reads the episode's poses; a 3D run without them (a td3 training run logs
// none) gets a hint at the evaluation runs, which do.
func loadEpisode(runDir, envID string, f renderFlags) (*render.Episode, error) {
	ep, err := render.LoadEpisode(runDir, f.episode, f.every)
	if errors.Is(err, render.ErrNoPoses) && strings.HasPrefix(envID, "sgrl/") {
		return nil, fmt.Errorf("%w; to render a trained policy, run gorl eval %s and render %s", err, runDir, filepath.Join(runDir, "eval-N"))
	}
	return ep, err
}

// fileExists reports whether path names an existing file or directory.
func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

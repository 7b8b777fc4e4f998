package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"gorl/physics3d/render"
	"gorl/physics3d/render/replay"
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

// file is how the frames are written.
func (f renderFlags) file() replay.FileOptions {
	return replay.FileOptions{Out: f.out, PNGDir: f.pngDir, FPS: f.fps, CRF: f.crf, Preset: f.preset,
		Options: render.Options{Width: f.width, Height: f.height, Overlay: f.overlay, Supersample: f.supersample}}
}

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
	case !f.live && (changed("speed") || changed("frames")):
		return errors.New("--speed and --frames apply to --live only")
	case !f.live:
		return f.file().Validate(f.force, changed("crf") || changed("preset"))
	}
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
}

func renderRun(cmd *cobra.Command, runDir string, f renderFlags) error {
	r, err := replay.Open(runDir, f.episode, f.every)
	if err != nil {
		return err
	}
	var prog *progress // started with the first frame, so a failure to open the display prints one line
	t, err := r.Write(f.file(), func() {
		if prog == nil {
			prog = newProgress(int64(len(r.Episode.Pos)), "render", f.quiet)
		}
		prog.Add(1)
	})
	if prog != nil {
		prog.Finish()
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "%d frames of episode %d (%s) in %s (%.2f ms/frame: %.2f drawing with window setup, %.2f encoding)\n",
		t.Frames, f.episode, r.EnvID, f.out, t.PerFrame(t.Total), t.PerFrame(t.Total-t.Encode), t.PerFrame(t.Encode))
	return nil
}

// viewRun plays an episode in a window at real time: each logged pose stands for the
// environment's control step times --every.
func viewRun(cmd *cobra.Command, runDir string, f renderFlags) error {
	r, err := replay.Open(runDir, f.episode, f.every)
	if err != nil {
		return err
	}
	ep := r.Episode
	vo := render.ViewOptions{StepSeconds: r.StepSeconds * float64(f.every), Speed: f.speed, Frames: f.frames,
		Title: fmt.Sprintf("gorl %s episode %d", r.EnvID, f.episode)}
	if f.changed != nil && (f.changed("width") || f.changed("height")) {
		vo.Width, vo.Height = f.width, f.height
	}
	if !f.quiet {
		vo.Opened = func() {
			fmt.Fprintf(cmd.ErrOrStderr(), "playing %d poses of episode %d at %.4g per second; keys: space pause, left/right step, r restart, up/down speed, l loop, f follow, c camera, q quit\n",
				len(ep.Pos), f.episode, 1/vo.StepSeconds)
		}
	}
	st, err := render.View(r.Shapes, ep, vo)
	if err != nil {
		return fmt.Errorf("render --live: %w", err)
	}
	fmt.Fprintf(cmd.OutOrStdout(), "played episode %d (%s): %d frames drawn, %d loops, last pose %d of %d\n",
		f.episode, r.EnvID, st.Drawn, st.Loops, st.Last+1, len(ep.Pos))
	return nil
}

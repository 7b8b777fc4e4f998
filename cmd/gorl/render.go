package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"gorl/physics3d/render"
	"gorl/physics3d/render/replay"
)

type renderFlags struct {
	s     replay.Settings
	quiet bool
	given func(name string) bool
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
			f.given = cmd.Flags().Changed
			if err := f.s.Validate(f.given); err != nil {
				return err
			}
			if f.s.Live {
				return viewRun(cmd, args[0], f)
			}
			return renderRun(cmd, args[0], f)
		},
	}
	fl, s, o := cmd.Flags(), &f.s, &f.s.File
	fl.Int64Var(&s.Episode, "episode", 0, "episode id to render")
	fl.StringVar(&o.Out, "out", "rollout.gif", "file to write: animated GIF (.gif) or H.264 video (.mp4)")
	fl.StringVar(&o.PNGDir, "png-dir", "", "also write every frame as DIR/frame-NNNNN.png")
	fl.IntVar(&o.Width, "width", 480, "frame width in pixels (MP4: even; --live: window width, 960 unless given)")
	fl.IntVar(&o.Height, "height", 360, "frame height in pixels (MP4: even; --live: window height, 720 unless given)")
	fl.Float64Var(&o.FPS, "fps", 30, "GIF or MP4 frames per second")
	fl.Float64Var(&o.CRF, "crf", 23, "MP4 quality: x264 constant rate factor in (0, 51], lower is better and larger")
	fl.StringVar(&o.Preset, "preset", "medium", "MP4 encoding speed: x264 preset, ultrafast .. veryslow")
	fl.IntVar(&s.Every, "every", 1, "render every Kth step")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "no progress output")
	fl.BoolVar(&s.Force, "force", false, "replace an existing --out file")
	fl.BoolVar(&s.Live, "live", false, "play the episode in a window (needs an X display) instead of writing files")
	fl.Float64Var(&s.Speed, "speed", 1, "--live: initial playback speed (1 = real time; keys change it)")
	fl.IntVar(&s.Frames, "frames", 0, "--live: close the window after drawing this many frames (0: when you quit)")
	fl.BoolVar(&o.Overlay, "overlay", false, "write each frame's step, reward and return in its top left corner")
	fl.IntVar(&o.Supersample, "supersample", 2, "render at N times the size and average down (anti-aliasing; 1: off, at most 4)")
	return cmd
}

func renderRun(cmd *cobra.Command, runDir string, f renderFlags) error {
	r, err := replay.Open(runDir, f.s.Episode, f.s.Every)
	if err != nil {
		return err
	}
	var prog *progress // started with the first frame, so a failure to open the display prints one line
	t, err := r.Write(f.s.File, func() {
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
		t.Frames, f.s.Episode, r.EnvID, f.s.File.Out, t.PerFrame(t.Total), t.PerFrame(t.Total-t.Encode), t.PerFrame(t.Encode))
	return nil
}

// viewRun plays an episode in a window at real time.
func viewRun(cmd *cobra.Command, runDir string, f renderFlags) error {
	r, err := replay.Open(runDir, f.s.Episode, f.s.Every)
	if err != nil {
		return err
	}
	vo := r.ViewOptions(f.s, f.given("width") || f.given("height"))
	if !f.quiet {
		vo.Opened = func() {
			fmt.Fprintf(cmd.ErrOrStderr(), "playing %d poses of episode %d at %.4g per second; keys: space pause, left/right step, r restart, up/down speed, l loop, f follow, c camera, q quit\n",
				len(r.Episode.Pos), f.s.Episode, 1/vo.StepSeconds)
		}
	}
	st, err := render.View(r.Shapes, r.Episode, vo)
	if err != nil {
		return fmt.Errorf("render --live: %w", err)
	}
	fmt.Fprintf(cmd.OutOrStdout(), "played episode %d (%s): %d frames drawn, %d loops, last pose %d of %d\n",
		f.s.Episode, r.EnvID, st.Drawn, st.Loops, st.Last+1, len(r.Episode.Pos))
	return nil
}

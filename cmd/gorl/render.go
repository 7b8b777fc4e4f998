package main

import (
	"encoding/json"
	"fmt"
	"image"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

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
	every         int
	quiet         bool
}

func newRenderCmd() *cobra.Command {
	var f renderFlags
	cmd := &cobra.Command{
		Use:   "render RUN_DIR",
		Short: "Render a logged 3D locomotion episode to an animated GIF (and PNG frames)",
		Long: `Render one episode of a 3D locomotion run (sgrl/*) from the body poses in its step
rows, without re-simulating: the morphology comes from the run's environment (config.json),
the poses from steps/. Frames are drawn with OpenGL in a hidden window, so an X display is
needed: run under xvfb-run on a machine without one. Multi-task ids need member=... in the
run's env options.`,
		Example: `  gorl rollout --env sgrl/hopper-3 --episodes 1 --run-dir runs/hop
  xvfb-run -a gorl render runs/hop --episode 0 --out hop.gif --every 2`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := f.validate(); err != nil {
				return err
			}
			return renderRun(cmd, args[0], f)
		},
	}
	fl := cmd.Flags()
	fl.Int64Var(&f.episode, "episode", 0, "episode id to render")
	fl.StringVar(&f.out, "out", "rollout.gif", "animated GIF to write")
	fl.StringVar(&f.pngDir, "png-dir", "", "also write every frame as DIR/frame-NNNNN.png")
	fl.IntVar(&f.width, "width", 480, "frame width in pixels")
	fl.IntVar(&f.height, "height", 360, "frame height in pixels")
	fl.Float64Var(&f.fps, "fps", 30, "GIF frames per second")
	fl.IntVar(&f.every, "every", 1, "render every Kth step")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "no progress output")
	return cmd
}

func (f renderFlags) validate() error {
	switch {
	case f.episode < 0:
		return fmt.Errorf("--episode %d: must be >= 0", f.episode)
	case f.width < 16 || f.width > 4096 || f.height < 16 || f.height > 4096:
		return fmt.Errorf("--width %d --height %d: each must be in [16, 4096]", f.width, f.height)
	case f.fps <= 0 || f.fps > 100:
		return fmt.Errorf("--fps %g: must be in (0, 100]", f.fps)
	case f.every < 1:
		return fmt.Errorf("--every %d: must be >= 1", f.every)
	case !strings.EqualFold(filepath.Ext(f.out), ".gif"):
		return fmt.Errorf("--out %q: must end in .gif", f.out)
	}
	return nil
}

func renderRun(cmd *cobra.Command, runDir string, f renderFlags) error {
	envID, opts, err := runEnv(runDir)
	if err != nil {
		return err
	}
	ep, err := render.LoadEpisode(runDir, f.episode, f.every)
	if err != nil {
		return err
	}
	shapes, err := envShapes(envID, opts)
	if err != nil {
		return err
	}
	if f.pngDir != "" {
		if err := os.MkdirAll(f.pngDir, 0o755); err != nil {
			return fmt.Errorf("--png-dir: %w", err)
		}
	}
	anim := render.GIF{FPS: f.fps}
	var prog *progress // started with the first frame, so a failure to open the display prints one line
	err = render.RenderEpisode(shapes, ep, render.Options{Width: f.width, Height: f.height},
		func(i int, img *image.RGBA) error {
			if prog == nil {
				prog = newProgress(int64(len(ep.Pos)), "render", f.quiet)
			}
			anim.Add(img)
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
	if err := anim.Write(f.out); err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "%d frames of episode %d (%s) in %s\n", anim.Len(), f.episode, envID, f.out)
	return nil
}

// runEnv reads the environment id and options from a run's config.json.
func runEnv(runDir string) (string, env.Options, error) {
	data, err := os.ReadFile(filepath.Join(runDir, "config.json"))
	if err != nil {
		return "", nil, fmt.Errorf("render %s: %w", runDir, err)
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

// envShapes builds the environment once to read its morphology's geoms.
func envShapes(id string, opts env.Options) ([]render.Shape, error) {
	e, err := env.Make(id, opts)
	if err != nil {
		return nil, fmt.Errorf("render: %w", err)
	}
	if c, ok := e.(io.Closer); ok {
		defer c.Close()
	}
	type dataHolder interface{ Data() *physics3d.Data }
	h, ok := env.As[dataHolder](e)
	if !ok {
		return nil, fmt.Errorf("render: %s is not a single-morphology 3D environment (multi-task ids need member=...)", id)
	}
	e.Reset()
	shapes, err := render.ShapesFromData(h.Data())
	if err != nil {
		return nil, fmt.Errorf("render %s: %w", id, err)
	}
	return shapes, nil
}

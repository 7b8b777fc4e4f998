package render

import (
	"fmt"
	"image"
	"slices"

	"gorl/logs"
)

// LoadEpisode reads the body poses of one episode from a run directory's step rows,
// keeping every every-th step (every <= 1 keeps all). It returns ErrNoPoses when the
// run's step rows have no poses and ErrNoEpisode when the episode has no step rows.
func LoadEpisode(runDir string, episode int64, every int) (*Episode, error) {
	every = max(every, 1)
	ep := &Episode{}
	poses, seen := 0, false
	ret := 0.0
	err := logs.ScanSteps(runDir, func(r *logs.StepRow) error {
		if len(r.BodyPos) > 0 {
			poses++
		}
		if r.Episode != episode {
			return nil // rows of vector-env episodes interleave: scan them all
		}
		seen = true
		ret += r.Reward // an episode's rows come in step order
		if len(r.BodyPos) == 0 || r.Step%int64(every) != 0 {
			return nil
		}
		ep.Pos = append(ep.Pos, slices.Clone(r.BodyPos))
		ep.Quat = append(ep.Quat, slices.Clone(r.BodyQuat))
		ep.Step = append(ep.Step, r.Step)
		ep.Reward = append(ep.Reward, r.Reward)
		ep.Return = append(ep.Return, ret)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read steps of %s: %w", runDir, err)
	}
	switch {
	case len(ep.Pos) > 0:
		return ep, nil
	case seen || poses == 0:
		return nil, fmt.Errorf("%s: %w", runDir, ErrNoPoses)
	default:
		return nil, fmt.Errorf("%s: episode %d: %w", runDir, episode, ErrNoEpisode)
	}
}

// RenderEpisode renders every pose of ep with a new Renderer and passes each frame
// to fn (the image is reused between calls: copy or encode it before returning).
// It runs on the calling goroutine, whose OS thread it locks while the renderer is open.
func RenderEpisode(shapes []Shape, ep *Episode, opt Options, fn func(i int, img *image.RGBA) error) error {
	if err := checkEpisode(ep, NumBodies(shapes)); err != nil {
		return err
	}
	r, err := NewRenderer(shapes, opt)
	if err != nil {
		return err
	}
	defer r.Close()
	var img *image.RGBA
	for i := range ep.Pos {
		if img, err = r.Frame(ep.Pos[i], ep.Quat[i], img); err != nil {
			return fmt.Errorf("frame %d: %w", i, err)
		}
		if opt.Overlay && i < len(ep.Step) {
			DrawOverlay(img, fmt.Sprintf("step %d   reward %.3f   return %.2f", ep.Step[i], ep.Reward[i], ep.Return[i]))
		}
		if err := fn(i, img); err != nil {
			return err
		}
	}
	return nil
}

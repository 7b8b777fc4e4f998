// Package render draws 3D locomotion rollouts with the g3n engine: a scene of a
// morphology's geoms (capsules and spheres), a floor grid, lights and a camera aimed
// at the torso.
//
// Offscreen, a Renderer draws into a hidden window of an X display (for example
// Xvfb) and reads each frame back as an image, which GIF, MP4 and WritePNG store. MP4
// encodes H.264 (High profile, 4:2:0) with libx264 through cgo and writes the
// container itself (ftyp, moov with an avcC record, mdat); on one machine the same
// frames and settings give the same bytes.
//
// Live, View opens a window that plays an episode in a loop at real time, with an
// orbit camera (drag to turn, scroll to zoom) and keys to pause, step, restart and
// change speed (ViewKeys).
//
// A rollout is rendered from logged body poses (the body_pos and body_quat columns of
// a run's step rows) without re-simulating: the scene needs only each geom's pose and
// size in its body's frame, which ShapesFromData reads from a MuJoCo model.
package render

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"gorl/physics3d"
)

// ShapeKind is the primitive a geom is drawn as.
type ShapeKind int

const (
	Capsule ShapeKind = iota // a cylinder between From and To capped by two spheres
	Sphere                   // a sphere at From
)

// Shape is one geom in the frame of its body: Body indexes the logged bodies (0 is
// the torso), From and To are the capsule's segment ends (a sphere's centre is From).
type Shape struct {
	Kind     ShapeKind
	Body     int
	From, To [3]float64
	Radius   float64
	RGBA     [4]float32
	// Limb numbers the torso's child bodies: every body below the same child shares its
	// limb (0 for the torso itself, 1, 2, ... in body order). Side is +1 for a limb on the
	// left (its name says left, or it starts at y > 0 in the torso's frame), -1 on the
	// right, 0 in the middle. They choose the body colours where the model sets none.
	Limb, Side int
}

// ShapesFromData lists the capsule and sphere geoms of d's model in their bodies'
// frames, computed from the world poses in d (after Reset or Forward). Logged body
// n is MuJoCo body n+1 (body 0 is the world, whose geoms, such as the floor, are
// left out, as are geom types other than capsules and spheres).
func ShapesFromData(d *physics3d.Data) ([]Shape, error) {
	if d == nil {
		return nil, errors.New("shapes: nil data")
	}
	m := d.Model()
	xpos, xquat := d.Xpos(), d.Xquat()
	gpos, gmat := d.GeomXpos(), d.GeomXmat()
	var shapes []Shape
	for g := 0; g < m.NGeom(); g++ {
		b := m.GeomBody(g)
		if b <= 0 {
			continue
		}
		var kind ShapeKind
		switch m.GeomType(g) {
		case physics3d.GeomCapsule:
			kind = Capsule
		case physics3d.GeomSphere:
			kind = Sphere
		default:
			continue
		}
		var q [4]float64
		copy(q[:], xquat[4*b:4*b+4])
		rb := quatMat(q)
		// Local centre c = R_bᵀ (p_geom - p_body); local axis a = R_bᵀ (geom z axis).
		d := [3]float64{gpos[3*g] - xpos[3*b], gpos[3*g+1] - xpos[3*b+1], gpos[3*g+2] - xpos[3*b+2]}
		c := mulT(rb, d)
		a := mulT(rb, [3]float64{gmat[9*g+2], gmat[9*g+5], gmat[9*g+8]})
		size := m.GeomSize(g)
		s := Shape{Kind: kind, Body: b - 1, From: c, To: c, Radius: size[0], RGBA: m.GeomRGBA(g)}
		s.Limb, s.Side = limbOf(m, xpos, xquat, b)
		if kind == Capsule {
			h := size[1]
			for i := range 3 {
				s.From[i] = c[i] - h*a[i]
				s.To[i] = c[i] + h*a[i]
			}
		}
		shapes = append(shapes, s)
	}
	if len(shapes) == 0 {
		return nil, errors.New("shapes: the model has no capsule or sphere geoms on its bodies")
	}
	return shapes, nil
}

// limbOf returns the limb of MuJoCo body b (see Shape) and its side.
func limbOf(m *physics3d.Model, xpos, xquat []float64, b int) (limb, side int) {
	const torso = 1
	top := b
	for top > torso && m.BodyParent(top) != torso && m.BodyParent(top) > 0 {
		top = m.BodyParent(top)
	}
	if top <= torso {
		return 0, 0
	}
	for c := torso + 1; c <= top; c++ {
		if m.BodyParent(c) == torso {
			limb++
		}
	}
	name := strings.ToLower(m.BodyName(top) + " " + m.BodyName(b))
	switch {
	case strings.Contains(name, "left"):
		return limb, 1
	case strings.Contains(name, "right"):
		return limb, -1
	}
	var q [4]float64
	copy(q[:], xquat[4*torso:4*torso+4])
	local := mulT(quatMat(q), [3]float64{xpos[3*top] - xpos[3*torso], xpos[3*top+1] - xpos[3*torso+1], xpos[3*top+2] - xpos[3*torso+2]})
	switch {
	case local[1] > 0.01:
		return limb, 1
	case local[1] < -0.01:
		return limb, -1
	}
	return limb, 0
}

// NumBodies is the number of logged bodies the shapes need (the largest Body + 1).
func NumBodies(shapes []Shape) int {
	n := 0
	for _, s := range shapes {
		n = max(n, s.Body+1)
	}
	return n
}

// quatMat is the row-major rotation matrix of the unit quaternion (w, x, y, z).
func quatMat(q [4]float64) [9]float64 {
	n := math.Sqrt(q[0]*q[0] + q[1]*q[1] + q[2]*q[2] + q[3]*q[3])
	if n == 0 {
		return [9]float64{1, 0, 0, 0, 1, 0, 0, 0, 1}
	}
	w, x, y, z := q[0]/n, q[1]/n, q[2]/n, q[3]/n
	return [9]float64{
		1 - 2*(y*y+z*z), 2 * (x*y - w*z), 2 * (x*z + w*y),
		2 * (x*y + w*z), 1 - 2*(x*x+z*z), 2 * (y*z - w*x),
		2 * (x*z - w*y), 2 * (y*z + w*x), 1 - 2*(x*x+y*y),
	}
}

// mulT is Rᵀ v for a row-major 3x3 R.
func mulT(r [9]float64, v [3]float64) [3]float64 {
	return [3]float64{
		r[0]*v[0] + r[3]*v[1] + r[6]*v[2],
		r[1]*v[0] + r[4]*v[1] + r[7]*v[2],
		r[2]*v[0] + r[5]*v[1] + r[8]*v[2],
	}
}

// Episode is the body poses of one logged episode, one entry per kept step.
type Episode struct {
	Pos  [][]float64 // 3 values per body
	Quat [][]float64 // w, x, y, z per body
	// Step, Reward and Return are the step index, its reward and the episode's return up
	// to and including it, for the overlay (nil when unknown).
	Step   []int64
	Reward []float64
	Return []float64
}

// ErrNoPoses means the run's step rows carry no body poses (not a 3D run, or its steps
// were thinned away); ErrNoEpisode that the requested episode has no step rows.
var (
	ErrNoPoses   = errors.New("no body poses in the run's step rows (not a 3D run, or steps thinned away)")
	ErrNoEpisode = errors.New("episode not found in the run's step rows")
)

// checkEpisode validates an episode's poses against the shapes' body count.
func checkEpisode(ep *Episode, bodies int) error {
	if len(ep.Pos) == 0 || len(ep.Pos) != len(ep.Quat) {
		return fmt.Errorf("episode: %d position rows and %d quaternion rows", len(ep.Pos), len(ep.Quat))
	}
	for i := range ep.Pos {
		if len(ep.Pos[i]) < 3*bodies || len(ep.Quat[i]) < 4*bodies {
			return fmt.Errorf("episode step %d: %d positions and %d quaternion values, the model needs %d bodies",
				i, len(ep.Pos[i]), len(ep.Quat[i]), bodies)
		}
	}
	return nil
}

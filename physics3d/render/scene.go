package render

import (
	"fmt"
	"math"

	"github.com/g3n/engine/camera"
	"github.com/g3n/engine/core"
	"github.com/g3n/engine/geometry"
	"github.com/g3n/engine/graphic"
	"github.com/g3n/engine/light"
	"github.com/g3n/engine/material"
	"github.com/g3n/engine/math32"
	"github.com/g3n/engine/util/helper"
)

// scene is the g3n scene graph of one morphology: one node per body holding its
// geoms' meshes, a floor with a grid, an ambient and a directional light, and a
// camera. The world is z-up, as in MuJoCo.
type scene struct {
	root   *core.Node
	bodies []*core.Node
	grid   *helper.Grid
	cam    *camera.Camera
}

func newScene(shapes []Shape, aspect float32) *scene {
	s := &scene{root: core.NewNode(), bodies: make([]*core.Node, NumBodies(shapes))}
	for i := range s.bodies {
		s.bodies[i] = core.NewNode()
		s.root.Add(s.bodies[i])
	}
	for _, sh := range shapes {
		col := math32.Color{R: sh.RGBA[0], G: sh.RGBA[1], B: sh.RGBA[2]}
		if sh.RGBA == [4]float32{0.5, 0.5, 0.5, 1} || sh.RGBA[3] == 0 {
			col = math32.Color{R: 0.8, G: 0.55, B: 0.3} // MuJoCo's default grey: give the body a warmer colour
		}
		mat := material.NewStandard(&col)
		body := s.bodies[sh.Body]
		addSphere := func(p [3]float64) {
			m := graphic.NewMesh(geometry.NewSphere(sh.Radius, 16, 12), mat)
			m.SetPosition(float32(p[0]), float32(p[1]), float32(p[2]))
			body.Add(m)
		}
		addSphere(sh.From)
		if sh.Kind != Capsule {
			continue
		}
		addSphere(sh.To)
		d := [3]float64{sh.To[0] - sh.From[0], sh.To[1] - sh.From[1], sh.To[2] - sh.From[2]}
		length := math.Sqrt(d[0]*d[0] + d[1]*d[1] + d[2]*d[2])
		if length == 0 {
			continue
		}
		// g3n's cylinder runs along its y axis: rotate y onto the segment.
		cyl := graphic.NewMesh(geometry.NewCylinder(sh.Radius, length, 16, 1, false, false), mat)
		var q math32.Quaternion
		q.SetFromUnitVectors(&math32.Vector3{X: 0, Y: 1, Z: 0},
			&math32.Vector3{X: float32(d[0] / length), Y: float32(d[1] / length), Z: float32(d[2] / length)})
		cyl.SetQuaternionQuat(&q)
		cyl.SetPosition(float32((sh.From[0]+sh.To[0])/2), float32((sh.From[1]+sh.To[1])/2), float32((sh.From[2]+sh.To[2])/2))
		body.Add(cyl)
	}

	floor := graphic.NewMesh(geometry.NewPlane(400, 400), material.NewStandard(&math32.Color{R: 0.55, G: 0.6, B: 0.55}))
	s.root.Add(floor)
	s.grid = helper.NewGrid(40, 0.5, &math32.Color{R: 0.25, G: 0.3, B: 0.25})
	s.grid.SetRotationX(math.Pi / 2) // the helper's grid lies in the xz plane; the floor is xy
	s.root.Add(s.grid)

	s.root.Add(light.NewAmbient(&math32.Color{R: 1, G: 1, B: 1}, 0.5))
	sun := light.NewDirectional(&math32.Color{R: 1, G: 1, B: 1}, 0.9)
	sun.SetPosition(1, -2, 3)
	s.root.Add(sun)

	s.cam = camera.NewPerspective(aspect, 0.05, 200, 45, camera.Vertical)
	s.root.Add(s.cam)
	return s
}

// pose places the bodies (pos: 3 values per body, quat: w, x, y, z per body, as
// logged) and returns the camera's aim point: halfway down the torso's height, so the
// limbs below it stay in view.
func (s *scene) pose(pos, quat []float64) ([3]float64, error) {
	nb := len(s.bodies)
	if len(pos) < 3*nb || len(quat) < 4*nb {
		return [3]float64{}, fmt.Errorf("%d positions and %d quaternion values for %d bodies", len(pos), len(quat), nb)
	}
	for b, n := range s.bodies {
		n.SetPosition(float32(pos[3*b]), float32(pos[3*b+1]), float32(pos[3*b+2]))
		n.SetQuaternion(float32(quat[4*b+1]), float32(quat[4*b+2]), float32(quat[4*b+3]), float32(quat[4*b]))
	}
	// The grid follows the torso in whole cells, so lines stay put on the floor.
	s.grid.SetPosition(float32(math.Round(pos[0]*2)/2), float32(math.Round(pos[1]*2)/2), 0.002)
	return [3]float64{pos[0], pos[1], pos[2] / 2}, nil
}

// look puts the camera at eye, looking at target with z up.
func (s *scene) look(target, eye [3]float64) {
	s.cam.SetPosition(float32(eye[0]), float32(eye[1]), float32(eye[2]))
	s.cam.LookAt(&math32.Vector3{X: float32(target[0]), Y: float32(target[1]), Z: float32(target[2])}, &math32.Vector3{X: 0, Y: 0, Z: 1})
}

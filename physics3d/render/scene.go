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
	root    *core.Node
	bodies  []*core.Node
	grid    *helper.Grid
	cam     *camera.Camera
	shadows []shadow
}

// shadow is the blob shadow of one sphere of a geom (a sphere's centre, or a capsule's
// end) on the floor: darker and tighter as the sphere comes down, and in the contact
// colour while the sphere touches the floor, so that a foot's contact can be seen.
type shadow struct {
	body   int
	local  [3]float64 // the sphere's centre in its body's frame
	radius float64
	disk   *graphic.Mesh
	mat    *material.Standard
}

// contactGap is how close (metres) a sphere's bottom must come to the floor to count as
// touching it: MuJoCo's soft contacts let geoms sink a few millimetres.
const contactGap = 0.01

var (
	floorColour   = math32.Color{R: 0.55, G: 0.6, B: 0.55}
	shadowColour  = math32.Color{R: 0.05, G: 0.07, B: 0.05}
	contactColour = math32.Color{R: 0.95, G: 0.85, B: 0.1}
)

// limbColour is the colour of a limb where the model sets none: the torso and middle
// limbs (head, tail) in greys and greens, left limbs in warm and right limbs in cool
// colours, each limb of a side in its own shade.
func limbColour(side, k int) math32.Color {
	left := []math32.Color{{R: 0.92, G: 0.45, B: 0.12}, {R: 0.85, G: 0.2, B: 0.25}, {R: 0.95, G: 0.7, B: 0.2}, {R: 0.7, G: 0.3, B: 0.1}}
	right := []math32.Color{{R: 0.15, G: 0.45, B: 0.9}, {R: 0.1, G: 0.7, B: 0.75}, {R: 0.5, G: 0.35, B: 0.9}, {R: 0.2, G: 0.3, B: 0.6}}
	middle := []math32.Color{{R: 0.8, G: 0.78, B: 0.7}, {R: 0.35, G: 0.7, B: 0.35}, {R: 0.55, G: 0.55, B: 0.5}}
	switch {
	case side > 0:
		return left[k%len(left)]
	case side < 0:
		return right[k%len(right)]
	}
	return middle[k%len(middle)]
}

func newScene(shapes []Shape, aspect float32) *scene {
	s := &scene{root: core.NewNode(), bodies: make([]*core.Node, NumBodies(shapes))}
	for i := range s.bodies {
		s.bodies[i] = core.NewNode()
		s.root.Add(s.bodies[i])
	}
	// The k-th limb of each side, in limb order, gets that side's k-th colour.
	shade := map[int]int{}
	count := map[int]int{}
	for _, sh := range shapes {
		if _, ok := shade[sh.Limb]; !ok && sh.Limb > 0 {
			shade[sh.Limb] = count[sh.Side]
			count[sh.Side]++
		}
	}
	oneColour := true
	for _, sh := range shapes {
		oneColour = oneColour && sh.RGBA == shapes[0].RGBA
	}
	for _, sh := range shapes {
		col := math32.Color{R: sh.RGBA[0], G: sh.RGBA[1], B: sh.RGBA[2]}
		if oneColour || sh.RGBA[3] == 0 {
			// The model paints every geom alike (MuJoCo's default grey, or one colour):
			// colour by limb instead, left and right apart.
			k := 0
			if sh.Limb > 0 {
				k = shade[sh.Limb]
				if sh.Side == 0 {
					k++ // middle limbs apart from the torso
				}
			}
			col = limbColour(sh.Side, k)
		}
		mat := material.NewStandard(&col)
		body := s.bodies[sh.Body]
		addSphere := func(p [3]float64) {
			m := graphic.NewMesh(geometry.NewSphere(sh.Radius, 16, 12), mat)
			m.SetPosition(float32(p[0]), float32(p[1]), float32(p[2]))
			body.Add(m)
			sm := material.NewStandard(&shadowColour)
			sm.SetSpecularColor(&math32.Color{}) // no highlight: a shadow does not shine
			disk := graphic.NewMesh(geometry.NewDisk(1, 24), sm)
			s.root.Add(disk)
			s.shadows = append(s.shadows, shadow{body: sh.Body, local: p, radius: sh.Radius, disk: disk, mat: sm})
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

	floor := graphic.NewMesh(geometry.NewPlane(400, 400), material.NewStandard(&floorColour))
	s.root.Add(floor)
	// 12 m of grid around the torso: a grid reaching the horizon turns to moiré there.
	s.grid = helper.NewGrid(24, 0.5, &math32.Color{R: 0.25, G: 0.3, B: 0.25})
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
	for _, sh := range s.shadows {
		b := sh.body
		r := quatMat([4]float64{quat[4*b], quat[4*b+1], quat[4*b+2], quat[4*b+3]})
		l := sh.local
		x := pos[3*b] + r[0]*l[0] + r[1]*l[1] + r[2]*l[2]
		y := pos[3*b+1] + r[3]*l[0] + r[4]*l[1] + r[5]*l[2]
		z := pos[3*b+2] + r[6]*l[0] + r[7]*l[1] + r[8]*l[2]
		h := max(z-sh.radius, 0) // height of the sphere's bottom above the floor
		if h < contactGap {
			sh.mat.SetColor(&contactColour)
			sh.mat.SetEmissiveColor(&contactColour)
			sh.disk.SetScale(float32(sh.radius*2), float32(sh.radius*2), 1)
		} else {
			// An opaque disk of the floor's colour darkened toward shadowColour: lit like
			// the floor, it reads as a shadow without blending.
			a := float32(0.6 * math.Exp(-h/0.6))
			c := math32.Color{R: floorColour.R*(1-a) + shadowColour.R*a, G: floorColour.G*(1-a) + shadowColour.G*a, B: floorColour.B*(1-a) + shadowColour.B*a}
			sh.mat.SetColor(&c)
			sh.mat.SetEmissiveColor(&math32.Color{})
			sh.disk.SetScale(float32(sh.radius*(1+0.8*h)), float32(sh.radius*(1+0.8*h)), 1)
		}
		sh.disk.SetPosition(float32(x), float32(y), 0.004)
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

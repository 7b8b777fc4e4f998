package morph

import (
	"fmt"
	"math"
	"strings"
	"sync"
)

// The built-in morphologies reproduce the 3D-SGRL training sets (models from alpc91/SGRL,
// MIT licence): the same bodies, frames, geoms, joints (axes, ranges, stiffness, damping,
// armature) and motor gears. Each family has one full model; the others remove the limbs
// their names list, as in the paper's files. The hoppers are the exception: their files
// shorten the leg instead of pruning it, so each hopper is written out.

// Builtin returns a fresh copy of the built-in morphology name (for example
// "walker-5-left-knee"; see Names).
func Builtin(name string) (*Morphology, error) {
	mk, ok := builtins()[name]
	if !ok {
		return nil, fmt.Errorf("%w %q (known: %s)", ErrNotFound, name, strings.Join(Names(), ", "))
	}
	return mk(), nil
}

// Names lists the built-in morphologies: the training sets first, family by family, then
// the zero-shot models.
func Names() []string {
	var out []string
	for _, f := range Families() {
		out = append(out, TrainingSet(f)...)
	}
	return append(out, ZeroShot()...)
}

// TrainingSet lists the models of a family's 3D-SGRL training set (Hopper++, Walker++,
// Humanoid++, Cheetah++), ordered by number of limbs.
func TrainingSet(f Family) []string {
	switch f {
	case Hopper:
		return []string{"hopper-3-shin", "hopper-4-lower-shin", "hopper-5-full"}
	case Walker:
		return []string{"walker-2-right-leg-left-knee", "walker-3-left-leg-right-foot", "walker-4-right-knee-left-foot",
			"walker-5-foot", "walker-5-left-knee", "walker-7-full"}
	case Humanoid:
		return []string{"humanoid-7-left-arm", "humanoid-7-lower-arms", "humanoid-7-right-arm", "humanoid-7-right-leg",
			"humanoid-8-left-knee", "humanoid-9-full"}
	case Cheetah:
		return []string{"cheetah-10-tail-leftbleg", "cheetah-11-leftfleg", "cheetah-11-tail-rightfknee", "cheetah-12-rightbknee",
			"cheetah-12-tail-leftbfoot", "cheetah-13-rightffoot", "cheetah-13-tail", "cheetah-14-full"}
	}
	return nil
}

// ZeroShot lists held-out models for zero-shot studies. The paper's files for them are not
// public; these are built from their names with the same pruning rule as the training
// sets, so they match the paper's models only as far as that rule does.
func ZeroShot() []string {
	return []string{"walker-3-left-knee-right-knee", "walker-6-right-foot", "humanoid-7-left-leg",
		"humanoid-8-right-knee", "cheetah-11-leftbknee-rightffoot", "cheetah-12-tail-leftffoot"}
}

// ReferenceFile is the file name of a built-in model in the paper's repository
// (environments/3d_<family>s/3d_<name with underscores>.xml), for comparisons.
func ReferenceFile(name string) string {
	f := strings.SplitN(name, "-", 2)[0]
	return fmt.Sprintf("3d_%ss/3d_%s.xml", f, strings.ReplaceAll(name, "-", "_"))
}

// builtins maps names to constructors; it is built once, on first use, and never changed.
var builtins = sync.OnceValue(func() map[string]func() *Morphology {
	table := map[string]func() *Morphology{}
	hoppers := map[string]func() *Morphology{
		"hopper-3-shin":       func() *Morphology { return hopper("hopper-3-shin", 3) },
		"hopper-4-lower-shin": func() *Morphology { return hopper("hopper-4-lower-shin", 4) },
		"hopper-5-full":       func() *Morphology { return hopper("hopper-5-full", 5) },
	}
	for n, f := range hoppers {
		table[n] = f
	}
	pruned := []struct {
		name   string
		full   func() *Morphology
		remove []string
		minZ   float64
		maxZ   float64
	}{
		{"walker-2-right-leg-left-knee", walker, []string{"right_thigh", "left_shin"}, 0.54, 1.74},
		{"walker-3-left-leg-right-foot", walker, []string{"left_thigh", "right_foot"}, 0.664, 2.0},
		{"walker-4-right-knee-left-foot", walker, []string{"right_shin", "left_foot"}, 0.664, 1.864},
		{"walker-5-foot", walker, []string{"right_foot", "left_foot"}, 0.8, 2.0},
		{"walker-5-left-knee", walker, []string{"left_shin"}, 0.664, 2.0},
		{"walker-7-full", walker, nil, 0.8, 2.0},
		{"walker-3-left-knee-right-knee", walker, []string{"left_shin", "right_shin"}, 0.54, 1.74},
		{"walker-6-right-foot", walker, []string{"right_foot"}, 0.8, 2.0},
		{"humanoid-7-left-arm", humanoid, []string{"left_upper_arm"}, 0, 0},
		{"humanoid-7-lower-arms", humanoid, []string{"right_lower_arm", "left_lower_arm"}, 0, 0},
		{"humanoid-7-right-arm", humanoid, []string{"right_upper_arm"}, 0, 0},
		{"humanoid-7-right-leg", humanoid, []string{"right_thigh"}, 0, 0},
		{"humanoid-8-left-knee", humanoid, []string{"left_shin"}, 0, 0},
		{"humanoid-9-full", humanoid, nil, 0, 0},
		{"humanoid-7-left-leg", humanoid, []string{"left_thigh"}, 0, 0},
		{"humanoid-8-right-knee", humanoid, []string{"right_shin"}, 0, 0},
		{"cheetah-10-tail-leftbleg", cheetah, []string{"upper_tail", "left_bthigh"}, 0, 0},
		{"cheetah-11-leftfleg", cheetah, []string{"left_fthigh"}, 0, 0},
		{"cheetah-11-tail-rightfknee", cheetah, []string{"upper_tail", "right_fshin"}, 0, 0},
		{"cheetah-12-rightbknee", cheetah, []string{"right_bshin"}, 0, 0},
		{"cheetah-12-tail-leftbfoot", cheetah, []string{"upper_tail", "left_bfoot"}, 0, 0},
		{"cheetah-13-rightffoot", cheetah, []string{"right_ffoot"}, 0, 0},
		{"cheetah-13-tail", cheetah, []string{"upper_tail"}, 0, 0},
		{"cheetah-14-full", cheetah, nil, 0, 0},
		{"cheetah-11-leftbknee-rightffoot", cheetah, []string{"left_bshin", "right_ffoot"}, 0, 0},
		{"cheetah-12-tail-leftffoot", cheetah, []string{"upper_tail", "left_ffoot"}, 0, 0},
	}
	for _, p := range pruned {
		table[p.name] = func() *Morphology {
			m := p.full()
			m.Name = p.name
			if err := m.Remove(p.remove...); err != nil {
				panic(err) // the table above is fixed: a bad entry is a programming error
			}
			if p.minZ != 0 {
				m.MinZ, m.MaxZ = p.minZ, p.maxZ
			}
			return m
		}
	}
	if len(Names()) != len(table) {
		panic("morph: built-in table and name lists disagree")
	}
	return table
})

// hinge3 makes a limb's x, y, z hinges with common anchor, stiffness, damping and
// armature; axes, ranges and gears per hinge.
func hinge3(pos Vec3, stiffness, damping, armature float64, axes [3]Vec3, ranges [3][2]float64, gears [3]float64) [3]Hinge {
	var h [3]Hinge
	for k := range h {
		h[k] = Hinge{Axis: axes[k], Pos: pos, Range: ranges[k], Gear: gears[k], Stiffness: stiffness, Damping: damping, Armature: armature}
	}
	return h
}

var (
	rightAxes = [3]Vec3{{1, 0, 0}, {0, -1, 0}, {0, 0, 1}}
	leftAxes  = [3]Vec3{{-1, 0, 0}, {0, -1, 0}, {0, 0, -1}}
)

func capsule(name string, from, to Vec3, radius float64) Geom {
	return Geom{Name: name, Kind: Capsule, From: from, To: to, Radius: radius}
}

func sphere(name string, pos Vec3, radius float64) Geom {
	return Geom{Name: name, Kind: Sphere, Pos: pos, Radius: radius}
}

// capsuleY is a capsule given MuJoCo-style by its centre, a rotation of deg degrees
// about the y axis (of the capsule's default z direction) and its half-length.
func capsuleY(name string, centre Vec3, deg, halfLen, radius float64) Geom {
	a := deg * math.Pi / 180
	dir := Vec3{math.Sin(a), 0, math.Cos(a)}
	var from, to Vec3
	for i := range from {
		from[i] = centre[i] - halfLen*dir[i]
		to[i] = centre[i] + halfLen*dir[i]
	}
	return capsule(name, from, to, radius)
}

// hopper builds the 3-, 4- or 5-limb hopper. The paper's files give every frame in world
// coordinates at the initial pose; the table below keeps those numbers (z of the body
// origin, of the joint anchors and of the geom ends) and converts them to local frames.
func hopper(name string, limbs int) *Morphology {
	type seg struct {
		name           string
		bodyX, bodyZ   float64
		jointZ         float64
		geomX0, geomZ0 float64
		geomX1, geomZ1 float64
		radius, fric   float64
		yRange         [2]float64
	}
	torsoZ := 1.25
	legs := []seg{
		{"thigh", 0, 1.05, 1.05, 0, 1.05, 0, 0.6, 0.05, 0.9, [2]float64{-150, 0}},
		{"foot", 0.13, 0, 0.6, -0.13, 0.6, 0.26, 0.6, 0.06, 2.0, [2]float64{-45, 45}},
	}
	minZ := 0.45
	switch limbs {
	case 4:
		legs = []seg{legs[0],
			{"shin", 0, 0.35, 0.6, 0, 0.6, 0, 0.1, 0.04, 0.9, [2]float64{-150, 0}},
			{"foot", 0.13, 0, 0.1, -0.13, 0.1, 0.26, 0.1, 0.06, 2.0, [2]float64{-45, 45}}}
		minZ = 0.6
	case 5:
		torsoZ = 1.75
		legs = []seg{
			{"thigh", 0, 1.55, 1.55, 0, 1.55, 0, 1.1, 0.05, 0.9, [2]float64{-150, 0}},
			{"shin", 0, 0.85, 1.1, 0, 1.1, 0, 0.6, 0.04, 0.9, [2]float64{-150, 0}},
			{"lower_shin", 0, 0.35, 0.6, 0, 0.6, 0, 0.1, 0.04, 0.9, [2]float64{-150, 0}},
			{"foot", 0.13, 0, 0.1, -0.13, 0.1, 0.26, 0.1, 0.06, 2.0, [2]float64{-45, 45}}}
		minZ = 0.95
	}
	torso := &Body{Name: "torso", Pos: Vec3{0, 0, torsoZ},
		Geoms: []Geom{{Name: "torso_geom", Kind: Capsule, From: Vec3{0, 0, 0.2}, To: Vec3{0, 0, -0.2}, Radius: 0.05, Friction: 0.9}}}
	parent, px, pz := torso, 0.0, torsoZ
	for _, s := range legs {
		b := &Body{Name: s.name, Pos: Vec3{s.bodyX - px, 0, s.bodyZ - pz}}
		b.Joints = hinge3(Vec3{-s.bodyX, 0, s.jointZ - s.bodyZ}, 0, 1, 1, rightAxes,
			[3][2]float64{{-10, 10}, s.yRange, {-10, 10}}, [3]float64{200, 200, 200})
		b.Geoms = []Geom{{Name: s.name + "_geom", Kind: Capsule, Radius: s.radius, Friction: s.fric,
			From: Vec3{s.geomX0 - s.bodyX, 0, s.geomZ0 - s.bodyZ}, To: Vec3{s.geomX1 - s.bodyX, 0, s.geomZ1 - s.bodyZ}}}
		parent.Children = []*Body{b}
		parent, px, pz = b, s.bodyX, s.bodyZ
	}
	return &Morphology{
		Name: name, Family: Hopper, Torso: torso,
		Sim: Sim{Timestep: 0.002, Integrator: "RK4", FrameSkip: 4},
		Contact: Contact{Contype: 1, Conaffinity: 1, Condim: 1, Friction: [3]float64{1, 0.005, 0.0001}, Margin: 0.001,
			Solref: []float64{0.02, 1}, Solimp: []float64{0.8, 0.8, 0.01}, FloorSize: Vec3{20, 20, 0.125}},
		MinZ: minZ,
	}
}

// walker is walker_7_full (world-coordinate file: all frames are vertical offsets).
func walker() *Morphology {
	leg := func(side string, axes [3]Vec3, geomSuffix string) *Body {
		thigh := &Body{Name: side + "_thigh", Pos: Vec3{0, 0, 0},
			Joints: hinge3(Vec3{}, 0, 0.1, 0.01, axes, [3][2]float64{{-25, 5}, {-20, 110}, {-60, 35}}, [3]float64{100, 100, 100}),
			Geoms:  []Geom{{Name: side + "_thigh" + geomSuffix, Kind: Capsule, To: Vec3{0, 0, -0.48}, Radius: 0.05600000000000001, Friction: 0.9}}}
		shin := &Body{Name: side + "_shin", Pos: Vec3{0, 0, -0.48},
			Joints: hinge3(Vec3{}, 0, 0.1, 0.01, axes, [3][2]float64{{-1, 1}, {-160, -2}, {-1, 1}}, [3]float64{0, 100, 0}),
			Geoms:  []Geom{{Name: side + "_shin" + geomSuffix, Kind: Capsule, To: Vec3{0, 0, 0.136 - 0.52}, Radius: 0.044800000000000006, Friction: 0.9}}}
		foot := &Body{Name: side + "_foot", Pos: Vec3{0, 0, 0.136 - 0.52},
			Joints: hinge3(Vec3{}, 0, 0.1, 0.01, axes, [3][2]float64{{-1, 1}, {-45, 45}, {-30, 5}}, [3]float64{0, 100, 100}),
			Geoms:  []Geom{{Name: side + "_foot_geom", Kind: Capsule, To: Vec3{0.2, 0, 0}, Radius: 0.06, Friction: 0.9}}}
		thigh.Children = []*Body{shin}
		shin.Children = []*Body{foot}
		return thigh
	}
	right := leg("right", rightAxes, "")
	left := leg("left", leftAxes, "_geom")
	right.Pos, left.Pos = Vec3{0, 0, -0.6}, Vec3{0, 0, -0.6}
	torso := &Body{Name: "torso", Pos: Vec3{0, 0, 1.6},
		Geoms:    []Geom{{Name: "torso_geom", Kind: Capsule, To: Vec3{0, 0, -0.6}, Radius: 0.07, Friction: 0.9}},
		Children: []*Body{right, left}}
	return &Morphology{
		Name: "walker-7-full", Family: Walker, Torso: torso,
		Sim:     Sim{Timestep: 0.002, Integrator: "RK4", FrameSkip: 4},
		Contact: Contact{Contype: 1, Conaffinity: 0, Condim: 3, Friction: [3]float64{0.7, 0.1, 0.1}, Density: 1000, FloorSize: Vec3{40, 40, 40}},
		MinZ:    0.8, MaxZ: 2.0,
	}
}

// humanoid is humanoid_9_full.
func humanoid() *Morphology {
	type armature3 [3]float64
	limb := func(name string, pos, jpos Vec3, stiffness, damping float64, arm armature3, axes [3]Vec3, ranges [3][2]float64, gears [3]float64, geoms ...Geom) *Body {
		b := &Body{Name: name, Pos: pos, Geoms: geoms}
		b.Joints = hinge3(jpos, stiffness, damping, 0, axes, ranges, gears)
		for k := range b.Joints {
			b.Joints[k].Armature = arm[k]
		}
		return b
	}
	// The file gives per-joint stiffness for the thighs (10, 20, 10) and arms.
	thigh := func(side string, y float64, axes [3]Vec3, arm armature3) *Body {
		b := limb(side+"_thigh", Vec3{0, y, -0.299625}, Vec3{}, 10, 5, arm, axes,
			[3][2]float64{{-25, 5}, {-20, 110}, {-60, 35}}, [3]float64{100, 300, 100},
			capsule(side+"_thigh1", Vec3{}, Vec3{0, -y / 10, -0.34}, 0.06))
		b.Joints[1].Stiffness = 20
		shin := limb(side+"_shin", Vec3{0, -y / 10, -0.403}, Vec3{0, 0, 0.02}, 1, 1, armature3{0.006, 0.006, 0.006}, axes,
			[3][2]float64{{-1, 1}, {-160, -2}, {-1, 1}}, [3]float64{0, 200, 0},
			capsule(side+"_shin1", Vec3{}, Vec3{0, 0, -0.3}, 0.049), sphere(side+"_foot", Vec3{0, 0, -0.35}, 0.075))
		b.Children = []*Body{shin}
		return b
	}
	rightThigh := thigh("right", -0.1, rightAxes, armature3{0.01, 0.008, 0.01})
	leftThigh := thigh("left", 0.1, leftAxes, armature3{0.01, 0.01, 0.01})
	rightArm := limb("right_upper_arm", Vec3{0, -0.17, 0.225375}, Vec3{}, 1, 1, armature3{0.0068, 0.0051, 0.0051},
		[3]Vec3{{2, 1, 1}, {0, -1, 1}, {0, 0, 1}}, [3][2]float64{{-85, 60}, {-85, 60}, {-1, 1}}, [3]float64{25, 25, 0},
		capsule("right_uarm1", Vec3{}, Vec3{0.16, -0.16, -0.16}, 0.04))
	rightArm.Children = []*Body{limb("right_lower_arm", Vec3{0.18, -0.18, -0.18}, Vec3{}, 0, 1, armature3{0.0028, 0.0028, 0.0028},
		[3]Vec3{{1, 0, 0}, {0, -1, 1}, {0, 0, 1}}, [3][2]float64{{-1, 1}, {-90, 50}, {-1, 1}}, [3]float64{0, 25, 0},
		capsule("right_larm", Vec3{0.01, 0.01, 0.01}, Vec3{0.17, 0.17, 0.17}, 0.031), sphere("right_hand", Vec3{0.18, 0.18, 0.18}, 0.04))}
	leftArm := limb("left_upper_arm", Vec3{0, 0.17, 0.225375}, Vec3{}, 1, 1, armature3{0.0068, 0.0051, 0.0028},
		[3]Vec3{{2, -1, 1}, {0, 1, 1}, {0, 0, -1}}, [3][2]float64{{-60, 85}, {-60, 85}, {-1, 1}}, [3]float64{25, 25, 0},
		capsule("left_uarm1", Vec3{}, Vec3{0.16, 0.16, -0.16}, 0.04))
	leftArm.Children = []*Body{limb("left_lower_arm", Vec3{0.18, 0.18, -0.18}, Vec3{}, 0, 1, armature3{0.0028, 0.0028, 0.0028},
		[3]Vec3{{-1, 0, 0}, {0, -1, -1}, {0, 0, -1}}, [3][2]float64{{-1, 1}, {-90, 50}, {-1, 1}}, [3]float64{0, 25, 0},
		capsule("left_larm", Vec3{0.01, -0.01, 0.01}, Vec3{0.17, -0.17, 0.17}, 0.031), sphere("left_hand", Vec3{0.18, -0.18, 0.18}, 0.04))}
	torso := &Body{Name: "torso", Pos: Vec3{0, 0, 1.234625},
		Geoms: []Geom{
			capsule("torso1", Vec3{0, -0.07, 0.165375}, Vec3{0, 0.07, 0.165375}, 0.07),
			sphere("head", Vec3{0, 0, 0.355375}, 0.09),
			capsule("uwaist", Vec3{-0.01, -0.06, 0.045375}, Vec3{-0.01, 0.06, 0.045375}, 0.06),
			capsule("lwaist", Vec3{-0.01, -0.06, -0.094625}, Vec3{-0.01, 0.06, -0.094625}, 0.06),
			capsule("butt", Vec3{-0.02, -0.07, -0.259625}, Vec3{-0.02, 0.07, -0.259625}, 0.09),
		},
		Children: []*Body{rightThigh, leftThigh, rightArm, leftArm}}
	return &Morphology{
		Name: "humanoid-9-full", Family: Humanoid, Torso: torso,
		Sim:     Sim{Timestep: 0.002, Integrator: "RK4", FrameSkip: 4},
		Contact: Contact{Contype: 1, Conaffinity: 0, Condim: 3, Friction: [3]float64{0.7, 0.1, 0.1}, Density: 1000, FloorSize: Vec3{200, 200, 0.125}},
		MinZ:    1.0 - 0.165375, MaxZ: 2.0 - 0.165375,
	}
}

// cheetah is cheetah_14_full. Its file places capsules by centre and a rotation about y;
// capsuleY turns those into segments.
func cheetah() *Morphology {
	limb := func(name string, pos Vec3, stiffness, damping float64, axes [3]Vec3, ranges [3][2]float64, gears [3]float64, geoms ...Geom) *Body {
		return &Body{Name: name, Pos: pos, Geoms: geoms, Joints: hinge3(Vec3{}, stiffness, damping, 0.1, axes, ranges, gears)}
	}
	leg := func(side string, y float64, axes [3]Vec3) (back, front *Body) {
		back = limb(side+"_bthigh", Vec3{-0.445, y * 0.12, 0}, 240, 6, axes, [3][2]float64{{-10, 0}, {-60, 30}, {-15, 5}}, [3]float64{120, 120, 120},
			capsuleY(side+"_bthigh", Vec3{0.1, 0, -0.13}, -217.7239621497, 0.145, 0.06))
		bshin := limb(side+"_bshin", Vec3{0.16, 0, -0.25}, 180, 4.5, axes, [3][2]float64{{-1, 1}, {-45, 45}, {-1, 1}}, [3]float64{0, 90, 0},
			capsuleY(side+"_bshin", Vec3{-0.14, 0, -0.07}, -116.3104324116, 0.15, 0.046))
		bfoot := limb(side+"_bfoot", Vec3{-0.28, 0, -0.14}, 120, 3, axes, [3][2]float64{{-1, 1}, {-45, 25}, {-15, 5}}, [3]float64{0, 60, 60},
			capsuleY(side+"_bfoot", Vec3{0.03, 0, -0.097}, -15.4698604685, 0.094, 0.046))
		back.Children, bshin.Children = []*Body{bshin}, []*Body{bfoot}
		front = limb(side+"_fthigh", Vec3{0.4, y * 0.09, 0}, 180, 4.5, axes, [3][2]float64{{-15, 5}, {-40, 60}, {-20, 10}}, [3]float64{120, 120, 120},
			capsuleY(side+"_fthigh", Vec3{-0.07, 0, -0.12}, 29.7938053468, 0.133, 0.055))
		fshin := limb(side+"_fshin", Vec3{-0.14, 0, -0.24}, 120, 3, axes, [3][2]float64{{-1, 1}, {-50, 70}, {-1, 1}}, [3]float64{0, 60, 0},
			capsuleY(side+"_fshin", Vec3{0.065, 0, -0.09}, -34.3774677078, 0.106, 0.046))
		ffoot := limb(side+"_ffoot", Vec3{0.13, 0, -0.18}, 60, 1.5, axes, [3][2]float64{{-1, 1}, {-30, 30}, {-20, 5}}, [3]float64{0, 30, 30},
			capsuleY(side+"_ffoot", Vec3{0.045, 0, -0.07}, -34.3774677078, 0.07, 0.046))
		front.Children, fshin.Children = []*Body{fshin}, []*Body{ffoot}
		return back, front
	}
	tail := limb("upper_tail", Vec3{-0.445, 0, 0}, 0, 3.5, rightAxes, [3][2]float64{{-20, 20}, {-80, 80}, {-1, 1}}, [3]float64{70, 70, 0},
		capsuleY("upper_tail", Vec3{-0.25, 0, 0}, -90, 0.25, 0.04), capsuleY("lower_tail", Vec3{-0.55, 0, 0.05}, -45, 0.07, 0.04))
	rb, rf := leg("right", -1, rightAxes)
	lb, lf := leg("left", 1, leftAxes)
	torso := &Body{Name: "torso", Pos: Vec3{0, 0, 0.7},
		Geoms: []Geom{
			capsule("torso1", Vec3{0.4, -0.08, 0}, Vec3{0.4, 0.08, 0}, 0.07),
			capsule("waist1", Vec3{0.28, -0.07, -0.01}, Vec3{0.28, 0.07, -0.01}, 0.06),
			capsule("waist2", Vec3{0.14, -0.07, -0.01}, Vec3{0.14, 0.07, -0.01}, 0.06),
			capsule("waist3", Vec3{0, -0.06, -0.01}, Vec3{0, 0.06, -0.01}, 0.06),
			capsule("waist4", Vec3{-0.14, -0.06, -0.01}, Vec3{-0.14, 0.06, -0.01}, 0.06),
			capsule("waist5", Vec3{-0.28, -0.06, -0.01}, Vec3{-0.28, 0.06, -0.01}, 0.06),
			capsule("butt", Vec3{-0.445, -0.09, -0.02}, Vec3{-0.445, 0.09, -0.02}, 0.09),
			sphere("head", Vec3{0.5, 0, 0.1}, 0.09),
		},
		Children: []*Body{tail, rb, rf, lb, lf}}
	return &Morphology{
		Name: "cheetah-14-full", Family: Cheetah, Torso: torso,
		Sim: Sim{Timestep: 0.01, Integrator: "Euler", FrameSkip: 4, NStack: 300000},
		Contact: Contact{Contype: 1, Conaffinity: 0, Condim: 3, Friction: [3]float64{0.4, 0.1, 0.1},
			Solref: []float64{0.02, 1}, Solimp: []float64{0, 0.8, 0.01},
			SolrefLimit: []float64{0.02, 1}, SolimpLimit: []float64{0, 0.8, 0.03}, FloorSize: Vec3{200, 200, 0.125}},
		MinZ: 0.26,
	}
}

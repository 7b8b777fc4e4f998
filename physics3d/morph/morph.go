// Package morph describes the morphologies of 3D locomotion agents, builds MuJoCo MJCF
// from them, ships the built-in families of the 3D-SGRL training sets (hoppers, walkers,
// humanoids, cheetahs) and computes the morphology graph that graph-based agents use.
//
// The conventions are those of the 3D-SGRL models (Chen et al., ICML 2023): a torso with a
// free joint named "root"; every other body (a limb) has exactly three hinges named
// <limb>_joint_x, <limb>_joint_y and <limb>_joint_z, each driven by one motor with control
// range [-1, 1] (gear 0 makes a hinge passive); limbs are listed in pre-order, which is
// also MuJoCo's body order. Any MJCF file following these conventions can be used in place
// of a built-in morphology.
//
// The package is pure Go, so agents can import it without pulling in cgo.
package morph

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Family is a kind of morphology; it selects the task's reward and termination rules.
type Family string

const (
	Hopper   Family = "hopper"
	Walker   Family = "walker"
	Humanoid Family = "humanoid"
	Cheetah  Family = "cheetah"
)

// Families lists the known families.
func Families() []Family { return []Family{Hopper, Walker, Humanoid, Cheetah} }

// ParseFamily validates a family name.
func ParseFamily(s string) (Family, error) {
	for _, f := range Families() {
		if string(f) == s {
			return f, nil
		}
	}
	return "", fmt.Errorf("unknown morphology family %q (want hopper, walker, humanoid or cheetah)", s)
}

// Vec3 is a point or direction in a body frame.
type Vec3 = [3]float64

// GeomKind is the shape of a geom.
type GeomKind int

const (
	Capsule GeomKind = iota // segment From-To swept by a sphere of Radius
	Sphere                  // sphere of Radius centred at Pos
)

// Geom is one collision and mass-carrying shape of a body (masses come from the density).
type Geom struct {
	Name     string
	Kind     GeomKind
	From, To Vec3    // capsule segment in the body frame
	Pos      Vec3    // sphere centre in the body frame
	Radius   float64 // capsule or sphere radius
	Friction float64 // sliding friction; 0 keeps the morphology's default
}

// Hinge is one of a limb's three rotational joints.
type Hinge struct {
	Axis      Vec3       // rotation axis in the body frame (normalised by MuJoCo)
	Pos       Vec3       // anchor in the body frame
	Range     [2]float64 // limits in degrees
	Gear      float64    // motor gear; 0 makes the hinge passive
	Stiffness float64
	Damping   float64
	Armature  float64
}

// Body is the torso or a limb. Pos is the body frame's origin in its parent's frame
// (frames are not rotated relative to their parents).
type Body struct {
	Name     string
	Pos      Vec3
	Joints   [3]Hinge // about x, y and z; ignored for the torso
	Geoms    []Geom
	Children []*Body
}

// Sim holds the simulation options.
type Sim struct {
	Timestep   float64 // seconds per physics step
	Integrator string  // "RK4" or "Euler"
	FrameSkip  int     // physics steps per control step
	NStack     int     // MuJoCo stack size in mjtNums (0: MuJoCo's default)
}

// Contact holds the default geom and joint-limit parameters of a model.
type Contact struct {
	Contype, Conaffinity, Condim int
	Friction                     [3]float64
	Density                      float64   // kg/m^3; 0: MuJoCo's default (1000)
	Margin                       float64   // contact margin
	Solref                       []float64 // geom solref (nil: MuJoCo's default)
	Solimp                       []float64 // geom solimp (nil: MuJoCo's default)
	SolrefLimit, SolimpLimit     []float64 // joint-limit solver parameters (nil: default)
	FloorSize                    Vec3
}

// Morphology is a complete agent: its bodies, simulation options and the task's healthy
// torso-height range.
type Morphology struct {
	Name    string
	Family  Family
	Torso   *Body
	Sim     Sim
	Contact Contact
	// MinZ and MaxZ bound the torso height of a healthy state (MaxZ 0: no upper bound);
	// env/locomotion ends an episode outside them (hopper, walker, humanoid; the cheetah
	// uses MinZ on its torso and front thighs).
	MinZ, MaxZ float64
}

// Bodies lists the bodies in pre-order (torso first), MuJoCo's body order.
func (m *Morphology) Bodies() []*Body {
	var out []*Body
	var visit func(b *Body)
	visit = func(b *Body) {
		out = append(out, b)
		for _, c := range b.Children {
			visit(c)
		}
	}
	if m.Torso != nil {
		visit(m.Torso)
	}
	return out
}

// NumNodes is the number of bodies (torso included), one observation node each.
func (m *Morphology) NumNodes() int { return len(m.Bodies()) }

// Graph returns the morphology graph of the bodies in pre-order.
func (m *Morphology) Graph() *Graph {
	bodies := m.Bodies()
	names := make([]string, len(bodies))
	parents := make([]int, len(bodies))
	index := map[*Body]int{}
	for i, b := range bodies {
		index[b] = i
		names[i] = b.Name
		parents[i] = -1
	}
	for i, b := range bodies {
		for _, c := range b.Children {
			parents[index[c]] = i
		}
	}
	g, err := NewGraph(names, parents)
	if err != nil {
		panic("morph: pre-order bodies gave an invalid graph: " + err.Error())
	}
	return g
}

// Clone returns a deep copy.
func (m *Morphology) Clone() *Morphology {
	c := *m
	c.Torso = cloneBody(m.Torso)
	c.Contact.Solref = append([]float64(nil), m.Contact.Solref...)
	c.Contact.Solimp = append([]float64(nil), m.Contact.Solimp...)
	c.Contact.SolrefLimit = append([]float64(nil), m.Contact.SolrefLimit...)
	c.Contact.SolimpLimit = append([]float64(nil), m.Contact.SolimpLimit...)
	return &c
}

func cloneBody(b *Body) *Body {
	if b == nil {
		return nil
	}
	c := *b
	c.Geoms = append([]Geom(nil), b.Geoms...)
	c.Children = make([]*Body, len(b.Children))
	for i, ch := range b.Children {
		c.Children[i] = cloneBody(ch)
	}
	return &c
}

// Remove prunes the named limbs and everything below them. It fails on an unknown name
// or an attempt to remove the torso.
func (m *Morphology) Remove(names ...string) error {
	for _, n := range names {
		if m.Torso != nil && n == m.Torso.Name {
			return fmt.Errorf("morphology %s: cannot remove the torso", m.Name)
		}
		if !removeBody(m.Torso, n) {
			return fmt.Errorf("morphology %s: no limb named %q", m.Name, n)
		}
	}
	return nil
}

func removeBody(b *Body, name string) bool {
	for i, c := range b.Children {
		if c.Name == name {
			b.Children = append(b.Children[:i:i], b.Children[i+1:]...)
			return true
		}
		if removeBody(c, name) {
			return true
		}
	}
	return false
}

// JointName is the name of hinge k (0, 1, 2 for x, y, z) of a limb: <limb>_joint_x, ...
func JointName(limb string, k int) string { return limb + "_joint_" + string(rune('x'+k)) }

// Validate checks the conventions: a torso, unique non-empty names, positive radii and
// timestep, proper ranges, finite numbers.
func (m *Morphology) Validate() error {
	if m.Torso == nil {
		return fmt.Errorf("morphology %q: no torso", m.Name)
	}
	if _, err := ParseFamily(string(m.Family)); err != nil {
		return fmt.Errorf("morphology %q: %w", m.Name, err)
	}
	if !(m.Sim.Timestep > 0) || m.Sim.FrameSkip < 1 {
		return fmt.Errorf("morphology %q: timestep must be > 0 and frame skip >= 1", m.Name)
	}
	if m.Sim.Integrator != "RK4" && m.Sim.Integrator != "Euler" {
		return fmt.Errorf("morphology %q: integrator %q (want RK4 or Euler)", m.Name, m.Sim.Integrator)
	}
	seen := map[string]bool{}
	geoms := map[string]bool{}
	for i, b := range m.Bodies() {
		if b.Name == "" || strings.ContainsAny(b.Name, " \"<>&") {
			return fmt.Errorf("morphology %q: body %d has an invalid name %q", m.Name, i, b.Name)
		}
		if seen[b.Name] {
			return fmt.Errorf("morphology %q: duplicate body name %q", m.Name, b.Name)
		}
		seen[b.Name] = true
		if len(b.Geoms) == 0 {
			return fmt.Errorf("morphology %q: body %q has no geoms (no mass)", m.Name, b.Name)
		}
		if !finite(b.Pos[:]...) {
			return fmt.Errorf("morphology %q: body %q has a non-finite position", m.Name, b.Name)
		}
		for _, g := range b.Geoms {
			if !(g.Radius > 0) || !finite(g.From[0], g.From[1], g.From[2], g.To[0], g.To[1], g.To[2], g.Pos[0], g.Pos[1], g.Pos[2], g.Friction) || g.Friction < 0 {
				return fmt.Errorf("morphology %q: geom %q of %q needs a positive radius and finite coordinates", m.Name, g.Name, b.Name)
			}
			if g.Kind == Capsule && g.From == g.To {
				return fmt.Errorf("morphology %q: capsule %q of %q has zero length", m.Name, g.Name, b.Name)
			}
			if g.Name != "" {
				if geoms[g.Name] {
					return fmt.Errorf("morphology %q: duplicate geom name %q", m.Name, g.Name)
				}
				geoms[g.Name] = true
			}
		}
		if i == 0 {
			continue
		}
		for k, h := range b.Joints {
			if h.Axis == (Vec3{}) || !finite(h.Axis[0], h.Axis[1], h.Axis[2], h.Pos[0], h.Pos[1], h.Pos[2], h.Gear, h.Stiffness, h.Damping, h.Armature) {
				return fmt.Errorf("morphology %q: joint %s has a zero or non-finite axis or parameter", m.Name, JointName(b.Name, k))
			}
			if !(h.Range[0] < h.Range[1]) {
				return fmt.Errorf("morphology %q: joint %s has range %v (want lo < hi)", m.Name, JointName(b.Name, k), h.Range)
			}
			if h.Stiffness < 0 || h.Damping < 0 || h.Armature < 0 {
				return fmt.Errorf("morphology %q: joint %s has a negative stiffness, damping or armature", m.Name, JointName(b.Name, k))
			}
		}
	}
	if len(seen) < 2 {
		return fmt.Errorf("morphology %q: needs at least one limb besides the torso", m.Name)
	}
	return nil
}

func finite(v ...float64) bool {
	for _, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}

// MJCF renders the morphology as a MuJoCo model: torso with a free joint, three hinges
// with a motor each per limb, a floor and a light.
func (m *Morphology) MJCF() (string, error) {
	if err := m.Validate(); err != nil {
		return "", err
	}
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	c := m.Contact
	w("<mujoco model=%q>\n", m.Name)
	w("  <compiler angle=\"degree\" coordinate=\"local\" inertiafromgeom=\"true\"/>\n")
	w("  <option timestep=\"%s\" integrator=\"%s\" gravity=\"0 0 -9.81\"/>\n", num(m.Sim.Timestep), m.Sim.Integrator)
	if m.Sim.NStack > 0 {
		w("  <size nstack=\"%d\"/>\n", m.Sim.NStack)
	}
	w("  <default>\n")
	w("    <joint limited=\"true\"%s%s/>\n", attr("solreflimit", c.SolrefLimit), attr("solimplimit", c.SolimpLimit))
	w("    <geom contype=\"%d\" conaffinity=\"%d\" condim=\"%d\" friction=\"%s\"", c.Contype, c.Conaffinity, c.Condim, nums(c.Friction[:]))
	if c.Density > 0 {
		w(" density=\"%s\"", num(c.Density))
	}
	if c.Margin > 0 {
		w(" margin=\"%s\"", num(c.Margin))
	}
	w("%s%s rgba=\"0.7 0.5 0.3 1\"/>\n", attr("solref", c.Solref), attr("solimp", c.Solimp))
	w("    <motor ctrllimited=\"true\" ctrlrange=\"-1 1\"/>\n")
	w("  </default>\n")
	w("  <worldbody>\n")
	w("    <light directional=\"true\" diffuse=\"1 1 1\" specular=\".1 .1 .1\" pos=\"0 0 1.3\" dir=\"-1 0 -1.5\"/>\n")
	w("    <geom name=\"floor\" type=\"plane\" pos=\"0 0 0\" size=\"%s\" conaffinity=\"1\" condim=\"3\" rgba=\"0.2 0.3 0.4 1\"/>\n", nums(c.FloorSize[:]))
	var body func(x *Body, depth int, torso bool)
	body = func(x *Body, depth int, torso bool) {
		ind := strings.Repeat("  ", depth)
		w("%s<body name=%q pos=\"%s\">\n", ind, x.Name, nums(x.Pos[:]))
		if torso {
			w("%s  <joint name=\"root\" type=\"free\" armature=\"0\" damping=\"0\" stiffness=\"0\" limited=\"false\"/>\n", ind)
		} else {
			for k, h := range x.Joints {
				w("%s  <joint name=%q type=\"hinge\" pos=\"%s\" axis=\"%s\" range=\"%s\" stiffness=\"%s\" damping=\"%s\" armature=\"%s\"/>\n",
					ind, JointName(x.Name, k), nums(h.Pos[:]), nums(h.Axis[:]), nums(h.Range[:]), num(h.Stiffness), num(h.Damping), num(h.Armature))
			}
		}
		for _, g := range x.Geoms {
			w("%s  <geom", ind)
			if g.Name != "" {
				w(" name=%q", g.Name)
			}
			switch g.Kind {
			case Capsule:
				w(" type=\"capsule\" fromto=\"%s %s\"", nums(g.From[:]), nums(g.To[:]))
			case Sphere:
				w(" type=\"sphere\" pos=\"%s\"", nums(g.Pos[:]))
			}
			w(" size=\"%s\"", num(g.Radius))
			if g.Friction > 0 {
				w(" friction=\"%s\"", num(g.Friction))
			}
			w("/>\n")
		}
		for _, ch := range x.Children {
			body(ch, depth+1, false)
		}
		w("%s</body>\n", ind)
	}
	body(m.Torso, 2, true)
	w("  </worldbody>\n  <actuator>\n")
	for _, x := range m.Bodies()[1:] {
		for k, h := range x.Joints {
			j := JointName(x.Name, k)
			w("    <motor name=%q joint=%q gear=\"%s\"/>\n", j, j, num(h.Gear))
		}
	}
	w("  </actuator>\n</mujoco>\n")
	return b.String(), nil
}

// num formats a float so that parsing it gives back the same float64.
func num(v float64) string {
	return strconv.FormatFloat(v, 'g', -1, 64)
}

func nums(v []float64) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = num(x)
	}
	return strings.Join(s, " ")
}

func attr(name string, v []float64) string {
	if len(v) == 0 {
		return ""
	}
	return " " + name + "=\"" + nums(v) + "\""
}

// ErrNotFound is returned for an unknown built-in name.
var ErrNotFound = errors.New("no such built-in morphology")

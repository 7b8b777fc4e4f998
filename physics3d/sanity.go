package physics3d

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Bounds a compiled model must respect. MuJoCo compiles documents that cannot be
// simulated meaningfully (a negative timestep, NaN positions, a gear of 1e300) and
// would only fail, or silently produce NaN, many steps later; these bounds are far
// beyond any locomotion model's (the 3D-SGRL models use timestep 0.002-0.01, sizes
// under 10 m, gears under 500).
const (
	maxTimestep = 1.0 // seconds
	maxLength   = 1e4 // metres: positions and geom sizes
	maxGear     = 1e6 // actuator gain
	maxMass     = 1e9 // kilograms
	maxGravity  = 1e4 // m/s^2
	maxRange    = 1e6 // joint range bound (radians or metres)
)

// check refuses a compiled model whose numbers cannot be simulated: a timestep that
// is not in (0, maxTimestep], or a non-finite or absurd body position, mass, geom
// size, joint range, actuator gear or gravity. The error names the element.
func (m *Model) check() error {
	if ts := m.Timestep(); !(ts > 0 && ts <= maxTimestep) {
		return fmt.Errorf("timestep %v is not in (0, %v] s", ts, maxTimestep)
	}
	for k, g := range m.Gravity() {
		if !finiteWithin(g, maxGravity) {
			return fmt.Errorf("gravity component %d is %v (not finite or beyond ±%g)", k, g, maxGravity)
		}
	}
	for g := range m.NGeom() {
		for k, s := range m.GeomSize(g) {
			if !(s >= 0 && s <= maxLength) {
				return fmt.Errorf("geom %q: size[%d] = %v (not finite, negative or over %g m)", m.GeomName(g), k, s, maxLength)
			}
		}
	}
	for b := range m.NBody() {
		for k, p := range m.BodyPos(b) {
			if !finiteWithin(p, maxLength) {
				return fmt.Errorf("body %q: pos[%d] = %v (not finite or beyond ±%g m)", m.BodyName(b), k, p, maxLength)
			}
		}
		if mass := m.BodyMass(b); !(mass >= 0 && mass <= maxMass) {
			return fmt.Errorf("body %q: mass %v is not in [0, %g] kg", m.BodyName(b), mass, maxMass)
		}
	}
	for j := range m.NJoint() {
		if !m.JointLimited(j) {
			continue
		}
		for k, r := range m.JointRange(j) {
			if !finiteWithin(r, maxRange) {
				return fmt.Errorf("joint %q: range[%d] = %v (not finite or beyond ±%g)", m.JointName(j), k, r, maxRange)
			}
		}
	}
	for a := range m.NU() {
		if gear := m.ActuatorGear(a); !finiteWithin(gear, maxGear) {
			return fmt.Errorf("actuator %q: gear %v (not finite or beyond ±%g)", m.ActuatorName(a), gear, maxGear)
		}
	}
	return nil
}

func finiteWithin(v, bound float64) bool { return !math.IsNaN(v) && math.Abs(v) <= bound }

// checkNumbers refuses a document with a non-finite number in any attribute (pos="nan
// 0 1", range="-inf 1"): MuJoCo's parser silently reads such a value as a default, so
// the compiled model would not be the one written.
func checkNumbers(doc []byte) error {
	dec := xml.NewDecoder(bytes.NewReader(doc))
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil // MuJoCo reports malformed XML with its own message
		}
		el, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		for _, a := range el.Attr {
			for _, field := range strings.Fields(a.Value) {
				if v, err := strconv.ParseFloat(field, 64); err == nil && (math.IsNaN(v) || math.IsInf(v, 0)) {
					line, _ := dec.InputPos()
					return fmt.Errorf("line %d: <%s%s> %s=%q: %q is not a finite number", line, el.Name.Local, nameAttr(el), a.Name.Local, a.Value, field)
				}
			}
		}
	}
}

func nameAttr(el xml.StartElement) string {
	for _, a := range el.Attr {
		if a.Name.Local == "name" {
			return fmt.Sprintf(" name=%q", a.Value)
		}
	}
	return ""
}

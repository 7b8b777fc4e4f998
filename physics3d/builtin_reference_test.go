package physics3d

import (
	"math"
	"path/filepath"
	"testing"

	"gorl/physics3d/morph"
)

// The built-in morphologies reproduce the paper's model files: same bodies (names,
// parents, frames, masses), joints (names, axes, ranges, anchors, stiffness, damping,
// armature), motors (joints, gears, control ranges) and simulation options, and the same
// motion under the same controls.
func TestBuiltinsMatchReferenceModels(t *testing.T) {
	ref := referenceDir(t)
	for _, f := range morph.Families() {
		for _, name := range morph.TrainingSet(f) {
			t.Run(name, func(t *testing.T) {
				want, err := LoadFile(filepath.Join(ref, morph.ReferenceFile(name)))
				if err != nil {
					t.Fatal(err)
				}
				defer want.Close()
				mo, err := morph.Builtin(name)
				if err != nil {
					t.Fatal(err)
				}
				xml, err := mo.MJCF()
				if err != nil {
					t.Fatal(err)
				}
				got, err := LoadXML(xml)
				if err != nil {
					t.Fatal(err)
				}
				defer got.Close()
				compareModels(t, got, want)
				compareMotion(t, got, want, mo.Sim.FrameSkip)
			})
		}
	}
}

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

func near3(a, b [3]float64, tol float64) bool {
	return near(a[0], b[0], tol) && near(a[1], b[1], tol) && near(a[2], b[2], tol)
}

func compareModels(t *testing.T, got, want *Model) {
	t.Helper()
	if got.Timestep() != want.Timestep() || got.Integrator() != want.Integrator() {
		t.Errorf("options: timestep %v/%v integrator %d/%d", got.Timestep(), want.Timestep(), got.Integrator(), want.Integrator())
	}
	if got.NBody() != want.NBody() || got.NJoint() != want.NJoint() || got.NU() != want.NU() || got.NQ() != want.NQ() {
		t.Fatalf("sizes: nbody %d/%d njnt %d/%d nu %d/%d", got.NBody(), want.NBody(), got.NJoint(), want.NJoint(), got.NU(), want.NU())
	}
	for b := 1; b < want.NBody(); b++ {
		if got.BodyName(b) != want.BodyName(b) || got.BodyName(got.BodyParent(b)) != want.BodyName(want.BodyParent(b)) {
			t.Errorf("body %d: %s (parent %s), want %s (parent %s)", b, got.BodyName(b), got.BodyName(got.BodyParent(b)),
				want.BodyName(b), want.BodyName(want.BodyParent(b)))
		}
		if !near3(got.BodyPos(b), want.BodyPos(b), 1e-9) {
			t.Errorf("body %s frame %v, want %v", want.BodyName(b), got.BodyPos(b), want.BodyPos(b))
		}
		if !near(got.BodyMass(b), want.BodyMass(b), 1e-9*want.BodyMass(b)) {
			t.Errorf("body %s mass %v, want %v", want.BodyName(b), got.BodyMass(b), want.BodyMass(b))
		}
		if !near3(got.BodyInertia(b), want.BodyInertia(b), 1e-9) {
			t.Errorf("body %s inertia %v, want %v", want.BodyName(b), got.BodyInertia(b), want.BodyInertia(b))
		}
	}
	if g, w := got.TotalMass(), want.TotalMass(); math.Abs(g-w) > 0.01*w {
		t.Errorf("total mass %v, want %v (1%%)", g, w)
	}
	for j := 0; j < want.NJoint(); j++ {
		n := want.JointName(j)
		if got.JointName(j) != n || got.JointType(j) != want.JointType(j) {
			t.Errorf("joint %d: %s, want %s", j, got.JointName(j), n)
			continue
		}
		if want.JointType(j) == JointFree {
			continue
		}
		if !near3(got.JointAxis(j), want.JointAxis(j), 1e-12) {
			t.Errorf("joint %s axis %v, want %v", n, got.JointAxis(j), want.JointAxis(j))
		}
		gr, wr := got.JointRange(j), want.JointRange(j)
		if !near(gr[0], wr[0], 1e-12) || !near(gr[1], wr[1], 1e-12) || got.JointLimited(j) != want.JointLimited(j) {
			t.Errorf("joint %s range %v, want %v", n, gr, wr)
		}
		if !near3(got.JointPos(j), want.JointPos(j), 1e-9) {
			t.Errorf("joint %s anchor %v, want %v", n, got.JointPos(j), want.JointPos(j))
		}
		dof := want.JointDofAdr(j)
		if got.JointStiffness(j) != want.JointStiffness(j) || got.DofDamping(dof) != want.DofDamping(dof) || got.DofArmature(dof) != want.DofArmature(dof) {
			t.Errorf("joint %s stiffness/damping/armature %v/%v/%v, want %v/%v/%v", n,
				got.JointStiffness(j), got.DofDamping(dof), got.DofArmature(dof),
				want.JointStiffness(j), want.DofDamping(dof), want.DofArmature(dof))
		}
	}
	for a := 0; a < want.NU(); a++ {
		gj, wj := got.JointName(got.ActuatorJoint(a)), want.JointName(want.ActuatorJoint(a))
		glo, ghi, gok := got.ActuatorCtrlRange(a)
		wlo, whi, wok := want.ActuatorCtrlRange(a)
		if gj != wj || got.ActuatorGear(a) != want.ActuatorGear(a) || glo != wlo || ghi != whi || gok != wok {
			t.Errorf("actuator %d: joint %s gear %v ctrl [%v %v], want joint %s gear %v ctrl [%v %v]",
				a, gj, got.ActuatorGear(a), glo, ghi, wj, want.ActuatorGear(a), wlo, whi)
		}
	}
}

// compareMotion drives both models with the same control sequence from the same state
// and compares the trajectories.
func compareMotion(t *testing.T, got, want *Model, frameSkip int) {
	t.Helper()
	dg, err := got.NewData()
	if err != nil {
		t.Fatal(err)
	}
	defer dg.Close()
	dw, err := want.NewData()
	if err != nil {
		t.Fatal(err)
	}
	defer dw.Close()
	ctrl := make([]float64, want.NU())
	maxDiff := 0.0
	const steps = 50
	for s := 0; s < steps; s++ {
		for i := range ctrl {
			ctrl[i] = math.Sin(0.3*float64(s) + float64(i))
		}
		_ = dg.SetCtrl(ctrl)
		_ = dw.SetCtrl(ctrl)
		if err := dg.Step(frameSkip); err != nil {
			t.Fatal(err)
		}
		if err := dw.Step(frameSkip); err != nil {
			t.Fatal(err)
		}
		for i, v := range dw.Qpos() {
			maxDiff = max(maxDiff, math.Abs(v-dg.Qpos()[i]))
		}
	}
	if maxDiff > 1e-6 {
		t.Errorf("trajectories differ by up to %.3g in qpos after %d control steps", maxDiff, steps)
	}
	t.Logf("max |qpos difference| over %d control steps: %.3g", steps, maxDiff)
}

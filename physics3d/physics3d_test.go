package physics3d

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// A capsule on a free joint above a floor, and a two-link arm with motors.
const testXML = `<mujoco model="test">
  <option timestep="0.002" integrator="RK4"/>
  <worldbody>
    <geom name="floor" type="plane" size="10 10 0.1"/>
    <body name="ball" pos="0 0 5">
      <joint name="free" type="free"/>
      <geom name="ball_geom" type="sphere" size="0.1" density="1000"/>
    </body>
    <body name="arm" pos="3 0 2">
      <joint name="shoulder" type="hinge" axis="0 1 0" range="-90 90" limited="true"/>
      <geom name="upper" type="capsule" fromto="0 0 0 0.5 0 0" size="0.05"/>
      <body name="forearm" pos="0.5 0 0">
        <joint name="elbow" type="hinge" axis="0 0 1" range="-45 45" limited="true"/>
        <geom name="lower" type="capsule" fromto="0 0 0 0.5 0 0" size="0.04"/>
      </body>
    </body>
  </worldbody>
  <actuator>
    <motor name="m_shoulder" joint="shoulder" gear="10" ctrlrange="-1 1" ctrllimited="true"/>
    <motor name="m_elbow" joint="elbow" gear="5" ctrlrange="-1 1" ctrllimited="true"/>
  </actuator>
</mujoco>`

func mustLoad(t testing.TB, xml string) *Model {
	t.Helper()
	m, err := LoadXML(xml)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Error(err)
		}
	})
	return m
}

func mustData(t testing.TB, m *Model) *Data {
	t.Helper()
	d, err := m.NewData()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	return d
}

func TestLoadAndLookup(t *testing.T) {
	m := mustLoad(t, testXML)
	if m.NQ() != 9 || m.NV() != 8 || m.NU() != 2 || m.NBody() != 4 || m.NJoint() != 3 || m.NGeom() != 4 {
		t.Fatalf("sizes nq=%d nv=%d nu=%d nbody=%d njnt=%d ngeom=%d", m.NQ(), m.NV(), m.NU(), m.NBody(), m.NJoint(), m.NGeom())
	}
	if id := m.BodyID("forearm"); id != 3 || m.BodyName(id) != "forearm" || m.BodyParent(id) != m.BodyID("arm") {
		t.Errorf("forearm id %d parent %d", id, m.BodyParent(id))
	}
	if m.BodyID("nope") != -1 {
		t.Error("missing body should give -1")
	}
	if _, err := m.ID(ObjJoint, "knee"); err == nil || !strings.Contains(err.Error(), `"knee"`) {
		t.Errorf("missing joint error: %v", err)
	}
	e := m.JointID("elbow")
	if m.JointType(e) != JointHinge || m.JointType(m.JointID("free")) != JointFree {
		t.Error("joint types")
	}
	r := m.JointRange(e)
	if math.Abs(r[0]+math.Pi/4) > 1e-12 || math.Abs(r[1]-math.Pi/4) > 1e-12 {
		t.Errorf("elbow range %v, want ±pi/4", r)
	}
	if ax := m.JointAxis(e); ax != [3]float64{0, 0, 1} {
		t.Errorf("elbow axis %v", ax)
	}
	a := m.ActuatorID("m_elbow")
	if m.ActuatorJoint(a) != e || m.ActuatorGear(a) != 5 {
		t.Errorf("actuator joint %d gear %v", m.ActuatorJoint(a), m.ActuatorGear(a))
	}
	if lo, hi, ok := m.ActuatorCtrlRange(a); !ok || lo != -1 || hi != 1 {
		t.Errorf("ctrl range %v %v %v", lo, hi, ok)
	}
	wantBall := 1000 * 4.0 / 3 * math.Pi * 0.001
	if got := m.BodyMass(m.BodyID("ball")); math.Abs(got-wantBall) > 1e-9 {
		t.Errorf("ball mass %v, want %v", got, wantBall)
	}
	if g := m.GeomID("lower"); g < 0 || m.GeomBody(g) != m.BodyID("forearm") || m.GeomType(g) != GeomCapsule || m.GeomSize(g)[0] != 0.04 {
		t.Error("geom lookup")
	}
	if q0 := m.Qpos0(nil); q0[2] != 5 || q0[3] != 1 {
		t.Errorf("qpos0 %v", q0)
	}
}

func TestFreeFall(t *testing.T) {
	m := mustLoad(t, testXML)
	d := mustData(t, m)
	if err := d.Forward(); err != nil {
		t.Fatal(err)
	}
	ball := m.BodyID("ball")
	if z := d.Xpos()[3*ball+2]; z != 5 {
		t.Fatalf("initial z %v", z)
	}
	steps := 250 // 0.5 s, far from the floor
	if err := d.Step(steps); err != nil {
		t.Fatal(err)
	}
	tt := d.Time()
	if math.Abs(tt-0.5) > 1e-12 {
		t.Fatalf("time %v", tt)
	}
	want := 5 - 0.5*9.81*tt*tt
	if z := d.Qpos()[2]; math.Abs(z-want) > 1e-6 {
		t.Errorf("z after %v s = %v, want %v (RK4 is exact for constant acceleration)", tt, z, want)
	}
	if vz := d.Qvel()[2]; math.Abs(vz+9.81*tt) > 1e-6 {
		t.Errorf("vz = %v, want %v", vz, -9.81*tt)
	}
	// Xpos lags qpos by one timestep after Step until Kinematics runs.
	if err := d.Kinematics(); err != nil {
		t.Fatal(err)
	}
	if z := d.Xpos()[3*ball+2]; z != d.Qpos()[2] {
		t.Errorf("xpos z %v != qpos z %v after Kinematics", z, d.Qpos()[2])
	}
	if g := m.GeomID("ball_geom"); d.GeomXpos()[3*g+2] != d.Qpos()[2] || d.GeomXmat()[9*g] != 1 {
		t.Errorf("geom pose %v %v", d.GeomXpos()[3*g:3*g+3], d.GeomXmat()[9*g:9*g+9])
	}
	if err := d.Reset(); err != nil {
		t.Fatal(err)
	}
	if d.Time() != 0 || d.Qpos()[2] != 5 || d.Qvel()[2] != 0 {
		t.Error("reset did not restore the default state")
	}
}

// The body Jacobian maps qvel to the velocity of the body origin: check it against a
// finite difference of the body's position.
func TestBodyJacobian(t *testing.T) {
	m := mustLoad(t, testXML)
	d := mustData(t, m)
	fa := m.BodyID("forearm")
	qpos := m.Qpos0(nil)
	qpos[m.JointQposAdr(m.JointID("shoulder"))] = 0.3
	qpos[m.JointQposAdr(m.JointID("elbow"))] = -0.2
	qvel := make([]float64, m.NV())
	qvel[m.JointDofAdr(m.JointID("shoulder"))] = 0.7
	qvel[m.JointDofAdr(m.JointID("elbow"))] = 1.1
	if err := d.SetQpos(qpos); err != nil {
		t.Fatal(err)
	}
	if err := d.SetQvel(qvel); err != nil {
		t.Fatal(err)
	}
	if err := d.Kinematics(); err != nil {
		t.Fatal(err)
	}
	nv := m.NV()
	jacp, jacr := make([]float64, 3*nv), make([]float64, 3*nv)
	if err := d.BodyJacobian(fa, jacp, jacr); err != nil {
		t.Fatal(err)
	}
	// tip of the arm: forearm origin = arm origin + R_y(0.3) * (0.5, 0, 0)
	var v, w [3]float64
	for r := 0; r < 3; r++ {
		for c := 0; c < nv; c++ {
			v[r] += jacp[r*nv+c] * qvel[c]
			w[r] += jacr[r*nv+c] * qvel[c]
		}
	}
	var bw, bv [3]float64
	d.BodyVelocity(fa, &bw, &bv)
	for r := 0; r < 3; r++ {
		if math.Abs(bw[r]-w[r]) > 1e-12 || math.Abs(bv[r]-v[r]) > 1e-12 {
			t.Errorf("BodyVelocity (%v, %v) != jacobian velocity (%v, %v)", bw, bv, w, v)
			break
		}
	}
	p0 := [3]float64{d.Xpos()[3*fa], d.Xpos()[3*fa+1], d.Xpos()[3*fa+2]}
	const h = 1e-7
	for i := range qpos {
		qpos[i] += 0
	}
	qpos[m.JointQposAdr(m.JointID("shoulder"))] += h * 0.7
	qpos[m.JointQposAdr(m.JointID("elbow"))] += h * 1.1
	_ = d.SetQpos(qpos)
	_ = d.Kinematics()
	for r := 0; r < 3; r++ {
		fd := (d.Xpos()[3*fa+r] - p0[r]) / h
		if math.Abs(fd-v[r]) > 1e-5 {
			t.Errorf("linear velocity[%d]: jacobian %v, finite difference %v", r, v[r], fd)
		}
	}
	// angular velocity: shoulder about world y, elbow about its own z (rotated by the shoulder)
	if math.Abs(w[1]-0.7) > 1e-12 {
		t.Errorf("angular velocity %v: y component should be the shoulder rate", w)
	}
	if err := d.BodyJacobian(99, jacp, nil); err == nil {
		t.Error("out-of-range body accepted")
	}
	if err := d.BodyJacobian(fa, jacp[:2], nil); err == nil {
		t.Error("short destination accepted")
	}
}

func TestBadModels(t *testing.T) {
	cases := map[string]string{
		"not xml":          "this is not xml <<<",
		"unknown element":  `<mujoco><worldbody><bogus/></worldbody></mujoco>`,
		"unknown joint":    `<mujoco><worldbody><body><geom size=".1"/></body></worldbody><actuator><motor joint="nope"/></actuator></mujoco>`,
		"bad number":       `<mujoco><worldbody><geom type="sphere" size="abc"/></worldbody></mujoco>`,
		"unclosed element": `<mujoco><worldbody>`,
	}
	for name, xml := range cases {
		m, err := LoadXML(xml)
		if err == nil {
			m.Close()
			t.Errorf("%s: loaded", name)
			continue
		}
		if !strings.HasPrefix(err.Error(), "load model from XML: ") || len(err.Error()) < len("load model from XML: ")+5 {
			t.Errorf("%s: error without MuJoCo's message: %v", name, err)
		}
		t.Logf("%s: %v", name, err)
	}
	if _, err := LoadXML(""); err == nil {
		t.Error("empty document loaded")
	}
	missing := filepath.Join(t.TempDir(), "missing.xml")
	if _, err := LoadFile(missing); err == nil || !strings.Contains(err.Error(), "missing.xml") {
		t.Errorf("missing file: %v", err)
	}
	bad := filepath.Join(t.TempDir(), "bad.xml")
	if err := os.WriteFile(bad, []byte(`<mujoco><worldbody><body><joint type="hinge" range="1"/></body></worldbody></mujoco>`), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := LoadFile(bad)
	if err == nil || !strings.Contains(err.Error(), "bad.xml") {
		t.Errorf("malformed file: %v", err)
	}
	t.Logf("malformed file: %v", err)
}

// A runtime MuJoCo error (here: a stack big enough to compile the model but too small
// once contacts appear) comes back as an error instead of exiting the process, and the
// Data is usable again after Reset.
func TestRuntimeErrorIsRecoverable(t *testing.T) {
	xml := strings.Replace(testXML, `<option timestep="0.002" integrator="RK4"/>`,
		`<option timestep="0.002" integrator="RK4"/><size nstack="250"/>`, 1)
	m := mustLoad(t, xml)
	d := mustData(t, m)
	err := d.Step(2000)
	if err == nil {
		t.Fatal("step with an exhausted stack did not fail")
	}
	if !strings.Contains(err.Error(), "mujoco step: ") || !strings.Contains(err.Error(), "Stack") {
		t.Errorf("error %v", err)
	}
	if err := d.Reset(); err != nil {
		t.Fatal(err)
	}
	if err := d.Step(10); err != nil {
		t.Fatalf("step after reset: %v", err)
	}
	if d.Qpos()[2] >= 5 {
		t.Error("no motion after recovery")
	}
}

func TestCloseOrder(t *testing.T) {
	m, err := LoadXML(testXML)
	if err != nil {
		t.Fatal(err)
	}
	d, err := m.NewData()
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err == nil {
		t.Fatal("model closed while data open")
	}
	d.Close()
	d.Close() // idempotent
	if err := d.Step(1); err == nil {
		t.Error("step on closed data")
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := m.NewData(); err == nil {
		t.Error("new data from closed model")
	}
}

// Many goroutines stepping their own Data of one shared Model give the same results as
// stepping one after another (run with -race).
func TestConcurrentData(t *testing.T) {
	m := mustLoad(t, testXML)
	const workers, steps = 6, 200
	run := func(k int) []float64 {
		d, err := m.NewData()
		if err != nil {
			t.Error(err)
			return nil
		}
		defer d.Close()
		ctrl := []float64{0.1 * float64(k), -0.05 * float64(k)}
		for i := 0; i < steps; i++ {
			_ = d.SetCtrl(ctrl)
			if err := d.Step(2); err != nil {
				t.Error(err)
				return nil
			}
		}
		return append([]float64(nil), d.Qpos()...)
	}
	serial := make([][]float64, workers)
	for k := range serial {
		serial[k] = run(k)
	}
	par := make([][]float64, workers)
	var wg sync.WaitGroup
	for k := 0; k < workers; k++ {
		wg.Add(1)
		go func(k int) {
			defer wg.Done()
			par[k] = run(k)
		}(k)
	}
	wg.Wait()
	for k := range serial {
		for i := range serial[k] {
			if serial[k][i] != par[k][i] {
				t.Fatalf("worker %d qpos[%d]: serial %v, parallel %v", k, i, serial[k][i], par[k][i])
			}
		}
	}
	if serial[1][m.JointQposAdr(m.JointID("elbow"))] == serial[0][m.JointQposAdr(m.JointID("elbow"))] {
		t.Error("controls had no effect")
	}
}

func TestConcurrentLoads(t *testing.T) {
	var wg sync.WaitGroup
	for k := 0; k < 4; k++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m, err := LoadXML(testXML)
			if err != nil {
				t.Error(err)
				return
			}
			if _, err := LoadXML("<mujoco><bogus/></mujoco>"); err == nil {
				t.Error("bad model loaded")
			}
			if err := m.Close(); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
}

func BenchmarkStep(b *testing.B) {
	m := mustLoad(b, testXML)
	d := mustData(b, m)
	b.ReportAllocs()
	for b.Loop() {
		if err := d.Step(4); err != nil {
			b.Fatal(err)
		}
	}
}

// referenceDir finds shared/reference/sgrl/environments by walking up from the working
// directory; tests that need it skip when it is absent.
func referenceDir(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Skip(err)
	}
	for {
		p := filepath.Join(dir, "shared", "reference", "sgrl", "environments")
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("reference models (shared/reference/sgrl) not found")
		}
		dir = parent
	}
}

// The paper's models load from file, includes and global coordinates included.
func TestLoadReferenceFile(t *testing.T) {
	ref := referenceDir(t)
	m, err := LoadFile(filepath.Join(ref, "3d_hoppers", "3d_hopper_5_full.xml"))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if m.NBody() != 6 || m.NU() != 12 || m.NJoint() != 13 {
		t.Errorf("hopper_5: nbody %d nu %d njnt %d", m.NBody(), m.NU(), m.NJoint())
	}
	if m.Integrator() != IntegratorRK4 || m.Timestep() != 0.002 {
		t.Errorf("options: integrator %d timestep %v", m.Integrator(), m.Timestep())
	}
	d, err := m.NewData()
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := d.Step(100); err != nil {
		t.Fatal(err)
	}
}

// A ball resting on the floor: after RNEPostConstraint, the external (contact) force on it
// balances its weight.
func TestRNEPostConstraintContactForce(t *testing.T) {
	m := mustLoad(t, `<mujoco><option timestep="0.002"/><worldbody><geom type="plane" size="5 5 .1"/>
	  <body name="ball" pos="0 0 0.1"><joint type="free"/><geom type="sphere" size="0.1" density="500"/></body>
	  </worldbody></mujoco>`)
	d := mustData(t, m)
	if err := d.Step(1000); err != nil {
		t.Fatal(err)
	}
	if err := d.Forward(); err != nil {
		t.Fatal(err)
	}
	b := m.BodyID("ball")
	if d.CfrcExt()[6*b+5] != 0 {
		t.Error("cfrc_ext filled before RNEPostConstraint (MuJoCo computes it only on request)")
	}
	if err := d.RNEPostConstraint(); err != nil {
		t.Fatal(err)
	}
	weight := m.BodyMass(b) * 9.81
	if fz := d.CfrcExt()[6*b+5]; math.Abs(fz-weight) > 0.01*weight {
		t.Errorf("contact force %v N, weight %v N", fz, weight)
	}
}

package physics3d

/*
#include <stdlib.h>
#include <mujoco/mujoco.h>

enum { GORL_STEP, GORL_FORWARD, GORL_KINEMATICS, GORL_RNEPOST, GORL_RESET };
mjData* gorl_make_data(const mjModel* m, char* err, int errsz);
int gorl_run(const mjModel* m, mjData* d, int what, int n, char* err, int errsz);
int gorl_jac_body(const mjModel* m, const mjData* d, mjtNum* jacp, mjtNum* jacr, int body, char* err, int errsz);
*/
import "C"

import (
	"errors"
	"fmt"
	"runtime"
	"unsafe"
)

// Data is the simulation state of one Model (mjData). It is not safe for concurrent use:
// give each goroutine its own Data.
type Data struct {
	model   *Model
	d       *C.mjData
	err     *C.char // message buffer for MuJoCo errors (C memory)
	cleanup runtime.Cleanup

	// views over MuJoCo's arrays
	qpos, qvel, ctrl, act, qfrcApplied []float64
	xpos, xquat, xmat, xaxis, xanchor  []float64
	xipos, cvel, cfrcExt               []float64
	subtreeCom, qaccWarmstart          []float64
	geomXpos, geomXmat                 []float64
}

type dataMem struct {
	d   *C.mjData
	err *C.char
}

// NewData allocates simulation state for m, reset to the model's default pose.
func (m *Model) NewData() (*Data, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, fmt.Errorf("new data for model %s: model is closed", m.name)
	}
	errbuf := (*C.char)(C.calloc(errLen, 1))
	d := C.gorl_make_data(m.m, errbuf, errLen)
	if d == nil {
		msg := C.GoString(errbuf)
		C.free(unsafe.Pointer(errbuf))
		return nil, fmt.Errorf("new data for model %s: %s", m.name, msg)
	}
	m.open++
	nb, nj := m.NBody(), m.NJoint()
	data := &Data{
		model: m, d: d, err: errbuf,
		qpos:          nums(d.qpos, m.NQ()),
		qvel:          nums(d.qvel, m.NV()),
		ctrl:          nums(d.ctrl, m.NU()),
		act:           nums(d.act, m.NA()),
		qfrcApplied:   nums(d.qfrc_applied, m.NV()),
		xpos:          nums(d.xpos, 3*nb),
		xquat:         nums(d.xquat, 4*nb),
		xmat:          nums(d.xmat, 9*nb),
		xipos:         nums(d.xipos, 3*nb),
		xaxis:         nums(d.xaxis, 3*nj),
		xanchor:       nums(d.xanchor, 3*nj),
		cvel:          nums(d.cvel, 6*nb),
		cfrcExt:       nums(d.cfrc_ext, 6*nb),
		subtreeCom:    nums(d.subtree_com, 3*nb),
		qaccWarmstart: nums(d.qacc_warmstart, m.NV()),
		geomXpos:      nums(d.geom_xpos, 3*m.NGeom()),
		geomXmat:      nums(d.geom_xmat, 9*m.NGeom()),
	}
	data.cleanup = runtime.AddCleanup(data, func(mem dataMem) {
		C.mj_deleteData(mem.d)
		C.free(unsafe.Pointer(mem.err))
	}, dataMem{d, errbuf})
	return data, nil
}

// Model is the model this Data simulates.
func (d *Data) Model() *Model { return d.model }

// Close frees the state. Views obtained from it must not be used afterwards.
func (d *Data) Close() {
	if d.d == nil {
		return
	}
	d.cleanup.Stop()
	C.mj_deleteData(d.d)
	C.free(unsafe.Pointer(d.err))
	d.d, d.err = nil, nil
	d.qpos, d.qvel, d.ctrl, d.act, d.qfrcApplied = nil, nil, nil, nil, nil
	d.xpos, d.xquat, d.xmat, d.xaxis, d.xanchor, d.xipos, d.cvel, d.cfrcExt = nil, nil, nil, nil, nil, nil, nil, nil
	d.subtreeCom, d.qaccWarmstart, d.geomXpos, d.geomXmat = nil, nil, nil, nil
	m := d.model
	m.mu.Lock()
	m.open--
	m.mu.Unlock()
}

var errClosed = errors.New("physics3d: use of closed Data")

func (d *Data) run(what C.int, n int, op string) error {
	if d.d == nil {
		return errClosed
	}
	if C.gorl_run(d.model.m, d.d, what, C.int(n), d.err, errLen) != 0 {
		return mjError(op, d.err)
	}
	return nil
}

// Reset restores the model's default state (mj_resetData): qpos0, zero velocity,
// controls and time.
func (d *Data) Reset() error { return d.run(C.GORL_RESET, 1, "reset") }

// Forward computes everything that depends on the current state without advancing
// time (mj_forward).
func (d *Data) Forward() error { return d.run(C.GORL_FORWARD, 1, "forward") }

// Step advances the simulation by n timesteps (mj_step n times, one cgo call). As in
// MuJoCo, positions-derived quantities (Xpos, ...) describe the state at the start of
// the last timestep; call Kinematics or Forward to bring them up to date.
func (d *Data) Step(n int) error {
	if n < 1 {
		return fmt.Errorf("mujoco step: n must be >= 1, got %d", n)
	}
	return d.run(C.GORL_STEP, n, "step")
}

// Kinematics recomputes body and joint frames, the quantities body Jacobians need and
// the com-based velocities (mj_kinematics, mj_comPos, mj_comVel) for the current qpos and
// qvel; much cheaper than Forward.
func (d *Data) Kinematics() error { return d.run(C.GORL_KINEMATICS, 1, "kinematics") }

// RNEPostConstraint computes cacc, cfrc_int and cfrc_ext (mj_rnePostConstraint); call
// it after Forward or Step when CfrcExt is needed.
func (d *Data) RNEPostConstraint() error { return d.run(C.GORL_RNEPOST, 1, "rnePostConstraint") }

// BodyJacobian writes the translational (jacp) and rotational (jacr) Jacobians of the
// body frame origin, each 3 x NV row-major; either may be nil (mj_jacBody). It uses the
// kinematics computed by the last Forward, Step or Kinematics.
func (d *Data) BodyJacobian(body int, jacp, jacr []float64) error {
	if d.d == nil {
		return errClosed
	}
	nv := d.model.NV()
	if body < 0 || body >= d.model.NBody() {
		return fmt.Errorf("body jacobian: body %d out of range [0, %d)", body, d.model.NBody())
	}
	var pp, pr *C.mjtNum
	if jacp != nil {
		if len(jacp) < 3*nv {
			return fmt.Errorf("body jacobian: jacp has %d values, need %d", len(jacp), 3*nv)
		}
		pp = (*C.mjtNum)(unsafe.Pointer(&jacp[0]))
	}
	if jacr != nil {
		if len(jacr) < 3*nv {
			return fmt.Errorf("body jacobian: jacr has %d values, need %d", len(jacr), 3*nv)
		}
		pr = (*C.mjtNum)(unsafe.Pointer(&jacr[0]))
	}
	if C.gorl_jac_body(d.model.m, d.d, pp, pr, C.int(body), d.err, errLen) != 0 {
		return mjError("jacBody", d.err)
	}
	return nil
}

// Views (read-only; they alias MuJoCo's arrays).
func (d *Data) Qpos() []float64        { return d.qpos }
func (d *Data) Qvel() []float64        { return d.qvel }
func (d *Data) Ctrl() []float64        { return d.ctrl }
func (d *Data) Act() []float64         { return d.act }
func (d *Data) QfrcApplied() []float64 { return d.qfrcApplied }
func (d *Data) Xpos() []float64        { return d.xpos }       // body frame origins, nbody x 3
func (d *Data) Xquat() []float64       { return d.xquat }      // body orientations (w, x, y, z), nbody x 4
func (d *Data) Xmat() []float64        { return d.xmat }       // body rotation matrices, nbody x 9
func (d *Data) Xipos() []float64       { return d.xipos }      // body centres of mass, nbody x 3
func (d *Data) Xaxis() []float64       { return d.xaxis }      // joint axes in the world frame, njnt x 3
func (d *Data) Xanchor() []float64     { return d.xanchor }    // joint anchors in the world frame, njnt x 3
func (d *Data) Cvel() []float64        { return d.cvel }       // com-based velocities (rot, lin), nbody x 6
func (d *Data) CfrcExt() []float64     { return d.cfrcExt }    // com-based external forces, nbody x 6
func (d *Data) SubtreeCom() []float64  { return d.subtreeCom } // centres of mass of subtrees, nbody x 3
func (d *Data) GeomXpos() []float64    { return d.geomXpos }   // geom centres, ngeom x 3
func (d *Data) GeomXmat() []float64    { return d.geomXmat }   // geom rotation matrices, ngeom x 9

// QaccWarmstart is the accelerations the constraint solver starts from at the next step;
// save and restore it with the state for bit-exact resumption.
func (d *Data) QaccWarmstart() []float64 { return d.qaccWarmstart }

// BodyVelocity writes the world-frame angular (w) and linear (v) velocity of a body's
// frame origin, from the com-based velocities of the last Kinematics, Forward or Step.
// It equals BodyJacobian times qvel.
func (d *Data) BodyVelocity(body int, w, v *[3]float64) {
	cv := d.cvel[6*body : 6*body+6]
	// cvel is expressed at the centre of mass of the body's kinematic tree root.
	root := int(ints(d.model.m.body_rootid, d.model.NBody())[body])
	c := d.subtreeCom[3*root : 3*root+3]
	p := d.xpos[3*body : 3*body+3]
	r := [3]float64{p[0] - c[0], p[1] - c[1], p[2] - c[2]}
	w[0], w[1], w[2] = cv[0], cv[1], cv[2]
	v[0] = cv[3] + cv[1]*r[2] - cv[2]*r[1]
	v[1] = cv[4] + cv[2]*r[0] - cv[0]*r[2]
	v[2] = cv[5] + cv[0]*r[1] - cv[1]*r[0]
}

// Time is the simulation time.
func (d *Data) Time() float64 { return float64(d.d.time) }

// SetTime sets the simulation time.
func (d *Data) SetTime(t float64) { d.d.time = C.mjtNum(t) }

// SetQpos, SetQvel, SetCtrl and SetAct copy src into the state; src must have the
// array's length.
func (d *Data) SetQpos(src []float64) error { return set("qpos", d.qpos, src) }
func (d *Data) SetQvel(src []float64) error { return set("qvel", d.qvel, src) }
func (d *Data) SetCtrl(src []float64) error { return set("ctrl", d.ctrl, src) }
func (d *Data) SetAct(src []float64) error  { return set("act", d.act, src) }
func (d *Data) SetQaccWarmstart(src []float64) error {
	return set("qacc_warmstart", d.qaccWarmstart, src)
}

func set(name string, dst, src []float64) error {
	if len(src) != len(dst) {
		return fmt.Errorf("set %s: got %d values, want %d", name, len(src), len(dst))
	}
	copy(dst, src)
	return nil
}

// Warnings returns how many times each MuJoCo warning was raised since the last reset,
// indexed by mjtWarning (0 inertia, 1 contact buffer full, 2 constraint buffer full,
// 3 visual geoms full, 4 bad qpos, 5 bad qvel, 6 bad qacc, 7 bad ctrl). A bad qacc makes
// MuJoCo reset the state on its own.
func (d *Data) Warnings() [C.mjNWARNING]int {
	var out [C.mjNWARNING]int
	if d.d == nil {
		return out
	}
	for i := range out {
		out[i] = int(d.d.warning[i].number)
	}
	return out
}

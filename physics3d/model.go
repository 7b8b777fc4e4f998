package physics3d

/*
#include <mujoco/mujoco.h>
*/
import "C"

import (
	"fmt"
	"runtime"
	"sync"
	"unsafe"
)

// ObjType selects a kind of named MuJoCo object for name lookups.
type ObjType int

const (
	ObjBody     ObjType = C.mjOBJ_BODY
	ObjJoint    ObjType = C.mjOBJ_JOINT
	ObjGeom     ObjType = C.mjOBJ_GEOM
	ObjActuator ObjType = C.mjOBJ_ACTUATOR
)

func (t ObjType) String() string {
	switch t {
	case ObjBody:
		return "body"
	case ObjJoint:
		return "joint"
	case ObjGeom:
		return "geom"
	case ObjActuator:
		return "actuator"
	}
	return fmt.Sprintf("object type %d", int(t))
}

// Joint types (mjtJoint).
const (
	JointFree  = C.mjJNT_FREE
	JointBall  = C.mjJNT_BALL
	JointSlide = C.mjJNT_SLIDE
	JointHinge = C.mjJNT_HINGE
)

// Geom types (mjtGeom) used by the morphologies.
const (
	GeomPlane   = C.mjGEOM_PLANE
	GeomSphere  = C.mjGEOM_SPHERE
	GeomCapsule = C.mjGEOM_CAPSULE
	GeomBox     = C.mjGEOM_BOX
)

// Integrators (mjtIntegrator).
const (
	IntegratorEuler = C.mjINT_EULER
	IntegratorRK4   = C.mjINT_RK4
)

// Model is a compiled MuJoCo model (mjModel). It is read-only after loading and safe to
// share between goroutines; each goroutine simulates with its own Data.
type Model struct {
	m       *C.mjModel
	name    string
	names   [4]map[string]int // by ObjType index: body, joint, geom, actuator
	mu      sync.Mutex
	open    int // Data instances not yet closed
	closed  bool
	cleanup runtime.Cleanup
}

func newModel(m *C.mjModel, name string) *Model {
	mod := &Model{m: m, name: name}
	for i, t := range []ObjType{ObjBody, ObjJoint, ObjGeom, ObjActuator} {
		n := mod.count(t)
		mod.names[i] = make(map[string]int, n)
		for id := 0; id < n; id++ {
			if s := mod.Name(t, id); s != "" {
				mod.names[i][s] = id
			}
		}
	}
	mod.cleanup = runtime.AddCleanup(mod, func(p *C.mjModel) { C.mj_deleteModel(p) }, m)
	return mod
}

// Close frees the model. It fails while Data made from it is still open (Data that was
// dropped without Close counts as open: close Data explicitly).
func (m *Model) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil
	}
	if m.open > 0 {
		return fmt.Errorf("close model %s: %d Data still open", m.name, m.open)
	}
	m.closed = true
	m.cleanup.Stop()
	C.mj_deleteModel(m.m)
	m.m = nil
	return nil
}

// Sizes.
func (m *Model) NQ() int     { return int(m.m.nq) }
func (m *Model) NV() int     { return int(m.m.nv) }
func (m *Model) NU() int     { return int(m.m.nu) }
func (m *Model) NA() int     { return int(m.m.na) }
func (m *Model) NBody() int  { return int(m.m.nbody) }
func (m *Model) NJoint() int { return int(m.m.njnt) }
func (m *Model) NGeom() int  { return int(m.m.ngeom) }
func (m *Model) Timestep() float64 {
	return float64(m.m.opt.timestep)
}

// Integrator is the model's integrator (IntegratorEuler, IntegratorRK4, ...).
func (m *Model) Integrator() int { return int(m.m.opt.integrator) }

// Gravity is the model's gravity vector.
func (m *Model) Gravity() [3]float64 {
	g := m.m.opt.gravity
	return [3]float64{float64(g[0]), float64(g[1]), float64(g[2])}
}

func (m *Model) count(t ObjType) int {
	switch t {
	case ObjBody:
		return m.NBody()
	case ObjJoint:
		return m.NJoint()
	case ObjGeom:
		return m.NGeom()
	case ObjActuator:
		return m.NU()
	}
	return 0
}

func typeIndex(t ObjType) int {
	switch t {
	case ObjBody:
		return 0
	case ObjJoint:
		return 1
	case ObjGeom:
		return 2
	case ObjActuator:
		return 3
	}
	return -1
}

// ID returns the id of the named object, or an error naming what is missing.
func (m *Model) ID(t ObjType, name string) (int, error) {
	i := typeIndex(t)
	if i < 0 {
		return -1, fmt.Errorf("model %s: unknown object type %v", m.name, t)
	}
	id, ok := m.names[i][name]
	if !ok {
		return -1, fmt.Errorf("model %s: no %v named %q", m.name, t, name)
	}
	return id, nil
}

// BodyID, JointID, GeomID and ActuatorID look up names; -1 when absent.
func (m *Model) BodyID(name string) int     { return m.lookup(0, name) }
func (m *Model) JointID(name string) int    { return m.lookup(1, name) }
func (m *Model) GeomID(name string) int     { return m.lookup(2, name) }
func (m *Model) ActuatorID(name string) int { return m.lookup(3, name) }

func (m *Model) lookup(i int, name string) int {
	if id, ok := m.names[i][name]; ok {
		return id
	}
	return -1
}

// Name returns the name of object id of type t ("" when unnamed or out of range).
func (m *Model) Name(t ObjType, id int) string {
	if id < 0 || id >= m.count(t) {
		return ""
	}
	p := C.mj_id2name(m.m, C.int(t), C.int(id))
	if p == nil {
		return ""
	}
	return C.GoString(p)
}

// BodyName, JointName, GeomName, ActuatorName are Name for one type.
func (m *Model) BodyName(id int) string     { return m.Name(ObjBody, id) }
func (m *Model) JointName(id int) string    { return m.Name(ObjJoint, id) }
func (m *Model) GeomName(id int) string     { return m.Name(ObjGeom, id) }
func (m *Model) ActuatorName(id int) string { return m.Name(ObjActuator, id) }

func ints(p *C.int, n int) []C.int { return unsafe.Slice(p, n) }
func nums(p *C.mjtNum, n int) []float64 {
	return unsafe.Slice((*float64)(unsafe.Pointer(p)), n)
}

// Body properties. Body 0 is the world.
func (m *Model) BodyParent(b int) int   { return int(ints(m.m.body_parentid, m.NBody())[b]) }
func (m *Model) BodyJointAdr(b int) int { return int(ints(m.m.body_jntadr, m.NBody())[b]) }
func (m *Model) BodyJointNum(b int) int { return int(ints(m.m.body_jntnum, m.NBody())[b]) }
func (m *Model) BodyMass(b int) float64 { return nums(m.m.body_mass, m.NBody())[b] }

// BodyPos is the body frame's offset relative to its parent.
func (m *Model) BodyPos(b int) [3]float64 {
	p := nums(m.m.body_pos, 3*m.NBody())[3*b:]
	return [3]float64{p[0], p[1], p[2]}
}

// BodyInertia is the diagonal inertia in the body's principal frame.
func (m *Model) BodyInertia(b int) [3]float64 {
	p := nums(m.m.body_inertia, 3*m.NBody())[3*b:]
	return [3]float64{p[0], p[1], p[2]}
}

// TotalMass sums the masses of all bodies.
func (m *Model) TotalMass() float64 {
	s := 0.0
	for _, v := range nums(m.m.body_mass, m.NBody()) {
		s += v
	}
	return s
}

// Joint properties.
func (m *Model) JointType(j int) int    { return int(ints(m.m.jnt_type, m.NJoint())[j]) }
func (m *Model) JointQposAdr(j int) int { return int(ints(m.m.jnt_qposadr, m.NJoint())[j]) }
func (m *Model) JointDofAdr(j int) int  { return int(ints(m.m.jnt_dofadr, m.NJoint())[j]) }
func (m *Model) JointBody(j int) int    { return int(ints(m.m.jnt_bodyid, m.NJoint())[j]) }
func (m *Model) JointLimited(j int) bool {
	return unsafe.Slice((*C.mjtByte)(m.m.jnt_limited), m.NJoint())[j] != 0
}
func (m *Model) JointStiffness(j int) float64 { return nums(m.m.jnt_stiffness, m.NJoint())[j] }

// JointRange is the joint's limits in radians (hinges) or metres (slides).
func (m *Model) JointRange(j int) [2]float64 {
	p := nums(m.m.jnt_range, 2*m.NJoint())[2*j:]
	return [2]float64{p[0], p[1]}
}

// JointAxis is the joint axis in the body frame (unit length).
func (m *Model) JointAxis(j int) [3]float64 {
	p := nums(m.m.jnt_axis, 3*m.NJoint())[3*j:]
	return [3]float64{p[0], p[1], p[2]}
}

// JointPos is the joint anchor in the body frame.
func (m *Model) JointPos(j int) [3]float64 {
	p := nums(m.m.jnt_pos, 3*m.NJoint())[3*j:]
	return [3]float64{p[0], p[1], p[2]}
}

// Degree-of-freedom properties.
func (m *Model) DofArmature(v int) float64 { return nums(m.m.dof_armature, m.NV())[v] }
func (m *Model) DofDamping(v int) float64  { return nums(m.m.dof_damping, m.NV())[v] }

// ActuatorJoint is the joint an actuator drives (-1 for other transmissions).
func (m *Model) ActuatorJoint(a int) int {
	if ints(m.m.actuator_trntype, m.NU())[a] != C.mjTRN_JOINT {
		return -1
	}
	return int(ints(m.m.actuator_trnid, 2*m.NU())[2*a])
}

// ActuatorGear is the first gear coefficient (the scalar gear of a joint motor).
func (m *Model) ActuatorGear(a int) float64 { return nums(m.m.actuator_gear, 6*m.NU())[6*a] }

// ActuatorCtrlRange is the control range; ok is false when controls are unlimited.
func (m *Model) ActuatorCtrlRange(a int) (lo, hi float64, ok bool) {
	p := nums(m.m.actuator_ctrlrange, 2*m.NU())[2*a:]
	limited := unsafe.Slice((*C.mjtByte)(m.m.actuator_ctrllimited), m.NU())[a] != 0
	return p[0], p[1], limited
}

// GeomType is the geom's mjtGeom type; GeomSize its size parameters; GeomBody its body.
func (m *Model) GeomType(g int) int { return int(ints(m.m.geom_type, m.NGeom())[g]) }
func (m *Model) GeomBody(g int) int { return int(ints(m.m.geom_bodyid, m.NGeom())[g]) }
func (m *Model) GeomSize(g int) [3]float64 {
	p := nums(m.m.geom_size, 3*m.NGeom())[3*g:]
	return [3]float64{p[0], p[1], p[2]}
}

// GeomRGBA is the geom's colour (red, green, blue, alpha in [0, 1]).
func (m *Model) GeomRGBA(g int) [4]float32 {
	p := unsafe.Slice((*float32)(unsafe.Pointer(m.m.geom_rgba)), 4*m.NGeom())[4*g:]
	return [4]float32{p[0], p[1], p[2], p[3]}
}

// Qpos0 copies the model's default configuration into dst (length NQ) and returns it.
func (m *Model) Qpos0(dst []float64) []float64 {
	if dst == nil {
		dst = make([]float64, m.NQ())
	}
	copy(dst, nums(m.m.qpos0, m.NQ()))
	return dst
}

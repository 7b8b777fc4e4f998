package locomotion

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"sync"

	"gorl/env"
	"gorl/physics3d"
	"gorl/physics3d/morph"
)

// Observation layout (see the package documentation).
const (
	NodeFeatures   = morph.NodeFeatures   // observation values per node (41)
	NodeActions    = morph.NodeActions    // action values per node (hinges x, y, z)
	VectorFeatures = morph.VectorFeatures // the first 24 values of a node are 8 world-frame 3D vectors

	FeatRelPos     = 0  // body origin - torso origin (3)
	FeatGravity    = 3  // gravity vector (3)
	FeatTargetDir  = 6  // unit direction to the target, z = 0 (3)
	FeatLinVel     = 9  // linear velocity, clipped (3)
	FeatAngVel     = 12 // angular velocity (3)
	FeatAxes       = 15 // world axes of hinges x, y, z (9)
	FeatAngles     = 24 // hinge angles in radians (3)
	FeatNormAngles = 27 // per hinge: normalised angle, normalised lower and upper limit (9)
	FeatLimbType   = 36 // one-hot torso, thigh, shin, foot (4)
	FeatHeight     = 40 // height of the body origin (1)

	velocityClip = 10
	ctrlCost     = 1e-3
)

// Target selects how the target moves.
type Target int

const (
	TargetV1 Target = iota // a far target (1e4 m) in a random direction, fixed per episode
	TargetV2               // waypoints 10-20 m away, renewed when the torso comes within 1 m
)

// Config selects a morphology and task settings. Zero values mean defaults.
type Config struct {
	// Morphology is a built-in or generated morphology; alternatively ModelFile names an
	// MJCF file following morph's conventions, and Family says which rules apply to it.
	Morphology *morph.Morphology
	ModelFile  string
	Family     morph.Family

	Target    Target
	FrameSkip int     // physics steps per control step (default: the morphology's, or 4)
	MinZ      float64 // healthy torso height range (default: the morphology's or family's)
	MaxZ      float64
}

// Env is one 3D-SGRL locomotion task. It implements env.Env, env.BodyPoser and
// env.Snapshotter; NumNodes and Graph describe the morphology for graph-based agents.
type Env struct {
	name      string
	family    morph.Family
	target    Target
	shared    *sharedModel
	model     *physics3d.Model
	data      *physics3d.Data
	graph     *morph.Graph
	frameSkip int
	dt        float64
	minZ      float64
	maxZ      float64
	heading   float64 // H: weight of the heading term
	alive     float64 // A: alive bonus
	gravity   [3]float64

	nodes       int
	bodies      []int    // MuJoCo body id of each node
	qposAdr     [][3]int // per node and hinge (torso: unused)
	rangeDeg    [][3][2]float64
	actuator    [][3]int     // actuator driving each hinge, -1 for none
	jointID     [][3]int     // MuJoCo joint ids
	limbType    [][4]float64 // one-hot limb type
	frontThighs []int        // cheetah: body ids of the front thighs

	stream
	goal    [2]float64
	obs     []float64
	qbuf    []float64
	vbuf    []float64
	qpos0   []float64
	lastErr error

	// Reward terms summed over the current episode and over the last finished one
	// (RewardTerms), so that logs can tell locomotion from mere survival.
	terms, lastTerms [NumRewardTerms]float64
	termSteps        int
	hasLast          bool
	recentTerms      [][NumRewardTerms]float64 // the last RecentEpisodes finished, oldest first
}

// sharedModel counts the environments simulating one compiled model, so that Fork can
// share it and the last Close frees it.
type sharedModel struct {
	mu   sync.Mutex
	m    *physics3d.Model
	refs int
}

// stream is the environment's random source. It keeps the *rand.PCG (env.NewRand hides
// it) so that snapshots can save it; it draws exactly as env.NewRand(seed) does.
type stream struct {
	src *rand.PCG
	rng *rand.Rand
}

func newStream(seed uint64) stream {
	src := env.NewPCG(seed)
	return stream{src: src, rng: rand.New(src)}
}

func (s stream) uniform(lo, hi float64) float64 { return lo + (hi-lo)*s.rng.Float64() }

// New builds a task.
func New(cfg Config) (*Env, error) {
	var (
		model *physics3d.Model
		err   error
		name  string
		fam   morph.Family
		skip  = 4
		minZ  float64
		maxZ  float64
	)
	switch {
	case cfg.Morphology != nil && cfg.ModelFile != "":
		return nil, errors.New("locomotion: give a Morphology or a ModelFile, not both")
	case cfg.Morphology != nil:
		mo := cfg.Morphology
		xml, err := mo.MJCF()
		if err != nil {
			return nil, err
		}
		if model, err = physics3d.LoadXML(xml); err != nil {
			return nil, fmt.Errorf("morphology %s: %w", mo.Name, err)
		}
		name, fam, skip, minZ, maxZ = mo.Name, mo.Family, mo.Sim.FrameSkip, mo.MinZ, mo.MaxZ
	case cfg.ModelFile != "":
		if fam, err = morph.ParseFamily(string(cfg.Family)); err != nil {
			return nil, fmt.Errorf("model %q: %w", cfg.ModelFile, err)
		}
		if model, err = physics3d.LoadFile(cfg.ModelFile); err != nil {
			return nil, err
		}
		name = cfg.ModelFile
		minZ, maxZ = familyHeights(fam)
	default:
		return nil, errors.New("locomotion: no morphology or model file")
	}
	if cfg.FrameSkip < 0 || cfg.MinZ < 0 || cfg.MaxZ < 0 || (cfg.Target != TargetV1 && cfg.Target != TargetV2) {
		model.Close()
		return nil, fmt.Errorf("%s: frame skip and heights must be >= 0, target v1 or v2", name)
	}
	if cfg.FrameSkip > 0 {
		skip = cfg.FrameSkip
	}
	if cfg.MinZ > 0 {
		minZ = cfg.MinZ
	}
	if cfg.MaxZ > 0 {
		maxZ = cfg.MaxZ
	}
	sm := &sharedModel{m: model}
	e, err := newEnv(sm, name, fam, cfg.Target, skip, minZ, maxZ)
	if err != nil {
		model.Close()
		return nil, err
	}
	return e, nil
}

// familyHeights are the healthy torso heights of a family's full model, used for model
// files.
func familyHeights(f morph.Family) (minZ, maxZ float64) {
	full := map[morph.Family]string{morph.Hopper: "hopper-5-full", morph.Walker: "walker-7-full",
		morph.Humanoid: "humanoid-9-full", morph.Cheetah: "cheetah-14-full"}[f]
	m, err := morph.Builtin(full)
	if err != nil {
		return 0, 0
	}
	return m.MinZ, m.MaxZ
}

func newEnv(sm *sharedModel, name string, fam morph.Family, target Target, skip int, minZ, maxZ float64) (*Env, error) {
	m := sm.m
	e := &Env{name: name, family: fam, target: target, shared: sm, model: m, frameSkip: skip,
		dt: m.Timestep() * float64(skip), minZ: minZ, maxZ: maxZ, heading: 1, alive: 1, gravity: m.Gravity()}
	switch fam {
	case morph.Hopper:
		e.heading = 0
	case morph.Cheetah:
		e.alive = 0
	}
	if err := e.mapModel(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	d, err := m.NewData()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	e.data = d
	sm.mu.Lock()
	sm.refs++
	sm.mu.Unlock()
	e.stream = newStream(0)
	e.obs = make([]float64, e.nodes*NodeFeatures)
	e.qbuf = make([]float64, m.NQ())
	e.vbuf = make([]float64, m.NV())
	e.qpos0 = m.Qpos0(nil)
	return e, nil
}

// mapModel checks the model's conventions and maps nodes to bodies, hinges and motors.
func (e *Env) mapModel() error {
	m := e.model
	if m.NBody() < 3 {
		return fmt.Errorf("model needs a torso and at least one limb, has %d bodies", m.NBody()-1)
	}
	if m.BodyJointNum(1) < 1 || m.JointType(m.BodyJointAdr(1)) != physics3d.JointFree || m.JointQposAdr(m.BodyJointAdr(1)) != 0 {
		return fmt.Errorf("the first body (%s) must be the torso with a free joint first in qpos", m.BodyName(1))
	}
	e.nodes = m.NBody() - 1
	names := make([]string, e.nodes)
	parents := make([]int, e.nodes)
	for n := 0; n < e.nodes; n++ {
		b := n + 1
		names[n] = m.BodyName(b)
		parents[n] = m.BodyParent(b) - 1
		if n > 0 && parents[n] < 0 {
			return fmt.Errorf("body %s is not part of the torso's tree", names[n])
		}
	}
	g, err := morph.NewGraph(names, parents)
	if err != nil {
		return err
	}
	e.graph = g
	e.bodies = make([]int, e.nodes)
	e.qposAdr = make([][3]int, e.nodes)
	e.rangeDeg = make([][3][2]float64, e.nodes)
	e.actuator = make([][3]int, e.nodes)
	e.jointID = make([][3]int, e.nodes)
	e.limbType = make([][4]float64, e.nodes)
	motorOf := map[int]int{}
	for a := 0; a < m.NU(); a++ {
		if j := m.ActuatorJoint(a); j >= 0 {
			motorOf[j] = a
		}
	}
	for n := range e.bodies {
		e.bodies[n] = n + 1
		e.limbType[n] = limbType(n, names[n])
		for k := 0; k < 3; k++ {
			e.actuator[n][k], e.jointID[n][k] = -1, -1
			if n == 0 {
				continue
			}
			jn := morph.JointName(names[n], k)
			j := m.JointID(jn)
			if j < 0 {
				return fmt.Errorf("limb %s has no joint named %s", names[n], jn)
			}
			if m.JointType(j) != physics3d.JointHinge || m.JointBody(j) != n+1 {
				return fmt.Errorf("joint %s must be a hinge of body %s", jn, names[n])
			}
			r := m.JointRange(j)
			if !(r[1] > r[0]) {
				return fmt.Errorf("joint %s has no range (lo < hi needed to normalise its angle)", jn)
			}
			e.jointID[n][k] = j
			e.qposAdr[n][k] = m.JointQposAdr(j)
			e.rangeDeg[n][k] = [2]float64{r[0] * 180 / math.Pi, r[1] * 180 / math.Pi}
			if a, ok := motorOf[j]; ok {
				e.actuator[n][k] = a
			}
		}
		if e.family == morph.Cheetah && (names[n] == "right_fthigh" || names[n] == "left_fthigh") {
			e.frontThighs = append(e.frontThighs, n+1)
		}
	}
	return nil
}

// limbType is the one-hot type the paper's code derives from a body's name.
func limbType(node int, name string) [4]float64 {
	switch {
	case node == 0:
		return [4]float64{1, 0, 0, 0}
	case strings.Contains(name, "thigh"):
		return [4]float64{0, 1, 0, 0}
	case strings.Contains(name, "shin"):
		return [4]float64{0, 0, 1, 0}
	case strings.Contains(name, "foot"):
		return [4]float64{0, 0, 0, 1}
	}
	return [4]float64{}
}

// Fork returns a new environment simulating the same compiled model with its own state,
// for parallel workers; the model is freed when the last environment sharing it closes.
func (e *Env) Fork() (*Env, error) {
	e.shared.mu.Lock()
	alive := e.shared.refs > 0
	e.shared.mu.Unlock()
	if !alive {
		return nil, fmt.Errorf("%s: fork of a closed environment", e.name)
	}
	return newEnv(e.shared, e.name, e.family, e.target, e.frameSkip, e.minZ, e.maxZ)
}

// Close frees the simulation state (and the model when no other fork uses it).
func (e *Env) Close() error {
	if e.data == nil {
		return nil
	}
	e.data.Close()
	e.data = nil
	e.shared.mu.Lock()
	defer e.shared.mu.Unlock()
	e.shared.refs--
	if e.shared.refs == 0 {
		return e.shared.m.Close()
	}
	return nil
}

// Name is the morphology's name (or the model file).
func (e *Env) Name() string { return e.name }

// Family is the morphology family whose rules the task applies.
func (e *Env) Family() morph.Family { return e.family }

// NumNodes is the number of bodies (observation rows), torso included.
func (e *Env) NumNodes() int { return e.nodes }

// Graph is the morphology graph of the nodes (shared; do not modify).
func (e *Env) Graph() *morph.Graph { return e.graph }

// Dt is the duration of one control step.
func (e *Env) Dt() float64 { return e.dt }

// TargetPos is the current target's xy position.
func (e *Env) TargetPos() [2]float64 { return e.goal }

// Data exposes the simulation state (read-only use: for rendering or analysis).
func (e *Env) Data() *physics3d.Data { return e.data }

// Err reports the MuJoCo error that ended the last episode, if any (the episode is then
// reported as terminated).
func (e *Env) Err() error { return e.lastErr }

// ObservationSpace is NumNodes x NodeFeatures unbounded values.
func (e *Env) ObservationSpace() env.Space {
	return env.UniformBox(e.nodes*NodeFeatures, math.Inf(-1), math.Inf(1))
}

// ActionSpace is NumNodes x NodeActions torques in [-1, 1] (the torso's row is ignored).
func (e *Env) ActionSpace() env.Space { return env.UniformBox(e.nodes*NodeActions, -1, 1) }

// Seed restarts the random stream as env.NewRand(seed) would.
func (e *Env) Seed(seed uint64) { e.stream = newStream(seed) }

// Reset starts an episode: the default pose turned to a random yaw, with small noise on
// positions and velocities, and a new target.
func (e *Env) Reset() []float64 {
	e.endTerms()
	e.lastErr = nil
	if err := e.data.Reset(); err != nil {
		e.lastErr = err
	}
	q, v := e.qbuf, e.vbuf
	copy(q, e.qpos0)
	clear(v)
	theta := e.uniform(-math.Pi, math.Pi)
	q[3], q[4], q[5], q[6] = math.Cos(theta/2), 0, 0, math.Sin(theta/2)
	if e.family == morph.Cheetah {
		for i := range q {
			q[i] += e.uniform(-0.1, 0.1)
		}
		for i := range v {
			v[i] += 0.1 * e.rng.NormFloat64()
		}
	} else {
		for i := range q {
			q[i] += e.uniform(-0.005, 0.005)
		}
		for i := range v {
			v[i] += e.uniform(-0.005, 0.005)
		}
	}
	norm := math.Sqrt(q[3]*q[3] + q[4]*q[4] + q[5]*q[5] + q[6]*q[6])
	for i := 3; i < 7; i++ {
		q[i] /= norm
	}
	_ = e.data.SetQpos(q)
	_ = e.data.SetQvel(v)
	phi := e.uniform(-math.Pi, math.Pi)
	if e.target == TargetV2 {
		l := e.uniform(10, 20)
		e.goal = [2]float64{l * math.Cos(phi), l * math.Sin(phi)}
	} else {
		e.goal = [2]float64{1e4 * math.Cos(phi), 1e4 * math.Sin(phi)}
	}
	if err := e.data.Kinematics(); err != nil && e.lastErr == nil {
		e.lastErr = err
	}
	e.observe()
	return e.obs
}

// Step applies per-node torques for one control step (FrameSkip physics steps).
func (e *Env) Step(action []float64) env.Transition {
	ctrl := e.data.Ctrl()
	clear(ctrl)
	cost := 0.0
	for n := 1; n < e.nodes; n++ {
		for k := 0; k < 3; k++ {
			a := e.actuator[n][k]
			i := n*NodeActions + k
			if a < 0 || i >= len(action) {
				continue
			}
			u := action[i]
			if math.IsNaN(u) {
				u = 0
			}
			u = math.Max(-1, math.Min(1, u))
			ctrl[a] = u
			cost += u * u
		}
	}
	q := e.data.Qpos()
	psi, _, _ := yawPitchRoll(q[3], q[4], q[5], q[6])
	px, py := q[0], q[1]
	distBefore := math.Hypot(e.goal[0]-px, e.goal[1]-py)

	if err := e.data.Step(e.frameSkip); err != nil {
		e.lastErr = err
		e.observe()
		return env.Transition{Obs: e.obs, Terminated: true}
	}
	if err := e.data.Kinematics(); err != nil {
		e.lastErr = err
		return env.Transition{Obs: e.obs, Terminated: true}
	}
	q = e.data.Qpos()
	qx, qy := q[0], q[1]
	distAfter := math.Hypot(e.goal[0]-qx, e.goal[1]-qy)
	// r = (|T - p_t| - |T - p_t+1|)/dt + H (p_t+1 - p_t).(cos psi, sin psi)/dt + A - 0.001 |a|^2
	progress := (distBefore - distAfter) / e.dt
	heading := e.heading * ((qx-px)*math.Cos(psi) + (qy-py)*math.Sin(psi)) / e.dt
	control := ctrlCost * cost
	reward := progress + heading + e.alive - control
	e.addTerms(progress, heading, e.alive, -control)
	terminated := !e.healthy()
	if distAfter < 1 && math.Hypot(e.goal[0], e.goal[1]) > 1 {
		phi := e.uniform(-math.Pi, math.Pi)
		if e.target == TargetV2 {
			l := e.uniform(10, 20)
			e.goal = [2]float64{qx + l*math.Cos(phi), qy + l*math.Sin(phi)}
		} else {
			e.goal = [2]float64{1e4 * math.Cos(phi), 1e4 * math.Sin(phi)}
		}
	}
	e.observe()
	return env.Transition{Obs: e.obs, Reward: reward, Terminated: terminated}
}

// healthy applies the family's rules to the current state (pitch and roll are ZYX Euler
// angles of the torso; tilt is the angle between the torso's z axis and the vertical):
//
//	hopper:   finite state, |qpos[3:]| and |qvel| < 100, z > MinZ, tilt < 1
//	walker:   MinZ < z < MaxZ, |pitch| < 1, |roll| < 1
//	humanoid: MinZ < z < MaxZ, |pitch| < 1, |roll| < 1
//	cheetah:  min(z, front thigh heights) > MinZ, |pitch|, |roll| < 1.35, sum qvel^2 > 1
func (e *Env) healthy() bool {
	q, v := e.data.Qpos(), e.data.Qvel()
	for _, x := range q {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	for _, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	z := q[2]
	_, pitch, roll := yawPitchRoll(q[3], q[4], q[5], q[6])
	switch e.family {
	case morph.Hopper:
		for _, x := range q[3:] {
			if math.Abs(x) >= 100 {
				return false
			}
		}
		for _, x := range v {
			if math.Abs(x) >= 100 {
				return false
			}
		}
		tilt := 2 * math.Atan2(math.Sqrt(q[4]*q[4]+q[5]*q[5]), math.Sqrt(q[3]*q[3]+q[6]*q[6]))
		return z > e.minZ && math.Abs(tilt) < 1
	case morph.Cheetah:
		xpos := e.data.Xpos()
		for _, b := range e.frontThighs {
			z = math.Min(z, xpos[3*b+2])
		}
		energy := 0.0
		for _, x := range v {
			energy += x * x
		}
		return z > e.minZ && math.Abs(pitch) < 1.35 && math.Abs(roll) < 1.35 && energy > 1
	default:
		return z > e.minZ && (e.maxZ == 0 || z < e.maxZ) && math.Abs(pitch) < 1 && math.Abs(roll) < 1
	}
}

// yawPitchRoll returns the ZYX Euler angles of the rotation of quaternion (w, x, y, z),
// read off its rotation matrix R: yaw = atan2(R10, R00), pitch = atan2(-R20,
// sqrt(R21^2 + R22^2)), roll = atan2(R21, R22).
func yawPitchRoll(w, x, y, z float64) (yaw, pitch, roll float64) {
	r00 := 1 - 2*y*y - 2*z*z
	r10 := 2*x*y + 2*z*w
	r20 := 2*x*z - 2*y*w
	r21 := 2*y*z + 2*x*w
	r22 := 1 - 2*x*x - 2*y*y
	return math.Atan2(r10, r00), math.Atan2(-r20, math.Sqrt(r21*r21+r22*r22)), math.Atan2(r21, r22)
}

// observe fills e.obs from the current state (after Kinematics).
func (e *Env) observe() {
	d := e.data
	xpos, xaxis, q := d.Xpos(), d.Xaxis(), d.Qpos()
	t := e.bodies[0]
	tx, ty, tz := xpos[3*t], xpos[3*t+1], xpos[3*t+2]
	dx, dy := e.goal[0]-tx, e.goal[1]-ty
	if l := math.Hypot(dx, dy); l > 0 {
		dx, dy = dx/l, dy/l
	}
	for n, b := range e.bodies {
		o := e.obs[n*NodeFeatures : (n+1)*NodeFeatures]
		o[0], o[1], o[2] = xpos[3*b]-tx, xpos[3*b+1]-ty, xpos[3*b+2]-tz
		o[3], o[4], o[5] = e.gravity[0], e.gravity[1], e.gravity[2]
		o[6], o[7], o[8] = dx, dy, 0
		var w, v [3]float64
		d.BodyVelocity(b, &w, &v)
		for i := 0; i < 3; i++ {
			o[FeatLinVel+i] = math.Max(-velocityClip, math.Min(velocityClip, v[i]))
			o[FeatAngVel+i] = w[i]
		}
		if n == 0 {
			for i := FeatAxes; i < FeatNormAngles; i++ {
				o[i] = 0
			}
			for i := FeatNormAngles; i < FeatLimbType; i++ {
				o[i] = 0.5
			}
		} else {
			for k := 0; k < 3; k++ {
				j := e.jointID[n][k]
				copy(o[FeatAxes+3*k:FeatAxes+3*k+3], xaxis[3*j:3*j+3])
				angle := q[e.qposAdr[n][k]]
				lo, hi := e.rangeDeg[n][k][0], e.rangeDeg[n][k][1]
				o[FeatAngles+k] = angle
				o[FeatNormAngles+3*k] = (angle*180/math.Pi - lo) / (hi - lo)
				o[FeatNormAngles+3*k+1] = (180 + lo) / 360
				o[FeatNormAngles+3*k+2] = (180 + hi) / 360
			}
		}
		copy(o[FeatLimbType:FeatLimbType+4], e.limbType[n][:])
		o[FeatHeight] = xpos[3*b+2]
	}
}

// NumBodies is the number of bodies whose poses BodyPoses writes (the nodes).
func (e *Env) NumBodies() int { return e.nodes }

// BodyPoses writes each node's world position (3 values) and orientation quaternion
// (w, x, y, z).
func (e *Env) BodyPoses(pos, quat []float64) {
	xpos, xquat := e.data.Xpos(), e.data.Xquat()
	for n, b := range e.bodies {
		copy(pos[3*n:3*n+3], xpos[3*b:3*b+3])
		copy(quat[4*n:4*n+4], xquat[4*b:4*b+4])
	}
}

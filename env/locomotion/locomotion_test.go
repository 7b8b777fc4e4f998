package locomotion

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"gorl/env"
	"gorl/physics3d/morph"
)

func newTask(t testing.TB, name string, target Target) *Env {
	t.Helper()
	mo, err := morph.Builtin(name)
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(Config{Morphology: mo, Target: target})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := e.Close(); err != nil {
			t.Error(err)
		}
	})
	return e
}

func randomAction(rng *rand.Rand, dst []float64) {
	for i := range dst {
		dst[i] = 2*rng.Float64() - 1
	}
}

var sample = []string{"hopper-3-shin", "walker-7-full", "humanoid-9-full", "cheetah-14-full"}

func TestRegistry(t *testing.T) {
	for _, id := range []string{"sgrl/hopper-3", "sgrl/hopper-5", "sgrl/cheetah-14", "sgrl/humanoid-9", "sgrl/walker-7",
		"sgrl/walker-5-left-knee", "sgrl/hopper++", "sgrl/cwhh++", "sgrl/custom", "sgrl/random"} {
		spec, ok := env.Lookup(id)
		if !ok {
			t.Errorf("%s not registered", id)
			continue
		}
		if spec.MaxEpisodeSteps != 1000 {
			t.Errorf("%s: time limit %d", id, spec.MaxEpisodeSteps)
		}
	}
	for _, id := range []string{"sgrl/walker-5", "sgrl/humanoid-7", "sgrl/cheetah-12"} {
		if _, ok := env.Lookup(id); ok {
			t.Errorf("ambiguous short id %s registered", id)
		}
	}
	want := map[string]int{"sgrl/hopper++": 3, "sgrl/walker++": 6, "sgrl/humanoid++": 6, "sgrl/cheetah++": 8, "sgrl/whh++": 15, "sgrl/cwhh++": 23}
	for id, n := range want {
		m, err := Members(id)
		if err != nil || len(m) != n {
			t.Errorf("%s: %d members (%v), want %d", id, len(m), err, n)
		}
		for _, mid := range m {
			if _, ok := env.Lookup(mid); !ok {
				t.Errorf("member %s of %s not registered", mid, id)
			}
		}
	}
	if m, err := Members("sgrl/hopper-3"); err != nil || !slices.Equal(m, []string{"sgrl/hopper-3"}) {
		t.Errorf("single-task members %v %v", m, err)
	}
	if _, err := Members("CartPole-v1"); err == nil {
		t.Error("non-SGRL id accepted")
	}
	e, err := env.Make("sgrl/hopper-3", env.Options{"target": "v2"})
	if err != nil {
		t.Fatal(err)
	}
	if tl, ok := e.(*env.TimeLimit); !ok || tl.MaxSteps != 1000 {
		t.Errorf("sgrl/hopper-3 is %T, want a 1000-step TimeLimit", e)
	}
	inner, _ := env.As[*Env](e)
	if inner.target != TargetV2 || inner.NumNodes() != 3 || e.ObservationSpace().Dim() != 3*41 || e.ActionSpace().Dim() != 9 {
		t.Errorf("hopper-3: target %v nodes %d dims %d %d", inner.target, inner.NumNodes(), e.ObservationSpace().Dim(), e.ActionSpace().Dim())
	}
	for _, bad := range []env.Options{{"target": "v3"}, {"frame_skip": "-1"}, {"modle": "x.xml"}, {"min_z": "abc"}} {
		if _, err := env.Make("sgrl/walker-7", bad); err == nil {
			t.Errorf("options %v accepted", bad)
		}
	}
}

func TestStreamMatchesEnvNewRand(t *testing.T) {
	e := newTask(t, "hopper-3-shin", TargetV1)
	e.Reset() // draws from the default stream first
	e.Seed(42)
	r := env.NewRand(42)
	for i := 0; i < 10; i++ {
		if a, b := e.rng.Uint64(), r.Uint64(); a != b {
			t.Fatalf("draw %d: %d vs env.NewRand %d", i, a, b)
		}
	}
}

func TestObservationSanity(t *testing.T) {
	for _, name := range sample {
		t.Run(name, func(t *testing.T) {
			e := newTask(t, name, TargetV1)
			e.Seed(3)
			rng := rand.New(rand.NewPCG(1, 2))
			act := make([]float64, e.ActionSpace().Dim())
			nv := e.model.NV()
			jacp, jacr := make([]float64, 3*nv), make([]float64, 3*nv)
			obs := e.Reset()
			for step := 0; step < 40; step++ {
				checkObservation(t, e, obs, jacp, jacr)
				randomAction(rng, act)
				tr := e.Step(act)
				obs = tr.Obs
				if tr.Terminated {
					obs = e.Reset()
				}
			}
		})
	}
}

func checkObservation(t *testing.T, e *Env, obs []float64, jacp, jacr []float64) {
	t.Helper()
	if len(obs) != e.NumNodes()*NodeFeatures {
		t.Fatalf("observation length %d", len(obs))
	}
	d, m := e.data, e.model
	q, qv := d.Qpos(), d.Qvel()
	nv := m.NV()
	for n := 0; n < e.NumNodes(); n++ {
		o := obs[n*NodeFeatures : (n+1)*NodeFeatures]
		b := n + 1
		if dn := math.Hypot(o[6], o[7]); math.Abs(dn-1) > 1e-12 || o[8] != 0 {
			t.Fatalf("node %d: target direction %v not a horizontal unit vector", n, o[6:9])
		}
		if o[3] != 0 || o[4] != 0 || o[5] != -9.81 {
			t.Fatalf("node %d: gravity %v", n, o[3:6])
		}
		if math.Abs(o[FeatHeight]-d.Xpos()[3*b+2]) > 0 || (n == 0 && o[FeatHeight] != q[2]) {
			t.Fatalf("node %d: height %v", n, o[FeatHeight])
		}
		// velocities: an independent path through the body Jacobian
		if err := d.BodyJacobian(b, jacp, jacr); err != nil {
			t.Fatal(err)
		}
		for r := 0; r < 3; r++ {
			var v, w float64
			for c := 0; c < nv; c++ {
				v += jacp[r*nv+c] * qv[c]
				w += jacr[r*nv+c] * qv[c]
			}
			v = math.Max(-10, math.Min(10, v))
			if math.Abs(o[FeatLinVel+r]-v) > 1e-9 || math.Abs(o[FeatAngVel+r]-w) > 1e-9 {
				t.Fatalf("node %d: velocity (%v, %v), jacobian gives (%v, %v)", n, o[FeatLinVel+r], o[FeatAngVel+r], v, w)
			}
		}
		types := o[FeatLimbType : FeatLimbType+4]
		if n == 0 {
			for i := 0; i < 3; i++ {
				if o[i] != 0 {
					t.Fatalf("torso relative position %v", o[0:3])
				}
			}
			for i := FeatAxes; i < FeatNormAngles; i++ {
				if o[i] != 0 {
					t.Fatalf("torso axes/angles not zero: %v", o[FeatAxes:FeatNormAngles])
				}
			}
			for i := FeatNormAngles; i < FeatLimbType; i++ {
				if o[i] != 0.5 {
					t.Fatalf("torso normalised angles %v", o[FeatNormAngles:FeatLimbType])
				}
			}
			if !slices.Equal(types, []float64{1, 0, 0, 0}) {
				t.Fatalf("torso type %v", types)
			}
			continue
		}
		name := m.BodyName(b)
		sum := types[0] + types[1] + types[2] + types[3]
		if want := strings.Contains(name, "thigh") || strings.Contains(name, "shin") || strings.Contains(name, "foot"); (sum == 1) != want {
			t.Fatalf("%s: limb type %v", name, types)
		}
		for k := 0; k < 3; k++ {
			ax := o[FeatAxes+3*k : FeatAxes+3*k+3]
			if l := math.Sqrt(ax[0]*ax[0] + ax[1]*ax[1] + ax[2]*ax[2]); math.Abs(l-1) > 1e-12 {
				t.Fatalf("%s hinge %d: axis length %v", name, k, l)
			}
			j := m.JointID(morph.JointName(name, k))
			angle := q[m.JointQposAdr(j)]
			if o[FeatAngles+k] != angle {
				t.Fatalf("%s hinge %d: angle %v, qpos %v", name, k, o[FeatAngles+k], angle)
			}
			r := m.JointRange(j)
			norm, lo, hi := o[FeatNormAngles+3*k], o[FeatNormAngles+3*k+1], o[FeatNormAngles+3*k+2]
			if !(0 <= lo && lo < hi && hi <= 1) {
				t.Fatalf("%s hinge %d: normalised limits %v %v", name, k, lo, hi)
			}
			inRange := angle >= r[0]+1e-9 && angle <= r[1]-1e-9
			if inRange && !(norm >= 0 && norm <= 1) {
				t.Fatalf("%s hinge %d: angle %v in range %v but normalised %v", name, k, angle, r, norm)
			}
			if want := (angle - r[0]) / (r[1] - r[0]); math.Abs(norm-want) > 1e-12 {
				t.Fatalf("%s hinge %d: normalised %v, want %v", name, k, norm, want)
			}
		}
	}
}

// The reward of a scripted step equals a hand computation from the simulator's state
// before and after, reading the yaw from MuJoCo's rotation matrix.
func TestRewardByHand(t *testing.T) {
	for _, tc := range []struct {
		name           string
		heading, alive float64
	}{{"hopper-5-full", 0, 1}, {"walker-7-full", 1, 1}, {"humanoid-9-full", 1, 1}, {"cheetah-14-full", 1, 0}} {
		for _, target := range []Target{TargetV1, TargetV2} {
			e := newTask(t, tc.name, target)
			e.Seed(11)
			e.Reset()
			act := make([]float64, e.ActionSpace().Dim())
			for i := range act {
				act[i] = math.Sin(float64(i)) * 1.3 // some beyond [-1, 1]: clipped
			}
			cost := 0.0
			for n := 1; n < e.NumNodes(); n++ {
				for k := 0; k < 3; k++ {
					u := math.Max(-1, math.Min(1, act[3*n+k]))
					cost += u * u
				}
			}
			d := e.data
			torso := 1
			xmat := d.Xmat()[9*torso : 9*torso+9]
			yaw := math.Atan2(xmat[3], xmat[0])
			x0, y0 := d.Xpos()[3*torso], d.Xpos()[3*torso+1]
			goal := e.TargetPos()
			tr := e.Step(act)
			x1, y1 := d.Xpos()[3*torso], d.Xpos()[3*torso+1]
			dt := e.Dt()
			want := (math.Hypot(goal[0]-x0, goal[1]-y0)-math.Hypot(goal[0]-x1, goal[1]-y1))/dt +
				tc.heading*((x1-x0)*math.Cos(yaw)+(y1-y0)*math.Sin(yaw))/dt + tc.alive - 1e-3*cost
			if math.Abs(tr.Reward-want) > 1e-9 {
				t.Errorf("%s target %d: reward %v, hand computation %v", tc.name, target, tr.Reward, want)
			}
			if wantDt := map[string]float64{"hopper-5-full": 0.008, "walker-7-full": 0.008, "humanoid-9-full": 0.008, "cheetah-14-full": 0.04}[tc.name]; math.Abs(dt-wantDt) > 1e-15 {
				t.Errorf("%s: control step %v, want %v", tc.name, dt, wantDt)
			}
		}
	}
}

// With v2 targets, reaching a waypoint renews it 10-20 m from the torso; v1 targets are
// 1e4 m away.
func TestTargets(t *testing.T) {
	e := newTask(t, "walker-7-full", TargetV2)
	e.Seed(5)
	e.Reset()
	if l := math.Hypot(e.goal[0], e.goal[1]); l < 10 || l > 20.1 {
		t.Errorf("v2 target at %v m", l)
	}
	q := append([]float64(nil), e.data.Qpos()...)
	q[0] += 5 // away from the origin: the paper's code renews only targets more than 1 m from it
	setState(t, e, q, e.data.Qvel(), [2]float64{q[0] + 0.1, q[1]})
	e.Step(make([]float64, e.ActionSpace().Dim()))
	q = e.data.Qpos()
	if l := math.Hypot(e.goal[0]-q[0], e.goal[1]-q[1]); l < 10 || l > 20 {
		t.Errorf("renewed waypoint %v m from the torso", l)
	}
	o := e.Obs()
	dx, dy := e.goal[0]-q[0], e.goal[1]-q[1]
	l := math.Hypot(dx, dy)
	if math.Abs(o[6]-dx/l) > 1e-12 || math.Abs(o[7]-dy/l) > 1e-12 {
		t.Error("observation does not point at the renewed waypoint")
	}
	f := newTask(t, "walker-7-full", TargetV1)
	f.Reset()
	if l := math.Hypot(f.goal[0], f.goal[1]); math.Abs(l-1e4) > 1e-6 {
		t.Errorf("v1 target at %v m", l)
	}
}

// setState puts the simulator in a given state and refreshes the observation.
func setState(t *testing.T, e *Env, qpos, qvel []float64, goal [2]float64) []float64 {
	t.Helper()
	if err := e.data.SetQpos(qpos); err != nil {
		t.Fatal(err)
	}
	if err := e.data.SetQvel(qvel); err != nil {
		t.Fatal(err)
	}
	e.goal = goal
	if err := e.data.Kinematics(); err != nil {
		t.Fatal(err)
	}
	e.observe()
	return e.obs
}

func TestTerminations(t *testing.T) {
	zero := func(e *Env) []float64 { return make([]float64, e.ActionSpace().Dim()) }
	type mod func(q, v []float64)
	cases := []struct {
		name string
		mod  mod
		want bool
	}{
		{"hopper-5-full", func(q, v []float64) {}, false},
		{"hopper-5-full", func(q, v []float64) { q[2] = 0.9 }, true},                           // too low
		{"hopper-5-full", func(q, v []float64) { setQuat(q, 1.2, 1, 0, 0) }, true},             // tilted
		{"hopper-5-full", func(q, v []float64) { v[7] = 150 }, true},                           // joint speed
		{"walker-7-full", func(q, v []float64) {}, false},                                      // healthy
		{"walker-7-full", func(q, v []float64) { setQuat(q, 1.2, 0, 1, 0) }, true},             // pitch
		{"walker-7-full", func(q, v []float64) { setQuat(q, 1.2, 1, 0, 0) }, true},             // roll
		{"walker-7-full", func(q, v []float64) { setQuat(q, 3, 0, 0, 1) }, false},              // any yaw is fine
		{"walker-7-full", func(q, v []float64) { q[2] = 2.2 }, true},                           // too high
		{"humanoid-9-full", func(q, v []float64) { q[2] = 0.8 }, true},                         // too low
		{"humanoid-9-full", func(q, v []float64) {}, false},                                    // healthy
		{"cheetah-14-full", func(q, v []float64) { v[0] = 2 }, false},                          // moving
		{"cheetah-14-full", func(q, v []float64) { clear(v) }, true},                           // at rest: sum qvel^2 < 1
		{"cheetah-14-full", func(q, v []float64) { v[0] = 2; setQuat(q, 1.4, 1, 0, 0) }, true}, // rolled over
		{"cheetah-14-full", func(q, v []float64) { v[0] = 2; q[2] = 0.2 }, true},               // too low
		{"walker-2-right-leg-left-knee", func(q, v []float64) { q[2] = 1.7 }, false},           // within (0.54, 1.74)
		{"walker-2-right-leg-left-knee", func(q, v []float64) { q[2] = 1.8 }, true},            // above 1.74
	}
	for i, c := range cases {
		e := newTask(t, c.name, TargetV1)
		e.Seed(uint64(i))
		e.Reset()
		q := append([]float64(nil), e.data.Qpos()...)
		v := append([]float64(nil), e.data.Qvel()...)
		setQuat(q, 0, 0, 0, 1)
		c.mod(q, v)
		setState(t, e, q, v, e.goal)
		if got := !e.healthy(); got != c.want {
			t.Errorf("case %d (%s): unhealthy %v, want %v", i, c.name, got, c.want)
		}
		// Over one control step (8 ms) these states stay on the same side of the rules;
		// the cheetah's 40 ms step with stiff springs does not, so it is checked above only.
		if e.Family() != morph.Cheetah {
			if tr := e.Step(zero(e)); tr.Terminated != c.want {
				t.Errorf("case %d (%s): terminated %v, want %v", i, c.name, tr.Terminated, c.want)
			}
		}
	}
	// Falling down ends an episode; the time limit truncates one that does not end.
	for _, name := range []string{"hopper-3-shin", "humanoid-9-full"} {
		e := newTask(t, name, TargetV1)
		e.Reset()
		ended := false
		for s := 0; s < 1000 && !ended; s++ {
			ended = e.Step(zero(e)).Terminated
		}
		if !ended {
			t.Errorf("%s with zero torques never terminated", name)
		}
	}
	tl, err := env.Make("sgrl/cheetah-14", env.Options{"max_episode_steps": "3"})
	if err != nil {
		t.Fatal(err)
	}
	tl.Reset()
	act := make([]float64, tl.ActionSpace().Dim())
	var tr env.Transition
	for s := 0; s < 3; s++ {
		act[3*2+1] = float64(1 - 2*(s%2))
		tr = tl.Step(act)
	}
	if !tr.Truncated {
		t.Error("time limit did not truncate")
	}
}

// setQuat writes the rotation by angle about axis (x, y, z) into the free joint.
func setQuat(q []float64, angle, x, y, z float64) {
	n := math.Sqrt(x*x + y*y + z*z)
	s := math.Sin(angle/2) / n
	q[3], q[4], q[5], q[6] = math.Cos(angle/2), s*x, s*y, s*z
}

// Rotating the start state and the target about the gravity axis rotates the vector
// channels of the observation and leaves the scalars and the reward unchanged.
func TestRotationAboutGravity(t *testing.T) {
	for _, name := range sample {
		a, b := newTask(t, name, TargetV2), newTask(t, name, TargetV2)
		a.Seed(9)
		a.Reset()
		obsA := append([]float64(nil), a.Obs()...)
		q := append([]float64(nil), a.data.Qpos()...)
		v := append([]float64(nil), a.data.Qvel()...)
		const phi = 1.234
		c, s := math.Cos(phi), math.Sin(phi)
		rot := func(x, y float64) (float64, float64) { return c*x - s*y, s*x + c*y }
		qb := append([]float64(nil), q...)
		vb := append([]float64(nil), v...)
		qb[0], qb[1] = rot(q[0], q[1])
		// q_b = (cos phi/2, 0, 0, sin phi/2) * q_a
		w1, z1 := math.Cos(phi/2), math.Sin(phi/2)
		w2, x2, y2, z2 := q[3], q[4], q[5], q[6]
		qb[3], qb[4], qb[5], qb[6] = w1*w2-z1*z2, w1*x2-z1*y2, w1*y2+z1*x2, w1*z2+z1*w2
		vb[0], vb[1] = rot(v[0], v[1]) // linear velocity is in the world frame; angular in the body frame
		gx, gy := rot(a.goal[0], a.goal[1])
		obsB := setState(t, b, qb, vb, [2]float64{gx, gy})
		for n := 0; n < a.NumNodes(); n++ {
			oa, ob := obsA[n*NodeFeatures:(n+1)*NodeFeatures], obsB[n*NodeFeatures:(n+1)*NodeFeatures]
			for k := 0; k < VectorFeatures/3; k++ {
				x, y := rot(oa[3*k], oa[3*k+1])
				if k == FeatLinVel/3 && (math.Abs(oa[3*k]) >= 10 || math.Abs(oa[3*k+1]) >= 10) {
					continue // clipping per component is not rotation-equivariant
				}
				if math.Abs(ob[3*k]-x) > 1e-9 || math.Abs(ob[3*k+1]-y) > 1e-9 || math.Abs(ob[3*k+2]-oa[3*k+2]) > 1e-9 {
					t.Fatalf("%s node %d vector %d: %v rotated is (%v, %v, %v), got %v", name, n, k, oa[3*k:3*k+3], x, y, oa[3*k+2], ob[3*k:3*k+3])
				}
			}
			for i := VectorFeatures; i < NodeFeatures; i++ {
				if math.Abs(ob[i]-oa[i]) > 1e-9 {
					t.Fatalf("%s node %d scalar %d: %v vs %v", name, n, i, ob[i], oa[i])
				}
			}
		}
		act := make([]float64, a.ActionSpace().Dim())
		randomAction(rand.New(rand.NewPCG(4, 4)), act)
		ra, rb := a.Step(act).Reward, b.Step(act).Reward
		if math.Abs(ra-rb) > 1e-9 {
			t.Errorf("%s: reward %v, rotated %v", name, ra, rb)
		}
	}
}

func runTrajectory(e env.Env, seed uint64, steps int) ([]float64, []float64) {
	e.Seed(seed)
	rng := rand.New(rand.NewPCG(seed, 99))
	act := make([]float64, e.ActionSpace().Dim())
	var obs, rew []float64
	o := e.Reset()
	for s := 0; s < steps; s++ {
		obs = append(obs, o...)
		randomAction(rng, act)
		tr := e.Step(act)
		rew = append(rew, tr.Reward)
		o = tr.Obs
		if tr.Done() {
			o = e.Reset()
		}
	}
	return obs, rew
}

func TestSameSeedSameTrajectory(t *testing.T) {
	for _, id := range []string{"sgrl/hopper-4-lower-shin", "sgrl/cheetah-11-leftfleg", "sgrl/walker++"} {
		a, err := env.Make(id, nil)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := env.Make(id, nil)
		oa, ra := runTrajectory(a, 7, 300)
		ob, rb := runTrajectory(b, 7, 300)
		if !slices.Equal(oa, ob) || !slices.Equal(ra, rb) {
			t.Errorf("%s: same seed gave different trajectories", id)
		}
		oc, _ := runTrajectory(b, 8, 300)
		if slices.Equal(oa, oc) {
			t.Errorf("%s: different seeds gave the same trajectory", id)
		}
	}
}

// Environments forked from one compiled model step safely in parallel and give the same
// trajectories as run one after another (run with -race).
func TestForksInParallel(t *testing.T) {
	base := newTask(t, "walker-5-foot", TargetV1)
	const workers = 4
	forks := make([]*Env, workers)
	for i := range forks {
		f, err := base.Fork()
		if err != nil {
			t.Fatal(err)
		}
		forks[i] = f
	}
	serial := make([][]float64, workers)
	for i, f := range forks {
		serial[i], _ = runTrajectory(f, uint64(i), 60)
	}
	par := make([][]float64, workers)
	var wg sync.WaitGroup
	for i, f := range forks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			par[i], _ = runTrajectory(f, uint64(i), 60)
		}()
	}
	wg.Wait()
	for i := range forks {
		if !slices.Equal(serial[i], par[i]) {
			t.Errorf("fork %d: parallel trajectory differs", i)
		}
		if err := forks[i].Close(); err != nil {
			t.Error(err)
		}
	}
	f, err := base.Fork()
	if err != nil {
		t.Fatalf("fork after closing siblings: %v", err)
	}
	if err := f.Close(); err != nil {
		t.Error(err)
	}
}

func TestSnapshotResumesExactly(t *testing.T) {
	for _, id := range []string{"sgrl/humanoid-8-left-knee", "sgrl/cheetah-13-tail", "sgrl/hopper++"} {
		a, err := env.Make(id, env.Options{"target": "v2"})
		if err != nil {
			t.Fatal(err)
		}
		a.Seed(3)
		a.Reset()
		rng := rand.New(rand.NewPCG(1, 1))
		act := make([]float64, a.ActionSpace().Dim())
		for s := 0; s < 30; s++ {
			randomAction(rng, act)
			if a.Step(act).Done() {
				a.Reset()
			}
		}
		snap, err := env.SnapshotOf(a)
		if err != nil {
			t.Fatal(err)
		}
		cont := func(e env.Env, rng *rand.Rand) []float64 {
			var out []float64
			for s := 0; s < 40; s++ {
				randomAction(rng, act)
				tr := e.Step(act)
				out = append(append(out, tr.Obs...), tr.Reward)
				if tr.Done() {
					out = append(out, e.Reset()...)
				}
			}
			sum := make([]float64, NumRewardTerms) // the reward terms travel in the snapshot too
			n, _ := env.As[interface{ RecentEpisodeTerms([]float64) int }](e)
			return append(append(out, sum...), float64(n.RecentEpisodeTerms(sum)))
		}
		want := cont(a, rand.New(rand.NewPCG(2, 2)))
		b, _ := env.Make(id, env.Options{"target": "v2"})
		if err := env.RestoreOf(b, snap); err != nil {
			t.Fatal(err)
		}
		if got := cont(b, rand.New(rand.NewPCG(2, 2))); !slices.Equal(got, want) {
			t.Errorf("%s: restored run differs", id)
		}
		other, _ := env.Make("sgrl/walker-7", nil)
		if err := env.RestoreOf(other, snap); err == nil {
			t.Errorf("%s: snapshot restored into a different model", id)
		}
	}
}

func TestModelFileErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.xml")
	os.WriteFile(bad, []byte(`<mujoco><worldbody><body name="torso"><joint type="free"/><geom size="x"/></body></worldbody></mujoco>`), 0o644)
	_, err := env.Make("sgrl/custom", env.Options{"model": bad, "family": "walker"})
	if err == nil || !strings.Contains(err.Error(), "bad.xml") || !strings.Contains(err.Error(), "size") {
		t.Errorf("malformed model: %v", err)
	}
	t.Log(err)
	_, err = env.Make("sgrl/custom", env.Options{"model": filepath.Join(dir, "none.xml"), "family": "walker"})
	if err == nil || !strings.Contains(err.Error(), "none.xml") {
		t.Errorf("missing model: %v", err)
	}
	t.Log(err)
	noConv := filepath.Join(dir, "noconv.xml")
	os.WriteFile(noConv, []byte(`<mujoco><worldbody><body name="torso"><joint type="free"/><geom size=".1"/>
	  <body name="leg"><joint name="knee" type="hinge" range="-1 1" limited="true"/><geom size=".1"/></body></body></worldbody></mujoco>`), 0o644)
	_, err = env.Make("sgrl/custom", env.Options{"model": noConv, "family": "walker"})
	if err == nil || !strings.Contains(err.Error(), "leg_joint_x") {
		t.Errorf("model without the joint conventions: %v", err)
	}
	t.Log(err)
	for _, opts := range []env.Options{{"model": bad}, {"family": "walker"}, {"model": bad, "family": "snake"}} {
		if _, err := env.Make("sgrl/custom", opts); err == nil {
			t.Errorf("options %v accepted", opts)
		}
	}
}

// A user's copy of a paper model gives the same task as the built-in morphology.
func TestCustomReferenceFileMatchesBuiltin(t *testing.T) {
	ref := referenceDir(t)
	for _, name := range []string{"hopper-4-lower-shin", "walker-5-left-knee", "humanoid-7-right-leg", "cheetah-12-tail-leftbfoot"} {
		fam := strings.SplitN(name, "-", 2)[0]
		a, err := env.Make("sgrl/custom", env.Options{"model": filepath.Join(ref, morph.ReferenceFile(name)), "family": fam})
		if err != nil {
			t.Fatal(err)
		}
		b, err := env.Make("sgrl/"+name, nil)
		if err != nil {
			t.Fatal(err)
		}
		oa, ra := runTrajectory(a, 1, 50)
		ob, rb := runTrajectory(b, 1, 50)
		diff := 0.0
		for i := range oa {
			diff = max(diff, math.Abs(oa[i]-ob[i]))
		}
		for i := range ra {
			diff = max(diff, math.Abs(ra[i]-rb[i])/max(1, math.Abs(ra[i])))
		}
		if diff > 1e-6 {
			t.Errorf("%s: reference file and built-in differ by %.3g", name, diff)
		}
	}
}

func referenceDir(t *testing.T) string {
	dir, _ := os.Getwd()
	for {
		p := filepath.Join(dir, "shared", "reference", "sgrl", "environments")
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			return p
		}
		if filepath.Dir(dir) == dir {
			t.Skip("reference models not found")
		}
		dir = filepath.Dir(dir)
	}
}

func TestMultiTask(t *testing.T) {
	e, err := env.Make("sgrl/walker++", nil)
	if err != nil {
		t.Fatal(err)
	}
	m, ok := env.As[*Multi](e)
	if !ok {
		t.Fatalf("walker++ is %T", e)
	}
	if m.MaxNodes() != 7 || e.ObservationSpace().Dim() != 7*41 || e.ActionSpace().Dim() != 21 {
		t.Errorf("padded sizes %d %d", e.ObservationSpace().Dim(), e.ActionSpace().Dim())
	}
	e.Seed(1)
	seen := map[int]bool{}
	for k := 0; k < 40; k++ {
		o := e.Reset()
		n := m.NumNodes()
		seen[n] = true
		if m.Graph().N() != n {
			t.Fatal("graph does not match the current member")
		}
		for _, v := range o[n*NodeFeatures:] {
			if v != 0 {
				t.Fatal("padding is not zero")
			}
		}
		tr := e.Step(make([]float64, 21))
		if len(tr.Obs) != 7*41 {
			t.Fatal("step observation not padded")
		}
	}
	if len(seen) < 4 {
		t.Errorf("only node counts %v drawn in 40 episodes", seen)
	}
	pos, quat := make([]float64, 3*7), make([]float64, 4*7)
	m.BodyPoses(pos, quat)
	one, err := env.Make("sgrl/walker++", env.Options{"member": "4"})
	if err != nil {
		t.Fatal(err)
	}
	if s, _ := env.As[*Env](one); s.Name() != "walker-5-left-knee" {
		t.Errorf("member 4 is %s", s.Name())
	}
	byName, err := env.Make("sgrl/cwhh++", env.Options{"member": "hopper-3-shin"})
	if err != nil {
		t.Fatal(err)
	}
	if byName.ObservationSpace().Dim() != 3*41 {
		t.Error("member by name")
	}
	if _, err := env.Make("sgrl/walker++", env.Options{"member": "9"}); err == nil {
		t.Error("bad member accepted")
	}
}

func TestBodyPosesAndGraph(t *testing.T) {
	e := newTask(t, "cheetah-14-full", TargetV1)
	e.Reset()
	e.Step(make([]float64, e.ActionSpace().Dim()))
	n := e.NumBodies()
	pos, quat := make([]float64, 3*n), make([]float64, 4*n)
	e.BodyPoses(pos, quat)
	obs := e.Obs()
	for i := 0; i < n; i++ {
		if pos[3*i+2] != obs[i*NodeFeatures+FeatHeight] || math.Abs(pos[3*i]-pos[0]-obs[i*NodeFeatures]) > 1e-12 {
			t.Fatalf("body %d pose disagrees with the observation", i)
		}
		qn := math.Sqrt(quat[4*i]*quat[4*i] + quat[4*i+1]*quat[4*i+1] + quat[4*i+2]*quat[4*i+2] + quat[4*i+3]*quat[4*i+3])
		if math.Abs(qn-1) > 1e-9 {
			t.Fatalf("body %d quaternion norm %v", i, qn)
		}
	}
	mo, _ := morph.Builtin("cheetah-14-full")
	g, want := e.Graph(), mo.Graph()
	if !slices.Equal(g.Parent, want.Parent) || !slices.Equal(g.Names, want.Names) || !slices.Equal(g.InOrder, want.InOrder) {
		t.Error("environment graph differs from the morphology's")
	}
	var _ morph.Morphological = e
	var _ morph.Morphological = (*Multi)(nil)
	if g, ok := env.As[morph.Morphological](env.NewTimeLimit(e, 10)); !ok || g.NumNodes() != 14 {
		t.Error("Morphological not found through a wrapper")
	}
	var _ env.BodyPoser = e
	var _ env.Snapshotter = e
	var _ env.BodyPoser = (*Multi)(nil)
	var _ env.Snapshotter = (*Multi)(nil)
}

func TestRandomMorphologyEnv(t *testing.T) {
	for _, fam := range []string{"hopper", "walker", "humanoid", "cheetah"} {
		e, err := env.Make("sgrl/random", env.Options{"family": fam, "morph_seed": "3"})
		if err != nil {
			t.Fatal(err)
		}
		runTrajectory(e, 1, 20)
	}
	// Many random morphologies compile and simulate; their first observation is healthy.
	for _, fam := range morph.Families() {
		for seed := uint64(0); seed < 10; seed++ {
			mo, err := morph.Random(env.NewRand(seed, 5), morph.RandomOptions{Family: fam})
			if err != nil {
				t.Fatal(err)
			}
			e, err := New(Config{Morphology: mo})
			if err != nil {
				t.Fatalf("%s: %v", mo.Name, err)
			}
			e.Seed(seed)
			e.Reset()
			if fam != morph.Cheetah && !e.healthy() {
				t.Errorf("%s starts unhealthy (torso at %v, range %v-%v)", mo.Name, e.data.Qpos()[2], e.minZ, e.maxZ)
			}
			for s := 0; s < 5; s++ {
				e.Step(make([]float64, e.ActionSpace().Dim()))
			}
			if e.Err() != nil {
				t.Errorf("%s: %v", mo.Name, e.Err())
			}
			e.Close()
		}
	}
	if _, err := env.Make("sgrl/random", env.Options{"family": "fish"}); err == nil {
		t.Error("unknown family accepted")
	}
}

// Bad actions neither panic nor poison the state: missing values count as zero, NaN as
// zero and out-of-range values are clipped.
func TestBadActions(t *testing.T) {
	e := newTask(t, "walker-7-full", TargetV1)
	e.Seed(1)
	e.Reset()
	for _, act := range [][]float64{nil, {1, 2}, make([]float64, 100)} {
		if tr := e.Step(act); math.IsNaN(tr.Reward) {
			t.Errorf("action of length %d: reward NaN", len(act))
		}
	}
	nan := make([]float64, e.ActionSpace().Dim())
	for i := range nan {
		nan[i] = math.NaN()
	}
	a := e.Step(nan)
	e2 := newTask(t, "walker-7-full", TargetV1)
	e2.Seed(1)
	e2.Reset()
	e2.Step(nil)
	e2.Step([]float64{1, 2})
	e2.Step(make([]float64, 100))
	b := e2.Step(make([]float64, e.ActionSpace().Dim()))
	if !slices.Equal(a.Obs, b.Obs) || a.Reward != b.Reward {
		t.Error("NaN actions do not act as zeros")
	}
	big := make([]float64, e.ActionSpace().Dim())
	for i := range big {
		big[i] = 50
	}
	ra := e.Step(big).Reward
	for i := range big {
		big[i] = 1
	}
	rb := e2.Step(big).Reward
	if ra != rb {
		t.Errorf("actions of 50 and 1 give rewards %v and %v; want clipping", ra, rb)
	}
}

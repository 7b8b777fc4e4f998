package physics3d

import "testing"

// Any document compiles to a model that passes the sanity checks, or fails with an
// error; MuJoCo's parser never takes the process down.
func FuzzLoadXML(f *testing.F) {
	f.Add(`<mujoco><option timestep="0.002"/><worldbody><body name="torso" pos="0 0 1">
<joint name="hinge" type="hinge" limited="true" range="-1 1"/>
<geom name="g" type="capsule" fromto="0 0 0 0 0 1" size="0.05"/></body></worldbody>
<actuator><motor name="m" joint="hinge" gear="200"/></actuator></mujoco>`)
	f.Add(`<mujoco><worldbody><geom type="plane" size="1 1 .1"/><body><freejoint/><geom type="sphere" size=".1"/></body></worldbody></mujoco>`)
	f.Add(`<mujoco><worldbody><body pos="nan 0 1"><geom size=".1"/></body></worldbody></mujoco>`)
	f.Fuzz(func(t *testing.T, doc string) {
		m, err := LoadXML(doc)
		if err != nil {
			return
		}
		defer m.Close()
		if err := m.check(); err != nil {
			t.Fatalf("a loaded model fails its checks: %v", err)
		}
	})
}

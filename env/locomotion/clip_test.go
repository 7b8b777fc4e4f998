package locomotion

import (
	"math"
	"testing"
)

// sgrl.md: each node's linear velocity is clipped to ±10 per component. A body translating
// at (40, −25, 3) m/s shows (10, −10, 3) at every node; the unclipped component passes as is.
func TestLinearVelocityClip(t *testing.T) {
	e := newTask(t, "hopper-3-shin", TargetV1)
	e.Seed(1)
	e.Reset()
	qpos := append([]float64(nil), e.data.Qpos()...)
	qvel := make([]float64, len(e.data.Qvel()))
	qvel[0], qvel[1], qvel[2] = 40, -25, 3 // the free joint's linear velocity; no rotation
	obs := setState(t, e, qpos, qvel, [2]float64{100, 0})
	for n := range e.NumNodes() {
		v := obs[n*NodeFeatures+FeatLinVel : n*NodeFeatures+FeatLinVel+3]
		if v[0] != velocityClip || v[1] != -velocityClip || math.Abs(v[2]-3) > 1e-9 {
			t.Errorf("node %d: linear velocity %v, want [10 -10 3]", n, v)
		}
		if w := obs[n*NodeFeatures+FeatAngVel : n*NodeFeatures+FeatAngVel+3]; math.Abs(w[0])+math.Abs(w[1])+math.Abs(w[2]) > 1e-9 {
			t.Errorf("node %d: angular velocity %v of a translating body", n, w)
		}
	}
}

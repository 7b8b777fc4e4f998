package classic

import (
	"math"
	"testing"

	"gorl/env"
)

// Hand-computed first steps of each environment's published equations. Where the state
// makes sin and cos trivial the expected values are exact fractions.

func near(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.Abs(got-want) > tol {
		t.Errorf("%s = %.17g, want %.17g (±%g)", what, got, want, tol)
	}
}

func TestCartPoleEulerFromRest(t *testing.T) {
	c := NewCartPole()
	c.State = [4]float64{}
	// Step 1, push right (F = 10) from rest, θ = 0 so sin θ = 0, cos θ = 1:
	//   temp = 10 / 1.1 = 100/11
	//   θ̈ = (0 − 100/11) / (0.5·(4/3 − 0.1/1.1)) = −(100/11) / (41/66) = −600/41
	//   ẍ = 100/11 − 0.05·(−600/41)/1.1 = 100/11 + 300/451 = 400/41
	// Explicit Euler moves positions with the old velocities (0), so
	//   x = 0, ẋ = 0.02·400/41 = 8/41, θ = 0, θ̇ = −0.02·600/41 = −12/41.
	tr := c.Step([]float64{1})
	want := [4]float64{0, 8.0 / 41, 0, -12.0 / 41}
	for i := range want {
		near(t, "step 1 state", tr.Obs[i], want[i], 1e-15)
	}
	if tr.Reward != 1 || tr.Terminated || tr.Truncated {
		t.Fatalf("step 1: %+v", tr)
	}
	// Step 2, push left (F = −10); θ is still 0, so the θ̇² term vanishes:
	//   temp = −100/11, θ̈ = +600/41, ẍ = −400/41
	//   x = 0 + 0.02·8/41 = 0.16/41, ẋ = 8/41 − 8/41 = 0,
	//   θ = 0 + 0.02·(−12/41) = −0.24/41, θ̇ = −12/41 + 12/41 = 0.
	tr = c.Step([]float64{0})
	want = [4]float64{0.16 / 41, 0, -0.24 / 41, 0}
	for i := range want {
		near(t, "step 2 state", tr.Obs[i], want[i], 1e-15)
	}
}

func TestCartPoleTiltedStep(t *testing.T) {
	c := NewCartPole()
	c.State = [4]float64{0.1, 0.5, math.Pi / 6, 1}
	// θ = 30°: sin θ = 1/2, cos θ = √3/2 ≈ 0.8660254; push right:
	//   temp = (10 + 0.05·1²·0.5) / 1.1 = 10.025/1.1 ≈ 9.1136364
	//   den  = 0.5·(4/3 − 0.1·(3/4)/1.1) ≈ 0.5·1.2651515 ≈ 0.6325758
	//   θ̈   = (9.8·0.5 − 0.8660254·9.1136364) / 0.6325758 ≈ (4.9 − 7.8926384)/0.6325758 ≈ −4.7308810
	//   ẍ   = 9.1136364 − 0.05·(−4.7308810)·0.8660254/1.1 ≈ 9.1136364 + 0.1862301 ≈ 9.2998665
	//   x = 0.1 + 0.02·0.5 = 0.11, ẋ = 0.5 + 0.02·9.2998665 ≈ 0.6859973,
	//   θ = π/6 + 0.02·1, θ̇ = 1 + 0.02·(−4.7308810) ≈ 0.9053824.
	tr := c.Step([]float64{1})
	near(t, "x", tr.Obs[0], 0.11, 1e-15)
	near(t, "ẋ", tr.Obs[1], 0.6859973, 1e-7)
	near(t, "θ", tr.Obs[2], math.Pi/6+0.02, 1e-15)
	near(t, "θ̇", tr.Obs[3], 0.9053824, 1e-7)
	// θ ≈ 0.544 > 12° ≈ 0.2094: the episode terminates; the terminating step still pays 1.
	if !tr.Terminated || tr.Truncated || tr.Reward != 1 {
		t.Fatalf("tilted step: terminated %v truncated %v reward %v, want true false 1", tr.Terminated, tr.Truncated, tr.Reward)
	}
	// Steps after termination pay 0 (Gymnasium's steps_beyond_terminated); Reset clears it.
	if tr := c.Step([]float64{1}); !tr.Terminated || tr.Reward != 0 {
		t.Fatalf("step after termination: %+v, want terminated with reward 0", tr)
	}
	c.Reset()
	if tr := c.Step([]float64{1}); tr.Terminated || tr.Reward != 1 {
		t.Fatalf("first step after Reset: %+v", tr)
	}
}

func TestCartPoleTermination(t *testing.T) {
	cases := []struct {
		state [4]float64
		term  bool
	}{
		{[4]float64{2.39, 1, 0, 0}, true},     // x = 2.41 > 2.4
		{[4]float64{-2.39, -1, 0, 0}, true},   // x = −2.41 < −2.4
		{[4]float64{2.37, 1, 0, 0}, false},    // x = 2.39
		{[4]float64{0, 0, 0.2, 0.5}, true},    // θ = 0.21 > 12° ≈ 0.20944
		{[4]float64{0, 0, -0.2, -0.5}, true},  // θ = −0.21
		{[4]float64{0, 0, 0.2, 0.4}, false},   // θ = 0.208
		{[4]float64{0, 0, -0.2, -0.4}, false}, // θ = −0.208
	}
	for _, tc := range cases {
		c := NewCartPole()
		c.State = tc.state
		if tr := c.Step([]float64{0}); tr.Terminated != tc.term || tr.Truncated {
			t.Errorf("from %v: terminated %v truncated %v, want %v false (state after %v)", tc.state, tr.Terminated, tr.Truncated, tc.term, tr.Obs)
		}
	}
	near(t, "θ threshold", cartPoleThetaThreshold, 12*math.Pi/180, 1e-16)
}

// TestTimeLimits checks each id's registered limit and that env.Make truncates there:
// the physics is held at a non-terminal state so only the limit can end the episode.
func TestTimeLimits(t *testing.T) {
	limits := map[string]int{"CartPole-v1": 500, "Acrobot-v1": 500, "Pendulum-v1": 200, "MountainCar-v0": 200, "MountainCarContinuous-v0": 999}
	for id, limit := range limits {
		spec, ok := env.Lookup(id)
		if !ok || spec.MaxEpisodeSteps != limit {
			t.Fatalf("%s: registered %v with limit %d, want %d", id, ok, spec.MaxEpisodeSteps, limit)
		}
		e, err := env.Make(id, nil)
		if err != nil {
			t.Fatal(err)
		}
		hold := holdAtRest(t, e)
		for episode := 0; episode < 2; episode++ {
			e.Reset()
			for step := 1; step <= limit; step++ {
				hold()
				tr := e.Step([]float64{1})
				if tr.Terminated || tr.Truncated != (step == limit) {
					t.Fatalf("%s episode %d step %d: terminated %v truncated %v", id, episode, step, tr.Terminated, tr.Truncated)
				}
			}
		}
	}
}

// holdAtRest returns a function that puts the physics of e (found through its wrappers
// with env.As) back in a non-terminal state.
func holdAtRest(t *testing.T, e env.Env) func() {
	if c, ok := env.As[*CartPole](e); ok {
		return func() { c.State = [4]float64{} }
	}
	if a, ok := env.As[*Acrobot](e); ok {
		return func() { a.State = [4]float64{} }
	}
	if p, ok := env.As[*Pendulum](e); ok {
		return func() { p.State = [2]float64{} }
	}
	if m, ok := env.As[*MountainCar](e); ok {
		return func() { m.State = [2]float64{-0.5, 0} }
	}
	if m, ok := env.As[*MountainCarContinuous](e); ok {
		return func() { m.State = [2]float64{-0.5, 0} }
	}
	t.Fatalf("no classic environment inside %T", e)
	return nil
}

func TestMaxEpisodeStepsOption(t *testing.T) {
	e, err := env.Make("CartPole-v1", env.Options{"max_episode_steps": "3"})
	if err != nil {
		t.Fatal(err)
	}
	hold := holdAtRest(t, e)
	e.Reset()
	for step := 1; step <= 3; step++ {
		hold()
		if tr := e.Step([]float64{0}); tr.Truncated != (step == 3) {
			t.Fatalf("step %d: truncated %v", step, tr.Truncated)
		}
	}
}

func TestAcrobotDerivatives(t *testing.T) {
	// Constants: m1 = m2 = l1 = 1, lc1 = lc2 = 0.5, I1 = I2 = 1, g = 9.8.
	//
	// At rest hanging down (θ1 = θ2 = 0), torque +1: cos θ2 = 1, sin θ2 = 0, and the
	// gravity terms are cos(−π/2) = 0:
	//   d1 = 0.25 + (1 + 0.25 + 1) + 2 = 4.5,  d2 = (0.25 + 0.5) + 1 = 1.75,  φ1 = φ2 = 0
	//   θ̈2 = 1 / (0.25 + 1 − 1.75²/4.5) = 1 / (41/72) = 72/41
	//   θ̈1 = −(1.75·72/41)/4.5 = −28/41
	d := acrobotDerivs([4]float64{0, 0, 0, 0}, 1)
	near(t, "rest θ̇1", d[0], 0, 0)
	near(t, "rest θ̇2", d[1], 0, 0)
	near(t, "rest θ̈1", d[2], -28.0/41, 1e-14)
	near(t, "rest θ̈2", d[3], 72.0/41, 1e-14)

	// First link horizontal (θ1 = π/2, θ2 = 0), no torque: cos(θ1 − π/2) = 1 and
	// cos(θ1 + θ2 − π/2) = 1:
	//   φ2 = 0.5·9.8 = 4.9,  φ1 = 1.5·9.8 + 4.9 = 19.6
	//   θ̈2 = ((7/18)·19.6 − 4.9) / (41/72) = (49/18)·(72/41) = 196/41
	//   θ̈1 = −(1.75·196/41 + 19.6)/4.5 = −1274/205
	d = acrobotDerivs([4]float64{math.Pi / 2, 0, 0, 0}, 0)
	near(t, "horizontal θ̈1", d[2], -1274.0/205, 1e-13)
	near(t, "horizontal θ̈2", d[3], 196.0/41, 1e-13)

	// θ1 = 0, θ2 = π/2 (second link horizontal), θ̇1 = 1, no torque: cos θ2 = 0,
	// sin θ2 = 1:
	//   d1 = 0.25 + 1.25 + 2 = 3.5,  d2 = 0.25 + 1 = 1.25,  φ2 = 4.9·cos 0 = 4.9
	//   φ1 = −0.5·0²·1 − 2·0.5·0·1·1 + 14.7·cos(−π/2) + 4.9 = 4.9
	//   θ̈2 = (1.25/3.5·4.9 − 0.5·1²·1 − 4.9) / (1.25 − 1.25²/3.5)
	//       = (1.75 − 0.5 − 4.9) / (45/56) = −3.65·56/45 = −1022/225
	//   θ̈1 = −(1.25·(−1022/225) + 4.9)/3.5 = 2/9
	// The −0.5·θ̇1²·sin θ2 term is what distinguishes the book dynamics from the NIPS
	// paper's (which would give θ̈2 = −3.92).
	d = acrobotDerivs([4]float64{0, math.Pi / 2, 1, 0}, 0)
	near(t, "θ̇1", d[0], 1, 0)
	near(t, "book θ̈1", d[2], 2.0/9, 1e-13)
	near(t, "book θ̈2", d[3], -1022.0/225, 1e-13)
}

func TestAcrobotStep(t *testing.T) {
	a := NewAcrobot()
	// Hanging at rest with no torque is an equilibrium: the state stays (to rounding)
	// and the observation is (cos 0, sin 0, cos 0, sin 0, 0, 0).
	a.State = [4]float64{}
	tr := a.Step([]float64{1})
	want := []float64{1, 0, 1, 0, 0, 0}
	for i := range want {
		near(t, "equilibrium obs", tr.Obs[i], want[i], 1e-13)
	}
	if tr.Reward != -1 || tr.Terminated {
		t.Fatalf("equilibrium step: %+v", tr)
	}
	// Torque +1 from rest accelerates θ1 backwards and θ2 forwards (θ̈1 = −28/41,
	// θ̈2 = 72/41 at rest); the exact RK4 step is checked in TestAcrobotMatchesReference.
	a.State = [4]float64{}
	tr = a.Step([]float64{2})
	if !(a.State[0] < 0 && a.State[1] > 0 && a.State[2] < 0 && a.State[3] > 0) {
		t.Fatalf("state after torque +1 from rest: %v", a.State)
	}
	// The observation is (cos θ1, sin θ1, cos θ2, sin θ2, θ̇1, θ̇2) of the new state.
	s := a.State
	want = []float64{math.Cos(s[0]), math.Sin(s[0]), math.Cos(s[1]), math.Sin(s[1]), s[2], s[3]}
	for i := range want {
		near(t, "obs", tr.Obs[i], want[i], 0)
	}
	// Upright (θ1 = π): −cos π − cos π = 2 > 1, so any step from there reaches the goal
	// with reward 0; at θ1 = π/2 the end is level with the bar (−0 − cos(π/2 + θ2)).
	a.State = [4]float64{math.Pi, 0, 0, 0}
	if tr := a.Step([]float64{1}); !tr.Terminated || tr.Reward != 0 {
		t.Fatalf("upright step: %+v, want terminated with reward 0", tr)
	}
	a.State = [4]float64{math.Pi / 2, 0, 0, 0}
	if tr := a.Step([]float64{1}); tr.Terminated || tr.Reward != -1 {
		t.Fatalf("horizontal step: %+v, want not terminated with reward −1", tr)
	}
}

func TestAcrobotWrapAndBounds(t *testing.T) {
	cases := [][2]float64{{0, 0}, {math.Pi, math.Pi}, {-math.Pi, -math.Pi}, {3.5, 3.5 - 2*math.Pi}, {-3.5, -3.5 + 2*math.Pi}, {7, 7 - 2*math.Pi}, {13, 13 - 4*math.Pi}}
	for _, c := range cases {
		near(t, "wrap", wrapAngle(c[0]), c[1], 1e-15)
	}
	if got := wrapAngle(1e300); !(got >= -math.Pi && got <= math.Pi) {
		t.Errorf("wrapAngle(1e300) = %v, want an angle in [−π, π]", got)
	}
	if got := wrapAngle(math.Inf(1)); !math.IsNaN(got) {
		t.Errorf("wrapAngle(+Inf) = %v, want NaN", got)
	}
	// Velocities beyond the bounds are clipped to 4π and 9π.
	a := NewAcrobot()
	a.State = [4]float64{0, 0, 20, -40}
	a.Step([]float64{1})
	if a.State[2] != 4*math.Pi || a.State[3] != -9*math.Pi {
		t.Fatalf("velocities %v, %v; want 4π, −9π", a.State[2], a.State[3])
	}
	for i := 0; i < 2; i++ {
		if a.State[i] < -math.Pi || a.State[i] > math.Pi {
			t.Fatalf("angle %d = %v outside [−π, π]", i, a.State[i])
		}
	}
}

func TestPendulumStep(t *testing.T) {
	p := NewPendulum(0)
	// Upright at rest, u = 2: cost = 0 + 0 + 0.001·4 = 0.004;
	//   θ̇ = 0 + (15·sin 0 + 3·2)·0.05 = 0.3,  θ = 0 + 0.3·0.05 = 0.015.
	p.State = [2]float64{0, 0}
	tr := p.Step([]float64{2})
	near(t, "reward", tr.Reward, -0.004, 1e-17)
	near(t, "θ̇", tr.Obs[2], 0.3, 1e-16)
	near(t, "cos θ", tr.Obs[0], math.Cos(0.015), 1e-16)
	near(t, "sin θ", tr.Obs[1], math.Sin(0.015), 1e-16)
	if tr.Terminated || tr.Truncated {
		t.Fatal("Pendulum never terminates by itself")
	}
	// Horizontal (θ = π/2), θ̇ = 1, u = −3 clipped to −2:
	//   cost = (π/2)² + 0.1·1 + 0.001·4 ≈ 2.4674011 + 0.104
	//   θ̇ = 1 + (15·1 − 3·2)·0.05 = 1.45,  θ = π/2 + 1.45·0.05 = π/2 + 0.0725.
	p.State = [2]float64{math.Pi / 2, 1}
	tr = p.Step([]float64{-3})
	near(t, "reward", tr.Reward, -(math.Pi*math.Pi/4 + 0.104), 1e-15)
	near(t, "θ̇", p.State[1], 1.45, 1e-15)
	near(t, "θ", p.State[0], math.Pi/2+0.0725, 1e-15)
	// Speed limit: θ̇ = 7.9 + (15 + 6)·0.05 = 8.95 is clipped to 8, and θ moves by 8·0.05.
	p.State = [2]float64{math.Pi / 2, 7.9}
	p.Step([]float64{2})
	near(t, "clipped θ̇", p.State[1], 8, 0)
	near(t, "θ", p.State[0], math.Pi/2+0.4, 1e-15)
}

func TestPendulumCostNormalisesAngle(t *testing.T) {
	// The cost uses the angle wrapped into [−π, π): 2π + 0.5 costs like 0.5, −3π/2 like
	// π/2 and π like −π.
	cases := []struct{ theta, cost float64 }{
		{2*math.Pi + 0.5, 0.25},
		{-2*math.Pi - 0.5, 0.25},
		{-3 * math.Pi / 2, math.Pi * math.Pi / 4},
		{math.Pi, math.Pi * math.Pi},
		{-0.3, 0.09},
	}
	for _, c := range cases {
		p := NewPendulum(0)
		p.State = [2]float64{c.theta, 0}
		near(t, "cost", -p.Step([]float64{0}).Reward, c.cost, 1e-14)
	}
	near(t, "normalize(π)", angleNormalize(math.Pi), -math.Pi, 0)
}

func TestPendulumGravityOption(t *testing.T) {
	e, err := env.Make("Pendulum-v1", env.Options{"g": "9.81"})
	if err != nil {
		t.Fatal(err)
	}
	p, _ := env.As[*Pendulum](e)
	p.State = [2]float64{math.Pi / 2, 0}
	e.Step([]float64{0})
	// θ̇ = (3·9.81/2·sin(π/2))·0.05 = 0.73575
	near(t, "θ̇ with g = 9.81", p.State[1], 0.73575, 1e-15)
	for _, bad := range []string{"-1", "0", "x", "NaN", "Inf"} {
		if _, err := env.Make("Pendulum-v1", env.Options{"g": bad}); err == nil {
			t.Errorf("g=%s accepted", bad)
		}
	}
}

func TestMountainCarStep(t *testing.T) {
	m := NewMountainCar()
	// At x = 0: cos 0 = 1, so v = (a − 1)·0.001 − 0.0025 and x = v.
	for a, wantV := range []float64{-0.0035, -0.0025, -0.0015} {
		m.State = [2]float64{0, 0}
		tr := m.Step([]float64{float64(a)})
		near(t, "v", tr.Obs[1], wantV, 1e-18)
		near(t, "x", tr.Obs[0], wantV, 1e-18)
		if tr.Reward != -1 || tr.Terminated {
			t.Fatalf("action %d: %+v", a, tr)
		}
	}
	// At x = −π/6 gravity vanishes (cos(−π/2) = 0): v stays 0.01 with no push.
	m.State = [2]float64{-math.Pi / 6, 0.01}
	m.Step([]float64{1})
	near(t, "v at the valley floor", m.State[1], 0.01, 1e-18)
	near(t, "x", m.State[0], -math.Pi/6+0.01, 1e-16)
	// At x = −π/3 gravity pushes right fully (cos(−π) = −1): 0.07 + 0.001 + 0.0025 is
	// clipped to the speed limit 0.07.
	m.State = [2]float64{-math.Pi / 3, 0.07}
	m.Step([]float64{2})
	near(t, "clipped v", m.State[1], 0.07, 0)
	near(t, "x", m.State[0], -math.Pi/3+0.07, 1e-16)
	// The left wall stops the car: x = −1.19 − 0.03 − … is clipped to −1.2 and v set to 0.
	m.State = [2]float64{-1.19, -0.03}
	m.Step([]float64{0})
	if m.State != [2]float64{-1.2, 0} {
		t.Fatalf("at the wall: %v, want (−1.2, 0)", m.State)
	}
}

func TestMountainCarGoal(t *testing.T) {
	cases := []struct {
		state [2]float64
		term  bool
	}{
		// v = 0.02 − 0.0025·cos(1.47) ≈ 0.019748, x ≈ 0.509748 ≥ 0.5
		{[2]float64{0.49, 0.02}, true},
		// x ≈ 0.489748 < 0.5
		{[2]float64{0.47, 0.02}, false},
		// x ≈ 0.54 ≥ 0.5 but moving left (v < 0): not the goal
		{[2]float64{0.55, -0.01}, false},
		// the right wall: x = 0.6 (clipped), v = 0.07 ≥ 0
		{[2]float64{0.59, 0.07}, true},
	}
	for _, c := range cases {
		m := NewMountainCar()
		m.State = c.state
		if tr := m.Step([]float64{1}); tr.Terminated != c.term || tr.Reward != -1 {
			t.Errorf("from %v: terminated %v reward %v, want %v −1 (state %v)", c.state, tr.Terminated, tr.Reward, c.term, m.State)
		}
	}
}

func TestMountainCarContinuousStep(t *testing.T) {
	m := NewMountainCarContinuous()
	// At x = 0 with force 0.5: v = 0.5·0.0015 − 0.0025 = −0.00175 (stored in float32),
	// x = −0.00175; reward −0.1·0.5² = −0.025.
	m.State = [2]float64{0, 0}
	tr := m.Step([]float64{0.5})
	near(t, "v", tr.Obs[1], float64(float32(-0.00175)), 0)
	near(t, "x", tr.Obs[0], float64(float32(-0.00175)), 0)
	near(t, "reward", tr.Reward, -0.025, 1e-17)
	// A force of 3 acts as 1 (v = 0.0015 − 0.0025 = −0.001) but is penalised as given:
	// −0.1·3² = −0.9.
	m.State = [2]float64{0, 0}
	tr = m.Step([]float64{3})
	near(t, "v", tr.Obs[1], float64(float32(-0.001)), 0)
	near(t, "reward", tr.Reward, -0.9, 1e-15)
	// Goal at 0.45: from (0.44, 0.02) with no force, v = 0.02 − 0.0025·cos(1.32) ≈ 0.0193796
	// and x ≈ 0.4593796 ≥ 0.45: reward 100 − 0.
	m.State = [2]float64{0.44, 0.02}
	tr = m.Step([]float64{0})
	if !tr.Terminated || tr.Reward != 100 {
		t.Fatalf("goal step: %+v, want terminated with reward 100", tr)
	}
	near(t, "x", tr.Obs[0], 0.4593796, 1e-7)
	// 0.5 is the discrete version's goal; 0.43 → x ≈ 0.449 is short of 0.45.
	m.State = [2]float64{0.43, 0.02}
	if tr := m.Step([]float64{0}); tr.Terminated {
		t.Fatalf("x = %v terminated", tr.Obs[0])
	}
}

func TestResetDistributions(t *testing.T) {
	const seed = 42
	u := env.NewRand(seed) // the stream Seed(seed) selects
	c := NewCartPole()
	c.Seed(seed)
	for episode := 0; episode < 3; episode++ {
		obs := c.Reset()
		for i := range 4 {
			want := -0.05 + 0.1*u.Float64() // U(−0.05, 0.05)
			near(t, "CartPole reset", obs[i], want, 0)
		}
	}

	u = env.NewRand(seed)
	a := NewAcrobot()
	a.Seed(seed)
	a.Reset()
	for i := range 4 {
		want := float64(float32(-0.1 + 0.2*u.Float64())) // U(−0.1, 0.1) in float32
		near(t, "Acrobot reset", a.State[i], want, 0)
	}

	u = env.NewRand(seed)
	p := NewPendulum(0)
	p.Seed(seed)
	obs := p.Reset()
	th := -math.Pi + 2*math.Pi*u.Float64() // U(−π, π)
	thDot := -1 + 2*u.Float64()            // U(−1, 1)
	near(t, "Pendulum θ", p.State[0], th, 0)
	near(t, "Pendulum θ̇", p.State[1], thDot, 0)
	near(t, "Pendulum obs", obs[0], math.Cos(th), 0)
	near(t, "Pendulum obs", obs[1], math.Sin(th), 0)
	near(t, "Pendulum obs", obs[2], thDot, 0)

	u = env.NewRand(seed)
	m := NewMountainCar()
	m.Seed(seed)
	obs = m.Reset()
	near(t, "MountainCar x", obs[0], -0.6+0.2*u.Float64(), 0) // U(−0.6, −0.4)
	near(t, "MountainCar v", obs[1], 0, 0)

	u = env.NewRand(seed)
	mc := NewMountainCarContinuous()
	mc.Seed(seed)
	obs = mc.Reset()
	near(t, "MountainCarContinuous x", obs[0], -0.6+0.2*u.Float64(), 0)
	near(t, "MountainCarContinuous v", obs[1], 0, 0)
}

// TestResetRanges draws many resets and checks they fill the published ranges.
func TestResetRanges(t *testing.T) {
	c := NewCartPole()
	c.Seed(3)
	lo, hi := [4]float64{1, 1, 1, 1}, [4]float64{-1, -1, -1, -1}
	for range 2000 {
		obs := c.Reset()
		for i, v := range obs {
			lo[i], hi[i] = math.Min(lo[i], v), math.Max(hi[i], v)
		}
	}
	for i := range lo {
		if lo[i] < -0.05 || hi[i] >= 0.05 || lo[i] > -0.049 || hi[i] < 0.049 {
			t.Fatalf("CartPole reset dim %d spans [%v, %v], want about [−0.05, 0.05)", i, lo[i], hi[i])
		}
	}
	m := NewMountainCar()
	m.Seed(3)
	mlo, mhi := 0.0, -1.0
	for range 2000 {
		x := m.Reset()[0]
		mlo, mhi = math.Min(mlo, x), math.Max(mhi, x)
	}
	if mlo < -0.6 || mhi >= -0.4 || mlo > -0.599 || mhi < -0.401 {
		t.Fatalf("MountainCar reset spans [%v, %v], want about [−0.6, −0.4)", mlo, mhi)
	}
}

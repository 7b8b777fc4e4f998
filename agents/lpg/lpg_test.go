package lpg

import (
	"bytes"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gorl/agents"
	"gorl/agents/nn"
	"gorl/env"
	_ "gorl/env/classic"
)

// Finite-difference checks in float32: central differences with step 1e-2; a wrong
// derivative is off by O(1), rounding and truncation by about 1e-4.
const (
	fdStep = 1e-2
	fdRel  = 2e-2
	fdAbs  = 2e-3
)

// fdCheck compares d/dθ sum_i w_i f_i(θ) from the tape with central differences for
// every element of every tensor in xs.
func fdCheck(t *testing.T, name string, xs []*nn.Tensor, f func(tp *nn.Tape) *nn.Tensor) {
	t.Helper()
	rng := rand.New(rand.NewPCG(7, 7))
	tp := nn.NewTape()
	out := f(tp)
	if err := tp.Err(); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	w := make([]float32, out.Len())
	for i := range w {
		w[i] = float32(rng.Float64()*2 - 1)
	}
	for _, x := range xs {
		x.ZeroGrad()
	}
	if err := tp.BackwardFrom(out, w); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	obj := func() float64 {
		tp := nn.NewTape()
		tp.NoGrad = true
		o := f(tp)
		var s float64
		for i, v := range o.Data {
			s += float64(w[i]) * float64(v)
		}
		return s
	}
	checked := 0
	for xi, x := range xs {
		grad := append([]float32(nil), x.Grad...)
		for i := range x.Data {
			v := x.Data[i]
			x.Data[i] = v + fdStep
			up := obj()
			x.Data[i] = v - fdStep
			down := obj()
			x.Data[i] = v
			num := (up - down) / (2 * fdStep)
			if d := math.Abs(num - float64(grad[i])); d > fdAbs+fdRel*math.Abs(num) {
				t.Fatalf("%s: input %d element %d: analytic %g, finite difference %g", name, xi, i, grad[i], num)
			}
			checked++
		}
	}
	if checked == 0 {
		t.Fatalf("%s: nothing checked", name)
	}
}

func randTensor(rng *rand.Rand, grad bool, shape ...int) *nn.Tensor {
	x := nn.New(shape...)
	if grad {
		x = nn.NewParam(shape...)
	}
	for i := range x.Data {
		x.Data[i] = float32(rng.Float64()*2 - 1)
	}
	return x
}

func TestGRUGradient(t *testing.T) {
	rng := env.NewRand(1)
	g := NewGRU(rng, 3, 4)
	for _, p := range []*nn.Tensor{g.Bi, g.Bh} {
		for i := range p.Data {
			p.Data[i] = float32(rng.Float64() - 0.5) // non-zero biases, so their gradients matter
		}
	}
	x, h := randTensor(rng, true, 2, 3), randTensor(rng, true, 2, 4)
	fdCheck(t, "GRU step", []*nn.Tensor{g.Wi, g.Wh, g.Bi, g.Bh, x, h}, func(tp *nn.Tape) *nn.Tensor {
		return g.Step(tp, x, h)
	})
	// Two steps: the gradient flows through the recurrent state.
	x2 := randTensor(rng, true, 2, 3)
	fdCheck(t, "GRU two steps", []*nn.Tensor{g.Wh, x, x2, h}, func(tp *nn.Tape) *nn.Tensor {
		return g.Step(tp, x2, g.Step(tp, x, h))
	})
}

// testInputs fills a rule's inputs for a rollout with random values and the given dones.
func testInputs(rng *rand.Rand, r *Rule, steps, envs int, done []bool) *Inputs {
	in := r.NewInputs(steps, envs)
	b := r.Config.Bins
	for k := 0; k < steps*envs; k++ {
		in.Reward.Data[k] = float32(rng.Float64())
		if done[k] {
			in.Done.Data[k] = 1
		}
		in.Pi.Data[k] = float32(rng.Float64())
		var s1, s2 float64
		for j := 0; j < b; j++ {
			u, v := rng.Float64()+0.1, rng.Float64()+0.1
			in.Y.Data[k*b+j], in.YNext.Data[k*b+j] = float32(u), float32(v)
			s1, s2 = s1+u, s2+v
		}
		for j := 0; j < b; j++ {
			in.Y.Data[k*b+j] /= float32(s1)
			in.YNext.Data[k*b+j] /= float32(s2)
		}
	}
	in.Progress, in.LogLifetime = 0.3, float32(math.Log(50))
	return in
}

func TestRuleGradient(t *testing.T) {
	rng := env.NewRand(2)
	r, err := NewRule(rng, RuleConfig{Temporal: true, Bins: 3, Embed: 4, Hidden: 3})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []*nn.Tensor{r.Cell.Bi, r.Cell.Bh, r.Embed1.B, r.PiHead.B} {
		for i := range p.Data {
			p.Data[i] = float32(rng.Float64() - 0.5)
		}
	}
	done := []bool{false, false, true, false, false, false}
	in := testInputs(rng, r, 3, 2, done)
	fdCheck(t, "rule", r.Params().Tensors(), func(tp *nn.Tape) *nn.Tensor {
		pi, y, err := r.Apply(tp, in)
		if err != nil {
			t.Fatal(err)
		}
		return tp.Concat(1, tp.Reshape(pi, pi.Len(), 1), y)
	})
}

// sumRule is a hand-set rule whose pi_hat is minus a discounted reward-to-go that
// stops at episode ends, computed by the reverse GRU:
//
//	h_t = g (1 - d_t) h_{t+1} + (1 - g) tanh(w r_t),   pi_hat_t = -k relu(h_t)
func sumRule(t *testing.T, temporal bool, g, w, k float64) *Rule {
	t.Helper()
	r, err := NewRule(env.NewRand(3), RuleConfig{Temporal: temporal, Bins: 4, Embed: 2, Hidden: 2})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range r.Params().Tensors() {
		p.Fill(0)
	}
	H := 2
	c := r.Cell
	c.Bh.Data[H+0] = float32(math.Log(g / (1 - g))) // z_0 = sigmoid(bias) = g
	c.Wi.Data[0*3*H+2*H+0] = float32(w)             // n_0 = tanh(w r_t) (input 0 is r)
	r.PiHead.W.Data[0] = float32(-k)
	return r
}

// rewardToGo is the float64 recursion sumRule computes.
func rewardToGo(rew []float32, done []bool, steps, envs int, g, w float64) []float64 {
	out := make([]float64, steps*envs)
	for i := 0; i < envs; i++ {
		h := 0.0
		for s := steps - 1; s >= 0; s-- {
			k := s*envs + i
			if done[k] {
				h = 0
			}
			h = g*h + (1-g)*math.Tanh(w*float64(rew[k]))
			out[k] = h
		}
	}
	return out
}

func applyPiHat(t *testing.T, r *Rule, in *Inputs) []float64 {
	t.Helper()
	tp := nn.NewTape()
	tp.NoGrad = true
	pi, _, err := r.Apply(tp, in)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]float64, pi.Len())
	for i, v := range pi.Data {
		out[i] = float64(v)
	}
	return out
}

func TestReverseRecurrenceResetsAtEpisodeEnds(t *testing.T) {
	const g, w, k = 0.9, 0.5, 2.0
	r := sumRule(t, false, g, w, k)
	// One environment, two episodes: steps 0..2 (the episode ends at step 2), 3..5.
	done := []bool{false, false, true, false, false, false}
	in := testInputs(env.NewRand(4), r, 6, 1, done)
	rew := append([]float32(nil), in.Reward.Data...)
	want := rewardToGo(rew, done, 6, 1, g, w)
	got := applyPiHat(t, r, in)
	for i := range got {
		if d := math.Abs(got[i] + k*want[i]); d > 1e-5 {
			t.Fatalf("step %d: pi_hat %g, want %g", i, got[i], -k*want[i])
		}
	}
	// Episode 2's rewards do not reach episode 1, and the other way round.
	for s := 3; s < 6; s++ {
		in.Reward.Data[s] += 0.7
	}
	got2 := applyPiHat(t, r, in)
	for s := 0; s < 3; s++ {
		if got2[s] != got[s] {
			t.Fatalf("step %d of episode 1 changed (%g -> %g) with episode 2's rewards", s, got[s], got2[s])
		}
	}
	for s := 3; s < 6; s++ {
		if got2[s] == got[s] {
			t.Fatalf("step %d of episode 2 did not change with its own rewards", s)
		}
	}
	copy(in.Reward.Data, rew)
	in.Reward.Data[1] += 0.7
	got3 := applyPiHat(t, r, in)
	for s := 3; s < 6; s++ {
		if got3[s] != got[s] {
			t.Fatalf("step %d of episode 2 changed with episode 1's rewards", s)
		}
	}
	// Without the episode end, episode 2's rewards do flow back into episode 1.
	copy(in.Reward.Data, rew)
	in.Done.Data[2] = 0
	got4 := applyPiHat(t, r, in)
	if got4[2] == got[2] || got4[0] == got[0] {
		t.Fatalf("without the reset, steps 0 and 2 kept pi_hat %g, %g", got[0], got[2])
	}
}

// fakeRollout is a rollout of random CartPole-like observations with rewards in [0, 1)
// and a few episode ends.
func fakeRollout(rng *rand.Rand, steps, envs, obsDim, nAct int) *agents.Rollout {
	r := agents.NewRollout(steps, envs, obsDim, 1)
	for i := range r.Obs {
		r.Obs[i] = float32(rng.NormFloat64())
	}
	for k := 0; k < r.Len(); k++ {
		r.Actions[k] = float32(rng.IntN(nAct))
		r.Rewards[k] = float32(rng.Float64())
		r.Terminated[k] = rng.IntN(5) == 0
		r.Truncated[k] = !r.Terminated[k] && rng.IntN(10) == 0
	}
	return r
}

func rows(data []float32, n, d int) [][]float64 {
	out := make([][]float64, n)
	for i := range out {
		out[i] = make([]float64, d)
		for j := range out[i] {
			out[i][j] = float64(data[i*d+j])
		}
	}
	return out
}

func TestHandSetRuleGivesReinforceGradient(t *testing.T) {
	const g, w, k = 0.8, 0.7, 1.5
	const steps, envs, od, nAct = 5, 3, 4, 2
	obsSpace := env.UniformBox(od, -1, 1)
	actSpace := env.NewDiscrete(nAct)
	a, err := New(obsSpace, actSpace, Config{Hidden: []int{8}}, 5, sumRule(t, false, g, w, k))
	if err != nil {
		t.Fatal(err)
	}
	rng := env.NewRand(6)
	ro := fakeRollout(rng, steps, envs, od, nAct)
	last := make([]float32, envs*od)
	for i := range last {
		last[i] = float32(rng.NormFloat64())
	}
	a.Values(rows(last, envs, od), make([]float64, envs))
	f, err := a.forward(ro, agents.Progress{Update: 1, Updates: 4})
	if err != nil {
		t.Fatal(err)
	}
	a.actorPs.ZeroGrad()
	if err := a.tape.Backward(f.lossPi); err != nil {
		t.Fatal(err)
	}
	got := a.actorPs.FlattenGrad(nil)

	// REINFORCE with the "advantage" A_t = k G_t, the reward-to-go computed here:
	// grad = -mean_t A_t grad log pi(a_t|s_t).
	done := make([]bool, ro.Len())
	for i := range done {
		done[i] = ro.Terminated[i] || ro.Truncated[i]
	}
	G := rewardToGo(ro.Rewards, done, steps, envs, g, w)
	adv := nn.New(ro.Len())
	acts := make([]int, ro.Len())
	for i := range G {
		adv.Data[i] = float32(k * G[i])
		acts[i] = int(ro.Actions[i])
	}
	tp := nn.NewTape()
	obs, _ := nn.FromData(ro.Obs, ro.Len(), od)
	logp := tp.Gather(tp.LogSoftmax(a.actor.Forward(tp, obs)), acts)
	loss := tp.Neg(tp.Mean(tp.Mul(adv, logp)))
	a.actorPs.ZeroGrad()
	if err := tp.Backward(loss); err != nil {
		t.Fatal(err)
	}
	want := a.actorPs.FlattenGrad(nil)
	var norm float64
	for _, v := range want {
		norm += float64(v) * float64(v)
	}
	if norm < 1e-8 {
		t.Fatalf("REINFORCE gradient is zero: the check would pass vacuously")
	}
	for i := range want {
		if d := math.Abs(float64(got[i] - want[i])); d > 1e-6+1e-4*math.Abs(float64(want[i])) {
			t.Fatalf("gradient element %d: LPG %g, REINFORCE %g", i, got[i], want[i])
		}
	}
}

func TestTemporalInputsReachTheRule(t *testing.T) {
	for _, temporal := range []bool{true, false} {
		r, err := NewRule(env.NewRand(8), RuleConfig{Temporal: temporal, Hidden: 8})
		if err != nil {
			t.Fatal(err)
		}
		done := make([]bool, 8)
		done[3] = true
		in := testInputs(env.NewRand(9), r, 4, 2, done)
		base := applyPiHat(t, r, in)
		in.Progress = 0.9
		prog := applyPiHat(t, r, in)
		in.Progress, in.LogLifetime = 0.3, float32(math.Log(500))
		life := applyPiHat(t, r, in)
		for i := range base {
			changedP, changedL := prog[i] != base[i], life[i] != base[i]
			if temporal && (!changedP || !changedL) {
				t.Fatalf("ta-lpg step %d: pi_hat %g, with n/N changed %g, with log N changed %g", i, base[i], prog[i], life[i])
			}
			if !temporal && (changedP || changedL) {
				t.Fatalf("lpg step %d: pi_hat depends on n/N or log N", i)
			}
		}
	}
}

func TestTrainsCartPoleWithRandomRule(t *testing.T) {
	rule, err := NewRule(env.NewRand(10), RuleConfig{Temporal: true})
	if err != nil {
		t.Fatal(err)
	}
	cfg := agents.TrainConfig{Env: "CartPole-v1", Steps: 8 * 20 * 60, Envs: 8, RolloutSteps: 20, Seed: 1, StepEvery: -1}
	var agent *Agent
	loop, err := agents.NewLoop(cfg, nil, func(obs, act env.Space) (agents.Agent, error) {
		a, err := New(obs, act, Config{}, 1, rule)
		agent = a
		return a, err
	})
	if err != nil {
		t.Fatal(err)
	}
	defer loop.Close()
	before := agent.actorPs.Flatten(nil)
	sum, err := loop.Run()
	if err != nil {
		t.Fatalf("training with a random rule: %v", err)
	}
	if sum.Update != 60 {
		t.Fatalf("%d updates, want 60", sum.Update)
	}
	for name, v := range sum.Metrics {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.Fatalf("metric %s = %v", name, v)
		}
	}
	after := agent.actorPs.Flatten(nil)
	moved := 0.0
	for i := range after {
		moved += math.Abs(float64(after[i] - before[i]))
	}
	if moved == 0 {
		t.Fatal("the policy did not change")
	}
}

func TestStateRoundTrip(t *testing.T) {
	rule, _ := NewRule(env.NewRand(11), RuleConfig{})
	obsSpace := env.UniformBox(4, -1, 1)
	actSpace := env.NewDiscrete(2)
	a, err := New(obsSpace, actSpace, Config{}, 1, rule)
	if err != nil {
		t.Fatal(err)
	}
	ro := fakeRollout(env.NewRand(12), 4, 2, 4, 2)
	a.Values(rows(ro.Obs[:8], 2, 4), make([]float64, 2))
	if _, err := a.Update(ro, agents.Progress{Update: 0, Updates: 2}); err != nil {
		t.Fatal(err)
	}
	st, err := a.MarshalState()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := New(obsSpace, actSpace, Config{}, 2, rule)
	if err := b.UnmarshalState(st); err != nil {
		t.Fatal(err)
	}
	b.Values(rows(ro.Obs[:8], 2, 4), make([]float64, 2))
	ma, err := a.Update(ro, agents.Progress{Update: 1, Updates: 2})
	if err != nil {
		t.Fatal(err)
	}
	mb, err := b.Update(ro, agents.Progress{Update: 1, Updates: 2})
	if err != nil {
		t.Fatal(err)
	}
	if ma["policy_loss"] != mb["policy_loss"] || !slicesEqual(a.actorPs.Flatten(nil), b.actorPs.Flatten(nil)) {
		t.Fatal("a restored agent updates differently")
	}
	if err := b.UnmarshalState([]byte("{")); err == nil {
		t.Fatal("bad state accepted")
	}
}

func slicesEqual(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestRuleFileRoundTrip(t *testing.T) {
	r, _ := NewRule(env.NewRand(13), RuleConfig{Temporal: true, Hidden: 5})
	var buf bytes.Buffer
	if _, err := r.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	r2, err := ReadRule(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if r2.Config != r.Config {
		t.Fatalf("config %+v, want %+v", r2.Config, r.Config)
	}
	v1, v2 := r.Vector(nil), r2.Vector(nil)
	for i := range v1 {
		if v1[i] != v2[i] {
			t.Fatalf("weight %d: %g, want %g", i, v2[i], v1[i])
		}
	}
	for _, c := range []struct{ file, want string }{
		{"gorl-drift v1\n{}\n", "not a gorl LPG update rule"},
		{"gorl-lpg v1\n{\"objective\":\"lpo\",\"inputs\":5,\"bins\":8,\"embed\":16,\"hidden\":4}\n", "unknown objective"},
		{"gorl-lpg v1\n{\"objective\":\"ta-lpg\",\"inputs\":5,\"bins\":8,\"embed\":16,\"hidden\":4}\n", "takes 7 inputs"},
		{"gorl-lpg v1\n{\"objective\":\"lpg\",\"inputs\":5,\"bins\":8,\"embed\":16,\"hidden\":4}\nxx", "weights"},
	} {
		_, err := ReadRule(strings.NewReader(c.file))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Fatalf("reading %q: error %v, want %q", c.file, err, c.want)
		}
	}
	if _, err := New(env.UniformBox(4, -1, 1), env.UniformBox(1, -1, 1), Config{}, 1, r); err == nil {
		t.Fatal("a Box action space was accepted")
	}
}

// The agent hands n/N and log N of its Progress to a temporal rule.
func TestAgentPassesProgressAndLifetime(t *testing.T) {
	rule, _ := NewRule(env.NewRand(14), RuleConfig{Temporal: true, Hidden: 8})
	a, err := New(env.UniformBox(4, -1, 1), env.NewDiscrete(2), Config{}, 1, rule)
	if err != nil {
		t.Fatal(err)
	}
	ro := fakeRollout(env.NewRand(15), 4, 2, 4, 2)
	a.Values(rows(ro.Obs[:8], 2, 4), make([]float64, 2))
	lossAt := func(p agents.Progress) float32 {
		f, err := a.forward(ro, p)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := a.in.Progress, float32(p.Fraction()); got != want {
			t.Fatalf("rule input n/N = %v, want %v", got, want)
		}
		if got, want := a.in.LogLifetime, float32(math.Log(float64(p.Updates))); got != want {
			t.Fatalf("rule input log N = %v, want %v", got, want)
		}
		return f.lossPi.Item()
	}
	base := lossAt(agents.Progress{Update: 1, Updates: 4})
	if lossAt(agents.Progress{Update: 3, Updates: 4}) == base {
		t.Fatal("the policy loss does not depend on n/N")
	}
	if lossAt(agents.Progress{Update: 2, Updates: 8}) == base { // same n/N, other N
		t.Fatal("the policy loss does not depend on log N")
	}
}

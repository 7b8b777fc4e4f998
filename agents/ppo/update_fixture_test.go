package ppo

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"testing"

	"gorl/agents"
	"gorl/env"
)

// cleanRLUpdate is one update as testdata/cleanrl_update.py records it from CleanRL's
// ppo.py / ppo_continuous_action.py: the weights and the rollout it starts from, the
// minibatch orders, and what the update computed.
type cleanRLUpdate struct {
	Discrete            bool `json:"discrete"`
	Envs, Steps         int
	ObsDim              int `json:"obs_dim"`
	ActDim              int `json:"act_dim"`
	Config              Config
	Progress            agents.Progress
	ParamsInit          []byte `json:"params_init"`
	Obs, Actions        []byte
	LogProbs            []byte `json:"log_probs"`
	Values, Rewards     []byte
	Terminated          []byte
	LastValues          []byte `json:"last_values"`
	Perms               [][]byte
	Advantages, Returns []byte
	Trace               [][8]float64 // pg, v, entropy, loss, grad norm, approx_kl, old_approx_kl, clipfrac
	ParamsFinal         []byte       `json:"params_final"`
	ApproxKL            float64      `json:"approx_kl"`
	OldApproxKL         float64      `json:"old_approx_kl"`
	ClipFrac            float64      `json:"clip_frac"`
	ExplainedVariance   float64      `json:"explained_variance"`
	AdamM               []byte       `json:"adam_m"`
	AdamV               []byte       `json:"adam_v"`
	First               *struct {
		NormAdv []byte `json:"norm_adv"`
		Grads   []byte
		Params  []byte
	}
}

func f32s(b []byte) []float32 {
	out := make([]float32, len(b)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out
}

func loadCleanRL(t *testing.T, name string) *cleanRLUpdate {
	t.Helper()
	data, err := os.ReadFile("testdata/cleanrl_" + name + ".json")
	if err != nil {
		t.Fatal(err)
	}
	var f cleanRLUpdate
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	return &f
}

// agent builds a PPO agent with the fixture's settings and initial weights, replaying
// its minibatch orders.
func (f *cleanRLUpdate) agent(t *testing.T) *Agent {
	t.Helper()
	obs := env.NewBox(make([]float64, f.ObsDim), make([]float64, f.ObsDim))
	act := env.NewDiscrete(f.ActDim)
	if !f.Discrete {
		act = env.NewBox([]float64{-2}, []float64{2})
	}
	a, err := New(obs, act, f.Config, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.params.SetFlat(f32s(f.ParamsInit)); err != nil {
		t.Fatal(err)
	}
	a.orderFn = func(epoch int, perm []int) {
		p := f.Perms[epoch]
		for i := range perm {
			perm[i] = int(binary.LittleEndian.Uint16(p[2*i:]))
		}
	}
	return a
}

// rollout is the fixture's rollout; CleanRL's done flags are terminations here (the
// rollouts hold no time-limit ends).
func (f *cleanRLUpdate) rollout() *agents.Rollout {
	ad := 1
	if !f.Discrete {
		ad = f.ActDim
	}
	r := agents.NewRollout(f.Steps, f.Envs, f.ObsDim, ad)
	copy(r.Obs, f32s(f.Obs))
	copy(r.Actions, f32s(f.Actions))
	copy(r.LogProbs, f32s(f.LogProbs))
	copy(r.Values, f32s(f.Values))
	copy(r.Rewards, f32s(f.Rewards))
	copy(r.LastValues, f32s(f.LastValues))
	for k, d := range f.Terminated {
		r.Terminated[k] = d != 0
	}
	return r
}

// closeTo reports the first element where got and want differ by more than
// atol + rtol |want|.
func closeTo(got, want []float32, atol, rtol float64) error {
	if len(got) != len(want) {
		return fmt.Errorf("%d values, want %d", len(got), len(want))
	}
	for i := range want {
		if d := math.Abs(float64(got[i] - want[i])); d > atol+rtol*math.Abs(float64(want[i])) || math.IsNaN(d) {
			return fmt.Errorf("element %d: %.9g, want %.9g", i, got[i], want[i])
		}
	}
	return nil
}

func near(t *testing.T, what string, got, want, atol, rtol float64) {
	t.Helper()
	if d := math.Abs(got - want); d > atol+rtol*math.Abs(want) || math.IsNaN(d) {
		t.Errorf("%s = %.9g, CleanRL %.9g", what, got, want)
	}
}

// adamMoments decodes nn.Adam's state encoding: magic, version, steps, count, then each
// buffer (first moments of every tensor, then second moments) and a checksum.
func adamMoments(t *testing.T, a *Agent) (steps int, m, v []float32) {
	t.Helper()
	b, err := a.opt.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	steps = int(binary.LittleEndian.Uint64(b[12:]))
	count := int(binary.LittleEndian.Uint32(b[20:]))
	p := b[24:]
	for i := 0; i < count; i++ {
		n := int(binary.LittleEndian.Uint32(p))
		buf := f32s(p[4 : 4+4*n])
		if i < count/2 {
			m = append(m, buf...)
		} else {
			v = append(v, buf...)
		}
		p = p[4+4*n:]
	}
	return steps, m, v
}

// TestUpdateMatchesCleanRL replays one update of CleanRL's ppo.py on CartPole (the
// PyTorch peer's settings, update 4 of 10 so the learning rate is annealed) from the
// same weights, rollout and minibatch orders, and compares every intermediate.
func TestUpdateMatchesCleanRL(t *testing.T) {
	f := loadCleanRL(t, "cartpole")
	a := f.agent(t)
	r := f.rollout()
	cfg := a.Config
	r.GAE(cfg.Gamma, cfg.Lambda)
	if err := closeTo(r.Advantages, f32s(f.Advantages), 1e-5, 1e-5); err != nil {
		t.Errorf("advantages: %v", err)
	}
	if err := closeTo(r.Returns, f32s(f.Returns), 1e-5, 1e-5); err != nil {
		t.Errorf("returns: %v", err)
	}

	// The first minibatch step, intermediate by intermediate.
	a.ensureMinibatch(r.Len()/cfg.Minibatches, r)
	a.opt.LR = float32(cfg.LR * (1 - f.Progress.Fraction()))
	a.order(0)
	mb := r.Len() / cfg.Minibatches
	st, err := a.step(r, a.perm[:mb], float32(f.Progress.Fraction()))
	if err != nil {
		t.Fatal(err)
	}
	if err := closeTo(a.mbAdv.Data, f32s(f.First.NormAdv), 1e-5, 1e-5); err != nil {
		t.Errorf("normalised advantages: %v", err)
	}
	row := f.Trace[0]
	near(t, "policy loss", st.pg, row[0], 1e-6, 1e-4)
	near(t, "value loss", st.v, row[1], 0, 1e-5)
	near(t, "entropy", st.ent, row[2], 0, 1e-6)
	near(t, "loss", st.loss, row[3], 0, 1e-5)
	near(t, "gradient norm", st.norm, row[4], 0, 1e-5)
	// Clipped gradients are of order 0.5/sqrt(9155); Adam's first step moves each
	// parameter by about lr.
	if err := closeTo(a.params.FlattenGrad(nil), f32s(f.First.Grads), 1e-7, 1e-4); err != nil {
		t.Errorf("clipped gradients: %v", err)
	}
	if err := closeTo(a.params.Flatten(nil), f32s(f.First.Params), 1e-7, 1e-5); err != nil {
		t.Errorf("parameters after the first step: %v", err)
	}

	// The whole update through Update, from the same start.
	b := f.agent(t)
	r = f.rollout()
	m, err := b.Update(r, f.Progress)
	if err != nil {
		t.Fatal(err)
	}
	var mean [8]float64
	for _, row := range f.Trace {
		for j := range row {
			mean[j] += row[j] / float64(len(f.Trace))
		}
	}
	near(t, "policy_loss (mean)", m["policy_loss"], mean[0], 1e-6, 1e-3)
	near(t, "value_loss (mean)", m["value_loss"], mean[1], 0, 1e-4)
	near(t, "entropy (mean)", m["entropy"], mean[2], 0, 1e-5)
	near(t, "grad_norm (mean)", m["grad_norm"], mean[4], 0, 1e-4)
	near(t, "approx_kl", m["approx_kl"], f.ApproxKL, 1e-8, 1e-3)
	near(t, "old_approx_kl", m["old_approx_kl"], f.OldApproxKL, 1e-8, 1e-3)
	near(t, "clip_frac", m["clip_frac"], f.ClipFrac, 1e-9, 0)
	near(t, "explained_variance", m["explained_variance"], f.ExplainedVariance, 1e-6, 1e-5)
	near(t, "lr", m["lr"], cfg.LR*0.7, 0, 1e-12)
	if err := closeTo(b.params.Flatten(nil), f32s(f.ParamsFinal), 2e-6, 1e-4); err != nil {
		t.Errorf("parameters after the update: %v", err)
	}
	steps, am, av := adamMoments(t, b)
	if steps != len(f.Trace) {
		t.Errorf("Adam took %d steps, CleanRL %d", steps, len(f.Trace))
	}
	if err := closeTo(am, f32s(f.AdamM), 1e-8, 1e-3); err != nil {
		t.Errorf("Adam first moments: %v", err)
	}
	if err := closeTo(av, f32s(f.AdamV), 1e-12, 1e-3); err != nil {
		t.Errorf("Adam second moments: %v", err)
	}
}

// TestContinuousUpdateMatchesCleanRL replays one update of CleanRL's
// ppo_continuous_action.py (Gaussian policy with a state-independent log-std, value
// clipping, no entropy bonus, 10 epochs of minibatches of 64) on Pendulum dynamics.
func TestContinuousUpdateMatchesCleanRL(t *testing.T) {
	f := loadCleanRL(t, "pendulum")
	a := f.agent(t)
	if a.Config.EntCoef >= 0 || !a.Config.ValueClip || a.Config.Epochs != 10 {
		t.Fatalf("fixture settings not applied: %+v", a.Config)
	}
	r := f.rollout()
	m, err := a.Update(r, f.Progress)
	if err != nil {
		t.Fatal(err)
	}
	if err := closeTo(r.Advantages, f32s(f.Advantages), 1e-5, 1e-5); err != nil {
		t.Errorf("advantages: %v", err)
	}
	if err := closeTo(r.Returns, f32s(f.Returns), 1e-5, 1e-5); err != nil {
		t.Errorf("returns: %v", err)
	}
	var mean [8]float64
	for _, row := range f.Trace {
		for j := range row {
			mean[j] += row[j] / float64(len(f.Trace))
		}
	}
	near(t, "policy_loss (mean)", m["policy_loss"], mean[0], 1e-6, 1e-3)
	near(t, "value_loss (mean)", m["value_loss"], mean[1], 0, 1e-4)
	near(t, "entropy (mean)", m["entropy"], mean[2], 0, 1e-5)
	near(t, "grad_norm (mean)", m["grad_norm"], mean[4], 0, 1e-4)
	near(t, "approx_kl", m["approx_kl"], f.ApproxKL, 1e-8, 1e-3)
	near(t, "old_approx_kl", m["old_approx_kl"], f.OldApproxKL, 1e-8, 1e-3)
	near(t, "clip_frac", m["clip_frac"], f.ClipFrac, 1e-9, 0)
	near(t, "explained_variance", m["explained_variance"], f.ExplainedVariance, 1e-6, 1e-5)
	if err := closeTo(a.params.Flatten(nil), f32s(f.ParamsFinal), 2e-6, 1e-4); err != nil {
		t.Errorf("parameters after the update: %v", err)
	}
}

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

// cleanRLUpdate is a few updates of training as testdata/cleanrl_update.py records them
// from CleanRL's ppo.py / ppo_continuous_action.py: the initial weights, each update's
// rollout (collected by the policy of the time), minibatch orders and what the update
// computed.
type cleanRLUpdate struct {
	Discrete    bool `json:"discrete"`
	Envs, Steps int
	ObsDim      int `json:"obs_dim"`
	ActDim      int `json:"act_dim"`
	Config      Config
	FirstUpdate int    `json:"first_update"`
	Updates     int    `json:"updates"`
	ParamsInit  []byte `json:"params_init"`
	Rollouts    []cleanRLRollout
	AdamM       []byte `json:"adam_m"` // after the last update
	AdamV       []byte `json:"adam_v"`
	First       *struct {
		NormAdv []byte `json:"norm_adv"`
		Grads   []byte
		Params  []byte
	}
}

type cleanRLRollout struct {
	Obs, Actions        []byte
	LogProbs            []byte `json:"log_probs"`
	Values, Rewards     []byte
	Terminated          []byte
	LastValues          []byte `json:"last_values"`
	Perms               [][]byte
	Advantages, Returns []byte
	Trace               [][8]float64 // pg, v, entropy, loss, grad norm, approx_kl, old_approx_kl, clipfrac
	ApproxKL            float64      `json:"approx_kl"`
	OldApproxKL         float64      `json:"old_approx_kl"`
	ClipFrac            float64      `json:"clip_frac"`
	ExplainedVariance   float64      `json:"explained_variance"`
	Params              []byte       // after the update (first and last only)
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
// the minibatch orders of rollout *k.
func (f *cleanRLUpdate) agent(t *testing.T, k *int) *Agent {
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
		p := f.Rollouts[*k].Perms[epoch]
		for i := range perm {
			perm[i] = int(binary.LittleEndian.Uint16(p[2*i:]))
		}
	}
	return a
}

// rollout is the fixture's rollout k; CleanRL's done flags are terminations here (the
// rollouts hold no time-limit ends).
func (f *cleanRLUpdate) rollout(k int) *agents.Rollout {
	c := f.Rollouts[k]
	ad := 1
	if !f.Discrete {
		ad = f.ActDim
	}
	r := agents.NewRollout(f.Steps, f.Envs, f.ObsDim, ad)
	copy(r.Obs, f32s(c.Obs))
	copy(r.Actions, f32s(c.Actions))
	copy(r.LogProbs, f32s(c.LogProbs))
	copy(r.Values, f32s(c.Values))
	copy(r.Rewards, f32s(c.Rewards))
	copy(r.LastValues, f32s(c.LastValues))
	for k, d := range c.Terminated {
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

// checkUpdate compares Update's metrics with those CleanRL logged for rollout c.
func checkUpdate(t *testing.T, k int, m map[string]float64, c cleanRLRollout) {
	t.Helper()
	var mean [8]float64
	for _, row := range c.Trace {
		for j := range row {
			mean[j] += row[j] / float64(len(c.Trace))
		}
	}
	u := func(s string) string { return fmt.Sprintf("update %d: %s", k+1, s) }
	near(t, u("policy_loss (mean)"), m["policy_loss"], mean[0], 1e-6, 1e-3)
	near(t, u("value_loss (mean)"), m["value_loss"], mean[1], 0, 1e-4)
	near(t, u("entropy (mean)"), m["entropy"], mean[2], 0, 1e-5)
	near(t, u("grad_norm (mean)"), m["grad_norm"], mean[4], 0, 1e-4)
	near(t, u("approx_kl"), m["approx_kl"], c.ApproxKL, 1e-8, 1e-3)
	near(t, u("old_approx_kl"), m["old_approx_kl"], c.OldApproxKL, 1e-8, 1e-3)
	near(t, u("clip_frac"), m["clip_frac"], c.ClipFrac, 1e-9, 0)
	near(t, u("explained_variance"), m["explained_variance"], c.ExplainedVariance, 1e-6, 1e-5)
}

// train replays the fixture's updates on a fresh agent, checking each rollout's
// advantages, returns and statistics and the parameters where recorded.
func (f *cleanRLUpdate) train(t *testing.T) *Agent {
	t.Helper()
	k := 0
	a := f.agent(t, &k)
	for ; k < len(f.Rollouts); k++ {
		c := f.Rollouts[k]
		r := f.rollout(k)
		m, err := a.Update(r, agents.Progress{Update: f.FirstUpdate + k, Updates: f.Updates})
		if err != nil {
			t.Fatal(err)
		}
		if err := closeTo(r.Advantages, f32s(c.Advantages), 1e-5, 1e-5); err != nil {
			t.Errorf("update %d: advantages: %v", k+1, err)
		}
		if err := closeTo(r.Returns, f32s(c.Returns), 1e-5, 1e-5); err != nil {
			t.Errorf("update %d: returns: %v", k+1, err)
		}
		checkUpdate(t, k, m, c)
		near(t, "lr", m["lr"], a.Config.LR*(1-float64(f.FirstUpdate+k)/float64(f.Updates)), 0, 1e-12)
		if c.Params != nil {
			if err := closeTo(a.params.Flatten(nil), f32s(c.Params), 2e-6, 1e-4); err != nil {
				t.Errorf("parameters after update %d: %v", k+1, err)
			}
		}
	}
	return a
}

// TestUpdateMatchesCleanRL replays CleanRL's ppo.py on CartPole (the PyTorch peer's
// settings) from the same weights, rollouts and minibatch orders and compares every
// intermediate: first the first minibatch step, then three updates of training, each
// on the rollout that CleanRL's policy of the time collected.
func TestUpdateMatchesCleanRL(t *testing.T) {
	f := loadCleanRL(t, "cartpole")
	k := 0
	a := f.agent(t, &k)
	r := f.rollout(0)
	cfg := a.Config
	r.GAE(cfg.Gamma, cfg.Lambda)
	mb := r.Len() / cfg.Minibatches
	a.ensureMinibatch(mb, r)
	a.opt.LR = float32(cfg.LR)
	a.order(0)
	st, err := a.step(r, a.perm[:mb], 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := closeTo(a.mbAdv.Data, f32s(f.First.NormAdv), 1e-5, 1e-5); err != nil {
		t.Errorf("normalised advantages: %v", err)
	}
	row := f.Rollouts[0].Trace[0]
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

	b := f.train(t)
	steps, am, av := adamMoments(t, b)
	if want := len(f.Rollouts) * cfg.Epochs * cfg.Minibatches; steps != want {
		t.Errorf("Adam took %d steps, CleanRL %d", steps, want)
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
	c := f.Config.WithDefaultsFor(env.NewBox([]float64{-2}, []float64{2}))
	if c.EntCoef >= 0 || !c.ValueClip || c.Epochs != 10 || c.LR != 3e-4 {
		t.Fatalf("fixture settings not applied: %+v", c)
	}
	f.train(t)
}

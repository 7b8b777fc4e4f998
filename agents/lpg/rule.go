package lpg

import (
	"fmt"
	"math/rand/v2"

	"gorl/agents/nn"
)

// Defaults of RuleConfig. The reference GRU is 256 units wide (groove's
// --lpg_gru_width); the default here is 32, which keeps an evolved rule at about 4.5k
// parameters and the meta-network's cost per update small on a CPU.
const (
	DefaultBins     = 8
	DefaultEmbed    = 16
	DefaultHidden   = 32
	ReferenceHidden = 256
)

// RuleConfig describes an update rule's architecture. Zero values mean defaults.
type RuleConfig struct {
	// Temporal adds the inputs n/N (training progress) and log N (lifetime in
	// updates): TA-LPG (Jackson et al. 2024). Off: LPG.
	Temporal bool `json:"temporal"`
	Bins     int  `json:"bins"`   // size of y and y_hat (default 8)
	Embed    int  `json:"embed"`  // hidden width of the embedding MLP e (default 16)
	Hidden   int  `json:"hidden"` // GRU width (default 32; the reference uses 256)
}

// WithDefaults returns c with zero values replaced by defaults.
func (c RuleConfig) WithDefaults() RuleConfig {
	if c.Bins == 0 {
		c.Bins = DefaultBins
	}
	if c.Embed == 0 {
		c.Embed = DefaultEmbed
	}
	if c.Hidden == 0 {
		c.Hidden = DefaultHidden
	}
	return c
}

// Validate reports the first bad setting of an effective config.
func (c RuleConfig) Validate() error {
	switch {
	case c.Bins < 2 || c.Bins > 1024:
		return fmt.Errorf("lpg rule: bins %d: want 2..1024", c.Bins)
	case c.Embed < 1 || c.Embed > 4096:
		return fmt.Errorf("lpg rule: embedding width %d: want 1..4096", c.Embed)
	case c.Hidden < 1 || c.Hidden > 4096:
		return fmt.Errorf("lpg rule: GRU width %d: want 1..4096", c.Hidden)
	}
	return nil
}

// Name is "ta-lpg" for a temporal rule, else "lpg".
func (c RuleConfig) Name() string {
	if c.Temporal {
		return "ta-lpg"
	}
	return "lpg"
}

// Inputs is the number of per-step inputs of the GRU: 5, or 7 when temporal.
func (c RuleConfig) Inputs() int {
	if c.Temporal {
		return 7
	}
	return 5
}

// Rule is an LPG update rule: the embedding MLP e [bins -> Embed -> 1] shared by y(s_t)
// and y(s_{t+1}), a reverse-time GRU and two heads on relu(h): pi_hat = Dense(1) and
// y_hat = softmax(Dense(bins)).
type Rule struct {
	Config         RuleConfig
	Embed1, Embed2 *nn.Linear
	Cell           *GRU
	PiHead, YHead  *nn.Linear
	params         *nn.Params
}

// NewRule returns a rule with random weights drawn from rng (Xavier-uniform dense
// layers, the GRU's defaults, zero biases). cfg's zero values mean defaults.
func NewRule(rng *rand.Rand, cfg RuleConfig) (*Rule, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	init := nn.XavierUniform(1)
	r := &Rule{Config: cfg,
		Embed1: nn.NewLinear(rng, cfg.Bins, cfg.Embed, init),
		Embed2: nn.NewLinear(rng, cfg.Embed, 1, init),
		Cell:   NewGRU(rng, cfg.Inputs(), cfg.Hidden),
		PiHead: nn.NewLinear(rng, cfg.Hidden, 1, init),
		YHead:  nn.NewLinear(rng, cfg.Hidden, cfg.Bins, init),
	}
	r.params = &nn.Params{}
	r.Embed1.Register(r.params, "embed.0")
	r.Embed2.Register(r.params, "embed.1")
	r.Cell.Register(r.params, "gru")
	r.PiHead.Register(r.params, "pi_hat")
	r.YHead.Register(r.params, "y_hat")
	return r, nil
}

// Params are the rule's parameters in a fixed order (the layout of Vector).
func (r *Rule) Params() *nn.Params { return r.params }

// Dim is the number of parameters.
func (r *Rule) Dim() int { return r.params.NumElements() }

// Vector appends the parameters, flattened in Params order, to dst.
func (r *Rule) Vector(dst []float64) []float64 {
	for _, p := range r.params.Tensors() {
		for _, v := range p.Data {
			dst = append(dst, float64(v))
		}
	}
	return dst
}

// SetVector sets the parameters from a flat vector laid out as Vector writes it.
func (r *Rule) SetVector(x []float64) error {
	if len(x) != r.Dim() {
		return fmt.Errorf("lpg rule: vector has %d values, want %d", len(x), r.Dim())
	}
	k := 0
	for _, p := range r.params.Tensors() {
		for i := range p.Data {
			p.Data[i] = float32(x[k])
			k++
		}
	}
	return nil
}

// Inputs holds one rollout's per-step inputs to a rule, time major (row t*Envs + i),
// as agents.Rollout stores transitions.
type Inputs struct {
	Steps, Envs int
	Reward      *nn.Tensor // [T*E, 1] r_t
	Done        *nn.Tensor // [T*E, 1] 1 where step t ended its episode (terminated or truncated)
	Pi          *nn.Tensor // [T*E, 1] pi(a_t|s_t)
	Y, YNext    *nn.Tensor // [T*E, bins] y(s_t) and y(s_{t+1})
	// Progress is n/N and LogLifetime log N, read by temporal rules only.
	Progress, LogLifetime float32

	h0 *nn.Tensor // zero GRU state [E, H]
}

// NewInputs allocates inputs for a rollout of steps x envs transitions.
func (r *Rule) NewInputs(steps, envs int) *Inputs {
	n, b := steps*envs, r.Config.Bins
	return &Inputs{Steps: steps, Envs: envs, Reward: nn.New(n, 1), Done: nn.New(n, 1), Pi: nn.New(n, 1),
		Y: nn.New(n, b), YNext: nn.New(n, b), h0: nn.New(envs, r.Config.Hidden)}
}

// Apply runs the rule over a rollout and returns pi_hat [T*E] and the logits of y_hat
// [T*E, bins] (y_hat = softmax of them). On a NoGrad tape nothing is recorded, which is
// how agents use it; with gradients the rule is differentiable in its parameters.
//
//	x_t = [r_t, d_t, pi_t, e(y_t), (1 - d_t) e(y_{t+1})] (+ [n/N, log N])
//	h_T = 0;  h_t = GRU(x_t, (1 - d_t) h_{t+1})   for t = T-1 .. 0  (reset at episode ends)
//	pi_hat_t = Dense(relu(h_t)),  y_hat_t = softmax(Dense(relu(h_t)))
func (r *Rule) Apply(t *nn.Tape, in *Inputs) (piHat, yLogits *nn.Tensor, err error) {
	T, E := in.Steps, in.Envs
	if in.h0 == nil || in.h0.Rows() != E || in.h0.Cols() != r.Config.Hidden || in.Reward.Rows() != T*E {
		return nil, nil, fmt.Errorf("lpg rule: inputs not built by this rule's NewInputs for %d x %d steps", T, E)
	}
	embed := func(y *nn.Tensor) *nn.Tensor {
		return r.Embed2.Forward(t, t.ReLU(r.Embed1.Forward(t, y)))
	}
	notDone := t.AddScalar(t.Neg(in.Done), 1)
	cols := []*nn.Tensor{in.Reward, in.Done, in.Pi, embed(in.Y), t.Mul(embed(in.YNext), notDone)}
	if r.Config.Temporal {
		zero := t.Scale(in.Done, 0)
		cols = append(cols, t.AddScalar(zero, in.Progress), t.AddScalar(zero, in.LogLifetime))
	}
	x := t.Concat(1, cols...)
	outs := make([]*nn.Tensor, T)
	h := in.h0
	for s := T - 1; s >= 0; s-- {
		lo, hi := s*E, (s+1)*E
		h = r.Cell.Step(t, t.Slice(x, 0, lo, hi), t.Mul(h, t.Slice(notDone, 0, lo, hi)))
		outs[s] = h
	}
	a := t.ReLU(t.Concat(0, outs...))
	piHat = t.Reshape(r.PiHead.Forward(t, a), T*E)
	yLogits = r.YHead.Forward(t, a)
	if err := t.Err(); err != nil {
		return nil, nil, fmt.Errorf("lpg rule: %w", err)
	}
	return piHat, yLogits, nil
}

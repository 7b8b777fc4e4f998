package lpg

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"

	"gorl/agents"
	"gorl/agents/nn"
	"gorl/env"
)

// Streams under agents.StreamAgent.
const (
	streamInit   = 0
	streamSample = 1
)

// Config holds the LPG agent's settings; zero values mean groove's defaults for
// classic-control tasks (actor and critic MLPs 64x64, Adam with learning rate 5e-4,
// gradient norm clipped to 1 per network, alpha_y = 0.5).
type Config struct {
	Hidden      []int   `json:"hidden"`        // hidden layer sizes of both networks (default [64, 64])
	LR          float64 `json:"lr"`            // Adam learning rate, constant (default 5e-4)
	MaxGradNorm float64 `json:"max_grad_norm"` // per network; negative: no clipping (default 1)
	TargetCoef  float64 `json:"target_coef"`   // alpha_y, weight of KL(y || y_hat) (default 0.5)
	AdamEps     float64 `json:"adam_eps"`      // default 1e-8 (optax)
}

// WithDefaults returns c with zero values replaced by defaults.
func (c Config) WithDefaults() Config {
	if len(c.Hidden) == 0 {
		c.Hidden = []int{64, 64}
	}
	if c.LR == 0 {
		c.LR = 5e-4
	}
	if c.MaxGradNorm == 0 {
		c.MaxGradNorm = 1
	}
	if c.TargetCoef == 0 {
		c.TargetCoef = 0.5
	}
	if c.AdamEps == 0 {
		c.AdamEps = 1e-8
	}
	return c
}

// Validate reports the first bad setting of an effective config.
func (c Config) Validate() error {
	for _, h := range c.Hidden {
		if h < 1 || h > 1<<16 {
			return fmt.Errorf("lpg: hidden sizes %v: want 1..65536 each", c.Hidden)
		}
	}
	switch {
	case !(c.LR > 0) || math.IsInf(c.LR, 0):
		return fmt.Errorf("lpg: learning rate %v: want a positive number", c.LR)
	case math.IsNaN(c.MaxGradNorm):
		return fmt.Errorf("lpg: max grad norm is NaN")
	case !(c.TargetCoef >= 0) || math.IsInf(c.TargetCoef, 0):
		return fmt.Errorf("lpg: target coefficient %v: want a non-negative number", c.TargetCoef)
	case !(c.AdamEps > 0):
		return fmt.Errorf("lpg: adam eps %v: want a positive number", c.AdamEps)
	}
	return nil
}

// Agent is an LPG learner with a fixed update rule; it implements agents.Agent for
// discrete action spaces.
type Agent struct {
	Config Config
	Rule   *Rule

	obsDim, nActions int
	actor, critic    *nn.MLP // critic: logits of y(s) over Rule.Config.Bins
	actorPs, critPs  *nn.Params
	actorOpt         *nn.Adam
	critOpt          *nn.Adam
	sample           *agents.Stream

	infer *nn.Tape
	inObs nn.Inputs // observation batches as float32
	ints  []int

	// lastObs is the batch of the latest Values call: at Update, the observations s_T
	// after the rollout (the loop asks for their values just before updating).
	lastObs []float32
	lastN   int

	// update
	tape, ruleTape *nn.Tape
	in             *Inputs
	acts           []int
	piHat, logYHat *nn.Tensor
}

// New builds an LPG agent for the given spaces that learns with rule, with its own
// streams under seed. Zero settings take the defaults.
func New(obs, act env.Space, cfg Config, seed uint64, rule *Rule) (*Agent, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if rule == nil {
		return nil, fmt.Errorf("lpg: nil update rule")
	}
	if obs.Kind != env.Box {
		return nil, fmt.Errorf("lpg: observations must be a Box, got %v", obs)
	}
	if act.Kind != env.Discrete || act.N < 1 {
		return nil, fmt.Errorf("lpg: actions must be Discrete, got %v", act)
	}
	a := &Agent{Config: cfg, Rule: rule, obsDim: obs.Dim(), nActions: act.N, inObs: nn.Inputs{Dim: obs.Dim()},
		sample: agents.NewStream(seed, agents.StreamAgent, streamSample),
		infer:  nn.NewTape(), tape: nn.NewTape(), ruleTape: nn.NewTape()}
	a.infer.NoGrad = true
	a.ruleTape.NoGrad = true // the rule's outputs are constants of the agent's loss
	init := agents.NewStream(seed, agents.StreamAgent, streamInit)
	sizes := append(append([]int{a.obsDim}, cfg.Hidden...), a.nActions)
	gains := make([]float64, len(sizes)-1)
	for i := range gains {
		gains[i] = math.Sqrt2
	}
	gains[len(gains)-1] = 0.01 // near-uniform initial policy
	var err error
	if a.actor, err = nn.NewMLP(init.Rand, sizes, nn.Tanh, gains); err != nil {
		return nil, err
	}
	sizes[len(sizes)-1] = rule.Config.Bins
	gains[len(gains)-1] = 0.01 // near-uniform initial prediction
	if a.critic, err = nn.NewMLP(init.Rand, sizes, nn.Tanh, gains); err != nil {
		return nil, err
	}
	a.actorPs, a.critPs = &nn.Params{}, &nn.Params{}
	a.actor.Register(a.actorPs, "actor")
	a.critic.Register(a.critPs, "critic")
	a.actorOpt = &nn.Adam{LR: float32(cfg.LR), Eps: float32(cfg.AdamEps)}
	a.critOpt = &nn.Adam{LR: float32(cfg.LR), Eps: float32(cfg.AdamEps)}
	return a, nil
}

// ActorParams and CriticParams are the policy's and the prediction network's parameters.
func (a *Agent) ActorParams() *nn.Params  { return a.actorPs }
func (a *Agent) CriticParams() *nn.Params { return a.critPs }

// Act implements agents.Policy.
func (a *Agent) Act(obs, actions [][]float64, deterministic bool) {
	if !deterministic {
		a.Sample(obs, actions, nil, nil)
		return
	}
	a.infer.Reset()
	out := a.actor.Forward(a.infer, a.inObs.Fill(obs))
	a.ints = nn.Categorical{LogProbs: out}.Mode(a.ints)
	for i := range obs {
		actions[i][0] = float64(a.ints[i])
	}
}

// Sample implements agents.Agent. LPG has no value function: value is set to 0.
func (a *Agent) Sample(obs, actions [][]float64, logProb, value []float64) {
	a.infer.Reset()
	dist := nn.NewCategorical(a.infer, a.actor.Forward(a.infer, a.inObs.Fill(obs)))
	a.ints = dist.Sample(a.sample.Rand, a.ints)
	for i := range obs {
		k := a.ints[i]
		actions[i][0] = float64(k)
		if logProb != nil {
			logProb[i] = float64(dist.LogProbs.Data[i*a.nActions+k])
		}
		if value != nil {
			value[i] = 0
		}
	}
}

// Values implements agents.Agent: it writes 0 (LPG has no value function) and keeps
// obs, so that Update can compute y(s_T) for the rollout's last step.
func (a *Agent) Values(obs [][]float64, value []float64) {
	need := len(obs) * a.obsDim
	if cap(a.lastObs) < need {
		a.lastObs = make([]float32, need)
	}
	a.lastObs, a.lastN = a.lastObs[:need], len(obs)
	for i, o := range obs {
		for j, v := range o {
			a.lastObs[i*a.obsDim+j] = float32(v)
		}
		value[i] = 0
	}
}

// state is what MarshalState saves.
type state struct {
	Actor     []byte `json:"actor"`
	Critic    []byte `json:"critic"`
	ActorAdam []byte `json:"actor_adam"`
	CritAdam  []byte `json:"critic_adam"`
	Sample    []byte `json:"sample_rng"`
}

// MarshalState implements agents.Agent: both networks, both optimisers and the sampling
// stream (the rule is fixed and not part of the state).
func (a *Agent) MarshalState() ([]byte, error) {
	var s state
	var err error
	var actor, critic bytes.Buffer
	if _, err = a.actorPs.WriteTo(&actor); err != nil {
		return nil, err
	}
	if _, err = a.critPs.WriteTo(&critic); err != nil {
		return nil, err
	}
	s.Actor, s.Critic = actor.Bytes(), critic.Bytes()
	if s.ActorAdam, err = a.actorOpt.MarshalBinary(); err != nil {
		return nil, err
	}
	if s.CritAdam, err = a.critOpt.MarshalBinary(); err != nil {
		return nil, err
	}
	if s.Sample, err = a.sample.MarshalBinary(); err != nil {
		return nil, err
	}
	return json.Marshal(s)
}

// UnmarshalState implements agents.Agent.
func (a *Agent) UnmarshalState(b []byte) error {
	var s state
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("lpg state: %w", err)
	}
	if _, err := a.actorPs.ReadFrom(bytes.NewReader(s.Actor)); err != nil {
		return fmt.Errorf("lpg state: actor: %w", err)
	}
	if _, err := a.critPs.ReadFrom(bytes.NewReader(s.Critic)); err != nil {
		return fmt.Errorf("lpg state: critic: %w", err)
	}
	if err := a.actorOpt.UnmarshalBinary(s.ActorAdam); err != nil {
		return fmt.Errorf("lpg state: %w", err)
	}
	if err := a.critOpt.UnmarshalBinary(s.CritAdam); err != nil {
		return fmt.Errorf("lpg state: %w", err)
	}
	if err := a.sample.UnmarshalBinary(s.Sample); err != nil {
		return fmt.Errorf("lpg state: sample stream: %w", err)
	}
	return nil
}

// Package ppo implements Proximal Policy Optimisation (Schulman et al. 2017) in the
// manner of CleanRL's ppo.py and ppo_continuous_action.py: separate tanh MLP actor and
// critic with orthogonal initialisation, GAE, per-minibatch advantage normalisation,
// optional value clipping, entropy bonus, global gradient clipping and a linearly
// annealed learning rate. The policy objective is pluggable (Objective): PPO-clip,
// DPO's closed-form drift, or a learned drift network (LPO, temporally-aware TA-LPO).
//
// Discrete action spaces use a categorical policy over logits; Box action spaces a
// diagonal Gaussian with a state-independent log standard deviation (actions are
// clipped to the bounds by the environment wrapper, not squashed). Zero settings mean
// ppo.py's defaults for discrete actions and ppo_continuous_action.py's for Box actions
// (Config.WithDefaultsFor, Defaults); with agents.TrainConfig's default normalisation,
// continuous-action training also normalises observations and rewards as that script
// does.
//
// One update equals CleanRL's to float32 precision from the same weights, rollout and
// minibatch order (update_fixture_test.go, fixtures from testdata/cleanrl_update.py),
// and so do its logged statistics (approx_kl, old_approx_kl, clip_frac,
// explained_variance). One deliberate difference: a time-limit end bootstraps from the
// value of the final observation, where CleanRL treats it as termination
// (TruncationAsTermination restores CleanRL's way; on CartPole-v1 over 20 seeds the
// two end alike).
//
// Learned objectives are stored in drift network files (SaveLPO, LoadLPO): a header
// line, a JSON description and the weights in agents/nn's parameter format.
package ppo

import (
	"encoding/json"
	"fmt"
	"math"

	"gorl/agents"
	"gorl/agents/nn"
	"gorl/env"
)

// Streams under agents.StreamAgent.
const (
	streamInit    = 0
	streamSample  = 1
	streamShuffle = 2
)

// Agent is a PPO learner; it implements agents.Agent.
type Agent struct {
	Config    Config
	Objective Objective

	discrete       bool
	obsDim, actDim int // actDim: number of actions (discrete) or action dimensions
	actor, critic  *nn.MLP
	logStd         *nn.Tensor // [actDim], continuous only
	params         *nn.Params
	opt            *nn.Adam

	sample, shuffle *agents.Stream
	orderFn         func(epoch int, perm []int) // replaces the shuffle where set (tests)

	// inference
	infer    *nn.Tape
	inObs    nn.Inputs // observation batches as float32
	ints     []int
	floats   []float32
	actInput *nn.Tensor

	// update
	tape      *nn.Tape
	perm      []int
	mbObs     *nn.Tensor
	mbAct     *nn.Tensor // continuous actions [mb, actDim]
	mbActInt  []int
	mbOldLogP *nn.Tensor
	mbAdv     *nn.Tensor
	mbRet     *nn.Tensor
	mbOldV    *nn.Tensor
}

// New builds a PPO agent for the given spaces with its own streams under seed; its
// objective is the one cfg names (NewObjective). Zero settings take the defaults for
// the action space (Config.WithDefaultsFor).
func New(obs, act env.Space, cfg Config, seed uint64) (*Agent, error) {
	cfg = cfg.WithDefaultsFor(act)
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	obj, err := NewObjective(cfg)
	if err != nil {
		return nil, err
	}
	return NewWithObjective(obs, act, cfg, seed, obj)
}

// NewWithObjective builds a PPO agent that optimises obj, for example a drift network
// held in memory by an evolution strategy; cfg.Objective and cfg.ObjectiveParams are
// then only recorded, not read.
func NewWithObjective(obs, act env.Space, cfg Config, seed uint64, obj Objective) (*Agent, error) {
	cfg = cfg.WithDefaultsFor(act)
	check := cfg
	check.Objective, check.ObjectiveParams = "clip", "" // obj replaces them
	if err := check.Validate(); err != nil {
		return nil, err
	}
	if obj == nil {
		return nil, fmt.Errorf("ppo: nil objective")
	}
	if l, ok := obj.(*LPO); ok {
		if err := l.check(); err != nil {
			return nil, err
		}
	}
	var err error
	if obs.Kind != env.Box {
		return nil, fmt.Errorf("ppo: observations must be a Box, got %v", obs)
	}
	a := &Agent{Config: cfg, Objective: obj, obsDim: obs.Dim(), inObs: nn.Inputs{Dim: obs.Dim()},
		sample:  agents.NewStream(seed, agents.StreamAgent, streamSample),
		shuffle: agents.NewStream(seed, agents.StreamAgent, streamShuffle),
		infer:   nn.NewTape(), tape: nn.NewTape()}
	a.infer.NoGrad = true // acting needs no gradients
	switch act.Kind {
	case env.Discrete:
		a.discrete, a.actDim = true, act.N
	case env.Box:
		a.actDim = act.Dim()
	}
	if a.actDim < 1 {
		return nil, fmt.Errorf("ppo: empty action space %v", act)
	}
	init := agents.NewStream(seed, agents.StreamAgent, streamInit)
	sizes := append(append([]int{a.obsDim}, cfg.Hidden...), a.actDim)
	gains := make([]float64, len(sizes)-1)
	for i := range gains {
		gains[i] = math.Sqrt2
	}
	gains[len(gains)-1] = 0.01 // CleanRL: small policy head
	if a.actor, err = nn.NewMLP(init.Rand, sizes, nn.Tanh, gains); err != nil {
		return nil, err
	}
	sizes[len(sizes)-1] = 1
	gains[len(gains)-1] = 1
	if a.critic, err = nn.NewMLP(init.Rand, sizes, nn.Tanh, gains); err != nil {
		return nil, err
	}
	a.params = &nn.Params{}
	a.actor.Register(a.params, "actor")
	a.critic.Register(a.params, "critic")
	if !a.discrete {
		a.logStd = nn.NewParam(a.actDim)
		a.params.Add("actor.log_std", a.logStd)
	}
	a.opt = &nn.Adam{LR: float32(cfg.LR), Eps: float32(cfg.AdamEps)}
	return a, nil
}

// Discount is the agent's gamma; the training loop's reward normalisation uses it
// (agents.Discounter).
func (a *Agent) Discount() float64 { return a.Config.Gamma }

// Params are the actor's and critic's parameters.
func (a *Agent) Params() *nn.Params { return a.params }

// Act implements agents.Policy.
func (a *Agent) Act(obs, actions [][]float64, deterministic bool) {
	if !deterministic {
		a.Sample(obs, actions, nil, nil)
		return
	}
	a.infer.Reset()
	out := a.actor.Forward(a.infer, a.inObs.Fill(obs))
	if a.discrete {
		a.ints = nn.Categorical{LogProbs: out}.Mode(a.ints) // argmax of logits = argmax of probabilities
		for i := range obs {
			actions[i][0] = float64(a.ints[i])
		}
		return
	}
	for i := range obs {
		for j := range actions[i] {
			actions[i][j] = float64(out.Data[i*a.actDim+j])
		}
	}
}

// Sample implements agents.Agent: actions from the current policy, their
// log-probabilities and the critic's values (logProb and value may be nil).
func (a *Agent) Sample(obs, actions [][]float64, logProb, value []float64) {
	a.infer.Reset()
	x := a.inObs.Fill(obs)
	out := a.actor.Forward(a.infer, x)
	if a.discrete {
		dist := nn.NewCategorical(a.infer, out)
		a.ints = dist.Sample(a.sample.Rand, a.ints)
		for i := range obs {
			k := a.ints[i]
			actions[i][0] = float64(k)
			if logProb != nil {
				logProb[i] = float64(dist.LogProbs.Data[i*a.actDim+k])
			}
		}
	} else {
		dist := nn.DiagGaussian{Mean: out, LogStd: a.logStd}
		a.floats = dist.Sample(a.sample.Rand, a.floats)
		for i := range obs {
			for j := range actions[i] {
				actions[i][j] = float64(a.floats[i*a.actDim+j])
			}
		}
		if logProb != nil {
			if a.actInput == nil || a.actInput.Rows() != len(obs) {
				a.actInput = nn.New(len(obs), a.actDim)
			}
			copy(a.actInput.Data, a.floats)
			lp := dist.LogProb(a.infer, a.actInput)
			for i := range obs {
				logProb[i] = float64(lp.Data[i])
			}
		}
	}
	if value != nil {
		v := a.critic.Forward(a.infer, x)
		for i := range obs {
			value[i] = float64(v.Data[i])
		}
	}
}

// Values implements agents.Agent.
func (a *Agent) Values(obs [][]float64, value []float64) {
	a.infer.Reset()
	v := a.critic.Forward(a.infer, a.inObs.Fill(obs))
	for i := range obs {
		value[i] = float64(v.Data[i])
	}
}

// state is what MarshalState saves.
type state struct {
	Params  []byte `json:"params"`
	Adam    []byte `json:"adam"`
	Sample  []byte `json:"sample_rng"`
	Shuffle []byte `json:"shuffle_rng"`
}

// MarshalState implements agents.Agent: parameters, optimiser state and random streams.
func (a *Agent) MarshalState() ([]byte, error) {
	var s state
	var err error
	var buf bytesWriter
	if _, err = a.params.WriteTo(&buf); err != nil {
		return nil, err
	}
	s.Params = buf
	if s.Adam, err = a.opt.MarshalBinary(); err != nil {
		return nil, err
	}
	if s.Sample, err = a.sample.MarshalBinary(); err != nil {
		return nil, err
	}
	if s.Shuffle, err = a.shuffle.MarshalBinary(); err != nil {
		return nil, err
	}
	return json.Marshal(s)
}

// UnmarshalState implements agents.Agent.
func (a *Agent) UnmarshalState(b []byte) error {
	var s state
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("ppo state: %w", err)
	}
	if _, err := a.params.ReadFrom(bytesReader(s.Params)); err != nil {
		return fmt.Errorf("ppo state: %w", err)
	}
	if err := a.opt.UnmarshalBinary(s.Adam); err != nil {
		return fmt.Errorf("ppo state: %w", err)
	}
	if err := a.sample.UnmarshalBinary(s.Sample); err != nil {
		return fmt.Errorf("ppo state: sample stream: %w", err)
	}
	if err := a.shuffle.UnmarshalBinary(s.Shuffle); err != nil {
		return fmt.Errorf("ppo state: shuffle stream: %w", err)
	}
	return nil
}

package evolution

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"gorl/agents"
	"gorl/agents/lpg"
	"gorl/agents/ppo"
	"gorl/env"
	"gorl/logs"
)

// MetaConfig describes the meta-training of a learned objective by OpenES: a PPO drift
// (LPO, or TA-LPO when Objective is "ta-lpo") or an LPG update rule (Objective "lpg",
// or "ta-lpg" for the temporally-aware rule). Zero values mean defaults; the effective
// config (WithDefaults) is what a run directory's config.json records.
type MetaConfig struct {
	Objective string `json:"objective"` // lpo (default), ta-lpo, lpg or ta-lpg
	// Hidden is the drift network's width (default 128) or the LPG rule's GRU width
	// (default lpg.DefaultHidden = 32; the reference uses 256).
	Hidden      int    `json:"hidden"`
	Generations int    `json:"generations"` // default 10
	Seed        uint64 `json:"seed"`
	// Workers evaluates this many members at once (default GOMAXPROCS); results do not
	// depend on it.
	Workers int `json:"workers"`
	// OpenES settings (see OpenES; defaults: the LPO reference's).
	Population int     `json:"population"`
	Sigma      float64 `json:"sigma"`
	SigmaDecay float64 `json:"sigma_decay"`
	SigmaMin   float64 `json:"sigma_min"`
	LR         float64 `json:"lr"`
	LRDecay    float64 `json:"lr_decay"`
	LRMin      float64 `json:"lr_min"`
	// FitnessEpisodes is the number of evaluation episodes after each inner run whose
	// mean return is the member's fitness (default 5).
	FitnessEpisodes int `json:"fitness_episodes"`
	// FitnessPolicy is how the evaluation episodes act: "mode" (the deterministic
	// policy; the default for drift objectives, and what "" means) or "sample" (actions
	// drawn from the policy, as groove evaluates LPG agents; the default for LPG
	// objectives).
	FitnessPolicy string `json:"fitness_policy,omitempty"`
	// Inner is the inner PPO run's loop settings (default env CartPole-v1, 20000
	// steps); its seed is set per generation. PPO holds the inner PPO settings; its
	// Objective and ObjectiveParams are not read (the evolved drift replaces them).
	// For LPG objectives the inner runs default to 8 environments x 20 steps per
	// update (one LPG gradient step per rollout, as groove's 20-step rollouts).
	Inner agents.TrainConfig `json:"inner"`
	// PPO is the inner PPO's settings; for LPG objectives it trains the PPO-clip
	// reference member only.
	PPO ppo.Config `json:"ppo"`
	// LPG is the inner LPG agent's settings (LPG objectives only).
	LPG *lpg.Config `json:"lpg,omitempty"`
	// LifetimeMin and LifetimeMax, when set, give each antithetic pair of population
	// members its own inner lifetime N, in updates, drawn log-uniformly from
	// [LifetimeMin, LifetimeMax] per generation and pair (groove's antithetic task
	// sampling: both members of a pair train for the same N). The search mean and the
	// PPO-clip reference keep Inner.Steps. Zero: every run uses Inner.Steps.
	LifetimeMin int `json:"lifetime_min,omitempty"`
	LifetimeMax int `json:"lifetime_max,omitempty"`
	// PairRank replaces centred ranks by the rank within each antithetic pair (1 for
	// the better member, 0 for the other; ties go to the negative perturbation), as
	// groove's ES does, so fitness is compared only between runs of the same task.
	PairRank bool `json:"pair_rank,omitempty"`
	// Strategy is the evolution strategy: openes (the default, and what "" means),
	// snes or cmaes (see NewStrategy). ES, when set, is used instead: any Strategy,
	// already configured (not recorded in config.json beyond its name).
	Strategy string   `json:"strategy,omitempty"`
	ES       Strategy `json:"-"`
	// Shaping is the fitness shaping before the strategy's update (Shape): rank,
	// zscore or pair-rank. WithDefaults picks zscore for drift objectives (as LPO's
	// released code), pair-rank under the groove protocol or with PairRank, else rank;
	// "" in an effective config is rank (run directories written before the setting).
	Shaping string `json:"shaping,omitempty"`
	// Protocol is how LPG objectives train their inner agents: "lifetime" (the
	// default; every member trains a fresh agent for a whole lifetime) or "groove"
	// (groove's meta-training: Population/2 agents persist across generations, each
	// pair of members trains a copy of its agent for UpdatesPerGeneration more updates,
	// the pair's fitter copy survives, and an agent is replaced by a fresh one on a new
	// level once its sampled lifetime ends; see GrooveAgent).
	Protocol string `json:"protocol,omitempty"`
	// UpdatesPerGeneration is groove's K (default 5).
	UpdatesPerGeneration int `json:"updates_per_generation,omitempty"`
}

// IsGroove reports whether the config meta-trains with groove's protocol.
func (c MetaConfig) IsGroove() bool { return c.Protocol == "groove" }

// shaping is the effective fitness shaping ("" and the old PairRank flag included).
func (c MetaConfig) shaping() string {
	switch {
	case c.Shaping != "":
		return c.Shaping
	case c.PairRank:
		return "pair-rank"
	}
	return "rank"
}

// strategy returns the configured strategy (not yet Init).
func (c MetaConfig) strategy() (Strategy, error) {
	if c.ES != nil {
		return c.ES, nil
	}
	return NewStrategy(c.Strategy, StrategySettings{Population: c.Population, Sigma: c.Sigma, SigmaDecay: c.SigmaDecay,
		SigmaMin: c.SigmaMin, LR: c.LR, LRDecay: c.LRDecay, LRMin: c.LRMin})
}

// IsLPG reports whether the objective is an LPG update rule (lpg or ta-lpg).
func (c MetaConfig) IsLPG() bool { return c.Objective == "lpg" || c.Objective == "ta-lpg" }

// WithDefaults returns c with zero values replaced by defaults.
func (c MetaConfig) WithDefaults() MetaConfig {
	if c.Objective == "" {
		c.Objective = "lpo"
	}
	if c.Hidden == 0 {
		c.Hidden = ppo.DefaultHidden
		if c.IsLPG() {
			c.Hidden = lpg.DefaultHidden
		}
	}
	if c.Inner.Env == "" {
		c.Inner.Env = "CartPole-v1"
	}
	if c.IsLPG() {
		if c.LPG == nil && strings.HasPrefix(c.Inner.Env, "grid/") {
			// groove's agents for its non-tabular grid observations (_RAND_HYPERS).
			c.LPG = &lpg.Config{Hidden: []int{32}, LR: 1e-3, MaxGradNorm: 0.5}
		}
		if c.Inner.Envs == 0 {
			c.Inner.Envs = 8
		}
		if c.Inner.RolloutSteps == 0 {
			c.Inner.RolloutSteps = 20
		}
		lc := lpg.Config{}
		if c.LPG != nil {
			lc = *c.LPG
		}
		lc = lc.WithDefaults()
		c.LPG = &lc
		if c.FitnessPolicy == "" {
			c.FitnessPolicy = "sample"
		}
	}
	if !c.IsLPG() && strings.HasPrefix(c.Inner.Env, "MinAtar/") {
		// The reference's inner PPO on MinAtar (PureJaxRL's config: lr 5e-3 annealed, 8
		// minibatches, 4 epochs, clip 0.2, entropy 0.01), with 16 x 64 steps per update
		// instead of 64 x 128 so that CPU-sized budgets still make many updates.
		if c.PPO.LR == 0 {
			c.PPO.LR = 5e-3
		}
		if c.PPO.Minibatches == 0 {
			c.PPO.Minibatches = 8
		}
		if c.Inner.Envs == 0 {
			c.Inner.Envs = 16
		}
		if c.Inner.RolloutSteps == 0 {
			c.Inner.RolloutSteps = 64
		}
	}
	if c.Generations == 0 {
		c.Generations = 10
	}
	if c.Strategy == "" {
		c.Strategy = "openes"
		if c.ES != nil {
			c.Strategy = c.ES.Name()
		}
	}
	if c.IsLPG() && c.Protocol == "" {
		c.Protocol = "lifetime"
	}
	if c.IsGroove() {
		if c.LifetimeMin == 0 && c.LifetimeMax == 0 {
			c.LifetimeMin, c.LifetimeMax = 10, 250
		}
		if c.UpdatesPerGeneration == 0 {
			c.UpdatesPerGeneration = 5
		}
		// groove's ES: sigma 0.1 and lr 0.01, both fixed.
		if c.Sigma == 0 {
			c.Sigma = 0.1
		}
		if c.SigmaDecay == 0 {
			c.SigmaDecay = 1
		}
		if c.LRDecay == 0 {
			c.LRDecay = 1
		}
	}
	if c.Shaping == "" {
		switch {
		case c.PairRank || c.IsGroove():
			c.Shaping = "pair-rank"
		case !c.IsLPG():
			c.Shaping = "zscore"
		default:
			c.Shaping = "rank"
		}
	}
	es := c.es()
	es.defaults()
	c.Population, c.Sigma, c.SigmaDecay, c.SigmaMin = es.Population, es.Sigma, es.SigmaDecay, es.SigmaMin
	c.LR, c.LRDecay, c.LRMin = es.LR, es.LRDecay, es.LRMin
	if c.FitnessEpisodes == 0 {
		c.FitnessEpisodes = 5
	}
	if c.Inner.Steps == 0 {
		c.Inner.Steps = 20000
	}
	c.Inner = c.Inner.WithDefaults()
	c.Inner.StepEvery = -1
	c.PPO = c.PPO.WithDefaults()
	return c
}

func (c MetaConfig) es() OpenES {
	return OpenES{Population: c.Population, Sigma: c.Sigma, SigmaDecay: c.SigmaDecay, SigmaMin: c.SigmaMin,
		LR: c.LR, LRDecay: c.LRDecay, LRMin: c.LRMin, NoRankShaping: true}
}

// Validate reports the first bad setting of an effective (WithDefaults) config.
func (c MetaConfig) Validate() error {
	switch c.Objective {
	case "lpo", "ta-lpo":
		if c.LPG != nil {
			return fmt.Errorf("objective %s: lpg settings given for a drift objective", c.Objective)
		}
	case "lpg", "ta-lpg":
		if c.LPG == nil {
			return fmt.Errorf("objective %s: no lpg settings (use WithDefaults)", c.Objective)
		}
		if err := c.LPG.Validate(); err != nil {
			return fmt.Errorf("inner lpg: %w", err)
		}
	default:
		return fmt.Errorf("objective %q: want lpo, ta-lpo, lpg or ta-lpg", c.Objective)
	}
	if c.FitnessPolicy != "" && c.FitnessPolicy != "mode" && c.FitnessPolicy != "sample" {
		return fmt.Errorf("fitness policy %q: want mode or sample", c.FitnessPolicy)
	}
	switch {
	case c.LifetimeMin == 0 && c.LifetimeMax == 0:
	case c.LifetimeMin < 1 || c.LifetimeMax < c.LifetimeMin || c.LifetimeMax > 1<<30:
		return fmt.Errorf("lifetimes [%d, %d] updates: want 1 <= min <= max", c.LifetimeMin, c.LifetimeMax)
	}
	if c.Hidden < 1 || c.Hidden > 4096 {
		return fmt.Errorf("hidden %d: want 1..4096", c.Hidden)
	}
	if c.Generations < 1 {
		return fmt.Errorf("generations %d: want at least 1", c.Generations)
	}
	if c.Workers < 0 {
		return fmt.Errorf("workers %d: want 0 (all cores) or more", c.Workers)
	}
	if c.FitnessEpisodes < 1 {
		return fmt.Errorf("fitness episodes %d: want at least 1", c.FitnessEpisodes)
	}
	if err := c.validateSearch(); err != nil {
		return err
	}
	if err := c.Inner.Validate(); err != nil {
		return fmt.Errorf("inner run: %w", err)
	}
	if err := c.PPO.Validate(); err != nil {
		return fmt.Errorf("inner ppo: %w", err)
	}
	if n := c.Inner.Envs * c.Inner.RolloutSteps; !c.IsGroove() && n%c.PPO.Minibatches != 0 { // groove runs no PPO reference
		return fmt.Errorf("inner run: %d minibatches do not divide envs x rollout steps = %d", c.PPO.Minibatches, n)
	}
	return nil
}

// validateSearch checks the strategy, shaping and protocol settings.
func (c MetaConfig) validateSearch() error {
	if c.ES == nil && !slices.Contains(Strategies, c.Strategy) && c.Strategy != "" {
		return fmt.Errorf("strategy %q: want one of %v", c.Strategy, Strategies)
	}
	if c.Shaping != "" && !slices.Contains(Shapings, c.Shaping) {
		return fmt.Errorf("fitness shaping %q: want one of %v", c.Shaping, Shapings)
	}
	openes := c.ES == nil && (c.Strategy == "" || c.Strategy == "openes")
	if openes {
		es := c.es()
		es.defaults()
		if err := es.validate(); err != nil {
			return err
		}
	} else if c.Population < 2 {
		return fmt.Errorf("population %d: want at least 2", c.Population)
	}
	if c.ES == nil && c.Strategy == "cmaes" && c.Dim() > MaxCMADim {
		return fmt.Errorf("strategy cmaes: %d parameters exceed %d (the full covariance is d x d); use snes or openes, or a smaller --hidden", c.Dim(), MaxCMADim)
	}
	if c.shaping() == "pair-rank" && !openes {
		return fmt.Errorf("pair-rank shaping needs antithetic pairs, i.e. strategy openes (not %s)", c.Strategy)
	}
	switch c.Protocol {
	case "", "lifetime":
		if c.UpdatesPerGeneration != 0 {
			return fmt.Errorf("updates per generation %d: only the groove protocol trains agents across generations", c.UpdatesPerGeneration)
		}
	case "groove":
		switch {
		case !c.IsLPG():
			return fmt.Errorf("protocol groove trains LPG agents; objective %s is a PPO drift", c.Objective)
		case !openes:
			return fmt.Errorf("protocol groove needs antithetic pairs, i.e. strategy openes (not %s)", c.Strategy)
		case c.LifetimeMin == 0:
			return errors.New("protocol groove needs lifetimes (lifetime_min, lifetime_max)")
		case c.UpdatesPerGeneration < 1 || c.UpdatesPerGeneration > 1<<20:
			return fmt.Errorf("updates per generation %d: want 1..1048576", c.UpdatesPerGeneration)
		}
	default:
		return fmt.Errorf("protocol %q: want lifetime or groove", c.Protocol)
	}
	if c.Protocol != "" && !c.IsLPG() {
		return fmt.Errorf("protocol %s: only LPG objectives have a protocol", c.Protocol)
	}
	return nil
}

// CheckInnerEnv makes the inner environment once and reports whether the objective's
// agent can train on it (LPG agents need discrete actions), so a bad pairing fails
// before any generation runs.
func (c MetaConfig) CheckInnerEnv() error {
	e, err := env.Make(c.Inner.Env, c.Inner.EnvOptions)
	if err != nil {
		return fmt.Errorf("inner env: %w", err)
	}
	if cl, ok := e.(io.Closer); ok {
		defer cl.Close()
	}
	if act := e.ActionSpace(); c.IsLPG() && act.Kind != env.Discrete {
		return fmt.Errorf("objective %s trains LPG agents, which need discrete actions; %s has %v", c.Objective, c.Inner.Env, act)
	}
	return nil
}

// Generation is the outcome of one meta-training generation.
type Generation struct {
	Index                   int
	FitnessMean, FitnessMax float64
	FitnessMin              float64
	Sigma, LR               float64 // the values this generation was sampled with
	// MeanFitness is the fitness of the search mean before this generation's update and
	// ClipFitness PPO-clip's, both on this generation's inner seed.
	MeanFitness, ClipFitness float64
	EnvSteps                 int64   // inner environment steps of this generation, all runs
	WallSeconds              float64 // since the start of meta-training
}

// MetaResult is the outcome of MetaTrain.
type MetaResult struct {
	Generations []Generation
	Mean        *ppo.LPO // the final mean drift network (drift objectives)
	Best        *ppo.LPO // the best member ever evaluated (drift objectives)
	// MeanRule and BestRule are the same for LPG objectives.
	MeanRule, BestRule *lpg.Rule
	BestFitness        float64
}

// Files of a meta-training run directory, besides logs' own.
const (
	MeanDriftFile = "mean.drift" // the search mean after the latest generation
	BestDriftFile = "best.drift" // the best member evaluated so far
	MeanRuleFile  = "mean.lpg"   // the same for LPG objectives (lpg update rule files)
	BestRuleFile  = "best.lpg"
	StateFile     = "es_state.json"
)

// DriftFromVector builds a drift network of the config's kind whose weights are x
// (laid out W1 then W2, as the LPO's tensors store them).
func (c MetaConfig) DriftFromVector(x []float64) (*ppo.LPO, error) {
	l := ppo.NewLPO(c.Objective == "ta-lpo", true, c.Hidden)
	if n := l.W1.Len() + l.W2.Len(); len(x) != n {
		return nil, fmt.Errorf("drift vector has %d values, want %d", len(x), n)
	}
	for i := range l.W1.Data {
		l.W1.Data[i] = float32(x[i])
	}
	off := l.W1.Len()
	for i := range l.W2.Data {
		l.W2.Data[i] = float32(x[off+i])
	}
	return l, nil
}

// Dim is the number of evolved parameters.
func (c MetaConfig) Dim() int {
	if c.IsLPG() {
		r, err := lpg.NewRule(env.NewRand(0), c.ruleConfig())
		if err != nil {
			return 0
		}
		return r.Dim()
	}
	l := ppo.NewLPO(c.Objective == "ta-lpo", true, c.Hidden)
	return l.W1.Len() + l.W2.Len()
}

func (c MetaConfig) ruleConfig() lpg.RuleConfig {
	return lpg.RuleConfig{Temporal: c.Objective == "ta-lpg", Hidden: c.Hidden}.WithDefaults()
}

// RuleFromVector builds an LPG update rule of the config's kind whose parameters are x
// (laid out as lpg.Rule.Vector writes them).
func (c MetaConfig) RuleFromVector(x []float64) (*lpg.Rule, error) {
	if !c.IsLPG() {
		return nil, fmt.Errorf("objective %s has no update rule", c.Objective)
	}
	r, err := lpg.NewRule(env.NewRand(0), c.ruleConfig())
	if err != nil {
		return nil, err
	}
	if err := r.SetVector(x); err != nil {
		return nil, err
	}
	return r, nil
}

// InitialMean is where the search starts: zero for drift objectives (with PPO init,
// PPO-clip), and for LPG objectives a randomly initialised rule (as groove starts from
// the network's initialisation), drawn from the meta seed's own stream.
func (c MetaConfig) InitialMean() ([]float64, error) {
	if !c.IsLPG() {
		return make([]float64, c.Dim()), nil
	}
	r, err := lpg.NewRule(env.NewRand(c.Seed, metaStreamRuleInit), c.ruleConfig())
	if err != nil {
		return nil, err
	}
	return r.Vector(nil), nil
}

// InnerRun trains PPO with objective obj for the config's inner budget with the given
// seed and returns the fitness (mean evaluation return, acting as FitnessPolicy says)
// and the environment steps used.
func (c MetaConfig) InnerRun(obj ppo.Objective, seed uint64) (float64, int64, error) {
	return c.innerRun(c.Inner, seed, func(obs, act env.Space) (agents.Agent, error) {
		return ppo.NewWithObjective(obs, act, c.PPO, seed, obj)
	})
}

// InnerRunLPG trains an LPG agent with update rule r for the given number of
// environment steps (0: the config's inner budget) with the given seed and returns the
// fitness and the environment steps used, as InnerRun.
func (c MetaConfig) InnerRunLPG(r *lpg.Rule, seed uint64, steps int64) (float64, int64, error) {
	if c.LPG == nil {
		return 0, 0, errors.New("inner lpg run: no lpg settings (use WithDefaults)")
	}
	tc := c.Inner
	if steps > 0 {
		tc.Steps = steps
	}
	return c.innerRun(tc, seed, func(obs, act env.Space) (agents.Agent, error) {
		return lpg.New(obs, act, *c.LPG, seed, r)
	})
}

func (c MetaConfig) innerRun(tc agents.TrainConfig, seed uint64, newAgent agents.NewAgentFunc) (float64, int64, error) {
	tc.Seed = seed
	loop, err := agents.NewLoop(tc, nil, newAgent)
	if err != nil {
		return 0, 0, err
	}
	defer loop.Close()
	sum, err := loop.Run()
	if err != nil {
		if errors.Is(err, agents.ErrNonFinite) {
			// A drift that makes PPO diverge is a bad objective, not a failed run.
			return math.Inf(-1), sum.EnvSteps, nil
		}
		return 0, sum.EnvSteps, err
	}
	// The loop's evaluation env sees observations as training did (frozen statistics
	// when the inner runs normalise, i.e. Box action spaces).
	if c.FitnessPolicy == "sample" {
		loop.Agent = sampledActs{loop.Agent}
	}
	rows, err := loop.Evaluate(c.FitnessEpisodes, env.DeriveSeed(seed, agents.StreamEval), nil, 0)
	if err != nil {
		return 0, sum.EnvSteps, err
	}
	return agents.MeanReturn(rows), sum.EnvSteps, nil
}

// sampledActs is an agent whose every action is drawn from its policy, also when asked
// for the deterministic one: evaluation with FitnessPolicy "sample".
type sampledActs struct{ agents.Agent }

func (s sampledActs) Act(obs, actions [][]float64, _ bool) { s.Agent.Act(obs, actions, false) }

// Stream ids under the meta-training seed.
const (
	metaStreamES       = 1 // the OpenES perturbations
	metaStreamInner    = 2 // the inner runs' seeds, then the generation
	metaStreamRuleInit = 3 // the initial LPG rule
	metaStreamLifetime = 4 // the pairs' lifetimes, then the generation and the pair
)

// Lifetime is the inner lifetime in updates of population member member of generation
// gen: log-uniform in [LifetimeMin, LifetimeMax], shared by the antithetic pair
// (member mod Population/2); 0 when lifetimes are not sampled or member is not in the
// population (the search mean and the reference).
func (c MetaConfig) Lifetime(gen, member int) int {
	if c.LifetimeMin == 0 || member < 0 || member >= c.Population {
		return 0
	}
	pair := member % (c.Population / 2)
	u := env.NewRand(c.Seed, metaStreamLifetime, uint64(gen), uint64(pair)).Float64()
	lo, hi := math.Log(float64(c.LifetimeMin)), math.Log(float64(c.LifetimeMax)+1)
	return min(int(math.Exp(lo+u*(hi-lo))), c.LifetimeMax) // floor of log-uniform on [min, max+1)
}

// memberSteps is the inner budget in environment steps of a member (0: Inner.Steps).
func (c MetaConfig) memberSteps(gen, member int) int64 {
	n := c.Lifetime(gen, member)
	if n == 0 {
		return 0
	}
	return int64(n) * int64(c.Inner.Envs) * int64(c.Inner.RolloutSteps)
}

// PairRanks writes the rank of each population member within its antithetic pair
// (i, i+N/2) into dst: 1 for the fitter, 0 for the other (a tie goes to the second,
// as groove's comparison first > second does).
func PairRanks(dst, fitness []float64) []float64 {
	dst = grow(dst, len(fitness))
	h := len(fitness) / 2
	for i := 0; i < h; i++ {
		if fitness[i] > fitness[i+h] {
			dst[i], dst[i+h] = 1, 0
		} else {
			dst[i], dst[i+h] = 0, 1
		}
	}
	return dst
}

// EvaluatorSeed is the seed of the member streams (Pool.Seed, and the distributed
// Coordinator's) of meta-training with this config. MemberFitness draws nothing from
// the member streams, but an evaluator with this seed hands out the same streams
// everywhere.
func (c MetaConfig) EvaluatorSeed() uint64 { return env.DeriveSeed(c.Seed, metaStreamInner) }

// InnerSeed is the seed of every inner run of generation gen: all members of a
// generation share it (common random numbers), so fitness differences come from the
// objectives.
func (c MetaConfig) InnerSeed(gen int) uint64 {
	return env.DeriveSeed(c.Seed, metaStreamInner, uint64(gen))
}

// MemberFitness is the fitness of member x of generation gen, a FitnessFunc: a fresh
// PPO agent trained with drift x (or, for LPG objectives, an LPG agent with update rule
// x) on the generation's inner seed for the member's budget (Lifetime), scored by InnerRun;
// the cost is the inner run's environment steps. An empty x is the PPO-clip reference
// member (its wire form: no parameters). It depends only on the config, gen, x
// and member (rng is not used), so any worker with the same config computes the same value.
// c must be effective (WithDefaults) and valid.
func (c MetaConfig) MemberFitness(gen, member int, x []float64, _ *rand.Rand) (float64, int64, error) {
	var obj ppo.Objective = ppo.Clip{Eps: float32(c.PPO.ClipEps)}
	steps := c.memberSteps(gen, member)
	if len(x) > 0 && c.IsLPG() {
		r, err := c.RuleFromVector(x)
		if err != nil {
			return 0, 0, err
		}
		return c.InnerRunLPG(r, c.InnerSeed(gen), steps)
	}
	if steps > 0 {
		cc := c
		cc.Inner.Steps = steps
		c = cc
	}
	if len(x) > 0 {
		l, err := c.DriftFromVector(x)
		if err != nil {
			return 0, 0, err
		}
		obj = l
	}
	return c.InnerRun(obj, c.InnerSeed(gen))
}

// MetaJob is the wire form of a meta-training's fitness function: everything a
// remote worker needs to evaluate its members (MemberFitness of Meta). Version names
// the coordinator's build (program version, and whatever else its numbers depend
// on, e.g. the CPU architecture); a worker of another build refuses the job, since
// its inner runs could differ.
type MetaJob struct {
	Kind    string     `json:"kind"` // MetaJobKind
	Version string     `json:"version"`
	Meta    MetaConfig `json:"meta"`
}

// MetaJobKind names MetaJob specs.
const MetaJobKind = "gorl/evolution.meta-train"

// JobSpec encodes the config (effective) as a MetaJob of the given program version.
func (c MetaConfig) JobSpec(version string) ([]byte, error) {
	b, err := json.Marshal(MetaJob{Kind: MetaJobKind, Version: version, Meta: c})
	if err != nil {
		return nil, fmt.Errorf("encode meta-training job: %w", err)
	}
	return b, nil
}

// MetaFitnessFromSpec decodes a JobSpec and returns its MemberFitness. It fails for a
// spec of another kind or program version, or with an invalid config.
func MetaFitnessFromSpec(spec []byte, version string) (FitnessFunc, error) {
	var job MetaJob
	dec := json.NewDecoder(bytes.NewReader(spec))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&job); err != nil {
		return nil, fmt.Errorf("decode meta-training job: %w", err)
	}
	if job.Kind != MetaJobKind {
		return nil, fmt.Errorf("job kind %q, want %q", job.Kind, MetaJobKind)
	}
	if job.Version != version {
		return nil, fmt.Errorf("job from build %q, this worker is %q: results could differ", job.Version, version)
	}
	if err := job.Meta.Validate(); err != nil {
		return nil, fmt.Errorf("meta-training job: %w", err)
	}
	return job.Meta.MemberFitness, nil
}

// MetaTrain evolves a drift network with OpenES (Lu et al. 2022, sec. 4): the mean
// starts at zero, which with PPO init is PPO-clip; each generation every member's
// drift trains a fresh PPO agent for the inner budget, and its fitness is the mean
// return of FitnessEpisodes evaluation episodes (deterministic unless FitnessPolicy is
// "sample"). All members of a
// generation share the inner seed (common random numbers), so fitness differences
// come from the objectives; the seed changes from generation to generation. Each
// generation also trains the current mean's drift and PPO-clip on that seed
// (mean_fitness, clip_fitness), the yardstick across generations.
//
// At the zero mean the perturbations +z and -z give the same drift (the bias-free
// tanh network is odd in its weights), and small ones stay below the 1e-4 offset, so
// the first generation's members tend to tie; the tie rule of CentredRanks (index
// order, as evosax's argsort) then moves the mean along a random direction, which
// breaks the symmetry.
//
// For LPG objectives (lpg, ta-lpg) the members are update rules (agents/lpg): the mean
// starts at a randomly initialised rule (InitialMean) and every member trains a fresh
// LPG agent; the reference member is still PPO-clip with the same inner budget. With
// LifetimeMin/Max each antithetic pair trains for its own sampled lifetime, and with
// PairRank the ES sees ranks within pairs (groove's antithetic task sampling). The run
// directory then holds mean.lpg and best.lpg (update rule files) instead of drift
// files. cfg must be effective (WithDefaults).
//
// With run non-nil, every generation logs a metrics row (fitness_mean/max/min,
// sigma, lr, wall time, env steps) and atomically rewrites mean.drift, best.drift
// (ppo drift files) and es_state.json in the run directory; run is not closed here.
// onGen, when non-nil, is called after each generation. Members are evaluated by a
// Pool of cfg.Workers goroutines; MetaTrainOn takes another Evaluator.
func MetaTrain(cfg MetaConfig, run *logs.Run, onGen func(Generation)) (*MetaResult, error) {
	return MetaTrainFrom(cfg, run, nil, onGen)
}

// MetaState is es_state.json of a meta-training run, rewritten atomically after every
// generation: with the run's config it continues the run exactly (MetaTrainFrom).
type MetaState struct {
	// ES is the strategy's state (SaveState); Strategy its name ("": openes, as run
	// directories written before there was a choice).
	ES          json.RawMessage `json:"es"`
	Strategy    string          `json:"strategy,omitempty"`
	Best        []float64       `json:"best,omitempty"` // the best member so far (none: all diverged)
	BestFitness float64         `json:"best_fitness"`
	WallSeconds float64         `json:"wall_seconds"`
	Marks       logs.Marks      `json:"marks"` // the log rows durable when the state was written
	// Agents are groove's persistent agents (protocol groove only).
	Agents []GrooveAgent `json:"agents,omitempty"`
}

// Generation is the number of generations the state has completed.
func (s *MetaState) Generation() int {
	g, _ := stateGeneration(s.ES)
	return g
}

// ReadRunMeta reads the meta-training config of a gorl evolve run directory (the
// "meta" section of its config.json).
func ReadRunMeta(dir string) (MetaConfig, error) {
	data, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		return MetaConfig{}, fmt.Errorf("%s is not a run directory (no config.json)", dir)
	}
	var cfg struct {
		Command string     `json:"command"`
		Meta    MetaConfig `json:"meta"`
	}
	if err := json.Unmarshal(data, &cfg); err != nil {
		return MetaConfig{}, fmt.Errorf("config %s: %w", dir, err)
	}
	if cfg.Command != "evolve" {
		return MetaConfig{}, fmt.Errorf("%s is not a meta-training run", dir)
	}
	return cfg.Meta, nil
}

// ReadMetaState reads es_state.json of a meta-training run directory.
func ReadMetaState(dir string) (*MetaState, error) {
	path := filepath.Join(dir, StateFile)
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read meta-training state: %w", err)
	}
	var st MetaState
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("meta-training state %s: %w", path, err)
	}
	if _, err := stateGeneration(st.ES); err != nil || len(st.ES) == 0 {
		return nil, fmt.Errorf("meta-training state %s: no strategy state", path)
	}
	return &st, nil
}

// MetaTrainFrom is MetaTrain continued from a saved state (nil: from the start); run
// should then be the run directory reopened with logs.Resume(dir, opts, &st.Marks).
// The resumed run ends exactly as an uninterrupted one; the result lists only the
// generations run now.
func MetaTrainFrom(cfg MetaConfig, run *logs.Run, from *MetaState, onGen func(Generation)) (*MetaResult, error) {
	return MetaTrainOn(Pool{Workers: cfg.Workers, Seed: cfg.EvaluatorSeed()}, cfg, run, from, onGen)
}

// startStrategy builds and initialises the config's strategy, restored from from when
// it is not nil.
func (c MetaConfig) startStrategy(from *MetaState) (Strategy, error) {
	es, err := c.strategy()
	if err != nil {
		return nil, err
	}
	mean0, err := c.InitialMean()
	if err != nil {
		return nil, err
	}
	seed := env.DeriveSeed(c.Seed, metaStreamES)
	if err := es.Init(mean0, seed); err != nil {
		return nil, err
	}
	if from == nil {
		return es, nil
	}
	if name := cmp.Or(from.Strategy, "openes"); name != es.Name() {
		return nil, fmt.Errorf("resume meta-training: the state is of strategy %s, the config's is %s", name, es.Name())
	}
	if err := es.LoadState(from.ES); err != nil {
		return nil, fmt.Errorf("resume meta-training: %w", err)
	}
	var st struct {
		Seed uint64 `json:"seed"`
	}
	_ = json.Unmarshal(from.ES, &st)
	if len(es.Mean()) != c.Dim() || st.Seed != seed {
		return nil, errors.New("resume meta-training: the state does not belong to this config (dimension or seed differ)")
	}
	return es, nil
}

// MetaTrainOn is MetaTrainFrom with the members evaluated by ev, e.g. a
// distributed.Coordinator whose workers evaluate MemberFitness of this config (its
// JobSpec), with seed EvaluatorSeed. The result does not depend on the evaluator.
// Each generation evaluates the population's members 0..N-1, then the search mean
// (member N) and PPO-clip (member N+1, no parameters). Under the groove protocol the
// members train persistent agents held in this process (ev must be a Pool), and
// neither reference runs.
func MetaTrainOn(ev Evaluator, cfg MetaConfig, run *logs.Run, from *MetaState, onGen func(Generation)) (*MetaResult, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := cfg.CheckInnerEnv(); err != nil {
		return nil, err
	}
	if _, local := ev.(Pool); cfg.IsGroove() && !local {
		return nil, errors.New("protocol groove keeps its agents in this process: evaluate members locally (no --distributed)")
	}
	es, err := cfg.startStrategy(from)
	if err != nil {
		return nil, err
	}
	res := &MetaResult{BestFitness: math.Inf(-1)}
	var best []float64
	var wall0 float64
	var agents []GrooveAgent
	if from != nil {
		if from.Best != nil {
			if len(from.Best) != cfg.Dim() {
				return nil, fmt.Errorf("resume meta-training: best member has %d values, want %d", len(from.Best), cfg.Dim())
			}
			best, res.BestFitness = append([]float64(nil), from.Best...), from.BestFitness
		}
		wall0, agents = from.WallSeconds, from.Agents
	}
	if cfg.IsGroove() && agents == nil {
		agents = cfg.spawnAgents()
	}
	start := time.Now()
	var pop [][]float64
	n := es.PopSize()
	fit := make([]float64, n+2)
	var shaped []float64
	steps := make([]int64, n+2)
	for g := es.Generation(); g < cfg.Generations; g++ {
		sigma, lr := es.StepSize(), es.LRNow()
		if pop, err = es.Ask(pop); err != nil {
			return nil, err
		}
		gen := Generation{Index: g, FitnessMin: math.Inf(1), FitnessMax: math.Inf(-1), Sigma: sigma, LR: lr}
		if cfg.IsGroove() {
			if agents, err = cfg.grooveGeneration(g, pop, agents, fit[:n], steps[:n]); err != nil {
				return nil, fmt.Errorf("generation %d: %w", g, err)
			}
			gen.MeanFitness, gen.ClipFitness = math.NaN(), math.NaN()
		} else {
			// Members 0..N-1 are the population; two more runs on the same inner seed make
			// generations comparable: the current mean's network and PPO-clip itself.
			evalPop := append(pop[:len(pop):len(pop)], es.Mean(), []float64{})
			if err := ev.Evaluate(g, evalPop, fit, steps, cfg.MemberFitness); err != nil {
				return nil, fmt.Errorf("generation %d: %w", g, err)
			}
			gen.MeanFitness, gen.ClipFitness, gen.EnvSteps = fit[n], fit[n+1], steps[n]+steps[n+1]
		}
		for i, f := range fit[:n] {
			gen.FitnessMean += f / float64(n)
			gen.FitnessMin = math.Min(gen.FitnessMin, f)
			if f > gen.FitnessMax {
				gen.FitnessMax = f
			}
			if f > res.BestFitness {
				res.BestFitness = f
				best = append(best[:0], pop[i]...)
			}
			gen.EnvSteps += steps[i]
		}
		if shaped, err = Shape(cfg.shaping(), shaped, fit[:n]); err != nil {
			return nil, err
		}
		if err := es.Tell(shaped); err != nil {
			return nil, err
		}
		gen.WallSeconds = wall0 + time.Since(start).Seconds()
		res.Generations = append(res.Generations, gen)
		if err := cfg.setResult(res, es.Mean(), best); err != nil {
			return nil, err
		}
		if run != nil {
			raw, err := es.SaveState()
			if err != nil {
				return nil, err
			}
			st := MetaState{ES: raw, Strategy: es.Name(), Best: best, BestFitness: res.BestFitness,
				WallSeconds: gen.WallSeconds, Agents: agents}
			if best == nil {
				st.BestFitness = 0 // -Inf has no JSON form; no best member yet
			}
			if err := writeGeneration(run, cfg, gen, res, st, ev); err != nil {
				return nil, err
			}
		}
		if onGen != nil {
			onGen(gen)
		}
	}
	return res, nil
}

// setResult builds the result's networks (drift or rule) from the mean and best vectors.
func (c MetaConfig) setResult(res *MetaResult, mean, best []float64) error {
	var err error
	if c.IsLPG() {
		if res.MeanRule, err = c.RuleFromVector(mean); err != nil {
			return err
		}
		if best != nil {
			res.BestRule, err = c.RuleFromVector(best)
		}
		return err
	}
	if res.Mean, err = c.DriftFromVector(mean); err != nil {
		return err
	}
	if best != nil {
		res.Best, err = c.DriftFromVector(best)
	}
	return err
}

// MeanFile and BestFile are the names of the run directory's mean and best networks:
// drift files, or update rule files for LPG objectives.
func (c MetaConfig) MeanFile() string {
	if c.IsLPG() {
		return MeanRuleFile
	}
	return MeanDriftFile
}

func (c MetaConfig) BestFile() string {
	if c.IsLPG() {
		return BestRuleFile
	}
	return BestDriftFile
}

func writeGeneration(run *logs.Run, cfg MetaConfig, gen Generation, res *MetaResult, st MetaState, ev Evaluator) error {
	values := map[string]float64{
		"fitness_mean": gen.FitnessMean, "fitness_max": gen.FitnessMax, "fitness_min": gen.FitnessMin,
		"sigma": gen.Sigma, "lr": gen.LR, "best_fitness": res.BestFitness,
		"mean_fitness": gen.MeanFitness, "clip_fitness": gen.ClipFitness,
	}
	for k, v := range values {
		if math.IsNaN(v) { // no reference runs (groove protocol)
			delete(values, k)
		}
	}
	if c, ok := ev.(Counter); ok {
		maps.Copy(values, c.Counters())
	}
	if err := run.LogMetrics(logs.MetricRow{
		Seed: int64(cfg.Seed), Iteration: int64(gen.Index), EnvSteps: gen.EnvSteps, WallSeconds: gen.WallSeconds,
		Values: values,
	}); err != nil {
		return err
	}
	dir := run.Dir()
	if cfg.IsLPG() {
		if err := lpg.SaveRule(filepath.Join(dir, MeanRuleFile), res.MeanRule); err != nil {
			return err
		}
		if res.BestRule != nil {
			if err := lpg.SaveRule(filepath.Join(dir, BestRuleFile), res.BestRule); err != nil {
				return err
			}
		}
	} else {
		if err := ppo.SaveLPO(filepath.Join(dir, MeanDriftFile), res.Mean); err != nil {
			return err
		}
		if res.Best != nil {
			if err := ppo.SaveLPO(filepath.Join(dir, BestDriftFile), res.Best); err != nil {
				return err
			}
		}
	}
	// The state records the rows it covers, so a resume drops any row written after it.
	marks, err := run.Checkpoint()
	if err != nil {
		return err
	}
	st.Marks = marks
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	return logs.WriteFileAtomic(filepath.Join(dir, StateFile), func(f *os.File) error {
		_, err := f.Write(b)
		return err
	})
}

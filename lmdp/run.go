package lmdp

import (
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"gorl/env"
	"gorl/env/latent"
	"gorl/internal/workpool"
)

// Solver names.
const (
	SolverValueOptimistic = "value-optimistic" // Bernstein (variance) bonus on alpha values
	SolverModelOptimistic = "model-optimistic" // extended value iteration over a Bernstein set
	SolverHoeffding       = "hoeffding"        // value-optimistic with the Hoeffding bonus (ablation)
	SolverPooled          = "pooled"           // one optimistic MDP, context ignored
	SolverWSU             = "wsu"              // WSU Markov policy with the true model (fixed)
	SolverOracle          = "oracle"           // knows the context (fixed; negative regret)
)

// Solvers lists the solver names Learn accepts.
var Solvers = []string{SolverValueOptimistic, SolverModelOptimistic, SolverHoeffding, SolverPooled, SolverWSU, SolverOracle}

// Config are the settings of a learning run. Zero values mean defaults.
type Config struct {
	Solver string // one of Solvers; "" means value-optimistic
	K      int    // episodes (required, > 0)
	// Bonus names the bonus constants: BonusTuned (c1 = 0.5, c2 = 0.1, tuned on random
	// instances) or BonusTheory (the empirical Bernstein inequality's, see BonusTheory);
	// "" means tuned. C1 and C2, when not zero, override the named constants.
	Bonus  string
	C1, C2 float64
	// Delta is the confidence level in iota = 2 ln(2 M S A H K / delta); 0 means 0.1.
	Delta   float64
	Planner PBVI
	// EvalStates bounds the policy belief states per step of exact policy evaluation
	// (0: 1<<20).
	EvalStates int
	// EstimateWeights makes the belief solvers estimate the context weights w from the
	// revealed contexts (Laplace) instead of being given them. The estimate carries no
	// bonus, so the planned start value is then not guaranteed to be optimistic.
	EstimateWeights bool
	// BeliefFloor gives a transition the counts of a context have not seen the
	// Good-Turing floor of Counts.BeliefFloor in that context's belief instead of 0, so
	// that one unseen transition does not rule the context out while its data is thin.
	// It is off by default: on the random family (contexts with different supports) it
	// keeps contexts alive that rewards and supports would rule out, and learning at
	// M=3 S=8 A=3 H=10 K=4096 took about 40 times longer with it.
	BeliefFloor bool
	// KeepSteps keeps the steps of every KeepSteps-th episode in the Result (0: none).
	KeepSteps int
}

// Bonus constants and defaults.
const (
	BonusTuned = "tuned"
	// BonusTheory takes the constants of the empirical Bernstein inequality (Maurer and
	// Pontil 2009, Theorem 4): |(P^ - P)·x| <= sqrt(2 V ln(2/d) / n) + 7 ln(2/d) / (3(n-1))
	// for x in [0,1]; with iota = 2 ln(.) that is c1 = 1, c2 = 7/6 (n for n-1). The
	// paper's proofs use constants of this kind; its exact ones are not reproduced here.
	BonusTheory = "theory"

	DefaultC1    = 0.5
	DefaultC2    = 0.1
	TheoryC1     = 1.0
	TheoryC2     = 7.0 / 6
	DefaultDelta = 0.1
)

// WithDefaults returns c with zero fields replaced by their defaults.
func (c Config) WithDefaults() Config {
	if c.Solver == "" {
		c.Solver = SolverValueOptimistic
	}
	if c.Bonus == "" {
		c.Bonus = BonusTuned
	}
	c1, c2 := DefaultC1, DefaultC2
	if c.Bonus == BonusTheory {
		c1, c2 = TheoryC1, TheoryC2
	}
	if c.C1 == 0 {
		c.C1 = c1
	}
	if c.C2 == 0 {
		c.C2 = c2
	}
	if c.Delta == 0 {
		c.Delta = DefaultDelta
	}
	return c
}

// Validate reports impossible settings.
func (c Config) Validate() error {
	known := false
	for _, s := range Solvers {
		known = known || s == c.Solver
	}
	if !known {
		return fmt.Errorf("unknown solver %q (known: %v)", c.Solver, Solvers)
	}
	if c.Bonus != BonusTuned && c.Bonus != BonusTheory {
		return fmt.Errorf("unknown bonus constants %q (known: %s, %s)", c.Bonus, BonusTuned, BonusTheory)
	}
	if c.K <= 0 {
		return fmt.Errorf("K=%d episodes: must be > 0", c.K)
	}
	if c.C1 < 0 || c.C2 < 0 || math.IsNaN(c.C1) || math.IsNaN(c.C2) {
		return fmt.Errorf("bonus constants c1=%v, c2=%v must be >= 0", c.C1, c.C2)
	}
	if !(c.Delta > 0 && c.Delta < 1) {
		return fmt.Errorf("delta=%v must be in (0, 1)", c.Delta)
	}
	return nil
}

// Reference are the instance's benchmark values, computed exactly with its model.
type Reference struct {
	VStar float64 // optimal value (PBVI over the reachable beliefs)
	// VStarExact is false when the node budget was hit: VStar is then a lower bound, the
	// larger of the planned value and the exact value of the planned policy as it acts.
	VStarExact bool
	VWSU       float64 // value of the WSU Markov policy
	VOracle    float64 // sum_m w_m V*_m (context known)
	Gamma      int
	// VarStar is Var* as computed here [impl]: sum_m w_m Var^{pi*}(return | m), the total
	// variance of the optimal alpha vectors along the optimal policy (Evaluation.Variance).
	VarStar float64
}

// OracleGap is V_oracle - V*: what not knowing the context costs the best policy.
func (r Reference) OracleGap() float64 { return r.VOracle - r.VStar }

// MemoryGap is V* - V_WSU: what remembering the history is worth over the WSU Markov policy.
func (r Reference) MemoryGap() float64 { return r.VStar - r.VWSU }

// Latent reports whether both gaps are at least margin: the context is hidden (knowing it
// is worth margin) and must be inferred along the episode (inference is worth margin).
func (r Reference) Latent(margin float64) bool {
	return r.OracleGap() >= margin && r.MemoryGap() >= margin
}

// ReferenceValues computes V*, V_WSU and V_oracle of l.
func ReferenceValues(l *latent.LMDP, pl PBVI) (Reference, error) {
	if err := l.Validate(); err != nil {
		return Reference{}, err
	}
	md := ModelOf(l)
	pol, err := pl.Plan(md, Exact{md})
	if err != nil {
		return Reference{}, err
	}
	vw, _ := EvaluateMarkov(l, WSU(l))
	ev, err := Evaluate(l, pol, 0)
	if err != nil {
		return Reference{}, fmt.Errorf("Var*: %w", err)
	}
	vstar := pol.Root
	if !pol.Complete {
		// Both are values of policies that exist, so both bound V* from below; the
		// acting policy (exact-belief lookahead off the points) is often the better one.
		vstar = max(vstar, ev.Value)
	}
	return Reference{VStar: vstar, VStarExact: pol.Complete, VWSU: vw, VOracle: OracleValue(l), Gamma: l.Gamma(), VarStar: ev.Variance}, nil
}

// Step is one logged step of an episode.
type Step struct {
	Episode, H    int
	State, Action int
	Reward        float64
	NextState     int
	Context       int // revealed in hindsight
}

// Result is the outcome of one learning run (one seed).
type Result struct {
	Seed        uint64
	CumRegret   []float64 // sum_{j<=k} (V* - V^{pi_j}) after episode k (exact values)
	PolicyValue []float64 // V^{pi_k} per episode
	Contexts    []int32   // revealed context per episode
	Returns     []float64 // sampled return per episode
	WallSeconds []float64 // since the start of this seed's run, at each episode's end
	Steps       []Step    // steps of every KeepSteps-th episode
	Replans     int
	// OptimisticRoot is the planned (optimistic) value at the start after each re-plan
	// of a belief solver, in order; empty for the baselines.
	OptimisticRoot []float64
}

// agent is a policy-producing learner driven by Learn.
type agent interface {
	plan(c *Counts) error
	value() (float64, error) // exact value of the current policy in the true LMDP
	fixed() bool             // never re-plans
	start(s, context int)    // context is read by the oracle only
	act() int
	observe(a int, r float64, s2 int)
}

// Learn runs cfg.Solver on l for cfg.K episodes with the random stream of seed. ref
// supplies V*. The context of each episode is revealed to the learner only after it ends.
func Learn(l *latent.LMDP, ref Reference, cfg Config, seed uint64) (*Result, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	e, err := latent.NewEnv(l)
	if err != nil {
		return nil, err
	}
	e.Seed(env.DeriveSeed(seed, 0x5eed))
	ag := newAgent(l, cfg)
	M, S, A, H := l.M, l.S, l.A, l.H
	res := &Result{Seed: seed, CumRegret: make([]float64, cfg.K), PolicyValue: make([]float64, cfg.K),
		Contexts: make([]int32, cfg.K), Returns: make([]float64, cfg.K), WallSeconds: make([]float64, cfg.K)}
	start := time.Now()
	counts := NewCounts(M, S, A)
	var frozen *Counts
	states, actions := make([]int, H+1), make([]int, H)
	rewards := make([]float64, H)
	act := make([]float64, 1)
	needPlan, value, regret := true, 0.0, 0.0
	for k := 0; k < cfg.K; k++ {
		if needPlan {
			frozen = counts.Clone()
			if err := ag.plan(frozen); err != nil {
				return nil, fmt.Errorf("episode %d: plan: %w", k, err)
			}
			if value, err = ag.value(); err != nil {
				return nil, fmt.Errorf("episode %d: %w", k, err)
			}
			if ba, ok := ag.(*beliefAgent); ok {
				res.OptimisticRoot = append(res.OptimisticRoot, ba.pol.Root)
			}
			res.Replans++
			needPlan = false
		}
		regret += ref.VStar - value
		res.CumRegret[k], res.PolicyValue[k] = regret, value

		s := int(e.Reset()[0])
		ag.start(s, e.Context())
		states[0] = s
		ret := 0.0
		for h := 0; h < H; h++ {
			a := ag.act()
			act[0] = float64(a)
			tr := e.Step(act)
			s2 := int(tr.Obs[0])
			ag.observe(a, tr.Reward, s2)
			actions[h], rewards[h], states[h+1] = a, tr.Reward, s2
			ret += tr.Reward
		}
		m := e.Context() // revealed in hindsight
		res.Contexts[k], res.Returns[k] = int32(m), ret
		res.WallSeconds[k] = time.Since(start).Seconds()
		if cfg.KeepSteps > 0 && k%cfg.KeepSteps == 0 {
			for h := 0; h < H; h++ {
				res.Steps = append(res.Steps, Step{Episode: k, H: h, State: states[h], Action: actions[h],
					Reward: rewards[h], NextState: states[h+1], Context: m})
			}
		}
		if err := counts.AddEpisode(m, states, actions, rewards); err != nil {
			return nil, err
		}
		if ag.fixed() {
			continue
		}
		// Doubling schedule: re-plan when some N_m(s,a) or the context count doubles.
		for h := 0; h < H; h++ {
			i := (m*S+states[h])*A + actions[h]
			if counts.N[i] >= max(1, 2*frozen.N[i]) {
				needPlan = true
			}
		}
		if counts.NContext[m] >= max(1, 2*frozen.NContext[m]) {
			needPlan = true
		}
	}
	return res, nil
}

func newAgent(l *latent.LMDP, cfg Config) agent {
	switch cfg.Solver {
	case SolverPooled:
		return &markovAgent{l: l, cfg: cfg}
	case SolverWSU:
		return &markovAgent{l: l, cfg: cfg, mp: WSU(l)}
	case SolverOracle:
		return &oracleAgent{l: l, pols: OraclePolicies(l)}
	}
	return &beliefAgent{l: l, cfg: cfg}
}

// beliefAgent plans a belief policy with an optimistic backup on the frozen counts.
type beliefAgent struct {
	l   *latent.LMDP
	cfg Config
	pol *Policy
	tr  *Tracker
}

func (b *beliefAgent) plan(c *Counts) error {
	l := b.l
	var w []float64
	if !b.cfg.EstimateWeights {
		w = l.Weights
	}
	md := c.Estimate(l.H, w)
	if b.cfg.BeliefFloor {
		md.Floor = c.BeliefFloor()
	}
	iota := Iota(l.M, l.S, l.A, l.H, b.cfg.K, b.cfg.Delta)
	var bk Backup
	switch b.cfg.Solver {
	case SolverModelOptimistic:
		bk = &ModelOptimistic{Model: md, N: c.N, NInit: c.NContext, C1: b.cfg.C1, C2: b.cfg.C2, Iota: iota}
	default:
		bk = &ValueOptimistic{Model: md, N: c.N, NInit: c.NContext, C1: b.cfg.C1, C2: b.cfg.C2, Iota: iota, Hoeffding: b.cfg.Solver == SolverHoeffding}
	}
	pol, err := b.cfg.Planner.Plan(md, bk)
	if err != nil {
		return err
	}
	b.pol, b.tr = pol, pol.NewTracker()
	return nil
}

func (b *beliefAgent) value() (float64, error) {
	ev, err := Evaluate(b.l, b.pol, b.cfg.EvalStates)
	return ev.Value, err
}
func (b *beliefAgent) fixed() bool                      { return false }
func (b *beliefAgent) start(s, _ int)                   { b.tr.Start(s) }
func (b *beliefAgent) act() int                         { return b.tr.Action() }
func (b *beliefAgent) observe(a int, r float64, s2 int) { b.tr.Observe(a, r, s2) }

// markovAgent acts with a Markov policy: the pooled learner (re-planned) or WSU (fixed).
type markovAgent struct {
	l    *latent.LMDP
	cfg  Config
	mp   *MarkovPolicy
	h, s int
}

func (a *markovAgent) plan(c *Counts) error {
	if a.cfg.Solver == SolverPooled {
		l := a.l
		a.mp = PooledPlan(c, l.H, a.cfg.C1, a.cfg.C2, Iota(l.M, l.S, l.A, l.H, a.cfg.K, a.cfg.Delta))
	}
	return nil
}
func (a *markovAgent) value() (float64, error) { v, _ := EvaluateMarkov(a.l, a.mp); return v, nil }
func (a *markovAgent) fixed() bool             { return a.cfg.Solver == SolverWSU }
func (a *markovAgent) start(s, _ int)          { a.h, a.s = 0, s }
func (a *markovAgent) act() int                { return a.mp.Act[a.h*a.mp.S+a.s] }
func (a *markovAgent) observe(_ int, _ float64, s2 int) {
	a.h++
	a.s = s2
}

// oracleAgent knows the context and follows that context's optimal policy.
type oracleAgent struct {
	l       *latent.LMDP
	pols    []*MarkovPolicy
	m, h, s int
}

func (o *oracleAgent) plan(*Counts) error      { return nil }
func (o *oracleAgent) value() (float64, error) { return OracleValue(o.l), nil }
func (o *oracleAgent) fixed() bool             { return true }
func (o *oracleAgent) start(s, context int)    { o.m, o.h, o.s = context, 0, s }
func (o *oracleAgent) act() int                { return o.pols[o.m].Act[o.h*o.l.S+o.s] }
func (o *oracleAgent) observe(_ int, _ float64, s2 int) {
	o.h++
	o.s = s2
}

// LearnSeeds runs Learn for every seed on workers goroutines (0: GOMAXPROCS). Each seed
// has its own random streams, so the results do not depend on the number of workers.
// progress, if not nil, is called (serialised) after each finished seed.
func LearnSeeds(l *latent.LMDP, ref Reference, cfg Config, seeds []uint64, workers int, progress func(done int)) ([]*Result, error) {
	results := make([]*Result, len(seeds))
	var mu sync.Mutex
	done := 0
	err := workpool.Run(len(seeds), workers, func(i int) error {
		r, err := Learn(l, ref, cfg, seeds[i])
		if err != nil {
			return fmt.Errorf("seed %d: %w", seeds[i], err)
		}
		results[i] = r
		if progress != nil {
			mu.Lock()
			done++
			progress(done)
			mu.Unlock()
		}
		return nil
	})
	if err != nil {
		return nil, errors.Unwrap(err) // the seed names the job
	}
	return results, nil
}

// LogLogSlope is the least-squares slope of log R_k against log k (k = 1..len(cum),
// episodes counted from 1) over the episodes in [from*len, len], on up to 64
// log-spaced points. It is NaN when fewer than two points have R_k > 0.
func LogLogSlope(cum []float64, from float64) float64 {
	n := len(cum)
	if n < 2 {
		return math.NaN()
	}
	lo := max(1, int(from*float64(n)))
	var xs, ys []float64
	last := -1
	for j := 0; j < 64; j++ {
		k := int(math.Round(float64(lo) * math.Pow(float64(n)/float64(lo), float64(j)/63)))
		k = min(max(k, 1), n)
		if k == last || cum[k-1] <= 0 {
			continue
		}
		last = k
		xs = append(xs, math.Log(float64(k)))
		ys = append(ys, math.Log(cum[k-1]))
	}
	if len(xs) < 2 {
		return math.NaN()
	}
	var mx, my float64
	for i := range xs {
		mx += xs[i]
		my += ys[i]
	}
	mx /= float64(len(xs))
	my /= float64(len(ys))
	var sxy, sxx float64
	for i := range xs {
		sxy += (xs[i] - mx) * (ys[i] - my)
		sxx += (xs[i] - mx) * (xs[i] - mx)
	}
	if sxx == 0 {
		return math.NaN()
	}
	return sxy / sxx
}

package glow

import (
	"errors"
	"fmt"
	"math"
	"os"
	"sort"
	"sync"

	"gorl/env"
	"gorl/env/lock"
	"gorl/internal/workpool"
	"gorl/logs"
)

// Algorithms run by Run.
const (
	AlgoGLOW      = "glow"      // GLOW, online
	AlgoHyGLOW    = "hyglow"    // H2O + MABO.CR
	AlgoHyQ       = "hyq"       // H2O + FQI
	AlgoGOLF      = "golf"      // GLOW with GOLF's signed, unclipped confidence set
	AlgoQLearning = "qlearning" // epsilon-greedy tabular Q-learning
	AlgoOffline   = "offline"   // MABO.CR on the offline data alone
)

// Weight classes.
const (
	WeightsBox    = "box"    // all non-negative tabular weights (signed for GOLF)
	WeightsRatios = "ratios" // the density ratios of the finite class's models and policies
	WeightsNeural = "neural" // HyGLOW's weight networks of the neural class
)

// Config is one experiment: everything needed to rerun it besides the problem and seed.
// Zero values mean defaults.
type Config struct {
	Algo    string `json:"algo"`
	Class   string `json:"class"`   // finite, tabular or linear (default: tabular, linear for features)
	Offline string `json:"offline"` // none, epsilon or mixed (H2O algorithms and offline)
	// Weights is the weight class W of GLOW and MABO.CR: box (default) or ratios (needs
	// the finite class).
	Weights string `json:"weights"`
	// OfflineDir, when set, reads the offline data set from a directory written by
	// lock.WriteDataset (gorl glow data) instead of generating it per seed; Offline
	// then names its design, for the record.
	OfflineDir string `json:"offline_dir,omitempty"`
	// Episodes is T, the number of online episodes (GLOW and H2O run one per iteration).
	Episodes int `json:"episodes"`
	// ModelClassSize is k for the finite class of a random MDP (default 6).
	ModelClassSize int `json:"model_class_size,omitempty"`
	// GLOW / GOLF / MABO.CR settings (see GLOW and MABO).
	Gamma     float64 `json:"gamma,omitempty"`
	Ccov      float64 `json:"ccov,omitempty"`
	Delta     float64 `json:"delta,omitempty"`
	BetaScale float64 `json:"beta_scale,omitempty"`
	NoClip    bool    `json:"no_clip,omitempty"`
	NoPenalty bool    `json:"no_penalty,omitempty"`
	// Ridge is the ridge penalty of the linear class (default 1).
	Ridge float64 `json:"ridge,omitempty"`
	// NeuralSteps is the number of Adam updates per fit of the neural class (default
	// 500, Hy-Q's; batch 512, learning rate 0.0025).
	NeuralSteps int `json:"neural_steps,omitempty"`
	// Q-learning settings.
	Epsilon float64 `json:"epsilon,omitempty"`
	LRPower float64 `json:"lr_power,omitempty"`
	// Evaluation: every EvalEvery iterations (default 1; Q-learning: Episodes/200;
	// feature problems: 5), Monte Carlo with EvalEpisodes episodes for feature problems
	// (default 100). SolveAt is the success rate that counts as solved (default 0.95);
	// StopOnSolve ends a seed once its current policy solves the task.
	EvalEvery    int     `json:"eval_every,omitempty"`
	EvalEpisodes int     `json:"eval_episodes,omitempty"`
	SolveAt      float64 `json:"solve_at,omitempty"`
	StopOnSolve  bool    `json:"stop_on_solve,omitempty"`
}

// Defaults fills defaults that depend on the problem and validates the combination.
func (c Config) Defaults(p *Problem) (Config, error) {
	if c.Class == "" {
		switch {
		case p.Incomplete:
			c.Class = "finite"
		case p.Tabular():
			c.Class = "tabular"
		default:
			c.Class = "linear"
		}
	}
	if c.Offline == "" {
		c.Offline = "none"
	}
	if c.Weights == "" && c.Class == "neural" {
		c.Weights = WeightsNeural
	}
	if c.Weights == "" {
		c.Weights = WeightsBox
		if p.Incomplete && c.Class == "finite" && (c.Algo == AlgoGLOW || c.Algo == AlgoHyGLOW || c.Algo == AlgoOffline) {
			c.Weights = WeightsRatios // the family is built so that the ratios are in W
		}
	}
	if c.SolveAt == 0 {
		c.SolveAt = 0.95
	}
	if c.EvalEpisodes == 0 {
		c.EvalEpisodes = 100
	}
	if c.EvalEvery == 0 {
		c.EvalEvery = 1
		if c.Algo == AlgoQLearning {
			c.EvalEvery = max(1, c.Episodes/200)
		} else if !p.Tabular() {
			c.EvalEvery = 5
		}
	}
	if c.Ridge == 0 {
		c.Ridge = 1
	}
	if c.ModelClassSize == 0 {
		c.ModelClassSize = 6
	}
	return c, c.check(p)
}

// check validates a configuration with its defaults filled.
func (c Config) check(p *Problem) error {
	switch {
	case c.Episodes < 1:
		return fmt.Errorf("episodes must be >= 1, got %d", c.Episodes)
	case c.EvalEvery < 1 || c.EvalEpisodes < 1:
		return fmt.Errorf("eval_every and eval_episodes must be >= 1")
	case !(c.Ridge >= 0) || math.IsInf(c.Ridge, 0):
		return fmt.Errorf("ridge must be finite and >= 0, got %g", c.Ridge)
	case !(c.BetaScale >= 0 && c.Gamma >= 0 && c.Ccov >= 0 && c.Delta >= 0 && c.Delta < 1) ||
		math.IsInf(c.BetaScale, 0) || math.IsInf(c.Gamma, 0) || math.IsInf(c.Ccov, 0):
		return fmt.Errorf("beta_scale, gamma, ccov must be finite and >= 0 and delta in [0, 1)")
	case !(c.Epsilon >= 0 && c.Epsilon <= 1):
		return fmt.Errorf("epsilon must be in [0, 1], got %g", c.Epsilon)
	}
	switch c.Algo {
	case AlgoGLOW, AlgoGOLF, AlgoQLearning:
		if c.Offline != "none" {
			return fmt.Errorf("%s is online: offline data needs hyglow or hyq", c.Algo)
		}
		if !p.Tabular() {
			return fmt.Errorf("%s needs a tabular problem (%s has feature observations)", c.Algo, p.EnvID)
		}
	case AlgoHyGLOW, AlgoHyQ, AlgoOffline:
		if c.Algo == AlgoOffline && c.Offline == "none" {
			return fmt.Errorf("offline learns from offline data alone: it needs --offline epsilon or mixed")
		}
		if c.Offline != "none" {
			if _, err := lock.ParseDesign(c.Offline); err != nil {
				return err
			}
			if p.Lock == nil {
				return fmt.Errorf("offline data needs a combination lock, not %s", p.EnvID)
			}
		}
	default:
		return fmt.Errorf("unknown algorithm %q (want glow, hyglow, hyq, offline, golf or qlearning)", c.Algo)
	}
	switch c.Weights {
	case WeightsNeural:
		if c.Class != "neural" {
			return fmt.Errorf("weights neural belong to class neural, not %s", c.Class)
		}
	case WeightsBox:
	case WeightsRatios:
		if c.Class != "finite" {
			return fmt.Errorf("weights ratios are built from a finite model class: they need class finite, not %s", c.Class)
		}
	default:
		return fmt.Errorf("unknown weight class %q (want box or ratios)", c.Weights)
	}
	if c.Weights == WeightsRatios && c.Algo != AlgoGLOW && c.Algo != AlgoHyGLOW && c.Algo != AlgoOffline {
		return fmt.Errorf("weights ratios are GLOW's and MABO.CR's class: they apply to glow, hyglow and offline, not %s", c.Algo)
	}
	switch c.Class {
	case "finite", "tabular":
		if !p.Tabular() {
			return fmt.Errorf("class %s needs tabular observations; %s needs --class linear", c.Class, p.EnvID)
		}
	case "linear", "neural":
		if p.Tabular() {
			return fmt.Errorf("class %s needs feature observations (use lock/rich)", c.Class)
		}
		if c.Class == "neural" && c.Algo != AlgoHyGLOW && c.Algo != AlgoHyQ && c.Algo != AlgoOffline {
			return fmt.Errorf("class neural is fitted by hyq, hyglow or offline, not %s", c.Algo)
		}
	default:
		return fmt.Errorf("unknown class %q (want finite, tabular, linear or neural)", c.Class)
	}
	if c.NeuralSteps < 0 {
		return fmt.Errorf("neural_steps must be >= 0, got %d", c.NeuralSteps)
	}
	if c.Class == "finite" && p.Lock == nil && p.Model == nil {
		return fmt.Errorf("finite class needs an exact model")
	}
	return nil
}

// Departures lists where the configured run departs from the analysed algorithm
// (written into run configs).
func (c Config) Departures() []string {
	var d []string
	ratios := c.Weights == WeightsRatios
	if ratios {
		d = append(d, "W: density ratios d^{pi,M}_h / mu_h of the finite class's models and greedy policies, with mu_h estimated by the data's cell frequencies")
	}
	switch c.Algo {
	case AlgoGLOW, AlgoGOLF:
		if c.Class == "tabular" {
			d = append(d, "tabular F: optimism over the per-cell-budget subset of the confidence set (beta_t split evenly over visited cells), not over the full set")
			if c.Algo == AlgoGOLF {
				d = append(d, "GOLF tabular: optimistic values clamped to 1, which can violate the lower side of the signed constraint")
			}
		}
		if !ratios {
			d = append(d, "W: tabular box of all non-negative weights (signed for GOLF) with closed-form inner sup; log|W| in beta_t is nominal (H*S*A*log 2)")
		}
		if c.BetaScale != 0 && c.BetaScale != 1 {
			d = append(d, fmt.Sprintf("beta_t scaled by %g (paper: 1)", c.BetaScale))
		}
	case AlgoHyGLOW, AlgoOffline:
		switch c.Class {
		case "tabular":
			d = append(d, "tabular F: the exact MABO.CR minimiser is the empirical Bellman backup; unvisited cells set to 0 (free in the argmin)")
		case "linear":
			d = append(d, "linear F: efficient variant of App. F.1.2 (no clipping, no absolute value, W = span of the features), whose minimiser is the per-layer least-squares (FQI) solution")
		case "finite":
			d = append(d, "MABO.CR: max over the product closure of W u -W u per-layer copies (each layer its own test), a superset of the paper's Wbar")
		case "neural":
			d = append(d, "neural F and W (Hy-Q's per-layer encoder-softmax-head networks): efficient variant of App. F.1.2 (no clipping, no absolute value) solved by gradient descent-ascent; not the analysed algorithm")
		}
	case AlgoHyQ:
		switch c.Class {
		case "linear":
			d = append(d, "Hy-Q with a linear Q class (ridge regression) instead of neural networks")
		case "finite":
			d = append(d, "Hy-Q with a finite Q class (exact least squares over the class; a joint class runs H projected Bellman iterations from f = 0)")
		case "neural":
			d = append(d, "Hy-Q's per-layer networks (encoder, softmax over 3 latent scores, linear head with a bias per action), warm-started across iterations")
		}
	}
	if c.NoClip {
		d = append(d, "ablation: no clipping")
	}
	if c.NoPenalty {
		d = append(d, "ablation: no quadratic penalty (alpha = 0)")
	}
	return d
}

// Result summarises one seed.
type Result struct {
	Seed uint64
	Rows []logs.MetricRow
	// Solved: the current policy reached SolveAt; SolveEpisodes and SolveSamples are the
	// online episodes and transitions used to compute that first solving policy (offline
	// ones for the offline baseline).
	Solved        bool
	SolveEpisodes int
	SolveSamples  int
	// Final figures: success and value of the last policy, and of the uniform mixture
	// of every evaluated policy (the algorithms' output).
	FinalSuccess, FinalValue     float64
	MixtureSuccess, MixtureValue float64
	OptimalValue                 float64
	Episodes                     int // online episodes run
	QStarAlwaysIn                bool
	EmptySets                    int
}

// runState threads the per-iteration bookkeeping shared by every algorithm.
type runState struct {
	p       *Problem
	cfg     Config
	res     *Result
	evalEnv env.Env
	sumV    float64
	sumS    float64
	evals   int
}

// evaluate returns the value and success rate of pi: exact for tabular problems,
// Monte Carlo (EvalEpisodes episodes, success = return >= 1/2) otherwise.
func (st *runState) evaluate(pi Policy) (value, success float64) {
	if tp, ok := pi.(TablePolicy); ok && st.p.Model != nil {
		return st.p.Model.Evaluate(tp)
	}
	for i := 0; i < st.cfg.EvalEpisodes; i++ {
		_, ret := rollout(st.p, st.evalEnv, pi)
		value += ret
		if ret >= 0.5 {
			success++
		}
	}
	n := float64(st.cfg.EvalEpisodes)
	return value / n, success / n
}

// record evaluates the policy of iteration t (computed from used online episodes) and
// logs a metrics row; it reports whether the run may stop.
func (st *runState) record(t, used, offlineUsed int, pi Policy, extra map[string]float64) bool {
	if (t-1)%st.cfg.EvalEvery != 0 && t != st.cfg.Episodes {
		return false
	}
	v, s := st.evaluate(pi)
	st.sumV += v
	st.sumS += s
	st.evals++
	res := st.res
	res.FinalValue, res.FinalSuccess = v, s
	res.MixtureValue, res.MixtureSuccess = st.sumV/float64(st.evals), st.sumS/float64(st.evals)
	vals := map[string]float64{
		"success": s, "value": v, "mixture_success": res.MixtureSuccess, "mixture_value": res.MixtureValue,
		"samples_used": float64(used * st.p.H), "offline_samples_used": float64(offlineUsed * st.p.H),
	}
	if st.p.Model != nil {
		vals["risk"] = res.OptimalValue - v
		vals["mixture_risk"] = res.OptimalValue - res.MixtureValue
	}
	for k, x := range extra {
		vals[k] = x
	}
	res.Rows = append(res.Rows, logs.MetricRow{Seed: int64(res.Seed), Iteration: int64(t), EnvSteps: int64(used * st.p.H), Values: vals})
	if s >= st.cfg.SolveAt && !res.Solved {
		res.Solved, res.SolveEpisodes, res.SolveSamples = true, used, used*st.p.H
		if st.cfg.Algo == AlgoOffline {
			res.SolveEpisodes, res.SolveSamples = offlineUsed, offlineUsed*st.p.H
		}
	}
	return res.Solved && st.cfg.StopOnSolve
}

// Run runs one seed of cfg on p. Randomness: environment episodes, offline data,
// evaluation and exploration each use their own stream derived from seed.
func Run(p *Problem, cfg Config, seed uint64) (Result, error) {
	cfg, err := cfg.Defaults(p)
	if err != nil {
		return Result{}, err
	}
	res := Result{Seed: seed, QStarAlwaysIn: true}
	if p.Model != nil {
		v, _ := p.Model.Evaluate(p.Model.OptimalQ().Greedy())
		res.OptimalValue = v
	}
	e := p.NewEnv()
	e.Seed(env.DeriveSeed(seed, streamOnline))
	st := &runState{p: p, cfg: cfg, res: &res, evalEnv: p.NewEnv()}
	st.evalEnv.Seed(env.DeriveSeed(seed, streamEval))
	switch cfg.Algo {
	case AlgoQLearning:
		err = runQLearning(st, e, seed)
	case AlgoGLOW, AlgoGOLF:
		err = runGLOW(st, e)
	case AlgoOffline:
		err = runOffline(st, seed)
	default:
		err = runH2O(st, e, seed)
	}
	return res, err
}

// finiteClass returns the problem's finite class and the index of Q* in it per layer.
func finiteClass(p *Problem, cfg Config, seed uint64) (*Finite, []int) {
	switch {
	case p.Incomplete:
		f, i := incompleteClass(p, seed)
		idx := make([]int, p.H)
		for h := range idx {
			idx[h] = i
		}
		return f, idx
	case p.Lock != nil:
		return LockFamily(p.Lock.Model())
	}
	return ModelClass(p.Model, cfg.ModelClassSize, env.NewRand(seed, streamModelClass))
}

// weightClass returns W of cfg for the finite class f (nil for the box default).
func weightClass(p *Problem, cfg Config, f *Finite) WeightClass {
	if cfg.Weights != WeightsRatios {
		return nil
	}
	if f.Models == nil {
		// The lock family: every combination is a model.
		return LockRatios{H: p.H, A: p.A, Dead: argmaxRow(f.Cands[0][0][lock.Dead*p.A : (lock.Dead+1)*p.A])}
	}
	return ModelRatios(f.Models, f)
}

// newGLOW returns the GLOW (or GOLF) learner of cfg on p and Q* in its class.
func newGLOW(p *Problem, cfg Config, seed uint64) (*GLOW, Table) {
	g := &GLOW{T: cfg.Episodes, K: 1, Gamma: cfg.Gamma, Ccov: cfg.Ccov, Delta: cfg.Delta, BetaScale: cfg.BetaScale,
		NoClip: cfg.NoClip, NoPenalty: cfg.NoPenalty, GOLF: cfg.Algo == AlgoGOLF}
	if cfg.Class == "finite" {
		f, idx := finiteClass(p, cfg, seed)
		g.Finite, g.W = f, weightClass(p, cfg, f)
		return g, f.Table(idx)
	}
	g.Tabular = &Tabular{S: p.S, A: p.A}
	return g, p.Model.OptimalQ()
}

// VacuousUntil is GLOW.VacuousUntil for a GLOW or GOLF run of cfg on p (cfg with its
// defaults): the last iteration whose confidence set is all of F whatever the data.
// It is 0 for the other algorithms.
func (c Config) VacuousUntil(p *Problem) int {
	if (c.Algo != AlgoGLOW && c.Algo != AlgoGOLF) || !p.Tabular() {
		return 0
	}
	g, _ := newGLOW(p, c, 0)
	return g.VacuousUntil(p.H, p.S, p.A)
}

func runGLOW(st *runState, e env.Env) error {
	p, cfg := st.p, st.cfg
	g, qstar := newGLOW(p, cfg, st.res.Seed)
	d := NewData(p.H, p.S, p.A)
	for t := 1; t <= cfg.Episodes; t++ {
		f, empty, err := g.Select(d, t)
		if err != nil {
			return err
		}
		in := g.InSet(d, t, qstar)
		if !in {
			st.res.QStarAlwaysIn = false
		}
		if empty {
			st.res.EmptySets++
		}
		pi := TablePolicy(f.Greedy())
		extra := map[string]float64{"qstar_in_set": b2f(in), "set_empty": b2f(empty), "beta": g.Schedule(t, p.H, p.S, p.A).Beta}
		if st.record(t, t-1, 0, pi, extra) {
			return nil
		}
		traj, _ := rollout(p, e, pi)
		for h, tu := range traj {
			d.Add(h, tu)
		}
		st.res.Episodes = t
	}
	return nil
}

// offlineLearner returns the offline learner of an H2O or offline run.
func offlineLearner(p *Problem, cfg Config, seed uint64) Offline {
	var fin *Finite
	var tab *Tabular
	var lin *Linear
	var w WeightClass
	switch cfg.Class {
	case "finite":
		fin, _ = finiteClass(p, cfg, seed)
		w = weightClass(p, cfg, fin)
	case "tabular":
		tab = &Tabular{S: p.S, A: p.A}
	case "linear":
		lin = &Linear{Dim: p.Dim, Ridge: cfg.Ridge}
	case "neural":
		return &Neural{Dim: p.Dim, A: p.A, Steps: cfg.NeuralSteps, DescentAscent: cfg.Algo != AlgoHyQ, Seed: env.DeriveSeed(seed, streamNeural)}
	}
	if cfg.Algo == AlgoHyQ {
		return &FQI{Finite: fin, Tabular: tab, Linear: lin}
	}
	// The argmin of MABO.CR is a set; over a joint class the learner draws uniformly
	// among the tied minimisers at every fit (functions the data cannot tell apart)
	// rather than letting one per-seed class order decide a whole run.
	m := &MABO{Finite: fin, Tabular: tab, Linear: lin, W: w, Gamma: cfg.Gamma, NoClip: cfg.NoClip, NoPenalty: cfg.NoPenalty}
	if fin != nil && fin.Joint {
		m.Ties = env.NewRand(seed, streamTies)
	}
	return m
}

// offlineData reads or generates the offline tuples of cfg (n episodes when generated).
func offlineData(p *Problem, cfg Config, n int, seed uint64) ([][]Tuple, error) {
	switch {
	case cfg.OfflineDir != "":
		eps, err := lock.ReadDataset(cfg.OfflineDir)
		if err != nil {
			return nil, err
		}
		off, err := LockTuples(eps, p.Tabular(), p.H)
		if err != nil {
			return nil, fmt.Errorf("offline data %s: %w", cfg.OfflineDir, err)
		}
		if err := p.CheckTuples(off); err != nil {
			return nil, fmt.Errorf("offline data %s does not fit %s with %d actions: %w", cfg.OfflineDir, p.EnvID, p.A, err)
		}
		if len(off[0]) < n {
			return nil, fmt.Errorf("offline data %s has %d episodes, the run needs %d", cfg.OfflineDir, len(off[0]), n)
		}
		return off, nil
	case cfg.Offline != "none":
		return offlineTuples(p, lock.Design(cfg.Offline), n, env.DeriveSeed(seed, streamOffline))
	}
	return nil, nil
}

// runH2O is Algorithm 2: pi^(t) = Alg_off(D_hybrid^(t)), one online episode per
// iteration, one more offline tuple per layer per iteration.
func runH2O(st *runState, e env.Env, seed uint64) error {
	p, cfg := st.p, st.cfg
	off, err := offlineData(p, cfg, cfg.Episodes, seed)
	if err != nil {
		return err
	}
	o := NewH2O(offlineLearner(p, cfg, seed), off, p.H, p.S, p.A)
	for t := 1; t <= cfg.Episodes; t++ {
		pi, err := o.Policy(t)
		if err != nil {
			return err
		}
		nOff, nOn := o.Counts()
		if st.record(t, nOn, nOff, pi, nil) {
			return nil
		}
		traj, _ := rollout(p, e, pi)
		if err := o.Observe(traj); err != nil {
			return err
		}
		st.res.Episodes = t
	}
	return nil
}

// runOffline is the offline-only baseline: at iteration t, MABO.CR on the first
// 2(t-1) offline tuples of every layer (as many tuples as H2O's D_hybrid^(t) holds)
// and no online episode; the output is the uniform mixture of the fitted policies.
func runOffline(st *runState, seed uint64) error {
	p, cfg := st.p, st.cfg
	off, err := offlineData(p, cfg, 2*cfg.Episodes, seed)
	if err != nil {
		return err
	}
	learner := offlineLearner(p, cfg, seed)
	d := NewData(p.H, p.S, p.A)
	for t := 1; t <= cfg.Episodes; t++ {
		pi, err := learner.Fit(d, t)
		if err != nil {
			return err
		}
		if st.record(t, 0, 2*(t-1), pi, nil) {
			return nil
		}
		for k := 2 * (t - 1); k < 2*t; k++ {
			for h := range off {
				d.Add(h, off[h][k])
			}
		}
	}
	return nil
}

func runQLearning(st *runState, e env.Env, seed uint64) error {
	p, cfg := st.p, st.cfg
	q := NewQLearning(p.H, p.S, p.A)
	q.Epsilon, q.LRPower = cfg.Epsilon, cfg.LRPower
	rng := env.NewRand(seed, streamQLearning)
	act := []float64{0}
	for t := 1; t <= cfg.Episodes; t++ {
		if st.record(t, t-1, 0, TablePolicy(q.Q.Greedy()), nil) {
			return nil
		}
		obs := e.Reset()
		for h := 0; h < p.H; h++ {
			s := int(obs[0])
			a := q.Act(rng, h, s)
			act[0] = float64(a)
			tr := e.Step(act)
			tu := Tuple{S: s, A: a, R: tr.Reward, Next: int(tr.Obs[0]), Last: h == p.H-1}
			q.Update(h, tu)
			obs = tr.Obs
		}
		st.res.Episodes = t
	}
	return nil
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// RunSeeds runs cfg for every seed over a pool of workers (default GOMAXPROCS).
// Results are in seed order and do not depend on the number of workers. done, when
// not nil, is called after each seed (from the worker that ran it, one call at a time).
func RunSeeds(p *Problem, cfg Config, seeds []uint64, workers int, done func(Result)) ([]Result, error) {
	results := make([]Result, len(seeds))
	var mu sync.Mutex
	err := workpool.Run(len(seeds), workers, func(i int) error {
		r, err := Run(p, cfg, seeds[i])
		results[i] = r
		if done != nil {
			mu.Lock()
			done(r)
			mu.Unlock()
		}
		if err != nil {
			return fmt.Errorf("seed %d: %w", seeds[i], err)
		}
		return nil
	})
	if err != nil {
		// workpool names the job index; the seed is in the wrapped message.
		return results, errors.Unwrap(err)
	}
	return results, nil
}

// Summary aggregates seeds.
type Summary struct {
	Seeds, Solved                        int
	MeanSolveSamples                     float64 // over solved seeds
	MedianSolveSamples                   float64 // over all seeds, unsolved counted as +Inf
	MeanFinalSuccess                     float64
	MeanMixtureSuccess, MeanMixtureValue float64
	MeanMixtureRisk                      float64
	// Seeds whose output mixture has success >= 0.9, and < 0.5.
	MixtureAtLeast90, MixtureBelow50 int
}

// Summarise aggregates results.
func Summarise(rs []Result) Summary {
	s := Summary{Seeds: len(rs)}
	var samples []float64
	for _, r := range rs {
		s.MeanFinalSuccess += r.FinalSuccess
		s.MeanMixtureSuccess += r.MixtureSuccess
		s.MeanMixtureValue += r.MixtureValue
		s.MeanMixtureRisk += r.OptimalValue - r.MixtureValue
		if r.MixtureSuccess >= 0.9 {
			s.MixtureAtLeast90++
		}
		if r.MixtureSuccess < 0.5 {
			s.MixtureBelow50++
		}
		if r.Solved {
			s.Solved++
			s.MeanSolveSamples += float64(r.SolveSamples)
			samples = append(samples, float64(r.SolveSamples))
		} else {
			samples = append(samples, math.Inf(1))
		}
	}
	n := float64(max(len(rs), 1))
	s.MeanFinalSuccess /= n
	s.MeanMixtureSuccess /= n
	s.MeanMixtureValue /= n
	s.MeanMixtureRisk /= n
	if s.Solved > 0 {
		s.MeanSolveSamples /= float64(s.Solved)
	} else {
		s.MeanSolveSamples = math.NaN()
	}
	sort.Float64s(samples)
	if len(samples) > 0 {
		m := len(samples) / 2
		if len(samples)%2 == 1 {
			s.MedianSolveSamples = samples[m]
		} else {
			s.MedianSolveSamples = (samples[m-1] + samples[m]) / 2
		}
	}
	return s
}

// FitExponent fits log y = b log x + c by least squares and returns the exponent b and
// the intercept c; it needs two distinct x and positive finite values.
func FitExponent(x, y []float64) (b, c float64, err error) {
	if len(x) != len(y) || len(x) < 2 {
		return 0, 0, fmt.Errorf("fit exponent: need at least 2 points, got %d", len(x))
	}
	var sx, sy, sxx, sxy float64
	for i := range x {
		if !(x[i] > 0) || !(y[i] > 0) || math.IsInf(x[i], 0) || math.IsInf(y[i], 0) {
			return 0, 0, fmt.Errorf("fit exponent: point (%g, %g) is not positive and finite", x[i], y[i])
		}
		lx, ly := math.Log(x[i]), math.Log(y[i])
		sx, sy, sxx, sxy = sx+lx, sy+ly, sxx+lx*lx, sxy+lx*ly
	}
	n := float64(len(x))
	den := n*sxx - sx*sx
	if den == 0 {
		return 0, 0, fmt.Errorf("fit exponent: all x are equal")
	}
	b = (n*sxy - sx*sy) / den
	return b, (sy - b*sx) / n, nil
}

// CheckOfflineDir reads the data set of OfflineDir once, so that a missing, corrupt or
// mismatched data set fails before a run directory is created. Its messages name the
// command-line flag.
func (cfg Config) CheckOfflineDir(p *Problem) error {
	need, who := cfg.Episodes, "H2O needs one per online episode"
	switch cfg.Algo {
	case AlgoHyGLOW, AlgoHyQ:
	case AlgoOffline:
		need, who = 2*cfg.Episodes, "the offline baseline needs two per iteration"
	default:
		return fmt.Errorf("--offline-dir is read only by --algo hyglow, hyq or offline, not %s", cfg.Algo)
	}
	if _, err := os.Stat(cfg.OfflineDir); err != nil {
		return fmt.Errorf("--offline-dir %s: no such directory or file", cfg.OfflineDir)
	}
	eps, err := lock.ReadDataset(cfg.OfflineDir)
	if err != nil {
		return fmt.Errorf("--offline-dir: %w", err)
	}
	off, err := LockTuples(eps, p.Tabular(), p.H)
	if err != nil {
		return fmt.Errorf("--offline-dir %s: %w", cfg.OfflineDir, err)
	}
	if err := p.CheckTuples(off); err != nil {
		return fmt.Errorf("--offline-dir %s does not fit %s with %d actions: %w", cfg.OfflineDir, p.EnvID, p.A, err)
	}
	if len(off[0]) < need {
		return fmt.Errorf("--offline-dir %s has %d episodes, %s (%d)", cfg.OfflineDir, len(off[0]), who, need)
	}
	return nil
}

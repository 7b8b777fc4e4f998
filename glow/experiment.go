package glow

import (
	"fmt"
	"math"
	"runtime"
	"sort"
	"sync"

	"gorl/env"
	"gorl/env/lock"
	"gorl/logs"
)

// Algorithms run by Run.
const (
	AlgoGLOW      = "glow"      // GLOW, online
	AlgoHyGLOW    = "hyglow"    // H2O + MABO.CR
	AlgoHyQ       = "hyq"       // H2O + FQI
	AlgoGOLF      = "golf"      // GLOW with GOLF's signed, unclipped confidence set
	AlgoQLearning = "qlearning" // epsilon-greedy tabular Q-learning
)

// Config is one experiment: everything needed to rerun it besides the problem and seed.
// Zero values mean defaults.
type Config struct {
	Algo    string `json:"algo"`
	Class   string `json:"class"`   // finite, tabular or linear (default: tabular, linear for features)
	Offline string `json:"offline"` // none, epsilon or mixed (H2O algorithms)
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
		c.Class = "tabular"
		if !p.Tabular() {
			c.Class = "linear"
		}
	}
	if c.Offline == "" {
		c.Offline = "none"
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
	switch {
	case c.Episodes < 1:
		return c, fmt.Errorf("episodes must be >= 1, got %d", c.Episodes)
	case c.EvalEvery < 1 || c.EvalEpisodes < 1:
		return c, fmt.Errorf("eval_every and eval_episodes must be >= 1")
	case !(c.Ridge >= 0) || math.IsInf(c.Ridge, 0):
		return c, fmt.Errorf("ridge must be finite and >= 0, got %g", c.Ridge)
	case !(c.BetaScale >= 0 && c.Gamma >= 0 && c.Ccov >= 0 && c.Delta >= 0 && c.Delta < 1) ||
		math.IsInf(c.BetaScale, 0) || math.IsInf(c.Gamma, 0) || math.IsInf(c.Ccov, 0):
		return c, fmt.Errorf("beta_scale, gamma, ccov must be finite and >= 0 and delta in [0, 1)")
	case !(c.Epsilon >= 0 && c.Epsilon <= 1):
		return c, fmt.Errorf("epsilon must be in [0, 1], got %g", c.Epsilon)
	}
	switch c.Algo {
	case AlgoGLOW, AlgoGOLF, AlgoQLearning:
		if c.Offline != "none" {
			return c, fmt.Errorf("%s is online: offline data needs hyglow or hyq", c.Algo)
		}
		if !p.Tabular() {
			return c, fmt.Errorf("%s needs a tabular problem (%s has feature observations)", c.Algo, p.EnvID)
		}
	case AlgoHyGLOW, AlgoHyQ:
		if c.Offline != "none" {
			if _, err := lock.ParseDesign(c.Offline); err != nil {
				return c, err
			}
			if p.Lock == nil {
				return c, fmt.Errorf("offline data needs a combination lock, not %s", p.EnvID)
			}
		}
	default:
		return c, fmt.Errorf("unknown algorithm %q (want glow, hyglow, hyq, golf or qlearning)", c.Algo)
	}
	switch c.Class {
	case "finite", "tabular":
		if !p.Tabular() {
			return c, fmt.Errorf("class %s needs tabular observations; %s needs --class linear", c.Class, p.EnvID)
		}
	case "linear":
		if p.Tabular() {
			return c, fmt.Errorf("class linear needs feature observations (use lock/rich)")
		}
	default:
		return c, fmt.Errorf("unknown class %q (want finite, tabular or linear)", c.Class)
	}
	if c.Class == "finite" && p.Lock == nil && p.Model == nil {
		return c, fmt.Errorf("finite class needs an exact model")
	}
	return c, nil
}

// Departures lists where the configured run departs from the analysed algorithm
// (written into run configs).
func (c Config) Departures() []string {
	var d []string
	switch c.Algo {
	case AlgoGLOW, AlgoGOLF:
		if c.Class == "tabular" {
			d = append(d, "tabular F: optimism over the per-cell-budget subset of the confidence set (beta_t split evenly over visited cells), not over the full set")
			if c.Algo == AlgoGOLF {
				d = append(d, "GOLF tabular: optimistic values clamped to 1, which can violate the lower side of the signed constraint")
			}
		}
		d = append(d, "W: tabular box of all non-negative weights (signed for GOLF) with closed-form inner sup; log|W| in beta_t is nominal (H*S*A*log 2)")
		if c.BetaScale != 0 && c.BetaScale != 1 {
			d = append(d, fmt.Sprintf("beta_t scaled by %g (paper: 1)", c.BetaScale))
		}
	case AlgoHyGLOW:
		switch c.Class {
		case "tabular":
			d = append(d, "tabular F: the exact MABO.CR minimiser is the empirical Bellman backup; unvisited cells set to 0 (free in the argmin)")
		case "linear":
			d = append(d, "linear F: efficient variant of App. F.1.2 (no clipping, no absolute value, W = span of the features), whose minimiser is the per-layer least-squares (FQI) solution")
		}
	case AlgoHyQ:
		if c.Class == "linear" {
			d = append(d, "Hy-Q with a linear Q class (ridge regression) instead of neural networks")
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
	// online episodes and transitions used to compute that first solving policy.
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
	e.Seed(env.DeriveSeed(seed, 1))
	st := &runState{p: p, cfg: cfg, res: &res, evalEnv: p.NewEnv()}
	st.evalEnv.Seed(env.DeriveSeed(seed, 3))
	switch cfg.Algo {
	case AlgoQLearning:
		err = runQLearning(st, e, seed)
	case AlgoGLOW, AlgoGOLF:
		err = runGLOW(st, e)
	default:
		err = runH2O(st, e, seed)
	}
	return res, err
}

// finiteClass returns the problem's finite class and the index of Q* in it.
func finiteClass(p *Problem, cfg Config, seed uint64) (*Finite, []int) {
	if p.Lock != nil {
		l := p.Lock
		return LockFamily(l.Model())
	}
	return ModelClass(p.Model, cfg.ModelClassSize, env.NewRand(seed, 5))
}

// newGLOW returns the GLOW (or GOLF) learner of cfg on p and Q* in its class.
func newGLOW(p *Problem, cfg Config, seed uint64) (*GLOW, Table) {
	g := &GLOW{T: cfg.Episodes, K: 1, Gamma: cfg.Gamma, Ccov: cfg.Ccov, Delta: cfg.Delta, BetaScale: cfg.BetaScale,
		NoClip: cfg.NoClip, NoPenalty: cfg.NoPenalty, GOLF: cfg.Algo == AlgoGOLF}
	if cfg.Class == "finite" {
		f, idx := finiteClass(p, cfg, seed)
		g.Finite = f
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

func runH2O(st *runState, e env.Env, seed uint64) error {
	p, cfg := st.p, st.cfg
	var learner Offline
	var fin *Finite
	var tab *Tabular
	var lin *Linear
	switch cfg.Class {
	case "finite":
		fin, _ = finiteClass(p, cfg, seed)
	case "tabular":
		tab = &Tabular{S: p.S, A: p.A}
	case "linear":
		lin = &Linear{Dim: p.Dim, Ridge: cfg.Ridge}
	}
	if cfg.Algo == AlgoHyGLOW {
		learner = &MABO{Finite: fin, Tabular: tab, Linear: lin, Gamma: cfg.Gamma, NoClip: cfg.NoClip, NoPenalty: cfg.NoPenalty}
	} else {
		learner = &FQI{Finite: fin, Tabular: tab, Linear: lin}
	}
	var off [][]Tuple
	switch {
	case cfg.OfflineDir != "":
		eps, err := lock.ReadDataset(cfg.OfflineDir)
		if err != nil {
			return err
		}
		if off, err = LockTuples(eps, p.Tabular(), p.H); err != nil {
			return fmt.Errorf("offline data %s: %w", cfg.OfflineDir, err)
		}
		if err := p.CheckTuples(off); err != nil {
			return fmt.Errorf("offline data %s does not fit %s with %d actions: %w", cfg.OfflineDir, p.EnvID, p.A, err)
		}
		if len(off[0]) < cfg.Episodes {
			return fmt.Errorf("offline data %s has %d episodes, H2O needs one per online episode (%d)", cfg.OfflineDir, len(off[0]), cfg.Episodes)
		}
	case cfg.Offline != "none":
		var err error
		if off, err = offlineTuples(p, lock.Design(cfg.Offline), cfg.Episodes, env.DeriveSeed(seed, 2)); err != nil {
			return err
		}
	}
	o := NewH2O(learner, off, p.H, p.S, p.A)
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

func runQLearning(st *runState, e env.Env, seed uint64) error {
	p, cfg := st.p, st.cfg
	q := NewQLearning(p.H, p.S, p.A)
	q.Epsilon, q.LRPower = cfg.Epsilon, cfg.LRPower
	rng := env.NewRand(seed, 4)
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
// not nil, is called after each seed (from the calling goroutine).
func RunSeeds(p *Problem, cfg Config, seeds []uint64, workers int, done func(Result)) ([]Result, error) {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	type out struct {
		i   int
		res Result
		err error
	}
	jobs := make(chan int)
	outs := make(chan out)
	var wg sync.WaitGroup
	for w := 0; w < min(workers, len(seeds)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				r, err := Run(p, cfg, seeds[i])
				outs <- out{i, r, err}
			}
		}()
	}
	go func() {
		for i := range seeds {
			jobs <- i
		}
		close(jobs)
		wg.Wait()
		close(outs)
	}()
	results := make([]Result, len(seeds))
	var firstErr error
	for o := range outs {
		if o.err != nil && firstErr == nil {
			firstErr = fmt.Errorf("seed %d: %w", seeds[o.i], o.err)
		}
		results[o.i] = o.res
		if done != nil {
			done(o.res)
		}
	}
	return results, firstErr
}

// Summary aggregates seeds.
type Summary struct {
	Seeds, Solved                        int
	MeanSolveSamples                     float64 // over solved seeds
	MedianSolveSamples                   float64 // over all seeds, unsolved counted as +Inf
	MeanFinalSuccess                     float64
	MeanMixtureSuccess, MeanMixtureValue float64
	MeanMixtureRisk                      float64
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

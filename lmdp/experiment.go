package lmdp

import (
	"fmt"
	"math"
	"time"

	"gorl/env/latent"
	"gorl/logs"
)

// RegretDefinition is written into every run's config.json.
const RegretDefinition = "regret(K) = sum over episodes k of (V* - V^{pi_k}); V* and V^{pi_k} are computed exactly " +
	"with the true model (PBVI over the reachable beliefs; exact policy evaluation), not from sampled returns"

// Experiment is one regret experiment: a solver on one instance over several seeds.
type Experiment struct {
	Instance *latent.LMDP
	// Source describes where the instance came from (family and parameters, or a file).
	Source    InstanceSource
	Config    Config
	Seeds     int    // number of seeds (runs)
	Seed      uint64 // seed of the first run; run i uses Seed+i
	Workers   int    // worker goroutines (0: GOMAXPROCS); results do not depend on it
	StepEvery int    // log the steps of every Nth episode of each seed (<= 0: none)
	Command   string // recorded in config.json; "" means "lmdp run"
	Sweep     *SweepPoint
	// MinGap, when > 0, refuses an instance that is not latent by that margin
	// (Reference.Latent) before any learning.
	MinGap float64
	RateKs []int // a rate experiment's K values (recorded in config.json)

	sink func(*logs.Run) runSink // tests: wraps the run's writer
}

// SweepPoint marks a run that is one point of a sweep.
type SweepPoint struct {
	Over  string `json:"over"`
	Value string `json:"value"`
}

// InstanceSource records how to rebuild an instance.
type InstanceSource struct {
	Family string         `json:"family,omitempty"`
	Params *latent.Params `json:"params,omitempty"`
	File   string         `json:"file,omitempty"`
}

// RunConfig is the config.json of a run directory: every setting, the instance itself
// and the reference values.
type RunConfig struct {
	Command    string         `json:"command"`
	EnvID      string         `json:"env_id"` // lmdp/<family> or lmdp/file
	Algo       string         `json:"algo"`   // the solver (read by gorl logs)
	Source     InstanceSource `json:"source"`
	Instance   *latent.LMDP   `json:"instance"`
	Solver     string         `json:"solver"`
	K          int            `json:"K"`
	Bonus      string         `json:"bonus_constants"` // tuned or theory (see Config.Bonus)
	C1         float64        `json:"c1"`
	C2         float64        `json:"c2"`
	Delta      float64        `json:"delta"`
	Iota       float64        `json:"iota"`
	MaxNodes   int            `json:"max_nodes"`
	GridPoints int            `json:"grid_points"`
	Resolution int            `json:"belief_resolution"` // 0: exact beliefs
	Floor      bool           `json:"belief_floor"`      // Good-Turing floor on unseen transitions (Config.BeliefFloor)
	MinGap     float64        `json:"min_gap"`
	EvalStates int            `json:"eval_states"`
	EstimateW  bool           `json:"estimate_weights"`
	Seeds      []uint64       `json:"seeds"`
	Workers    int            `json:"workers"`
	StepEvery  int            `json:"step_every"`
	Regret     string         `json:"regret"`
	Reference  Reference      `json:"reference"`
	Sweep      *SweepPoint    `json:"sweep,omitempty"`
	RateKs     []int          `json:"rate_ks,omitempty"` // lmdp rate: regret read at these K
}

// Summary is the outcome of an experiment.
type Summary struct {
	Reference Reference
	Results   []*Result
	Mean      []float64 // mean cumulative regret per episode over seeds
	FinalMean float64
	FinalSD   float64
	Slope     float64 // log-log slope of Mean over the second half of the episodes
	Seconds   float64 // wall time of the learning runs
}

// Run performs the experiment and, when dir is not empty, writes a run directory:
// config.json (RunConfig), metrics.parquet (one row per seed and episode: iteration =
// episode, columns regret (cumulative), episode_regret, policy_value), episodes.parquet
// (with the revealed context) and step parts for every StepEvery-th episode.
func (x Experiment) Run(dir string, progress func(done int)) (*Summary, error) {
	cfg := x.Config.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if x.Instance == nil {
		return nil, fmt.Errorf("experiment: no instance")
	}
	if x.Seeds < 1 {
		return nil, fmt.Errorf("experiment: seeds=%d must be >= 1", x.Seeds)
	}
	if x.StepEvery > 0 {
		cfg.KeepSteps = x.StepEvery
	}
	l := x.Instance
	ref, err := ReferenceValues(l, cfg.Planner)
	if err != nil {
		return nil, err
	}
	if x.MinGap > 0 && !ref.Latent(x.MinGap) {
		return nil, fmt.Errorf("instance %s is not latent by the margin %g: V_oracle - V* = %.4f, V* - V_WSU = %.4f (try another instance seed or noise)",
			l.Name, x.MinGap, ref.OracleGap(), ref.MemoryGap())
	}
	seeds := make([]uint64, x.Seeds)
	for i := range seeds {
		seeds[i] = x.Seed + uint64(i)
	}
	var run *logs.Run
	if dir != "" {
		cmd := x.Command
		if cmd == "" {
			cmd = "lmdp run"
		}
		rc := RunConfig{Command: cmd, EnvID: "lmdp/" + x.Source.Name(), Algo: cfg.Solver, Sweep: x.Sweep, Source: x.Source, Instance: l, Solver: cfg.Solver, K: cfg.K,
			Bonus: cfg.Bonus, C1: cfg.C1, C2: cfg.C2, Delta: cfg.Delta, Iota: Iota(l.M, l.S, l.A, l.H, cfg.K, cfg.Delta), MaxNodes: cfg.Planner.MaxNodes,
			GridPoints: cfg.Planner.GridPoints, Resolution: cfg.Planner.Resolution, Floor: cfg.BeliefFloor, MinGap: x.MinGap,
			EvalStates: cfg.EvalStates, EstimateW: cfg.EstimateWeights, Seeds: seeds, Workers: x.Workers,
			StepEvery: x.StepEvery, Regret: RegretDefinition, Reference: ref, RateKs: x.RateKs}
		if run, err = logs.Create(dir, rc, logs.Options{EnvID: "lmdp/" + x.Source.Name(), StepEvery: 1}); err != nil {
			return nil, err
		}
	}
	t0 := time.Now()
	results, err := LearnSeeds(l, ref, cfg, seeds, x.Workers, progress)
	if err != nil {
		if run != nil {
			_ = run.Fail(err)
		}
		return nil, err
	}
	sum := &Summary{Reference: ref, Results: results, Seconds: time.Since(t0).Seconds()}
	sum.Mean = make([]float64, cfg.K)
	for _, r := range results {
		for k, v := range r.CumRegret {
			sum.Mean[k] += v / float64(len(results))
		}
	}
	finals := make([]float64, len(results))
	for i, r := range results {
		finals[i] = r.CumRegret[cfg.K-1]
	}
	sum.FinalMean, sum.FinalSD = meanSD(finals)
	sum.Slope = LogLogSlope(sum.Mean, 0.5)
	if run != nil {
		var sink runSink = run
		if x.sink != nil {
			sink = x.sink(run)
		}
		if err := finishRun(sink, l, cfg, results); err != nil {
			return nil, err
		}
	}
	return sum, nil
}

// runSink is the part of logs.Run a finished experiment writes through.
type runSink interface {
	LogMetrics(logs.MetricRow) error
	LogEpisode(logs.EpisodeRow) error
	LogStep(*logs.StepRow) error
	Flush() error
	Fail(error) error
	Close() error
}

// finishRun writes the tables and flushes them before marking the run finished: a
// failed write (a full disk) marks it failed instead, never finished without tables.
func finishRun(run runSink, l *latent.LMDP, cfg Config, results []*Result) error {
	err := writeRun(run, l, cfg, results)
	if err == nil {
		err = run.Flush()
	}
	if err != nil {
		_ = run.Fail(err)
		return fmt.Errorf("write run: %w", err)
	}
	return run.Close()
}

// Name is the family, or "file".
func (src InstanceSource) Name() string {
	if src.Family != "" {
		return src.Family
	}
	return "file"
}

func writeRun(run runSink, l *latent.LMDP, cfg Config, results []*Result) error {
	obs, act := make([]float64, 1), make([]float64, 1)
	for i, r := range results {
		base := int64(i) * int64(cfg.K)
		for k := 0; k < cfg.K; k++ {
			step := int64(k+1) * int64(l.H)
			if err := run.LogMetrics(logs.MetricRow{Seed: int64(r.Seed), Iteration: int64(k), EnvSteps: step,
				WallSeconds: r.WallSeconds[k], Values: map[string]float64{
					"regret": r.CumRegret[k], "episode_regret": r.CumRegret[k] - prev(r.CumRegret, k), "policy_value": r.PolicyValue[k]}}); err != nil {
				return err
			}
			if err := run.LogEpisode(logs.EpisodeRow{Episode: base + int64(k), Seed: int64(r.Seed), Return: r.Returns[k],
				Length: int64(l.H), Terminated: true, EnvSteps: step, WallSeconds: r.WallSeconds[k], Context: int64(r.Contexts[k])}); err != nil {
				return err
			}
		}
		for _, st := range r.Steps {
			obs[0], act[0] = float64(st.State), float64(st.Action)
			if err := run.LogStep(&logs.StepRow{Episode: base + int64(st.Episode), Step: int64(st.H), Obs: obs, Action: act,
				Reward: st.Reward, Terminated: st.H == l.H-1, Context: int64(st.Context), LogProb: math.NaN(), Value: math.NaN()}); err != nil {
				return err
			}
		}
	}
	return nil
}

func prev(x []float64, k int) float64 {
	if k == 0 {
		return 0
	}
	return x[k-1]
}

func meanSD(x []float64) (mean, sd float64) {
	for _, v := range x {
		mean += v
	}
	mean /= float64(len(x))
	if len(x) < 2 {
		return mean, 0
	}
	for _, v := range x {
		sd += (v - mean) * (v - mean)
	}
	return mean, math.Sqrt(sd / float64(len(x)-1))
}

package horizons

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"gorl/agents"
	"gorl/agents/ppo"
	"gorl/env"
	"gorl/internal/workpool"
	"gorl/logs"
)

// Drift is the horizon experiment of a PPO drift: for each factor f, PPO trains for
// N0 x f environment steps with the drift (its n/N following that run's own number of
// updates), with PPO-clip, and optionally with a baseline drift and with the drift's n/N
// shuffled or fixed; every method and horizon runs the same seeds, so differences are
// paired. A run's final return is the mean return of EvalEpisodes deterministic
// episodes after its last update.

// ---- gorl drift horizons ----

// DriftRef names a drift file an experiment used, with its content's hash.
type DriftRef struct {
	Path      string `json:"path"`
	Objective string `json:"objective"`
	SHA256    string `json:"sha256"`

	data []byte
}

// DriftConfig is drift-horizons.json: the whole experiment, enough to rerun it.
type DriftConfig struct {
	Command    string    `json:"command"` // "drift horizons"
	Version    string    `json:"gorl_version"`
	Drift      DriftRef  `json:"drift"`
	Baseline   *DriftRef `json:"baseline,omitempty"`
	TrainSteps int64     `json:"train_steps"` // N0
	Factors    []float64 `json:"factors"`
	Seeds      int       `json:"seeds"`
	Seed       uint64    `json:"seed"` // run i of a horizon and method has seed Seed + i
	// ShuffleProgress adds the drift with its n/N schedule permuted (ppo.ShuffledProgress,
	// permutation stream env.NewRand(run seed, ProgressStream)); FixedProgress the drift
	// with n/N held at that value.
	ShuffleProgress bool     `json:"shuffle_progress"`
	FixedProgress   *float64 `json:"fixed_progress,omitempty"`
	EvalEpisodes    int      `json:"eval_episodes"`
	// Train and PPO are the inner runs' settings; each run sets steps (N0 x factor), seed,
	// eval_every (= its number of updates: one evaluation at the end) and the objective.
	Train agents.TrainConfig `json:"train"`
	PPO   ppo.Config         `json:"ppo"`
}

// DriftRunConfig is config.json of one inner run.
type DriftRunConfig struct {
	Command string  `json:"command"` // "drift horizons"
	Version string  `json:"gorl_version"`
	Algo    string  `json:"algo"`   // ppo
	Method  string  `json:"method"` // clip, drift, baseline, drift-shuffled or drift-fixed
	Factor  float64 `json:"horizon_factor"`
	// Progress is what the objective sees as n/N: "schedule" (n/N itself), "shuffled"
	// (a permutation of the run's schedule drawn from env.NewRand(train.seed,
	// progress_stream)) or "fixed" (fixed_progress at every update).
	Progress       string   `json:"progress"`
	ProgressStream *uint64  `json:"progress_stream,omitempty"`
	FixedProgress  *float64 `json:"fixed_progress,omitempty"`
	DriftSHA256    string   `json:"drift_sha256,omitempty"`
	// EvalEpisodes deterministic episodes after the last update give the final return
	// (metrics.parquet's eval_return of the last row).
	EvalEpisodes int                `json:"eval_episodes"`
	Train        agents.TrainConfig `json:"train"`
	PPO          ppo.Config         `json:"ppo"`
}

// ProgressStream is the stream id (under a run's seed) of the shuffled-progress
// permutation; the training loop's streams are 1..3.
const ProgressStream = 0xd71f

// Job is one inner run.
type Job struct {
	factorIdx, methodIdx int
	dir                  string
	cfg                  DriftRunConfig
	newObjective         func() (ppo.Objective, error)
}

type Result struct {
	ret      float64 // final deterministic evaluation return (NaN if diverged)
	diverged bool
}

// Method is one objective trained at every horizon.
type Method struct {
	name, objective string
	progress        string
	fixed           *float64
	ref             *DriftRef // nil for clip
}

// ParseFactors reads --factors: distinct positive numbers, in the order given.
func ParseFactors(s string) ([]float64, error) { return parseList("--factors", s) }

func parseList(flag, s string) ([]float64, error) {
	var out []float64
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		v, err := strconv.ParseFloat(f, 64)
		if err != nil || !(v > 0) || math.IsInf(v, 0) || v > 1e6 {
			return nil, fmt.Errorf("%s: %q is not a positive number (at most 1e6)", flag, f)
		}
		if slices.Contains(out, v) {
			return nil, fmt.Errorf("%s: %q appears twice", flag, f)
		}
		out = append(out, v)
	}
	return out, nil
}

// ReadDriftRef reads a drift file once: the runs build their objectives from these
// bytes, so the file changing during the experiment changes nothing.
func ReadDriftRef(path string) (DriftRef, error) {
	l, err := ppo.LoadLPO(path)
	if err != nil {
		return DriftRef{}, err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return DriftRef{}, fmt.Errorf("read drift file: %w", err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return DriftRef{}, err
	}
	sum := sha256.Sum256(data)
	return DriftRef{Path: abs, Objective: l.Name(), SHA256: hex.EncodeToString(sum[:]), data: data}, nil
}

// newLPO builds a fresh copy of the drift (objectives are not shared between runs).
func (d *DriftRef) newLPO() (*ppo.LPO, error) {
	l, err := ppo.ReadLPO(bytes.NewReader(d.data))
	if err != nil {
		return nil, fmt.Errorf("drift file %s: %w", d.Path, err)
	}
	return l, nil
}

// methods lists what every horizon trains: PPO-clip (index 0), the drift (index 1), then
// the options; the table's vs_clip and vs_drift columns rely on this order.
func (hc *DriftConfig) methods() []Method {
	ms := []Method{{name: "clip", objective: "clip", progress: "schedule"},
		{name: "drift", objective: hc.Drift.Objective, progress: "schedule", ref: &hc.Drift}}
	if hc.Baseline != nil {
		ms = append(ms, Method{name: "baseline", objective: hc.Baseline.Objective, progress: "schedule", ref: hc.Baseline})
	}
	if hc.ShuffleProgress {
		ms = append(ms, Method{name: "drift-shuffled", objective: hc.Drift.Objective, progress: "shuffled", ref: &hc.Drift})
	}
	if hc.FixedProgress != nil {
		ms = append(ms, Method{name: "drift-fixed", objective: hc.Drift.Objective, progress: "fixed", fixed: hc.FixedProgress, ref: &hc.Drift})
	}
	return ms
}

// Jobs builds every inner run's config, checking each horizon against the rollout size.
func (hc *DriftConfig) Jobs() ([]Job, []Method, error) {
	methods := hc.methods()
	var jobs []Job
	for fi, f := range hc.Factors {
		steps := int64(math.Round(float64(hc.TrainSteps) * f))
		batch := int64(hc.Train.Envs * hc.Train.RolloutSteps)
		if steps < batch {
			return nil, nil, fmt.Errorf("--factors %g: %d steps do not cover one rollout of envs x rollout steps = %d", f, steps, batch)
		}
		if steps > 1e11 {
			return nil, nil, fmt.Errorf("--factors %g: %d steps is too many", f, steps)
		}
		for mi, m := range methods {
			for si := range hc.Seeds {
				tc := hc.Train
				tc.Steps, tc.Seed = steps, hc.Seed+uint64(si)
				tc.EvalEvery = tc.Updates() // one evaluation, after the last update
				pc := hc.PPO
				pc.Objective = m.objective
				rc := DriftRunConfig{Command: "drift horizons", Version: hc.Version, Algo: "ppo", Method: m.name, Factor: f,
					Progress: m.progress, FixedProgress: m.fixed, EvalEpisodes: hc.EvalEpisodes, Train: tc}
				if m.ref != nil {
					pc.ObjectiveParams, rc.DriftSHA256 = m.ref.Path, m.ref.SHA256
				}
				if m.progress == "shuffled" {
					s := uint64(ProgressStream)
					rc.ProgressStream = &s
				}
				rc.PPO = pc
				if err := tc.Validate(); err != nil {
					return nil, nil, fmt.Errorf("--factors %g: %w", f, err)
				}
				if n := tc.Envs * tc.RolloutSteps; n%pc.Minibatches != 0 {
					return nil, nil, fmt.Errorf("%d minibatches do not divide envs x rollout steps = %d", pc.Minibatches, n)
				}
				updates, runSeed := tc.Updates(), tc.Seed
				eps := float32(pc.ClipEps)
				newObj := func() (ppo.Objective, error) {
					if m.ref == nil {
						return ppo.Clip{Eps: eps}, nil
					}
					l, err := m.ref.newLPO()
					if err != nil {
						return nil, err
					}
					switch m.progress {
					case "shuffled":
						return ppo.NewShuffledProgress(l, updates, env.NewRand(runSeed, ProgressStream))
					case "fixed":
						return ppo.FixedProgress{Objective: l, Progress: float32(*m.fixed)}, nil
					}
					return l, nil
				}
				jobs = append(jobs, Job{factorIdx: fi, methodIdx: mi, cfg: rc, newObjective: newObj,
					dir: fmt.Sprintf("f%s-%s-s%d", strconv.FormatFloat(f, 'g', -1, 64), m.name, tc.Seed)})
			}
		}
	}
	return jobs, methods, nil
}

// runJobs trains the jobs on workers goroutines (internal/workpool). A diverged run
// (non-finite loss) is a result; any other failure fails the experiment. addSteps is
// called from the workers with the steps each run has trained.
func runJobs(root string, jobs []Job, workers int, addSteps func(int64)) ([]Result, error) {
	var mu sync.Mutex
	serial := func(n int64) {
		mu.Lock()
		defer mu.Unlock()
		addSteps(n)
	}
	results := make([]Result, len(jobs))
	err := workpool.Run(len(jobs), workers, func(i int) error {
		var err error
		results[i], err = runJob(filepath.Join(root, jobs[i].dir), jobs[i], serial)
		if err != nil {
			return fmt.Errorf("run %s: %w", filepath.Join(root, jobs[i].dir), err)
		}
		return nil
	})
	return results, err
}

// runJob trains one inner run, logged to dir, as gorl train does.
func runJob(dir string, job Job, addSteps func(int64)) (Result, error) {
	obj, err := job.newObjective()
	if err != nil {
		return Result{}, err
	}
	cfg := job.cfg
	loop, err := agents.NewLoop(cfg.Train, nil, func(obs, act env.Space) (agents.Agent, error) {
		return ppo.NewWithObjective(obs, act, cfg.PPO, cfg.Train.Seed, obj)
	})
	if err != nil {
		return Result{}, err
	}
	run, err := logs.Create(dir, cfg, logs.Options{EnvID: cfg.Train.Env, StepEvery: cfg.Train.StepEvery})
	if err != nil {
		loop.Close()
		return Result{}, err
	}
	loop.Log = run
	final := math.NaN()
	var shown int64
	loop.Hooks.OnUpdate = func(st agents.Status) {
		addSteps(st.EnvSteps - shown)
		shown = st.EnvSteps
		if v, ok := st.Metrics["eval_return"]; ok && st.Update == st.Updates {
			final = v
		}
	}
	_, err = loop.Run()
	if errors.Is(err, agents.ErrNonFinite) {
		addSteps(cfg.Train.Steps - shown) // the rest of the budget is not trained
		return Result{ret: math.NaN(), diverged: true}, nil
	}
	if err != nil {
		return Result{}, err
	}
	if math.IsNaN(final) {
		return Result{}, errors.New("no final evaluation was logged")
	}
	return Result{ret: final}, nil
}

// table has one row per horizon and method: the final returns' mean, standard
// error, range and diverged runs, and the mean's difference to PPO-clip's and to the
// drift's at that horizon.
func table(hc DriftConfig, methods []Method, jobs []Job, results []Result) *logs.Table {
	t := &logs.Table{Columns: []string{"factor", "steps", "updates", "method", "objective", "n", "mean", "se", "ci95", "min", "max", "diverged", "vs_clip", "vs_drift"}}
	nf, nm := len(hc.Factors), len(methods)
	rets := make([][]float64, nf*nm)
	div := make([]int, nf*nm)
	steps := make([]int64, nf)
	updates := make([]int, nf)
	for i, j := range jobs {
		k := j.factorIdx*nm + j.methodIdx
		steps[j.factorIdx], updates[j.factorIdx] = j.cfg.Train.Steps, j.cfg.Train.Updates()
		if results[i].diverged {
			div[k]++
			continue
		}
		rets[k] = append(rets[k], results[i].ret)
	}
	mean := func(k int) float64 {
		if len(rets[k]) == 0 {
			return math.NaN()
		}
		return logs.Mean(rets[k])
	}
	for fi, f := range hc.Factors {
		for mi, m := range methods {
			k := fi*nm + mi
			r := rets[k]
			se, lo, hi := math.NaN(), math.NaN(), math.NaN()
			if len(r) > 0 {
				lo, hi = slices.Min(r), slices.Max(r)
			}
			if len(r) > 1 {
				se = logs.StdErr(r)
			}
			vsClip, vsDrift := mean(k)-mean(fi*nm), mean(k)-mean(fi*nm+1)
			if m.name == "clip" {
				vsClip = math.NaN()
			}
			if m.name == "drift" || m.name == "clip" {
				vsDrift = math.NaN()
			}
			t.Rows = append(t.Rows, []any{f, steps[fi], updates[fi], m.name, m.objective, len(r), mean(k), se, CI95(r), lo, hi, div[k], vsClip, vsDrift})
		}
	}
	return t
}

// writeSummary adds paired comparisons over all horizons and seeds: the drift
// against PPO-clip and against each other method (mean difference ± s.e., runs where
// both finished).
// results are in job order: horizon, then method, then seed.
func writeSummary(w io.Writer, hc DriftConfig, methods []Method, results []Result) {
	nm, ns := len(methods), hc.Seeds
	at := func(fi, mi, si int) Result { return results[(fi*nm+mi)*ns+si] }
	for mi, m := range methods {
		if m.name == "drift" {
			continue
		}
		var d []float64
		for fi := range hc.Factors {
			for si := range ns {
				a, b := at(fi, 1, si), at(fi, mi, si)
				if !a.diverged && !b.diverged {
					d = append(d, a.ret-b.ret)
				}
			}
		}
		if len(d) == 0 {
			continue
		}
		se := math.NaN()
		if len(d) > 1 {
			se = logs.StdErr(d)
		}
		fmt.Fprintf(w, "drift - %s: %+.1f ± %.1f s.e. (95%% interval ± %.1f; paired over %d runs, all horizons)\n", m.name, logs.Mean(d), se, CI95(d), len(d))
	}
}

// RunDrift runs the experiment c into root (which must not exist or be empty): it
// writes drift-horizons.json, one run directory per inner run, and horizons.csv, and
// returns the table and the paired-comparison summary lines. addSteps hears the
// environment steps as runs train (one call at a time).
func RunDrift(root string, c DriftConfig, workers int, addSteps func(int64)) (*logs.Table, string, error) {
	jobs, methods, err := c.Jobs()
	if err != nil {
		return nil, "", err
	}
	if entries, err := os.ReadDir(root); err == nil && len(entries) > 0 {
		return nil, "", fmt.Errorf("run directory %s already exists and is not empty", root)
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return nil, "", fmt.Errorf("create run directory: %w", err)
	}
	if err := logs.WriteJSONAtomic(filepath.Join(root, "drift-horizons.json"), c); err != nil {
		return nil, "", err
	}
	results, err := runJobs(root, jobs, workers, addSteps)
	if err != nil {
		return nil, "", err
	}
	t := table(c, methods, jobs, results)
	if err := logs.WriteFileAtomic(filepath.Join(root, "horizons.csv"), func(f *os.File) error { return t.WriteCSV(f) }); err != nil {
		return nil, "", err
	}
	var sum strings.Builder
	writeSummary(&sum, c, methods, results)
	return t, sum.String(), nil
}

// TotalSteps is the environment steps of every inner run together.
func (c *DriftConfig) TotalSteps() (int64, error) {
	jobs, _, err := c.Jobs()
	var total int64
	for _, j := range jobs {
		total += j.cfg.Train.Steps
	}
	return total, err
}

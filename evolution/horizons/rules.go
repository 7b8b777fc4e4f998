package horizons

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"

	"gorl/agents"
	"gorl/agents/lpg"
	"gorl/agents/ppo"
	"gorl/env"
	"gorl/evolution"
	"gorl/internal/workpool"
	"gorl/logs"
)

// Rules is the lifetime experiment of an LPG update rule: for each lifetime N (in
// updates) and seed i, a fresh LPG agent learns with the rule for N updates on held-out
// level FirstLevel + i (grid/ envs; other envs: the seed alone differs), and its return
// is the mean of EvalEpisodes episodes afterwards; the same for a baseline rule (e.g.
// LPG evolved with the same budget), for the rule with its n/N shuffled or fixed, and for
// A2C (PPO with one epoch over one minibatch per rollout, which is the advantage
// actor-critic update: at the first gradient step the ratio is 1, so the clip never
// acts) with the same rollouts and updates. Every method sees the same levels and seeds,
// so differences are paired.

// RuleRef names an update rule file an experiment used, with its content's hash.
type RuleRef struct {
	Path      string `json:"path"`
	Objective string `json:"objective"` // lpg or ta-lpg
	SHA256    string `json:"sha256"`

	data []byte
}

// ReadRuleRef reads an update rule file once: runs build their rules from these bytes.
func ReadRuleRef(path string) (RuleRef, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return RuleRef{}, fmt.Errorf("read update rule: %w", err)
	}
	r, err := lpg.ReadRule(bytes.NewReader(data))
	if err != nil {
		return RuleRef{}, fmt.Errorf("update rule %s: %w", path, err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return RuleRef{}, err
	}
	sum := sha256.Sum256(data)
	return RuleRef{Path: abs, Objective: r.Config.Name(), SHA256: hex.EncodeToString(sum[:]), data: data}, nil
}

func (r *RuleRef) rule() (*lpg.Rule, error) { return lpg.ReadRule(bytes.NewReader(r.data)) }

// RulesConfig is rule-lifetimes.json: the whole experiment, enough to rerun it.
type RulesConfig struct {
	Command    string      `json:"command"`
	Version    string      `json:"gorl_version"`
	Rule       RuleRef     `json:"rule"`
	Baseline   *RuleRef    `json:"baseline,omitempty"`
	Env        string      `json:"env"`
	EnvOptions env.Options `json:"env_options,omitempty"`
	Lifetimes  []int       `json:"lifetimes"` // N, in updates
	Seeds      int         `json:"seeds"`
	Seed       uint64      `json:"seed"`        // run i has seed Seed + i
	FirstLevel uint64      `json:"first_level"` // run i trains on level FirstLevel + i
	// ShuffleProgress adds the rule with its n/N schedule permuted (permutation from
	// env.NewRand(run seed, ProgressStream)); FixedProgress the rule with n/N held.
	ShuffleProgress bool     `json:"shuffle_progress"`
	FixedProgress   *float64 `json:"fixed_progress,omitempty"`
	A2C             bool     `json:"a2c"`
	EvalEpisodes    int      `json:"eval_episodes"`
	// EvalPolicy is how the evaluation episodes act: sample (groove's evaluation) or mode.
	EvalPolicy   string     `json:"eval_policy"`
	Envs         int        `json:"envs"`
	RolloutSteps int        `json:"rollout_steps"`
	LPG          lpg.Config `json:"lpg"`
	PPO          ppo.Config `json:"a2c_ppo"` // the A2C baseline's settings (epochs 1, minibatches 1)
}

// WithDefaults fills zero settings: groove's agents for grid worlds (MLP [32], Adam
// 1e-3, gradient norm 0.5), 8 environments x 20 steps per update, held-out levels from
// evolution.HeldOutLevels, 10 sampled evaluation episodes, and A2C with the agent's
// network size and step size.
func (c RulesConfig) WithDefaults() RulesConfig {
	if c.Envs == 0 {
		c.Envs = 8
	}
	if c.RolloutSteps == 0 {
		c.RolloutSteps = 20
	}
	if c.FirstLevel == 0 {
		c.FirstLevel = evolution.HeldOutLevels
	}
	if c.EvalEpisodes == 0 {
		c.EvalEpisodes = 10
	}
	if c.EvalPolicy == "" {
		c.EvalPolicy = "sample"
	}
	if len(c.LPG.Hidden) == 0 && c.LPG.LR == 0 {
		c.LPG = lpg.Config{Hidden: []int{32}, LR: 1e-3, MaxGradNorm: 0.5}
	}
	c.LPG = c.LPG.WithDefaults()
	if c.PPO.Epochs == 0 {
		c.PPO = ppo.Config{LR: c.LPG.LR, ConstantLR: true, Epochs: 1, Minibatches: 1, Hidden: c.LPG.Hidden,
			MaxGradNorm: c.LPG.MaxGradNorm}
	}
	c.PPO = c.PPO.WithDefaults()
	return c
}

type ruleMethod struct {
	name, progress string
	ref            *RuleRef // nil: A2C
}

func (c *RulesConfig) methods() []ruleMethod {
	ms := []ruleMethod{{name: "rule", progress: "schedule", ref: &c.Rule}}
	if c.Baseline != nil {
		ms = append(ms, ruleMethod{name: "baseline", progress: "schedule", ref: c.Baseline})
	}
	if c.ShuffleProgress {
		ms = append(ms, ruleMethod{name: "rule-shuffled", progress: "shuffled", ref: &c.Rule})
	}
	if c.FixedProgress != nil {
		ms = append(ms, ruleMethod{name: "rule-fixed", progress: "fixed", ref: &c.Rule})
	}
	if c.A2C {
		ms = append(ms, ruleMethod{name: "a2c", progress: "schedule"})
	}
	return ms
}

// Validate reports the first bad setting of an effective config.
func (c RulesConfig) Validate() error {
	switch {
	case len(c.Lifetimes) == 0:
		return errors.New("no lifetimes")
	case c.Seeds < 1 || c.Seeds > 100000:
		return fmt.Errorf("seeds %d: want 1..100000", c.Seeds)
	case c.EvalPolicy != "sample" && c.EvalPolicy != "mode":
		return fmt.Errorf("eval policy %q: want sample or mode", c.EvalPolicy)
	case c.FixedProgress != nil && !(*c.FixedProgress >= 0 && *c.FixedProgress <= 1):
		return fmt.Errorf("fixed progress %v: want [0, 1]", *c.FixedProgress)
	}
	for _, n := range c.Lifetimes {
		if n < 1 || n > 1e7 {
			return fmt.Errorf("lifetime %d: want 1..10000000 updates", n)
		}
	}
	if c.Baseline != nil && c.Baseline.Objective == c.Rule.Objective && c.Baseline.SHA256 == c.Rule.SHA256 {
		return errors.New("the baseline is the rule itself")
	}
	if err := c.LPG.Validate(); err != nil {
		return err
	}
	return c.PPO.Validate()
}

// levelOptions are the env options of run i's level.
func (c *RulesConfig) levelOptions(i int) env.Options {
	m := evolution.MetaConfig{Inner: agents.TrainConfig{Env: c.Env, EnvOptions: c.EnvOptions}}
	return m.LevelOptions(c.FirstLevel + uint64(i))
}

// progressHook is the n/N a method's rule sees: its own schedule, a fixed permutation
// of it, or a constant.
func (c *RulesConfig) progressHook(m ruleMethod, lifetime int, seed uint64) func(agents.Progress) agents.Progress {
	switch m.progress {
	case "shuffled":
		perm := env.NewRand(seed, ProgressStream).Perm(lifetime)
		return func(p agents.Progress) agents.Progress {
			return agents.Progress{Update: perm[p.Update], Updates: p.Updates}
		}
	case "fixed":
		k := int(math.Round(*c.FixedProgress * float64(lifetime)))
		return func(p agents.Progress) agents.Progress { return agents.Progress{Update: k, Updates: p.Updates} }
	}
	return nil
}

// sampled acts with actions drawn from the policy (groove's evaluation).
type sampled struct{ agents.Agent }

func (s sampled) Act(obs, actions [][]float64, _ bool) { s.Agent.Act(obs, actions, false) }

// runRule trains and scores one run: method m, lifetime n, seed index i.
func (c *RulesConfig) runRule(m ruleMethod, n, i int) (float64, int64, error) {
	seed := c.Seed + uint64(i)
	opts := c.levelOptions(i)
	var agent agents.Agent
	var steps int64
	if m.ref == nil {
		tc := agents.TrainConfig{Env: c.Env, EnvOptions: opts, Envs: c.Envs, RolloutSteps: c.RolloutSteps,
			Steps: int64(n * c.Envs * c.RolloutSteps), Seed: seed, StepEvery: -1, CheckpointEvery: -1, CheckpointSeconds: -1}
		loop, err := agents.NewLoop(tc, nil, func(obs, act env.Space) (agents.Agent, error) {
			return ppo.New(obs, act, c.PPO, seed)
		})
		if err != nil {
			return 0, 0, err
		}
		sum, err := loop.Run()
		if err != nil {
			return math.NaN(), sum.EnvSteps, err
		}
		agent, steps = loop.Agent, sum.EnvSteps
	} else {
		rule, err := m.ref.rule()
		if err != nil {
			return 0, 0, err
		}
		l, err := lpg.NewLearner(lpg.LearnerSpec{Env: c.Env, EnvOptions: opts, Envs: c.Envs, Steps: c.RolloutSteps,
			Agent: c.LPG, Seed: seed, Lifetime: n}, rule)
		if err != nil {
			return 0, 0, err
		}
		err = l.Train(n, c.progressHook(m, n, seed))
		l.Close()
		if err != nil {
			return math.NaN(), l.EnvSteps, err
		}
		agent, steps = l.Agent, l.EnvSteps
	}
	e, err := env.Make(c.Env, opts)
	if err != nil {
		return 0, 0, err
	}
	var p agents.Policy = agent
	if c.EvalPolicy == "sample" {
		p = sampled{agent}
	}
	rows, err := agents.Evaluate(p, e, c.EvalEpisodes, env.DeriveSeed(seed, agents.StreamEval), nil, 0)
	if err != nil {
		return 0, 0, err
	}
	return agents.MeanReturn(rows), steps, nil
}

// RunRules runs the experiment into root (which must not exist or be empty): it
// writes rule-lifetimes.json, runs.csv (one row per run) and lifetimes.csv (the table),
// and returns the table and the paired-comparison summary lines. addSteps hears the
// environment steps of each finished run (one call at a time). A run whose update turns
// non-finite counts as diverged.
func RunRules(root string, c RulesConfig, workers int, addSteps func(int64)) (*logs.Table, string, error) {
	if err := c.Validate(); err != nil {
		return nil, "", err
	}
	if entries, err := os.ReadDir(root); err == nil && len(entries) > 0 {
		return nil, "", fmt.Errorf("run directory %s already exists and is not empty", root)
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return nil, "", fmt.Errorf("create run directory: %w", err)
	}
	if err := logs.WriteJSONAtomic(filepath.Join(root, "rule-lifetimes.json"), c); err != nil {
		return nil, "", err
	}
	ms := c.methods()
	nl, nm, ns := len(c.Lifetimes), len(ms), c.Seeds
	rets := make([]float64, nl*nm*ns) // lifetime, method, seed; NaN: diverged
	var mu sync.Mutex
	err := workpool.Run(len(rets), workers, func(k int) error {
		li, mi, si := k/(nm*ns), (k/ns)%nm, k%ns
		r, steps, err := c.runRule(ms[mi], c.Lifetimes[li], si)
		if errors.Is(err, agents.ErrNonFinite) {
			r, err = math.NaN(), nil
		}
		rets[k] = r
		mu.Lock()
		addSteps(steps)
		mu.Unlock()
		return err
	})
	if err != nil {
		return nil, "", err
	}
	runs := &logs.Table{Columns: []string{"lifetime", "method", "seed", "level", "return"}}
	for k, r := range rets {
		li, mi, si := k/(nm*ns), (k/ns)%nm, k%ns
		runs.Rows = append(runs.Rows, []any{c.Lifetimes[li], ms[mi].name, c.Seed + uint64(si), c.FirstLevel + uint64(si), r})
	}
	if err := logs.WriteFileAtomic(filepath.Join(root, "runs.csv"), func(f *os.File) error { return runs.WriteCSV(f) }); err != nil {
		return nil, "", err
	}
	t, summary := rulesTable(c, ms, rets)
	if err := logs.WriteFileAtomic(filepath.Join(root, "lifetimes.csv"), func(f *os.File) error { return t.WriteCSV(f) }); err != nil {
		return nil, "", err
	}
	return t, summary, nil
}

// rulesTable has one row per lifetime and method (mean return, 95% interval, range,
// diverged runs, and the paired difference to the rule's mean), and the summary of
// paired differences over all lifetimes.
func rulesTable(c RulesConfig, ms []ruleMethod, rets []float64) (*logs.Table, string) {
	nm, ns := len(ms), c.Seeds
	at := func(li, mi, si int) float64 { return rets[(li*nm+mi)*ns+si] }
	t := &logs.Table{Columns: []string{"lifetime", "method", "objective", "n", "mean", "ci95", "min", "max", "diverged", "rule_minus", "rule_minus_ci95"}}
	for li, n := range c.Lifetimes {
		for mi, m := range ms {
			var r, d []float64
			div := 0
			for si := range ns {
				v, base := at(li, mi, si), at(li, 0, si)
				if math.IsNaN(v) {
					div++
					continue
				}
				r = append(r, v)
				if !math.IsNaN(base) {
					d = append(d, base-v)
				}
			}
			obj := "a2c"
			if m.ref != nil {
				obj = m.ref.Objective
			}
			mean, lo, hi, dm, dci := math.NaN(), math.NaN(), math.NaN(), math.NaN(), math.NaN()
			if len(r) > 0 {
				mean, lo, hi = logs.Mean(r), slices.Min(r), slices.Max(r)
			}
			if mi > 0 && len(d) > 0 {
				dm, dci = logs.Mean(d), CI95(d)
			}
			t.Rows = append(t.Rows, []any{n, m.name, obj, len(r), mean, CI95(r), lo, hi, div, dm, dci})
		}
	}
	var sum bytes.Buffer
	for mi, m := range ms[1:] {
		var d []float64
		for li := range c.Lifetimes {
			for si := range ns {
				if a, b := at(li, 0, si), at(li, mi+1, si); !math.IsNaN(a) && !math.IsNaN(b) {
					d = append(d, a-b)
				}
			}
		}
		if len(d) > 0 {
			fmt.Fprintf(&sum, "rule - %s: %+.3f (95%% interval ± %.3f; paired over %d runs, all lifetimes)\n", m.name, logs.Mean(d), CI95(d), len(d))
		}
	}
	return t, sum.String()
}

// ParseLifetimes reads a comma-separated list of lifetimes in updates.
func ParseLifetimes(s string) ([]int, error) {
	fs, err := parseList("--lifetimes", s)
	if err != nil {
		return nil, err
	}
	out := make([]int, len(fs))
	for i, f := range fs {
		if f != math.Trunc(f) {
			return nil, fmt.Errorf("lifetime %s is not a whole number of updates", strconv.FormatFloat(f, 'g', -1, 64))
		}
		out[i] = int(f)
	}
	return out, nil
}

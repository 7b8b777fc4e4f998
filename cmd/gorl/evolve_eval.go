package main

import (
	"fmt"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"gorl/evolution/horizons"
)

// evolveEvalFlags are gorl evolve eval's flags.
type evolveEvalFlags struct {
	ef           envFlags
	baseline     string
	lifetimes    string
	seeds        int
	seed         uint64
	shuffle      bool
	fixed        float64
	a2c          bool
	evalEpisodes int
	evalPolicy   string
	envs, steps  int
	workers      int
	runDir       string
	format       string
	quiet        bool
}

func newEvolveEvalCmd() *cobra.Command {
	var f evolveEvalFlags
	cmd := &cobra.Command{
		Use:   "eval RULE",
		Short: "Train LPG agents with an evolved update rule for several lifetimes on held-out levels; return table",
		Long: `Test how an LPG update rule (gorl evolve --objective lpg|ta-lpg: mean.lpg or best.lpg)
generalises across lifetimes (Jackson et al. 2024): for each lifetime N of --lifetimes (in
updates of --envs x --rollout-steps steps) and each of --seeds seeds, a fresh LPG agent
learns with RULE for N updates on a held-out level (grid/ envs: level 2^32 + seed index,
never used by meta-training), then plays --eval-episodes episodes (actions sampled from
the policy unless --eval-policy mode); the mean return is the run's score. The same runs
(same levels, seeds) are made for --baseline (e.g. LPG evolved with the same budget),
with RULE's n/N shuffled (--shuffle-progress) or fixed (--fixed-progress), and for A2C
(--a2c: PPO with one epoch over one minibatch, i.e. the advantage actor-critic update,
with the same network, step size and rollouts). The table gives each mean with the
half-width of its 95% interval (Student's t) and rule_minus, the paired difference of
RULE's return and the method's. --run-dir gets rule-lifetimes.json (the experiment),
runs.csv (every run) and lifetimes.csv (the table).`,
		Example: `  gorl evolve eval runs/talpg/mean.lpg --env grid/random --baseline runs/lpg/mean.lpg --a2c --shuffle-progress --seeds 10
  gorl evolve eval runs/talpg/mean.lpg --env grid/dense --lifetimes 10,50,250 --fixed-progress 0.5`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return f.run(cmd, args[0]) },
	}
	f.ef.register(cmd, "grid/random")
	fl := cmd.Flags()
	fl.StringVar(&f.baseline, "baseline", "", "a second update rule file to compare (e.g. LPG evolved with the same budget)")
	fl.StringVar(&f.lifetimes, "lifetimes", "10,25,50,100,250", "lifetimes N in updates")
	fl.IntVar(&f.seeds, "seeds", 10, "seeds (and held-out levels) per method and lifetime")
	fl.Uint64Var(&f.seed, "seed", 0, "first seed")
	fl.BoolVar(&f.shuffle, "shuffle-progress", false, "also train with RULE's n/N schedule randomly permuted")
	fl.Float64Var(&f.fixed, "fixed-progress", 0, "also train with RULE's n/N held at this value in [0, 1]")
	fl.BoolVar(&f.a2c, "a2c", false, "also train A2C with the same rollouts and updates")
	fl.IntVar(&f.evalEpisodes, "eval-episodes", 10, "evaluation episodes after training (their mean is the run's return)")
	fl.StringVar(&f.evalPolicy, "eval-policy", "sample", "how evaluation episodes act: sample (groove) or mode")
	fl.IntVar(&f.envs, "envs", 8, "environments per agent")
	fl.IntVar(&f.steps, "rollout-steps", 20, "steps per environment and update")
	fl.IntVar(&f.workers, "workers", 0, "runs trained at once (0: all cores); results do not depend on it")
	fl.StringVar(&f.runDir, "run-dir", "", "output directory (default runs/evolve-eval-<env>-s<seed>-<time>)")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "no progress output")
	addFormatFlag(cmd, &f.format)
	return cmd
}

// config checks the flags and builds the experiment for rule file path.
func (f *evolveEvalFlags) config(fl *pflag.FlagSet, path string) (horizons.RulesConfig, error) {
	c := horizons.RulesConfig{Command: "evolve eval", Version: version, Seeds: f.seeds, Seed: f.seed,
		ShuffleProgress: f.shuffle, A2C: f.a2c, EvalEpisodes: f.evalEpisodes, EvalPolicy: f.evalPolicy,
		Envs: f.envs, RolloutSteps: f.steps}
	if fl.Changed("fixed-progress") {
		c.FixedProgress = &f.fixed
	}
	if err := checkFormat(f.format); err != nil {
		return c, err
	}
	var err error
	if c.Lifetimes, err = horizons.ParseLifetimes(f.lifetimes); err != nil {
		return c, err
	}
	if err := c.CheckFlags(f.workers); err != nil {
		return c, err
	}
	if c.Rule, err = horizons.OpenRuleRef(path); err != nil {
		return c, err
	}
	if f.baseline != "" {
		b, err := horizons.OpenRuleRef(f.baseline)
		if err != nil {
			return c, fmt.Errorf("--baseline: %w", err)
		}
		c.Baseline = &b
	}
	if err := mergeEnvFlags(&f.ef, fl, &c.Env, &c.EnvOptions); err != nil {
		return c, err
	}
	c = c.WithDefaults()
	return c, c.Validate()
}

func (f *evolveEvalFlags) run(cmd *cobra.Command, path string) error {
	c, err := f.config(cmd.Flags(), path)
	if err != nil {
		return err
	}
	runDir := f.runDir
	if runDir == "" {
		runDir = defaultRunDir("evolve-eval", c.Env, f.seed)
	}
	prog := newProgress(c.TotalSteps(), "evolve eval", f.quiet)
	t, summary, err := horizons.RunRules(runDir, c, f.workers, prog.Add)
	prog.End(err)
	if err != nil {
		return err
	}
	return horizons.WriteRulesReport(cmd.OutOrStdout(), f.format, c, t, summary, runDir)
}

package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"gorl/agents"
	"gorl/env"
	"gorl/logs"
)

type trainOpts struct {
	ef                envFlags
	sf                *settingFlags
	algo, config, dir string
	tensorboard       string
	resume            bool
	quiet, jsonOut    bool
}

func newTrainCmd() *cobra.Command {
	o := &trainOpts{}
	cmd := &cobra.Command{
		Use:   "train",
		Short: "Train an agent and log the run (steps, episodes, metrics, checkpoints)",
		Long: `Train an agent on an environment and write a run directory: config.json (the
envelope algo, env, env_options, seed, gorl_version, format and the algorithm's own
settings), steps/, episodes.parquet, metrics.parquet and checkpoints/. Every algorithm
trains through one contract (agents.Trainer): ppo (with objective clip, dpo, lpo or
ta-lpo), lpg (an evolved update rule, --update-rule FILE) and td3 (Fujimoto et al. 2018;
--arch mlp, set or swat on sgrl/ morphologies and multi-task sets).

Settings come from defaults, then --config FILE (JSON as in any run's config.json), then
flags: every setting of every algorithm is a flag (its config key with "_" as "-").
Checkpoints are written at the start, every --checkpoint-every env steps or
--checkpoint-seconds, and at the end. Ctrl-C (SIGINT) or SIGTERM writes a checkpoint,
marks the run interrupted and exits non-zero. --resume continues the run in --run-dir
from its latest readable checkpoint with its recorded settings; the resumed run ends as
an uninterrupted one would (rows logged after that checkpoint are replaced). --resume of
a finished run says so and changes nothing, unless --steps gives it a larger budget,
which extends it (td3: its replay buffers grow to the new capacity). One process at a
time may write a run directory.

Every algorithm names its checkpoints checkpoints/steps-N.ckpt (N: env steps, zero-padded);
td3's hold everything needed to continue bit for bit (networks, optimiser states, replay
buffer, random streams, environment states), about 4 x (2 x obs + act + 2) bytes per
stored transition; only the newest is kept, and the final networks go to
checkpoints/final.ckpt. Run directories with the older names (update-N.ckpt,
td3-steps-N.ckpt, td3-final.ckpt) still evaluate and resume.`,
		Example: `  gorl train --env CartPole-v1 --algo ppo --seed 1
  gorl train --env CartPole-v1 --steps 500000 --stop-at-return 475
  gorl train --env Acrobot-v1 --objective ta-lpo --objective-params talpo.drift
  gorl train --run-dir runs/x --resume
  gorl train --run-dir runs/x --resume --steps 1000000
  gorl train --algo td3 --env Pendulum-v1 --steps 20000 --warm-up 1000
  gorl train --algo td3 --arch swat --env sgrl/hopper++ --steps 50000 --warm-up 5000`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.resume {
				return o.resumeRun(cmd)
			}
			rc, err := o.merge(cmd.Flags())
			if err != nil {
				return err
			}
			return o.start(cmd, rc)
		},
	}
	o.ef.register(cmd, "CartPole-v1")
	fl := cmd.Flags()
	fl.StringVar(&o.algo, "algo", "ppo", "algorithm: "+strings.Join(algorithms.Names(), ", "))
	fl.StringVar(&o.config, "config", "", "JSON config file (as a run's config.json); flags override it")
	fl.StringVar(&o.dir, "run-dir", "", "run directory (default runs/train-<algo>-<env>-s<seed>-<time>)")
	fl.StringVar(&o.tensorboard, "tensorboard", "", "also write episode and metric scalars as TensorBoard event files in this directory while training")
	fl.BoolVar(&o.resume, "resume", false, "continue the run in --run-dir from its latest checkpoint (--steps N extends a finished run)")
	fl.BoolVarP(&o.quiet, "quiet", "q", false, "no progress output")
	fl.BoolVar(&o.jsonOut, "json", false, "print the summary as one JSON line")
	o.sf = newSettingFlags(fl)
	return cmd
}

// merge builds the run's config: defaults < config file < flags, then resolved.
func (o *trainOpts) merge(fl *pflag.FlagSet) (*agents.RunConfig, error) {
	if err := checkSettingFlags(fl); err != nil {
		return nil, err
	}
	data, algo := []byte("{}"), ""
	if fl.Changed("algo") || o.config == "" {
		algo = o.algo
	}
	if o.config != "" {
		var err error
		if data, err = agents.ReadConfigFile(o.config); err != nil {
			return nil, err
		}
	}
	inConfig := func(err error) error {
		if o.config != "" {
			return fmt.Errorf("config %s: %w", o.config, err)
		}
		return err
	}
	rc, err := agents.DecodeRunConfig(data, algorithms, algo)
	if err != nil {
		return nil, inConfig(err)
	}
	if fl.Changed("algo") && rc.Algo != o.algo {
		return nil, fmt.Errorf("config %s is a %s run; --algo %s", o.config, rc.Algo, o.algo)
	}
	if f, ok := rc.Settings.(interface{ ForNewRun() }); ok { // state of the run a --config file came from
		f.ForNewRun()
	}
	if err := o.sf.apply(fl, rc.Algo, rc.Settings); err != nil {
		return nil, err
	}
	cm := rc.Settings.Common()
	if err := mergeEnvFlags(&o.ef, fl, cm.Env, cm.EnvOptions); err != nil {
		return nil, err
	}
	objective := cmp.Or(fieldsOf(rc.Settings)["objective"].String(), "clip")
	if _, ok := fieldText(fl, "objective-params"); ok && !slices.Contains([]string{"lpo", "ta-lpo"}, objective) {
		return nil, fmt.Errorf("--objective-params is read only by --objective lpo or ta-lpo, not %s", objective)
	}
	for _, name := range []string{"objective-params", "update-rule"} { // files read by the trainer
		if p, ok := fieldText(fl, name); ok {
			if err := checkInputFile(name, p); err != nil {
				return nil, err
			}
		}
	}
	if err := rc.Settings.Resolve(); err != nil {
		return nil, inConfig(err)
	}
	return agents.NewRunConfig("train", gorlVersion(), rc.Algo, rc.Settings), nil
}

func fieldText(fl *pflag.FlagSet, name string) (string, bool) {
	if !fl.Changed(name) {
		return "", false
	}
	return fl.Lookup(name).Value.String(), true
}

// start creates the run directory, writes config.json and trains.
func (o *trainOpts) start(cmd *cobra.Command, rc *agents.RunConfig) error {
	if o.dir == "" {
		o.dir = defaultRunDir("train-"+rc.Algo, rc.Env, rc.Seed)
	}
	tr, lock, err := agents.StartRun(o.dir, rc, func(opts logs.Options) (logs.Options, error) { return withTensorBoard(opts, o.tensorboard) })
	if err != nil {
		return err
	}
	defer lock.Unlock()
	return o.train(cmd, tr, rc)
}

// resumeRun continues (or extends, with --steps) the run in --run-dir.
func (o *trainOpts) resumeRun(cmd *cobra.Command) error {
	fl := cmd.Flags()
	if err := resumeFlags(fl, o.dir, "json", "steps", "tensorboard"); err != nil {
		return err
	}
	steps, _ := fieldText(fl, "steps")
	rc, extend, err := agents.ReadResume(o.dir, algorithms, steps)
	if err != nil {
		return err
	}
	lock, err := logs.LockRun(o.dir)
	if err != nil {
		return err
	}
	defer lock.Unlock()
	opts, err := withTensorBoard(logs.Options{EnvID: rc.Env, StepEvery: *rc.Settings.Common().StepEvery, RunID: rc.RunID}, o.tensorboard)
	if err != nil {
		return err
	}
	tr, err := agents.ResumeRun(o.dir, rc, extend, opts)
	if errors.Is(err, agents.ErrFinished) {
		_, err := fmt.Fprintf(cmd.OutOrStdout(), "run %s has finished its %d steps; nothing to resume (--resume --steps N extends it)\n", o.dir, *rc.Settings.Common().Steps)
		return err
	}
	if err != nil {
		return err
	}
	return o.train(cmd, tr, rc)
}

// train runs tr with progress on stderr, stopping cleanly on SIGINT or SIGTERM, and
// prints the summary.
func (o *trainOpts) train(cmd *cobra.Command, tr agents.Trainer, rc *agents.RunConfig) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	prog := newProgress(*rc.Settings.Common().Steps, "train", o.quiet)
	var shown int64 // a resumed run's first update jumps to its step count
	sum, err := tr.Train(ctx, agents.Hooks{
		OnUpdate: func(s agents.Status) {
			prog.Add(s.EnvSteps - shown)
			shown = s.EnvSteps
			if s.RecentReturn == s.RecentReturn { // not NaN
				prog.Describe(fmt.Sprintf("return %.1f", s.RecentReturn))
			}
		},
		Notice: func(msg string) { fmt.Fprintln(os.Stderr, "gorl: note:", msg) },
	})
	prog.End(err)
	if err != nil {
		return fmt.Errorf("train %s: %w", o.dir, err)
	}
	if o.jsonOut {
		return sum.WriteJSON(cmd.OutOrStdout(), o.dir, rc)
	}
	sum.WriteText(cmd.OutOrStdout(), o.dir, rc)
	return nil
}

// mergeEnvFlags lays the environment flags over a config's env id and options: --env
// replaces the id (or fills an empty one), --env-opt/--model/--family add options.
func mergeEnvFlags(ef *envFlags, fl *pflag.FlagSet, id *string, opts *env.Options) error {
	extra, err := ef.options()
	if err != nil {
		return err
	}
	if *id == "" || fl.Changed("env") {
		*id = ef.ID
	}
	if len(extra) > 0 {
		if *opts == nil {
			*opts = env.Options{}
		}
		for k, v := range extra {
			(*opts)[k] = v
		}
	}
	return checkEnvID(*id)
}

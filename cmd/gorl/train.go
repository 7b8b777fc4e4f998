package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"gorl/agents"
	"gorl/agents/ppo"
	setnet "gorl/agents/set"
	"gorl/agents/td3"
	"gorl/env"
	"gorl/logs"
	"gorl/physics3d/morph"
)

// trainConfig is config.json of a training run: the effective settings, enough to rerun
// it (`gorl train --config runs/X/config.json`) or resume it.
type trainConfig struct {
	Command string             `json:"command"`
	Version string             `json:"gorl_version"`
	Algo    string             `json:"algo"`
	Train   agents.TrainConfig `json:"train,omitzero"` // --algo ppo
	PPO     ppo.Config         `json:"ppo,omitzero"`   // --algo ppo
	TD3     *td3.TrainConfig   `json:"td3,omitempty"`  // --algo td3
	Arch    string             `json:"arch,omitempty"` // --algo td3: mlp (default), set or swat
	SET     *setSizes          `json:"set,omitempty"`  // --algo td3 --arch set: the networks' sizes
	SWAT    *swatSizes         `json:"swat,omitempty"` // --algo td3 --arch swat: the networks' sizes
}

// setSizes are the SET sizes of a td3 run with --arch set (agents/set.Config). The CLI's
// defaults are far smaller than the paper's (E 128, FF 256, 3 layers, C 32), whose
// forward and backward pass at batch 256 takes about 0.9 s on a 2-core machine.
type setSizes struct {
	Embed    int `json:"embed"`
	Heads    int `json:"heads"`
	FF       int `json:"ff"`
	Layers   int `json:"layers"`
	Channels int `json:"channels"`
}

func (s setSizes) config() setnet.Config {
	return setnet.Config{Embed: s.Embed, Heads: s.Heads, FF: s.FF, Layers: s.Layers, Channels: s.Channels}
}

// swatSizes are the sizes of the SWAT-style baseline of a td3 run with --arch swat
// (agents/set.SWATConfig), set by the same --set-embed, --set-heads, --set-ff and
// --set-layers flags; the CLI's defaults are SET's small ones.
type swatSizes struct {
	Embed  int `json:"embed"`
	Heads  int `json:"heads"`
	FF     int `json:"ff"`
	Layers int `json:"layers"`
}

func (s swatSizes) config() setnet.SWATConfig {
	return setnet.SWATConfig{Embed: s.Embed, Heads: s.Heads, FF: s.FF, Layers: s.Layers}
}

// readTrainConfig reads a config file (a run's config.json or a hand-written subset).
func readTrainConfig(path string, into *trainConfig) error {
	if err := checkInputFile("config", path); err != nil {
		return err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read config %s: %w", path, err)
	}
	if len(strings.TrimSpace(string(data))) == 0 {
		return fmt.Errorf("config %s is empty", path)
	}
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(into); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field == "" {
			return fmt.Errorf("config %s: want a JSON object, got %s", path, te.Value)
		}
		return fmt.Errorf("config %s: %w", path, err)
	}
	if dec.More() {
		return fmt.Errorf("config %s: unexpected data after the JSON object", path)
	}
	return nil
}

// readTrainRun reads the config.json of a training run directory, saying plainly when
// dir is no run directory or the run of another command.
func readTrainRun(dir string, into *trainConfig) error {
	if st, err := os.Stat(dir); err != nil {
		return fmt.Errorf("%s: no such run directory", dir)
	} else if !st.IsDir() {
		return fmt.Errorf("%s is not a run directory (not a directory)", dir)
	}
	path := filepath.Join(dir, "config.json")
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("%s is not a run directory (no config.json)", dir)
	}
	var head struct {
		Command string `json:"command"`
	}
	if data, err := os.ReadFile(path); err == nil && json.Unmarshal(data, &head) == nil && head.Command != "" && head.Command != "train" {
		return fmt.Errorf("%s is not a training run (it was written by gorl %s)", dir, head.Command)
	}
	if err := readTrainConfig(path, into); err != nil {
		return err
	}
	if into.Algo == "td3" {
		if into.TD3 == nil {
			return fmt.Errorf("config %s: a td3 run without a \"td3\" object", path)
		}
		if err := into.TD3.WithDefaults().Validate(); err != nil {
			return fmt.Errorf("config %s: %w", path, err)
		}
		return nil
	}
	// A hand-edited config.json must fail here, naming the file, not deep in the agent.
	if err := into.Train.WithDefaults().Validate(); err != nil {
		return fmt.Errorf("config %s: %w", path, err)
	}
	if err := into.PPO.WithDefaults().Validate(); err != nil {
		return fmt.Errorf("config %s: %w", path, err)
	}
	return nil
}

func (c *trainConfig) newAgent() agents.NewAgentFunc {
	return func(obs, act env.Space) (agents.Agent, error) { return ppo.New(obs, act, c.PPO, c.Train.Seed) }
}

func newTrainCmd() *cobra.Command {
	var (
		ef         envFlags
		cfg        trainConfig
		configFile string
		runDir     string
		resume     bool
		quiet      bool
		jsonOut    bool
		target     float64
		tf         td3Flagset
	)
	cmd := &cobra.Command{
		Use:   "train",
		Short: "Train an agent and log the run (steps, episodes, metrics, checkpoints)",
		Long: `Train an agent on an environment and write a run directory: config.json (the
effective settings), steps/, episodes.parquet, metrics.parquet and checkpoints/.
Settings come from defaults, then --config FILE (JSON with "train" and "ppo" objects, or
a "td3" object for --algo td3, as in any run's config.json), then flags. --resume
continues a run (ppo or td3) in --run-dir from its latest checkpoint with its recorded
settings; the resumed run ends as an uninterrupted one would, rows logged after that
checkpoint are replaced. PPO checkpoints every --checkpoint-every updates (default 100)
or --checkpoint-seconds (default 60) and keeps the last two.

--algo td3 trains TD3 (Fujimoto et al. 2018) with 256-256 MLPs on a continuous-action
env: one gradient update per env step after --warm-up uniformly random steps, metrics
every --metrics-every steps. Its checkpoints hold everything needed to continue bit for
bit (networks, optimiser states, replay buffer, random streams, environment states):
one at the start, then every --checkpoint-every env steps (default 50000) or
--checkpoint-seconds (default 600), whichever comes first; only the newest is kept
(checkpoints/td3-steps-N.ckpt, about 4 x (2 x obs + act + 2) bytes per stored
transition: 1 GB for 1e6 transitions of sgrl/hopper-3). The final networks and
optimiser states go to checkpoints/td3-final.ckpt. --resume of a finished td3 run says
so and changes nothing.
--arch set uses SubEquivariant Transformer actor and twin critics (agents/set) on an
sgrl/ environment, at small sizes by default (--set-embed 32, --set-ff 64, --set-layers 2,
--set-channels 8; the paper's are 128, 256, 3, 32); the sizes go into config.json.
--arch swat uses the SWAT-style Transformer baseline (limb tokens, traversal positional
embeddings, graph attention bias, no equivariance) with the same --set-embed, --set-heads,
--set-ff and --set-layers. On a multi-task set (sgrl/hopper++ ... sgrl/cwhh++) every arch
trains on all members: a member per episode, one replay buffer per member (each of
--buffer-size), each update on one member's batch; the MLP reads the zero-padded rows.
SET and SWAT runs can be evaluated zero-shot on other morphologies (gorl eval --env).`,
		Example: `  gorl train --env CartPole-v1 --algo ppo --seed 1
  gorl train --env CartPole-v1 --steps 500000 --stop-at-return 475
  gorl train --env Acrobot-v1 --objective ta-lpo --objective-params talpo.drift
  gorl train --run-dir runs/x --resume
  gorl train --algo td3 --env Pendulum-v1 --steps 20000 --warm-up 1000
  gorl train --algo td3 --arch set --env sgrl/hopper-3 --steps 20000 --warm-up 1000
  gorl train --algo td3 --arch swat --env sgrl/hopper++ --steps 50000 --warm-up 5000`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fl := cmd.Flags()
			if resume {
				if runDir == "" {
					return errors.New("--resume needs --run-dir DIR")
				}
				var changed []string
				fl.Visit(func(f *pflag.Flag) {
					if f.Name != "resume" && f.Name != "run-dir" && f.Name != "quiet" && f.Name != "json" {
						changed = append(changed, "--"+f.Name)
					}
				})
				if len(changed) > 0 {
					return fmt.Errorf("--resume continues with %s; drop %s", filepath.Join(runDir, "config.json"), strings.Join(changed, ", "))
				}
				if isLPGRun(runDir) {
					return resumeLPG(cmd, runDir, quiet, jsonOut) // train_lpg.go
				}
				var rc trainConfig
				if err := readTrainRun(runDir, &rc); err != nil {
					return err
				}
				// Two writers would interleave their rows.
				info, infoErr := logs.ReadRunInfo(runDir)
				if infoErr == nil && info.Status == "running" {
					return fmt.Errorf("run %s is still running (process %d); stop it before --resume", runDir, info.PID)
				}
				if rc.Algo == "td3" {
					return resumeTD3(cmd.OutOrStdout(), rc, runDir, infoErr == nil && info.Status == "finished", quiet, jsonOut)
				}
				loop, err := agents.Resume(runDir, rc.Train, logs.Options{EnvID: rc.Train.Env, StepEvery: stepEvery(rc.Train)}, rc.newAgent())
				if err != nil {
					return err
				}
				return runTraining(cmd.OutOrStdout(), loop, rc, runDir, quiet, jsonOut)
			}

			if err := validateTrainFlags(cmd, &cfg, target); err != nil {
				return err
			}
			// defaults < config file < flags
			merged := trainConfig{}
			if configFile != "" {
				if err := readTrainConfig(configFile, &merged); err != nil {
					return err
				}
			}
			if merged.Algo == "" || fl.Changed("algo") {
				merged.Algo = cfg.Algo
			}
			if merged.Algo == "td3" {
				return trainTD3(cmd, merged, &cfg, &tf, ef, target, configFile, runDir, quiet, jsonOut)
			}
			if merged.Algo == "lpg" || fl.Changed("update-rule") {
				return trainLPG(cmd, merged, &cfg, ef, target, runDir, quiet, jsonOut) // train_lpg.go
			}
			if merged.Algo != "ppo" {
				return fmt.Errorf("unknown algo %q (known: ppo, td3, lpg)", merged.Algo)
			}
			for _, name := range td3Flags {
				if fl.Changed(name) {
					return fmt.Errorf("--%s applies to --algo td3 only", name)
				}
			}
			t, p := &merged.Train, &merged.PPO
			if err := mergeEnvFlags(&ef, fl, &t.Env, &t.EnvOptions); err != nil {
				return err
			}
			set := ifChanged(fl)
			set("seed", func() { t.Seed = cfg.Train.Seed })
			set("steps", func() { t.Steps = cfg.Train.Steps })
			set("envs", func() { t.Envs = cfg.Train.Envs })
			set("rollout-steps", func() { t.RolloutSteps = cfg.Train.RolloutSteps })
			set("workers", func() { t.Workers = cfg.Train.Workers })
			set("stop-at-return", func() { t.StopAtReturn = &target })
			set("checkpoint-every", func() { t.CheckpointEvery = cfg.Train.CheckpointEvery })
			set("checkpoint-seconds", func() { t.CheckpointSeconds = cfg.Train.CheckpointSeconds })
			set("eval-every", func() { t.EvalEvery = cfg.Train.EvalEvery })
			set("step-every", func() { t.StepEvery = cfg.Train.StepEvery })
			set("normalize", func() { t.Normalize = cfg.Train.Normalize })
			set("objective", func() { p.Objective = cfg.PPO.Objective })
			set("objective-params", func() { p.ObjectiveParams = cfg.PPO.ObjectiveParams })
			set("lr", func() { p.LR = cfg.PPO.LR })
			if fl.Changed("objective-params") && p.Objective != "lpo" && p.Objective != "ta-lpo" {
				return fmt.Errorf("--objective-params is read only by --objective lpo or ta-lpo, not %s", p.Objective)
			}
			if p.ObjectiveParams != "" {
				if problem := fileProblem(p.ObjectiveParams); problem != "" {
					if fl.Changed("objective-params") {
						return fmt.Errorf("--objective-params %s%s", p.ObjectiveParams, problem)
					}
					return fmt.Errorf("config %s: objective_params %s%s", configFile, p.ObjectiveParams, problem)
				}
				abs, err := filepath.Abs(p.ObjectiveParams)
				if err != nil {
					return err
				}
				p.ObjectiveParams = abs // config.json must work from any directory
			}
			// The flags were checked above, so a setting refused here was most likely
			// read from the config file: name it.
			inConfig := func(err error) error {
				if configFile != "" {
					return fmt.Errorf("config %s: %w", configFile, err)
				}
				return err
			}
			// The defaults depend on the action space (CleanRL's ppo.py for discrete
			// actions, ppo_continuous_action.py for Box actions).
			tr, pc, err := ppo.Defaults(*t, *p)
			if err != nil {
				return inConfig(err)
			}
			merged.Train, merged.PPO = tr, pc
			if err := merged.Train.Validate(); err != nil {
				return inConfig(err)
			}
			if err := merged.PPO.Validate(); err != nil {
				return inConfig(err)
			}
			if tr := merged.Train; tr.Envs > maxEnvs || tr.RolloutSteps > maxBatch/tr.Envs {
				return fmt.Errorf("envs x rollout steps = %d x %d is too large (at most %d environments and %d transitions per update)", tr.Envs, tr.RolloutSteps, maxEnvs, maxBatch)
			}
			if n := merged.Train.Envs * merged.Train.RolloutSteps; n%merged.PPO.Minibatches != 0 {
				return fmt.Errorf("%d minibatches do not divide envs x rollout_steps = %d", merged.PPO.Minibatches, n)
			}
			if _, err := ppo.NewObjective(merged.PPO); err != nil {
				return err
			}
			merged.Command, merged.Version = "train", version
			if runDir == "" {
				runDir = defaultRunDir("train-"+merged.Algo, t.Env, merged.Train.Seed)
			}
			loop, err := agents.NewLoop(merged.Train, nil, merged.newAgent())
			if err != nil {
				return err
			}
			run, err := logs.Create(runDir, merged, logs.Options{EnvID: merged.Train.Env, StepEvery: stepEvery(merged.Train)})
			if err != nil {
				loop.Close()
				return err
			}
			loop.Log = run
			return runTraining(cmd.OutOrStdout(), loop, merged, runDir, quiet, jsonOut)
		},
	}
	ef.register(cmd, "CartPole-v1")
	fl := cmd.Flags()
	fl.StringVar(&cfg.Algo, "algo", "ppo", "algorithm: ppo, td3 or lpg")
	fl.String("update-rule", "", "lpg: LPG/TA-LPG update rule file (gorl evolve --objective lpg|ta-lpg writes mean.lpg, best.lpg)")
	fl.StringVar(&cfg.PPO.Objective, "objective", "clip", "PPO policy objective: clip, dpo, lpo or ta-lpo")
	fl.StringVar(&cfg.PPO.ObjectiveParams, "objective-params", "", "drift network file of a learned objective (lpo, ta-lpo)")
	fl.Float64Var(&cfg.PPO.LR, "lr", 2.5e-4, "learning rate (ppo: annealed linearly to 0; td3 default 3e-4)")
	fl.Int64Var(&cfg.Train.Steps, "steps", 500000, "training budget in environment steps")
	fl.Uint64Var(&cfg.Train.Seed, "seed", 0, "random seed")
	fl.IntVar(&cfg.Train.Envs, "envs", 4, "parallel environments")
	fl.IntVar(&cfg.Train.RolloutSteps, "rollout-steps", 128, "steps per environment per update")
	fl.IntVar(&cfg.Train.Workers, "workers", 1, "goroutines stepping the environments")
	fl.Float64Var(&target, "stop-at-return", 0, "stop once the mean return of the last 20 episodes reaches this")
	fl.Int64Var(&cfg.Train.CheckpointEvery, "checkpoint-every", 0, "write a checkpoint every N env steps (default 50000); negative: only by time and at the end")
	fl.Float64Var(&cfg.Train.CheckpointSeconds, "checkpoint-seconds", 0, "also write a checkpoint once this many seconds passed since the last (default: ppo 60, td3 600; negative: never by time)")
	fl.IntVar(&cfg.Train.EvalEvery, "eval-every", 0, "evaluate the deterministic policy every N updates (0: never)")
	fl.IntVar(&cfg.Train.StepEvery, "step-every", 1, "log the steps of every Nth episode (negative: none)")
	fl.StringVar(&cfg.Train.Normalize, "normalize", agents.NormalizeAuto, "ppo: observation and reward normalisation: auto (on for Box actions, off for discrete), on or off")
	fl.StringVar(&configFile, "config", "", "JSON config file (as a run's config.json); flags override it")
	fl.StringVar(&runDir, "run-dir", "", "run directory (default runs/train-<algo>-<env>-s<seed>-<time>)")
	fl.BoolVar(&resume, "resume", false, "continue the run in --run-dir from its latest checkpoint")
	fl.BoolVar(&quiet, "quiet", false, "no progress output")
	fl.BoolVar(&jsonOut, "json", false, "print the summary as one JSON line")
	tf.register(fl)
	return cmd
}

// td3Flags are the flags read by --algo td3 only; ppoFlags those read by ppo only.
var (
	td3Flags = []string{"batch", "warm-up", "hidden", "explore-noise", "grad-clip", "buffer-size", "metrics-every",
		"arch", "set-embed", "set-heads", "set-ff", "set-layers", "set-channels"}
	ppoFlags = []string{"objective", "objective-params", "rollout-steps", "eval-every", "normalize"}
)

type td3Flagset struct {
	batch, bufferSize      int
	warmUp, metricsEvery   int64
	hidden                 []int
	exploreNoise, gradClip float64
	arch                   string
	set                    setSizes
}

func (f *td3Flagset) register(fl *pflag.FlagSet) {
	fl.IntVar(&f.batch, "batch", 256, "td3: minibatch size")
	fl.Int64Var(&f.warmUp, "warm-up", 25000, "td3: uniformly random env steps before learning")
	fl.IntSliceVar(&f.hidden, "hidden", []int{256, 256}, "td3: MLP hidden layer sizes")
	fl.Float64Var(&f.exploreNoise, "explore-noise", 0.1, "td3: Gaussian exploration std (fraction of half the action range)")
	fl.Float64Var(&f.gradClip, "grad-clip", 0, "td3: global gradient-norm clip (0: none)")
	fl.IntVar(&f.bufferSize, "buffer-size", 1000000, "td3: replay buffer capacity (per member of a multi-task set)")
	fl.Int64Var(&f.metricsEvery, "metrics-every", 1000, "td3: env steps between metrics rows")
	fl.StringVar(&f.arch, "arch", "mlp", "td3: networks: mlp (--hidden), set (SubEquivariant Transformer) or swat (SWAT-style Transformer); set and swat need sgrl/ environments")
	fl.IntVar(&f.set.Embed, "set-embed", defaultSET.Embed, "td3 --arch set or swat: width E of the scalar stream / tokens (paper: 128)")
	fl.IntVar(&f.set.Heads, "set-heads", defaultSET.Heads, "td3 --arch set or swat: attention heads (paper: 2)")
	fl.IntVar(&f.set.FF, "set-ff", defaultSET.FF, "td3 --arch set or swat: hidden width of every MLP / feed-forward (paper: 256)")
	fl.IntVar(&f.set.Layers, "set-layers", defaultSET.Layers, "td3 --arch set or swat: transformer layers (paper: 3)")
	fl.IntVar(&f.set.Channels, "set-channels", defaultSET.Channels, "td3 --arch set: vector channels C, at least 3 (paper: 32)")
}

// defaultSET are the CLI's SET sizes: small enough for CPU training.
var defaultSET = setSizes{Embed: 32, Heads: 2, FF: 64, Layers: 2, Channels: 8}

// td3Arch picks the networks of a td3 run (rc's Arch and sizes) for environment id with
// opts; SET and SWAT read the morphology graphs from a probe instance.
func td3Arch(rc trainConfig, id string, opts env.Options) (td3.Arch, error) {
	switch rc.Arch {
	case "mlp", "": // "": runs recorded before --arch existed
		return nil, nil // td3.Train's default, td3.MLPArch with tc.TD3.Hidden
	}
	e, err := env.Make(id, opts)
	if err != nil {
		return nil, fmt.Errorf("env %s: %w", id, err)
	}
	if c, ok := env.As[io.Closer](e); ok { // the Multi or Env under the time limit
		defer c.Close()
	}
	return td3ArchOn(rc, e, id)
}

// td3ArchOn picks the networks of a td3 run for the environment e (named id): SET and
// SWAT get its morphology graph, or the member graphs of a multi-task set in order.
func td3ArchOn(rc trainConfig, e env.Env, id string) (td3.Arch, error) {
	switch rc.Arch {
	case "mlp", "":
		return nil, nil
	case "set", "swat":
	default:
		return nil, fmt.Errorf("unknown --arch %q (known: mlp, set, swat)", rc.Arch)
	}
	var graphs []*morph.Graph
	if m, ok := env.As[interface{ Graphs() []*morph.Graph }](e); ok {
		graphs = m.Graphs()
	} else if m, ok := env.As[morph.Morphological](e); ok {
		graphs = []*morph.Graph{m.Graph()}
	} else {
		return nil, fmt.Errorf("--arch %s needs an environment with a morphology graph (sgrl/...); %s has none", rc.Arch, id)
	}
	for _, g := range graphs {
		// The positional tables have 32 rows (agents/set's MaxNodes default).
		if g.N() > 32 {
			return nil, fmt.Errorf("--arch %s handles morphologies of up to 32 limbs; %s has one of %d", rc.Arch, id, g.N())
		}
	}
	positive := func(embed, heads, ff, layers int) error {
		if embed < 1 || heads < 1 || ff < 1 || layers < 1 {
			return fmt.Errorf("%s sizes must be positive, got embed %d, heads %d, ff %d, layers %d", strings.ToUpper(rc.Arch), embed, heads, ff, layers)
		}
		if embed%heads != 0 {
			return fmt.Errorf("--set-embed %d must be a multiple of --set-heads %d", embed, heads)
		}
		return nil
	}
	if rc.Arch == "swat" {
		if rc.SWAT == nil {
			return nil, errors.New("--arch swat: no SWAT sizes")
		}
		s := *rc.SWAT
		if err := positive(s.Embed, s.Heads, s.FF, s.Layers); err != nil {
			return nil, err
		}
		return td3.SWATArch{Graphs: graphs, Config: s.config()}, nil
	}
	if rc.SET == nil {
		return nil, errors.New("--arch set: no SET sizes")
	}
	s := *rc.SET
	if err := positive(s.Embed, s.Heads, s.FF, s.Layers); err != nil {
		return nil, err
	}
	if s.Channels < 3 {
		return nil, fmt.Errorf("--set-channels must be at least 3, got %d", s.Channels)
	}
	return td3.SETArch{Graphs: graphs, Config: s.config()}, nil
}

// trainTD3 runs gorl train --algo td3: defaults < config file (its "td3" object) < flags.
func trainTD3(cmd *cobra.Command, merged trainConfig, cfg *trainConfig, f *td3Flagset, ef envFlags, target float64, configFile, runDir string, quiet, jsonOut bool) error {
	fl := cmd.Flags()
	for _, name := range ppoFlags {
		if fl.Changed(name) {
			return fmt.Errorf("--%s applies to --algo ppo only", name)
		}
	}
	if configFile != "" && (merged.TD3 == nil || !reflect.ValueOf(merged.Train).IsZero() || !reflect.ValueOf(merged.PPO).IsZero()) {
		return fmt.Errorf("config %s: --algo td3 reads a \"td3\" object only", configFile)
	}
	tc := td3.TrainConfig{}
	if merged.TD3 != nil {
		tc = *merged.TD3
	}
	c := &tc.TD3
	switch {
	case fl.Changed("batch") && f.batch < 1:
		return fmt.Errorf("--batch must be at least 1, got %d", f.batch)
	case fl.Changed("warm-up") && f.warmUp < 0:
		return fmt.Errorf("--warm-up must be >= 0, got %d", f.warmUp)
	case fl.Changed("explore-noise") && !(finite(f.exploreNoise) && f.exploreNoise > 0):
		return fmt.Errorf("--explore-noise must be a positive number, got %v", f.exploreNoise)
	case fl.Changed("grad-clip") && !(finite(f.gradClip) && f.gradClip >= 0):
		return fmt.Errorf("--grad-clip must be a number >= 0 (0: none), got %v", f.gradClip)
	case fl.Changed("buffer-size") && f.bufferSize < 1:
		return fmt.Errorf("--buffer-size must be at least 1, got %d", f.bufferSize)
	case fl.Changed("metrics-every") && f.metricsEvery < 1:
		return fmt.Errorf("--metrics-every must be at least 1, got %d", f.metricsEvery)
	case fl.Changed("hidden") && (len(f.hidden) == 0 || slices.Min(f.hidden) < 1):
		return fmt.Errorf("--hidden must list positive layer sizes, got %v", f.hidden)
	}
	if err := mergeEnvFlags(&ef, fl, &tc.Env, &tc.EnvOptions); err != nil {
		return err
	}
	set := ifChanged(fl)
	set("seed", func() { tc.Seed = cfg.Train.Seed })
	set("steps", func() { tc.Steps = cfg.Train.Steps })
	set("envs", func() { tc.Envs = cfg.Train.Envs })
	set("workers", func() { tc.Workers = cfg.Train.Workers })
	set("stop-at-return", func() { tc.StopAtReturn = &target })
	set("step-every", func() { tc.StepEvery = cfg.Train.StepEvery })
	set("metrics-every", func() { tc.MetricsEvery = f.metricsEvery })
	set("lr", func() { c.LR = cfg.PPO.LR })
	set("batch", func() { c.Batch = f.batch })
	set("warm-up", func() { c.WarmUp = f.warmUp })
	set("hidden", func() { c.Hidden = f.hidden })
	set("explore-noise", func() { c.ExploreNoise = f.exploreNoise })
	set("grad-clip", func() { c.GradClip = f.gradClip })
	set("buffer-size", func() { c.BufferSize = f.bufferSize })
	set("checkpoint-every", func() { tc.CheckpointEvery = int64(cfg.Train.CheckpointEvery) })
	set("checkpoint-seconds", func() { tc.CheckpointSeconds = cfg.Train.CheckpointSeconds })
	if fl.Changed("warm-up") && f.warmUp == 0 {
		c.WarmUp = -1 // the settings read 0 as the default and a negative value as none
	}
	if fl.Changed("grad-clip") && f.gradClip == 0 {
		c.GradClip = -1 // as warm-up: sgrl/ tasks read 0 as the paper's 0.1
	}
	tc = tc.WithDefaults()
	if err := tc.Validate(); err != nil {
		if configFile != "" {
			return fmt.Errorf("config %s: %w", configFile, err)
		}
		return err
	}
	if tc.Envs > maxEnvs {
		return fmt.Errorf("--envs must be in [1, %d], got %d", maxEnvs, tc.Envs)
	}
	// The networks: config file < flags; the sizes are recorded only for their arch.
	archName, sizes, swat := merged.Arch, merged.SET, merged.SWAT
	if archName == "" || fl.Changed("arch") {
		archName = f.arch
	}
	switch archName {
	case "set":
		if sizes == nil {
			sizes = &setSizes{}
			*sizes = defaultSET
		}
		set("set-embed", func() { sizes.Embed = f.set.Embed })
		set("set-heads", func() { sizes.Heads = f.set.Heads })
		set("set-ff", func() { sizes.FF = f.set.FF })
		set("set-layers", func() { sizes.Layers = f.set.Layers })
		set("set-channels", func() { sizes.Channels = f.set.Channels })
		swat = nil
	case "swat":
		if swat == nil {
			swat = &swatSizes{Embed: defaultSET.Embed, Heads: defaultSET.Heads, FF: defaultSET.FF, Layers: defaultSET.Layers}
		}
		set("set-embed", func() { swat.Embed = f.set.Embed })
		set("set-heads", func() { swat.Heads = f.set.Heads })
		set("set-ff", func() { swat.FF = f.set.FF })
		set("set-layers", func() { swat.Layers = f.set.Layers })
		if fl.Changed("set-channels") {
			return errors.New("--set-channels applies to --arch set only")
		}
		sizes = nil
	default:
		for _, name := range []string{"set-embed", "set-heads", "set-ff", "set-layers", "set-channels"} {
			if fl.Changed(name) {
				return fmt.Errorf("--%s applies to --arch set or swat only", name)
			}
		}
		sizes, swat = nil, nil
	}
	if (archName == "set" || archName == "swat") && fl.Changed("hidden") {
		return fmt.Errorf("--hidden applies to --arch mlp only (%s sizes: --set-embed, --set-heads, --set-ff, --set-layers)", archName)
	}
	out := trainConfig{Command: "train", Version: version, Algo: "td3", TD3: &tc, Arch: archName, SET: sizes, SWAT: swat}
	arch, err := td3Arch(out, tc.Env, tc.EnvOptions)
	if err != nil {
		return err
	}
	if runDir == "" {
		runDir = defaultRunDir("train-td3", tc.Env, tc.Seed)
	}
	tr, err := td3.NewTrainer(tc, arch)
	if err != nil {
		return err
	}
	run, err := logs.Create(runDir, out, logs.Options{EnvID: tc.Env, StepEvery: tc.StepEvery})
	if err != nil {
		tr.Close()
		return err
	}
	tr.Log = run
	return runTD3(cmd.OutOrStdout(), tr, archName, runDir, false, quiet, jsonOut)
}

// resumeTD3 continues a td3 run from its latest resumable checkpoint.
func resumeTD3(w io.Writer, rc trainConfig, runDir string, finished, quiet, jsonOut bool) error {
	if finished {
		_, err := fmt.Fprintf(w, "run %s has finished (final checkpoint %s); nothing to resume\n", runDir, td3.FinalCheckpointPath(runDir))
		return err
	}
	tc := *rc.TD3
	arch, err := td3Arch(rc, tc.Env, tc.EnvOptions)
	if err != nil {
		return fmt.Errorf("%s: %w", runDir, err)
	}
	tr, err := td3.Resume(runDir, tc, arch, logs.Options{EnvID: tc.Env, StepEvery: tc.WithDefaults().StepEvery})
	if errors.Is(err, td3.ErrNoCheckpoint) {
		return fmt.Errorf("%s has no resumable td3 checkpoint (older gorl versions and environments that cannot save their state write only checkpoints/td3-final.ckpt); start a new run", runDir)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", runDir, err)
	}
	archName := rc.Arch
	if archName == "" {
		archName = "mlp"
	}
	return runTD3(w, tr, archName, runDir, true, quiet, jsonOut)
}

// runTD3 trains with progress on stderr, closes the run and prints the summary on w.
func runTD3(w io.Writer, tr *td3.Trainer, archName, runDir string, resumed, quiet, jsonOut bool) error {
	tc := tr.Config
	prog := newProgress(tc.Steps, "train", quiet)
	var shown int64 // a resumed run's first metrics row jumps to its step count
	tr.Hooks = td3.Hooks{
		OnMetrics: func(steps int64, recent float64) {
			prog.Add(steps - shown)
			shown = steps
			if !math.IsNaN(recent) {
				prog.Describe(fmt.Sprintf("return %.1f", recent))
			}
		},
		Notice: func(msg string) { fmt.Fprintln(os.Stderr, "gorl: note:", msg) },
	}
	sum, err := tr.Train()
	prog.End(err)
	if err != nil {
		_ = tr.Log.Fail(err)
		return fmt.Errorf("train %s: %w", runDir, err)
	}
	if err := tr.Log.Close(); err != nil {
		return err
	}
	if jsonOut {
		j := td3JSON{Run: runDir, Env: tc.Env, Algo: "td3", Seed: tc.Seed, Updates: sum.Updates, EnvSteps: sum.EnvSteps,
			Episodes: sum.Episodes, Target: tc.StopAtReturn, Solved: sum.Solved, WallSeconds: math.Round(sum.WallSeconds*1000) / 1000}
		if resumed {
			j.ResumedFrom = &sum.Resumed
		}
		if !math.IsNaN(sum.RecentReturn) {
			j.LastMean = &sum.RecentReturn
		}
		data, err := json.Marshal(j)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintln(w, string(data))
		return err
	}
	fmt.Fprintf(w, "run        %s\n", runDir)
	fmt.Fprintf(w, "env        %s, td3 (%s), seed %d\n", tc.Env, archName, tc.Seed)
	if resumed {
		fmt.Fprintf(w, "resumed    from env step %d\n", sum.Resumed)
	}
	fmt.Fprintf(w, "updates    %d (critic; actor every %d)\n", sum.Updates, tc.TD3.PolicyDelay)
	fmt.Fprintf(w, "env steps  %d\n", sum.EnvSteps)
	fmt.Fprintf(w, "episodes   %d\n", sum.Episodes)
	if !math.IsNaN(sum.RecentReturn) {
		fmt.Fprintf(w, "return     %.2f (mean of the last %d episodes)\n", sum.RecentReturn, len(sum.LastEpisodes))
	}
	if members := tr.Members(); members != nil {
		// Per member of a multi-task set: episode rows carry the member as their context.
		eps, err := logs.ReadEpisodes(runDir)
		if err != nil {
			return err
		}
		byMember := make([][]float64, len(members))
		for _, e := range eps {
			if e.Context >= 0 && int(e.Context) < len(members) {
				byMember[e.Context] = append(byMember[e.Context], e.Return)
			}
		}
		for k, name := range members {
			r := byMember[k]
			if len(r) == 0 {
				fmt.Fprintf(w, "  %-28s no episode finished\n", name)
				continue
			}
			last := r[max(0, len(r)-tc.ReturnWindow):]
			fmt.Fprintf(w, "  %-28s %.2f (mean of the last %d of %d episodes)\n", name, logs.Mean(last), len(last), len(r))
		}
	}
	if tc.StopAtReturn != nil {
		verdict := "not reached"
		if sum.Solved {
			verdict = fmt.Sprintf("reached after %d env steps", sum.EnvSteps)
		}
		fmt.Fprintf(w, "target     %.2f: %s\n", *tc.StopAtReturn, verdict)
	}
	if sum.WallSeconds > 0 {
		fmt.Fprintf(w, "wall       %.2f s (%.0f env steps/s)\n", sum.WallSeconds, float64(sum.EnvSteps)/sum.WallSeconds)
	}
	fmt.Fprintf(w, "checkpoint %s\n", sum.Checkpoint)
	return nil
}

// td3JSON is the --json summary of a td3 run.
type td3JSON struct {
	Run         string   `json:"run"`
	Env         string   `json:"env"`
	Algo        string   `json:"algo"`
	Seed        uint64   `json:"seed"`
	Updates     int      `json:"updates"`
	EnvSteps    int64    `json:"env_steps"`
	Episodes    int64    `json:"episodes"`
	LastMean    *float64 `json:"last20_mean"`
	Target      *float64 `json:"target,omitempty"`
	Solved      bool     `json:"solved"`
	WallSeconds float64  `json:"wall_s"`
	ResumedFrom *int64   `json:"resumed_from_env_step,omitempty"`
}

// validateTrainFlags checks the flags given on the command line, naming them in the
// error (the settings' own checks name config.json keys). An explicit 0 is refused
// where the settings would read it as "default".
func validateTrainFlags(cmd *cobra.Command, cfg *trainConfig, target float64) error {
	fl := cmd.Flags()
	t := cfg.Train
	switch {
	case fl.Changed("checkpoint-every") && t.CheckpointEvery == 0:
		return fmt.Errorf("--checkpoint-every must not be 0 (N updates, or negative: only by time and at the end)")
	case fl.Changed("checkpoint-seconds") && !(finite(t.CheckpointSeconds) && t.CheckpointSeconds != 0):
		return fmt.Errorf("--checkpoint-seconds must be a number other than 0 (seconds, or negative: never by time), got %v", t.CheckpointSeconds)
	case fl.Changed("normalize") && t.Normalize != agents.NormalizeAuto && t.Normalize != agents.NormalizeOn && t.Normalize != agents.NormalizeOff:
		return fmt.Errorf("--normalize must be auto, on or off, got %q", t.Normalize)
	case fl.Changed("step-every") && t.StepEvery == 0:
		return fmt.Errorf("--step-every must not be 0 (N, or negative: no steps)")
	case fl.Changed("lr") && !(finite(cfg.PPO.LR) && cfg.PPO.LR > 0):
		return fmt.Errorf("--lr must be a positive number, got %v", cfg.PPO.LR)
	case fl.Changed("steps") && t.Steps < 1:
		return fmt.Errorf("--steps must be at least 1, got %d", t.Steps)
	case fl.Changed("envs") && (t.Envs < 1 || t.Envs > maxEnvs):
		return fmt.Errorf("--envs must be in [1, %d], got %d", maxEnvs, t.Envs)
	case fl.Changed("rollout-steps") && (t.RolloutSteps < 1 || t.RolloutSteps > maxBatch):
		return fmt.Errorf("--rollout-steps must be in [1, %d], got %d", maxBatch, t.RolloutSteps)
	case fl.Changed("workers") && t.Workers < 1:
		return fmt.Errorf("--workers must be at least 1, got %d", t.Workers)
	case fl.Changed("eval-every") && t.EvalEvery < 0:
		return fmt.Errorf("--eval-every must be >= 0, got %d", t.EvalEvery)
	case fl.Changed("stop-at-return") && !finite(target):
		return fmt.Errorf("--stop-at-return must be a finite number, got %v", target)
	}
	return nil
}

// stepEvery maps the config's StepEvery to logs.Options (0 there means all).
func stepEvery(t agents.TrainConfig) int { return t.WithDefaults().StepEvery }

// runTraining runs the loop with progress on stderr and prints the summary on out.
func runTraining(out io.Writer, loop *agents.Loop, cfg trainConfig, runDir string, quiet, jsonOut bool) error {
	prog := newProgress(cfg.Train.Steps, "train", quiet)
	var shown int64 // a resumed run's first update jumps to its step count
	loop.Hooks = agents.Hooks{
		OnUpdate: func(s agents.Status) {
			prog.Add(s.EnvSteps - shown)
			shown = s.EnvSteps
			if !math.IsNaN(s.RecentReturn) {
				prog.Describe(fmt.Sprintf("return %.1f", s.RecentReturn))
			}
		},
		Notice: func(msg string) { fmt.Fprintln(os.Stderr, "gorl: note:", msg) },
	}
	sum, err := loop.Run()
	prog.End(err)
	if err != nil {
		return fmt.Errorf("train %s: %w", runDir, err)
	}
	if jsonOut {
		return printTrainJSON(out, sum, cfg, runDir)
	}
	printTrainSummary(out, sum, cfg, runDir)
	return nil
}

func printTrainSummary(w io.Writer, s agents.Summary, cfg trainConfig, runDir string) {
	t := cfg.Train
	fmt.Fprintf(w, "run        %s\n", runDir)
	fmt.Fprintf(w, "env        %s, %s with objective %s, seed %d\n", t.Env, cfg.Algo, cfg.PPO.Objective, t.Seed)
	if s.Resumed > 0 {
		fmt.Fprintf(w, "resumed    from update %d\n", s.Resumed)
	}
	fmt.Fprintf(w, "updates    %d of %d\n", s.Update, s.Updates)
	fmt.Fprintf(w, "env steps  %d\n", s.EnvSteps)
	fmt.Fprintf(w, "episodes   %d\n", s.Episodes)
	if !math.IsNaN(s.RecentReturn) {
		fmt.Fprintf(w, "return     %.2f (mean of the last %d episodes)\n", s.RecentReturn, t.ReturnWindow)
	}
	if t.StopAtReturn != nil {
		verdict := "not reached"
		if s.Solved {
			verdict = fmt.Sprintf("reached after %d env steps", s.EnvSteps)
		}
		fmt.Fprintf(w, "target     %.2f: %s\n", *t.StopAtReturn, verdict)
	}
	if s.WallSeconds > 0 {
		fmt.Fprintf(w, "wall       %.2f s (%.0f env steps/s)\n", s.WallSeconds, float64(s.EnvSteps)/s.WallSeconds)
	}
}

// trainJSON is the --json summary (the PyTorch peer prints the same keys).
type trainJSON struct {
	Run         string   `json:"run"`
	Env         string   `json:"env"`
	Objective   string   `json:"objective"`
	Seed        uint64   `json:"seed"`
	Updates     int      `json:"updates"`
	EnvSteps    int64    `json:"env_steps"`
	Episodes    int64    `json:"episodes"`
	LastMean    *float64 `json:"last20_mean"`
	Target      *float64 `json:"target,omitempty"`
	Solved      bool     `json:"solved"`
	WallSeconds float64  `json:"wall_s"`
}

func printTrainJSON(w io.Writer, s agents.Summary, cfg trainConfig, runDir string) error {
	j := trainJSON{Run: runDir, Env: cfg.Train.Env, Objective: cfg.PPO.Objective, Seed: cfg.Train.Seed,
		Updates: s.Update, EnvSteps: s.EnvSteps, Episodes: s.Episodes, Target: cfg.Train.StopAtReturn,
		Solved: s.Solved, WallSeconds: math.Round(s.WallSeconds*1000) / 1000}
	if !math.IsNaN(s.RecentReturn) {
		j.LastMean = &s.RecentReturn
	}
	data, err := json.Marshal(j)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(w, string(data))
	return err
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

// ifChanged returns set(name, apply), which applies a flag's value over the config
// file's only when the flag was given on the command line.
func ifChanged(fl *pflag.FlagSet) func(name string, apply func()) {
	return func(name string, apply func()) {
		if fl.Changed(name) {
			apply()
		}
	}
}

package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"gorl/agents/nn"
	"gorl/evolution"
	"gorl/evolution/distributed"
	"gorl/logs"
)

// evolveConfig is config.json of a meta-training run.
type evolveConfig struct {
	Command string               `json:"command"`
	Version string               `json:"gorl_version"`
	Meta    evolution.MetaConfig `json:"meta"`
	// Evaluation records where the members were evaluated when the run started; the
	// result does not depend on it (nor on the number of workers, not recorded).
	Evaluation *evolveEvaluation `json:"evaluation,omitempty"`
}

// evolveEvaluation is how a meta-training run evaluates its members over NATS.
type evolveEvaluation struct {
	Distributed bool   `json:"distributed"`
	NATS        string `json:"nats,omitempty"` // server URL; empty: the coordinator's embedded server
	Subject     string `json:"subject"`
}

// distFlags are gorl evolve's settings for distributed evaluation.
type distFlags struct {
	on            bool
	natsURL       string
	listen        string
	subject       string
	localWorkers  int
	itemTimeout   time.Duration
	workerTimeout time.Duration
	noAuth        bool
	tlsCert       string
	tlsKey        string
}

func (d *distFlags) register(fl *pflag.FlagSet) {
	fl.BoolVar(&d.on, "distributed", false, "evaluate members on NATS workers (gorl worker) through an embedded NATS server, or the one of --nats")
	fl.StringVar(&d.natsURL, "nats", "", "connect to this NATS server instead of embedding one (implies --distributed)")
	fl.StringVar(&d.listen, "listen", "127.0.0.1:0", "address of the embedded NATS server (port 0: random; 0.0.0.0:PORT lets other machines' workers connect)")
	fl.BoolVar(&d.noAuth, "no-auth", false, "embedded server without a worker token (loopback --listen addresses only)")
	fl.StringVar(&d.tlsCert, "tls-cert", "", "PEM certificate: the embedded server accepts TLS connections only (workers: --tls-ca)")
	fl.StringVar(&d.tlsKey, "tls-key", "", "PEM key of --tls-cert")
	fl.StringVar(&d.subject, "subject", distributed.DefaultSubject, "NATS subject the workers pull work from (one per concurrent run)")
	fl.IntVar(&d.localWorkers, "local-workers", 0, "worker goroutines in this process besides the gorl worker processes (with --distributed)")
	fl.DurationVar(&d.itemTimeout, "item-timeout", 10*time.Second, "hand a member to another worker when its worker is silent this long (keep it several of the workers' --heartbeat, default 1s)")
	fl.DurationVar(&d.workerTimeout, "worker-timeout", time.Minute, "fail when no worker asks for work, answers or heartbeats for this long")
}

// validate checks the flags; dist-only flags set without --distributed are errors.
func (d *distFlags) validate(fl *pflag.FlagSet) error {
	if d.natsURL != "" {
		d.on = true
	}
	if !d.on {
		for _, name := range []string{"listen", "subject", "local-workers", "item-timeout", "worker-timeout", "no-auth", "tls-cert", "tls-key"} {
			if fl.Changed(name) {
				return fmt.Errorf("--%s needs --distributed (or --nats URL)", name)
			}
		}
		return nil
	}
	switch {
	case d.natsURL != "" && (fl.Changed("listen") || d.noAuth || d.tlsCert != "" || d.tlsKey != ""):
		return errors.New("--listen, --no-auth and --tls-cert/--tls-key set up the embedded server; drop them with --nats (its URL carries its credentials)")
	case (d.tlsCert == "") != (d.tlsKey == ""):
		return errors.New("--tls-cert and --tls-key go together")
	case d.localWorkers < 0 || d.localWorkers > 4096:
		return fmt.Errorf("--local-workers must be in [0, 4096], got %d", d.localWorkers)
	case d.itemTimeout < 100*time.Millisecond:
		return fmt.Errorf("--item-timeout must be at least 100ms, got %v", d.itemTimeout)
	case d.workerTimeout < 100*time.Millisecond:
		return fmt.Errorf("--worker-timeout must be at least 100ms, got %v", d.workerTimeout)
	}
	return checkSubject(d.subject)
}

// checkSubject accepts a plain NATS subject: dot-separated tokens, no wildcards.
func checkSubject(s string) error {
	for _, tok := range strings.Split(s, ".") {
		if tok == "" || strings.ContainsAny(tok, "*> \t\r\n") {
			return fmt.Errorf("--subject %q is not a NATS subject (dot-separated tokens without spaces or wildcards)", s)
		}
	}
	return nil
}

// evaluator is where members are evaluated: nil ev means the local pool.
type evaluator struct {
	ev      evolution.Evaluator
	record  *evolveEvaluation
	url     string
	token   string // the embedded server's worker token; empty: none
	caFile  string // the embedded server's TLS certificate
	closers []func()
}

// workerCommand is how to start a worker for this run.
func (e *evaluator) workerCommand() string {
	cmd := "gorl worker --nats " + e.workerURL()
	if e.caFile != "" {
		cmd += " --tls-ca " + e.caFile
	}
	if e.token != "" {
		cmd = "GORL_NATS_TOKEN=" + e.token + " " + cmd
	}
	return cmd
}

// workerURL is the server URL for workers: an embedded server listening on all
// interfaces is named by this host's name.
func (e *evaluator) workerURL() string {
	u, err := url.Parse(e.url)
	if err != nil {
		return e.url
	}
	if ip := net.ParseIP(u.Hostname()); ip != nil && ip.IsUnspecified() {
		if host, err := os.Hostname(); err == nil {
			u.Host = net.JoinHostPort(host, u.Port())
			return u.String()
		}
	}
	return e.url
}

func (e *evaluator) close() {
	for i := len(e.closers) - 1; i >= 0; i-- {
		e.closers[i]()
	}
}

// newEvaluator starts the embedded server or connects to --nats, and starts the
// local workers. Nothing is started without --distributed.
func (d *distFlags) newEvaluator(cmd *cobra.Command, mc evolution.MetaConfig) (*evaluator, error) {
	e := &evaluator{}
	if !d.on {
		return e, nil
	}
	ok := false
	defer func() {
		if !ok {
			e.close()
		}
	}()
	e.url = d.natsURL
	var srv *distributed.Server
	if e.url == "" {
		if !d.noAuth {
			e.token = distributed.NewToken()
		}
		e.caFile = d.tlsCert
		var err error
		srv, err = distributed.StartServerOn(d.listen, distributed.Security{WorkerToken: e.token, Subject: d.subject, TLSCert: d.tlsCert, TLSKey: d.tlsKey})
		if err != nil {
			return nil, err
		}
		e.closers = append(e.closers, srv.Shutdown)
		e.url = srv.URL()
	}
	connect := func(name string, opts ...nats.Option) (*nats.Conn, error) {
		nc, err := nats.Connect(e.url, append([]nats.Option{nats.Name(name), nats.Timeout(5 * time.Second)}, opts...)...)
		if err != nil {
			return nil, fmt.Errorf("connect to NATS server %q: %w", e.url, err)
		}
		e.closers = append(e.closers, nc.Close)
		return nc, nil
	}
	var nc *nats.Conn
	var err error
	if srv != nil {
		nc, err = srv.Connect("gorl evolve") // the coordinator's own credentials
		if err == nil {
			e.closers = append(e.closers, nc.Close)
		}
	} else {
		nc, err = connect("gorl evolve")
	}
	if err != nil {
		return nil, err
	}
	spec, err := mc.JobSpec(jobBuild())
	if err != nil {
		return nil, err
	}
	errOut := cmd.ErrOrStderr()
	c := &distributed.Coordinator{Conn: nc, Subject: d.subject, Seed: mc.EvaluatorSeed(), Spec: spec,
		ItemTimeout: d.itemTimeout, Timeout: d.workerTimeout,
		OnRequeue: func(gen, member int) {
			fmt.Fprintf(errOut, "evolve: generation %d member %d: its worker was silent for %v; handed to another worker\n", gen, member, d.itemTimeout)
		}}
	e.closers = append(e.closers, func() { c.Close() })
	if err := c.Listen(); err != nil {
		return nil, err
	}
	e.ev = c
	for range d.localWorkers {
		wc, err := connect("gorl evolve local worker", distributed.WorkerOptions(e.token, e.caFile)...)
		if err != nil {
			return nil, err
		}
		w := &distributed.Worker{Conn: wc, Subject: d.subject, Build: buildMetaJob}
		if err := w.Start(); err != nil {
			return nil, err
		}
		e.closers = append(e.closers, w.Stop)
	}
	e.record = &evolveEvaluation{Distributed: true, NATS: d.natsURL, Subject: d.subject}
	ok = true
	return e, nil
}

// buildMetaJob is a worker's fitness function for a meta-training job spec.
func buildMetaJob(spec []byte) (evolution.FitnessFunc, error) {
	return evolution.MetaFitnessFromSpec(spec, jobBuild())
}

// jobBuild names what an inner run's numbers depend on besides its config: the gorl
// version, the CPU architecture and the nn backend. Workers refuse jobs of another.
func jobBuild() string {
	return fmt.Sprintf("%s %s nn/%s", version, runtime.GOARCH, nn.Backend)
}

func newEvolveCmd() *cobra.Command {
	var (
		ef         envFlags
		mc         evolution.MetaConfig
		innerSteps int64
		runDir     string
		quiet      bool
		resume     bool
		dist       distFlags
		lifetimes  string
	)
	cmd := &cobra.Command{
		Use:   "evolve",
		Short: "Meta-train a learned objective (LPO, TA-LPO) or update rule (LPG, TA-LPG) with OpenES",
		Long: `Evolve the drift network of a learned PPO objective with OpenES (mean starting at
zero, i.e. at PPO-clip). Every member of a generation trains a fresh PPO agent for
--inner-steps environment steps with its drift; its fitness is the mean return of
deterministic evaluation episodes afterwards. The run directory holds config.json,
metrics.parquet (one row per generation: fitness_mean/max/min of the population,
mean_fitness of the search mean and clip_fitness of PPO-clip on the same inner seed,
sigma, lr, env steps, wall time), mean.drift and best.drift (use them with gorl train --objective lpo|ta-lpo
--objective-params FILE) and es_state.json.

--objective lpg|ta-lpg evolves an LPG update rule instead (Oh et al. 2020, as simplified
in Jackson et al. 2024; ta-lpg also reads n/N and log N): a meta-network with a
reverse-time GRU (--hidden units, default 32; the reference uses 256) that turns each
rollout into the targets of an LPG agent's loss. The search starts at a randomly
initialised rule; every member trains a fresh LPG agent (8 environments x 20 steps per
update) and clip_fitness is still PPO-clip's with the same budget. Unless set, sigma is
0.1 and fixed (groove's TA-LPG ES) and the fitness episodes sample their actions from
the policy (groove's evaluation; --fitness-policy). The run directory holds mean.lpg and
best.lpg (gorl train --algo lpg --update-rule FILE). --lifetimes MIN:MAX gives each
antithetic pair its own lifetime in updates, log-uniform in [MIN, MAX] (groove: 10:250),
and --pair-rank ranks members within their pair (1 or 0) instead of across the population.

With --distributed, members are evaluated by worker processes (gorl worker --nats URL,
on this or other machines) instead of goroutines: this process starts an embedded NATS
server (or connects to --nats URL), prints the URL, and hands each member to the next
idle worker. A worker that dies mid-evaluation loses nothing: its member goes to
another worker once it has been silent for --item-timeout. When no worker is heard
from for --worker-timeout, evolve fails. Every member's fitness depends only on the
config, the seed, the generation and the member, so the result is the same whether
members run locally, on 1 worker or on 30 (workers refuse jobs from another gorl
version, CPU architecture or nn backend); --resume may switch between local and
distributed evaluation.`,
		Example: `  gorl evolve --objective lpo --generations 10 --population 8 --inner-steps 20000 --seed 1
  gorl evolve --objective ta-lpo --env CartPole-v1 --run-dir runs/talpo
  gorl train --objective lpo --objective-params runs/talpo/mean.drift
  gorl evolve --objective ta-lpg --generations 10 --population 16 --lifetimes 10:250 --pair-rank --run-dir runs/talpg
  gorl train --algo lpg --update-rule runs/talpg/mean.lpg

  # distributed: this process embeds the NATS server; start workers with the URL it prints
  gorl evolve --objective lpo --population 32 --distributed --listen 0.0.0.0:4222 --run-dir runs/lpo
  gorl worker --nats nats://HOST:4222            # on each worker machine
  gorl evolve --objective lpo --nats nats://broker:4222 --run-dir runs/lpo2   # an existing NATS server`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) (err error) {
			if err := dist.validate(cmd.Flags()); err != nil {
				return err
			}
			if resume {
				return resumeEvolve(cmd, runDir, mc.Workers, &dist, quiet)
			}
			switch {
			case mc.Objective != "lpo" && mc.Objective != "ta-lpo" && mc.Objective != "lpg" && mc.Objective != "ta-lpg":
				return fmt.Errorf("--objective must be lpo, ta-lpo, lpg or ta-lpg, got %q", mc.Objective)
			case mc.Generations < 1 || mc.Generations > 1000000:
				return fmt.Errorf("--generations must be in [1, 1000000], got %d", mc.Generations)
			case mc.Population < 2 || mc.Population%2 != 0 || mc.Population > maxSeeds:
				return fmt.Errorf("--population must be even and in [2, %d] (antithetic pairs), got %d", maxSeeds, mc.Population)
			case innerSteps < 1 || innerSteps > 1e10:
				return fmt.Errorf("--inner-steps must be in [1, 1e10], got %d", innerSteps)
			case mc.Workers < 0 || mc.Workers > 4096:
				return fmt.Errorf("--workers must be in [0, 4096] (0: all cores), got %d", mc.Workers)
			case !(finite(mc.Sigma) && mc.Sigma > 0):
				return fmt.Errorf("--sigma must be a positive number, got %v", mc.Sigma)
			case !(finite(mc.LR) && mc.LR > 0):
				return fmt.Errorf("--lr must be a positive number, got %v", mc.LR)
			case mc.Hidden < 1 || mc.Hidden > 4096:
				return fmt.Errorf("--hidden must be in [1, 4096], got %d", mc.Hidden)
			case mc.FitnessEpisodes < 1 || mc.FitnessEpisodes > 100000:
				return fmt.Errorf("--fitness-episodes must be in [1, 100000], got %d", mc.FitnessEpisodes)
			case mc.FitnessPolicy != "" && mc.FitnessPolicy != "mode" && mc.FitnessPolicy != "sample":
				return fmt.Errorf("--fitness-policy must be mode or sample, got %q", mc.FitnessPolicy)
			}
			if mc.LifetimeMin, mc.LifetimeMax, err = parseLifetimes(lifetimes); err != nil {
				return err
			}
			if mc.IsLPG() {
				// TA-LPG's ES (groove): sigma 0.1, fixed; the rule's default GRU width.
				if !cmd.Flags().Changed("hidden") {
					mc.Hidden = 0
				}
				if !cmd.Flags().Changed("sigma") {
					mc.Sigma = 0.1
				}
				if !cmd.Flags().Changed("sigma-decay") {
					mc.SigmaDecay = 1
				}
			}
			opts, err := ef.options()
			if err != nil {
				return err
			}
			if err := checkEnvID(ef.ID); err != nil {
				return err
			}
			mc.Inner.Env, mc.Inner.Steps = ef.ID, innerSteps
			if len(opts) > 0 {
				mc.Inner.EnvOptions = opts
			}
			cfg := evolveConfig{Command: "evolve", Version: version, Meta: mc.WithDefaults()}
			if err := cfg.Meta.Validate(); err != nil {
				return err
			}
			if err := cfg.Meta.CheckInnerEnv(); err != nil {
				return err
			}
			if runDir == "" {
				runDir = defaultRunDir("evolve-"+mc.Objective, ef.ID, mc.Seed)
			}
			// Connect before creating the run, so a bad --nats leaves no run directory.
			ev, err := dist.newEvaluator(cmd, cfg.Meta)
			if err != nil {
				return err
			}
			defer ev.close()
			cfg.Evaluation = ev.record
			run, err := logs.Create(runDir, cfg, logs.Options{EnvID: ef.ID, StepEvery: -1})
			if err != nil {
				return err
			}
			return runEvolve(cmd, cfg, run, nil, ev, quiet)
		},
	}
	ef.register(cmd, "CartPole-v1")
	fl := cmd.Flags()
	fl.StringVar(&mc.Objective, "objective", "lpo", "learned objective to evolve: lpo, ta-lpo (PPO drift) or lpg, ta-lpg (LPG update rule)")
	fl.IntVar(&mc.Generations, "generations", 10, "ES generations")
	fl.IntVar(&mc.Population, "population", 8, "ES population (even: antithetic pairs)")
	fl.Int64Var(&innerSteps, "inner-steps", 20000, "environment steps of each member's inner PPO run")
	fl.Uint64Var(&mc.Seed, "seed", 0, "random seed")
	fl.IntVar(&mc.Workers, "workers", 0, "members evaluated at once on this machine without --distributed (0: all cores); results do not depend on it")
	fl.Float64Var(&mc.Sigma, "sigma", 0.04, "initial ES standard deviation (decays by 0.999 per generation to 0.01)")
	fl.Float64Var(&mc.SigmaDecay, "sigma-decay", 0.999, "per-generation sigma decay (1: fixed)")
	fl.Float64Var(&mc.LR, "lr", 0.01, "initial ES (Adam) step size (decays by 0.999 per generation to 0.001)")
	fl.IntVar(&mc.Hidden, "hidden", 128, "drift network width (lpg, ta-lpg: the rule's GRU width, default 32)")
	fl.StringVar(&lifetimes, "lifetimes", "", "MIN:MAX: each antithetic pair trains for its own lifetime in updates, log-uniform in [MIN, MAX] (default: --inner-steps for all)")
	fl.BoolVar(&mc.PairRank, "pair-rank", false, "fitness = rank within each antithetic pair (1 or 0) instead of centred ranks")
	fl.StringVar(&mc.FitnessPolicy, "fitness-policy", "", "how evaluation episodes act: mode (deterministic) or sample (default: mode for lpo/ta-lpo, sample for lpg/ta-lpg as groove)")
	fl.IntVar(&mc.FitnessEpisodes, "fitness-episodes", 5, "evaluation episodes after each inner run (their mean return is the fitness)")
	fl.StringVar(&runDir, "run-dir", "", "run directory (default runs/evolve-<objective>-<env>-s<seed>-<time>)")
	fl.BoolVar(&resume, "resume", false, "continue the run in --run-dir from its last generation (es_state.json)")
	fl.BoolVar(&quiet, "quiet", false, "no progress output")
	dist.register(fl)
	return cmd
}

// resumeEvolve continues the meta-training run in dir with its recorded settings.
func resumeEvolve(cmd *cobra.Command, dir string, workers int, dist *distFlags, quiet bool) error {
	if dir == "" {
		return errors.New("--resume needs --run-dir DIR")
	}
	var changed []string
	cmd.Flags().Visit(func(f *pflag.Flag) {
		switch f.Name {
		case "resume", "run-dir", "quiet", "workers", // where members run does not change the result
			"distributed", "nats", "listen", "subject", "local-workers", "item-timeout", "worker-timeout":
		default:
			changed = append(changed, "--"+f.Name)
		}
	})
	if len(changed) > 0 {
		return fmt.Errorf("--resume continues with %s; drop %s", filepath.Join(dir, "config.json"), strings.Join(changed, ", "))
	}
	if err := checkInputDir("run-dir", dir); err != nil {
		return err
	}
	path := filepath.Join(dir, "config.json")
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("%s is not a run directory (no config.json)", dir)
	}
	var cfg evolveConfig
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		return fmt.Errorf("config %s: %w", path, err)
	}
	if cfg.Command != "evolve" {
		return fmt.Errorf("%s is not a meta-training run (it was written by gorl %s)", dir, cfg.Command)
	}
	if cmd.Flags().Changed("workers") {
		if workers < 0 || workers > 4096 {
			return fmt.Errorf("--workers must be in [0, 4096] (0: all cores), got %d", workers)
		}
		cfg.Meta.Workers = workers // results do not depend on it
	}
	if err := cfg.Meta.Validate(); err != nil {
		return fmt.Errorf("config %s: %w", path, err)
	}
	if info, err := logs.ReadRunInfo(dir); err == nil && info.Status == "running" {
		return fmt.Errorf("run %s is still running (process %d); stop it before --resume", dir, info.PID)
	}
	st, err := evolution.ReadMetaState(dir)
	if err != nil {
		return fmt.Errorf("%s: %w", dir, err)
	}
	if st.Generation() >= cfg.Meta.Generations {
		return fmt.Errorf("run %s already completed its %d generations", dir, cfg.Meta.Generations)
	}
	ev, err := dist.newEvaluator(cmd, cfg.Meta)
	if err != nil {
		return err
	}
	defer ev.close()
	run, err := logs.Resume(dir, logs.Options{EnvID: cfg.Meta.Inner.Env, StepEvery: -1}, &st.Marks)
	if err != nil {
		return err
	}
	return runEvolve(cmd, cfg, run, st, ev, quiet)
}

// runEvolve meta-trains with per-generation lines on stdout and closes the run.
func runEvolve(cmd *cobra.Command, cfg evolveConfig, run *logs.Run, from *evolution.MetaState, ev *evaluator, quiet bool) error {
	mc, runDir := cfg.Meta, run.Dir()
	out := cmd.OutOrStdout()
	done := 0
	if from != nil {
		done = from.Generation()
	}
	prog := newProgress(int64(mc.Generations-done), "evolve", quiet)
	kind := "drift"
	if mc.IsLPG() {
		kind = "update rule"
	}
	fmt.Fprintf(out, "evolve %s on %s: %d generations x %d members x %d inner steps (%s: %d parameters)\n",
		mc.Objective, mc.Inner.Env, mc.Generations, mc.Population, mc.Inner.Steps, kind, mc.Dim())
	if mc.LifetimeMin > 0 {
		fmt.Fprintf(out, "population members train for lifetimes log-uniform in [%d, %d] updates of %d steps\n",
			mc.LifetimeMin, mc.LifetimeMax, mc.Inner.Envs*mc.Inner.RolloutSteps)
	}
	if done > 0 {
		fmt.Fprintf(out, "resuming after generation %d\n", done-1)
	}
	var members evolution.Evaluator = evolution.Pool{Workers: mc.Workers, Seed: mc.EvaluatorSeed()}
	if ev.ev != nil {
		members = ev.ev
		fmt.Fprintf(out, "evaluating members on NATS workers at %s (subject %s); start workers with: %s\n",
			ev.url, ev.record.Subject, ev.workerCommand())
	}
	res, err := evolution.MetaTrainOn(members, mc, run, from, func(g evolution.Generation) {
		prog.Add(1)
		prog.Describe(fmt.Sprintf("fitness %.1f", g.FitnessMean))
		fmt.Fprintf(out, "generation %d: fitness mean %.2f max %.2f min %.2f  search mean %.2f  ppo-clip %.2f  sigma %.4f lr %.4f  %.1f s\n",
			g.Index, g.FitnessMean, g.FitnessMax, g.FitnessMin, g.MeanFitness, g.ClipFitness, g.Sigma, g.LR, g.WallSeconds)
	})
	prog.End(err)
	if err != nil {
		if errors.Is(err, distributed.ErrNoAnswer) {
			err = fmt.Errorf("%w (start workers with: %s)", err, ev.workerCommand())
		}
		return errors.Join(fmt.Errorf("evolve %s: %w", runDir, err), quietFail(run, err))
	}
	if err := run.Close(); err != nil {
		return err
	}
	fmt.Fprintf(out, "best fitness %.2f; %s files %s, %s\n", res.BestFitness, kind,
		filepath.Join(runDir, mc.MeanFile()), filepath.Join(runDir, mc.BestFile()))
	return nil
}

// quietFail marks the run failed; its own error matters only if marking fails.
func quietFail(run *logs.Run, cause error) error {
	if err := run.Fail(cause); err != nil && !errors.Is(err, cause) {
		return err
	}
	return nil
}

// parseLifetimes reads --lifetimes MIN:MAX (empty: 0, 0).
func parseLifetimes(s string) (lo, hi int, err error) {
	if s == "" {
		return 0, 0, nil
	}
	a, b, ok := strings.Cut(s, ":")
	if ok {
		if lo, err = strconv.Atoi(a); err == nil {
			hi, err = strconv.Atoi(b)
		}
	}
	if !ok || err != nil {
		return 0, 0, fmt.Errorf("--lifetimes must be MIN:MAX in updates, e.g. 10:250, got %q", s)
	}
	if lo < 1 || hi < lo || hi > 1e7 {
		return 0, 0, fmt.Errorf("--lifetimes %q: want 1 <= MIN <= MAX <= 10000000", s)
	}
	return lo, hi, nil
}

package main

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"gorl/agents/nn"
	"gorl/evolution"
	"gorl/evolution/distributed"
)

// gorl evolve's distributed evaluation: flags, the embedded NATS server or a
// connection to one, the coordinator and in-process workers.

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

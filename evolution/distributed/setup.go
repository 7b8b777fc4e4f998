package distributed

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"gorl/agents/nn"
	"gorl/evolution"
)

// Setting up both ends of a distributed meta-training run: the coordinator's side
// (an embedded server or a connection to one, plus in-process workers) and a worker
// process serving members until it is stopped.

// Options are how a coordinator evaluates members over NATS (gorl evolve
// --distributed). The zero Options with Listen "127.0.0.1:0" embed a server on a
// random loopback port with a fresh worker token.
type Options struct {
	NATS          string // connect to this server instead of embedding one
	Listen        string // the embedded server's address
	Subject       string // the subject the workers pull work from
	LocalWorkers  int    // worker goroutines in this process
	ItemTimeout   time.Duration
	WorkerTimeout time.Duration
	NoAuth        bool   // the embedded server without a worker token (loopback only)
	TLSCert       string // PEM certificate and key: the embedded server speaks TLS only
	TLSKey        string
	// ListenGiven says that Listen was chosen (it conflicts with NATS).
	ListenGiven bool
}

// Validate reports the first option out of range in one line, naming gorl evolve's flags.
func (o Options) Validate() error {
	switch {
	case o.NATS != "" && (o.ListenGiven || o.NoAuth || o.TLSCert != "" || o.TLSKey != ""):
		return errors.New("--listen, --no-auth and --tls-cert/--tls-key set up the embedded server; drop them with --nats (its URL carries its credentials)")
	case (o.TLSCert == "") != (o.TLSKey == ""):
		return errors.New("--tls-cert and --tls-key go together")
	case o.LocalWorkers < 0 || o.LocalWorkers > 4096:
		return fmt.Errorf("--local-workers must be in [0, 4096], got %d", o.LocalWorkers)
	case o.ItemTimeout < 100*time.Millisecond:
		return fmt.Errorf("--item-timeout must be at least 100ms, got %v", o.ItemTimeout)
	case o.WorkerTimeout < 100*time.Millisecond:
		return fmt.Errorf("--worker-timeout must be at least 100ms, got %v", o.WorkerTimeout)
	}
	return CheckSubject(o.Subject)
}

// CheckSubject accepts a plain NATS subject: dot-separated tokens, no wildcards.
func CheckSubject(s string) error {
	for _, tok := range strings.Split(s, ".") {
		if tok == "" || strings.ContainsAny(tok, "*> \t\r\n") {
			return fmt.Errorf("--subject %q is not a NATS subject (dot-separated tokens without spaces or wildcards)", s)
		}
	}
	return nil
}

// JobBuild names what an inner run's numbers depend on besides its config: the gorl
// version, the CPU architecture and the nn backend. Workers refuse jobs of another.
func JobBuild(version string) string {
	return fmt.Sprintf("%s %s nn/%s", version, runtime.GOARCH, nn.Backend)
}

// MetaJob returns a worker's Build function for meta-training job specs of this build.
func MetaJob(version string) func(spec []byte) (evolution.FitnessFunc, error) {
	return func(spec []byte) (evolution.FitnessFunc, error) {
		return evolution.MetaFitnessFromSpec(spec, JobBuild(version))
	}
}

// Cluster is a running coordinator with its server connection and local workers.
type Cluster struct {
	*Coordinator
	URL     string
	Token   string // the embedded server's worker token; empty: none
	CAFile  string // the embedded server's TLS certificate
	Record  evolution.RunEvaluation
	closers []func()
}

// Start starts the embedded server (or connects to o.NATS), the coordinator of mc's
// jobs and o.LocalWorkers in-process workers. onRequeue, when not nil, hears of every
// member handed to another worker.
func Start(o Options, mc evolution.MetaConfig, version string, onRequeue func(gen, member int)) (_ *Cluster, err error) {
	c := &Cluster{URL: o.NATS, Record: evolution.RunEvaluation{Distributed: true, NATS: o.NATS, Subject: o.Subject}}
	defer func() {
		if err != nil {
			c.Close()
		}
	}()
	var nc *nats.Conn
	if c.URL == "" {
		if !o.NoAuth {
			c.Token = NewToken()
		}
		c.CAFile = o.TLSCert
		srv, err := StartServerOn(o.Listen, Security{WorkerToken: c.Token, Subject: o.Subject, TLSCert: o.TLSCert, TLSKey: o.TLSKey})
		if err != nil {
			return nil, err
		}
		c.closers = append(c.closers, srv.Shutdown)
		c.URL = srv.URL()
		if nc, err = srv.Connect("gorl evolve"); err != nil { // the coordinator's own credentials
			return nil, err
		}
		c.closers = append(c.closers, nc.Close)
	} else if nc, err = c.connect("gorl evolve"); err != nil {
		return nil, err
	}
	spec, err := mc.JobSpec(JobBuild(version))
	if err != nil {
		return nil, err
	}
	c.Coordinator = &Coordinator{Conn: nc, Subject: o.Subject, Seed: mc.EvaluatorSeed(), Spec: spec,
		ItemTimeout: o.ItemTimeout, Timeout: o.WorkerTimeout, OnRequeue: onRequeue}
	c.closers = append(c.closers, func() { c.Coordinator.Close() })
	if err := c.Listen(); err != nil {
		return nil, err
	}
	for range o.LocalWorkers {
		wc, err := c.connect("gorl evolve local worker", WorkerOptions(c.Token, c.CAFile)...)
		if err != nil {
			return nil, err
		}
		w := &Worker{Conn: wc, Subject: o.Subject, Build: MetaJob(version)}
		if err := w.Start(); err != nil {
			return nil, err
		}
		c.closers = append(c.closers, w.Stop)
	}
	return c, nil
}

func (c *Cluster) connect(name string, opts ...nats.Option) (*nats.Conn, error) {
	nc, err := nats.Connect(c.URL, append([]nats.Option{nats.Name(name), nats.Timeout(5 * time.Second)}, opts...)...)
	if err != nil {
		return nil, fmt.Errorf("connect to NATS server %q: %w", c.URL, err)
	}
	c.closers = append(c.closers, nc.Close)
	return nc, nil
}

// Close stops everything Start started, in reverse order.
func (c *Cluster) Close() {
	for i := len(c.closers) - 1; i >= 0; i-- {
		c.closers[i]()
	}
	c.closers = nil
}

// WorkerCommand is how to start a worker for this run.
func (c *Cluster) WorkerCommand() string {
	cmd := "gorl worker --nats " + c.workerURL()
	if c.CAFile != "" {
		cmd += " --tls-ca " + c.CAFile
	}
	if c.Token != "" {
		cmd = "GORL_NATS_TOKEN=" + c.Token + " " + cmd
	}
	return cmd
}

// workerURL is the server URL for workers: an embedded server listening on all
// interfaces is named by this host's name.
func (c *Cluster) workerURL() string {
	u, err := url.Parse(c.URL)
	if err != nil {
		return c.URL
	}
	if ip := net.ParseIP(u.Hostname()); ip != nil && ip.IsUnspecified() {
		if host, err := os.Hostname(); err == nil {
			u.Host = net.JoinHostPort(host, u.Port())
			return u.String()
		}
	}
	return c.URL
}

// ServeOptions are a worker process's settings (gorl worker).
type ServeOptions struct {
	NATS, Subject, TLSCA string
	Token                string // the embedded server's worker token
	Parallel             int    // members evaluated at once; 0: GOMAXPROCS
	Heartbeat, Reconnect time.Duration
	Version              string    // this build's gorl version (JobBuild)
	Out                  io.Writer // a line per member started and finished; nil: none
}

// Validate reports the first option out of range in one line, naming gorl worker's flags.
func (o ServeOptions) Validate() error {
	switch {
	case o.NATS == "":
		return errors.New("--nats URL is required (the URL gorl evolve --distributed prints)")
	case o.Parallel < 0 || o.Parallel > 4096:
		return fmt.Errorf("--parallel must be in [0, 4096] (0: all cores), got %d", o.Parallel)
	case o.Heartbeat < 10*time.Millisecond || o.Heartbeat > time.Hour:
		return fmt.Errorf("--heartbeat must be in [10ms, 1h], got %v", o.Heartbeat)
	case o.Reconnect < 0:
		return fmt.Errorf("--reconnect must not be negative, got %v", o.Reconnect)
	}
	return CheckSubject(o.Subject)
}

// Serve connects to the server and evaluates members on o.Parallel workers until ctx
// is done or the connection ends (lost for longer than o.Reconnect), then stops the
// workers after the members in hand. log gets the connection line and the stop line,
// which says why it stopped.
func Serve(ctx context.Context, o ServeOptions, log io.Writer) error {
	if o.Parallel == 0 {
		o.Parallel = runtime.GOMAXPROCS(0)
	}
	closed := make(chan struct{})
	wait := time.Second
	opts := append(WorkerOptions(o.Token, o.TLSCA),
		nats.Name("gorl worker"), nats.Timeout(5*time.Second),
		nats.ReconnectWait(wait), nats.MaxReconnects(int(o.Reconnect/wait)),
		nats.ClosedHandler(func(*nats.Conn) { close(closed) }))
	nc, err := nats.Connect(o.NATS, opts...)
	if err != nil {
		return fmt.Errorf("connect to NATS server %q: %w", o.NATS, err)
	}
	defer nc.Close()
	fmt.Fprintf(log, "worker: connected to %s; evaluating up to %d members at once from subject %s\n", nc.ConnectedUrlRedacted(), o.Parallel, o.Subject)
	lines := &memberLines{out: o.Out, started: map[[2]int]time.Time{}}
	workers := make([]*Worker, o.Parallel)
	for i := range workers {
		w := &Worker{Conn: nc, Subject: o.Subject, Build: MetaJob(o.Version), Heartbeat: o.Heartbeat}
		if o.Out != nil {
			w.OnItem, w.OnResult = lines.startedItem, lines.finished
		}
		if err := w.Start(); err != nil {
			return err
		}
		workers[i] = w
	}
	reason := ""
	select {
	case <-ctx.Done():
		reason = context.Cause(ctx).Error()
	case <-closed:
		reason = "connection to " + o.NATS + " closed"
	}
	for _, w := range workers {
		w.Stop()
	}
	fmt.Fprintf(log, "worker: %s; stopped\n", reason)
	return nil
}

// memberLines prints a line when a member starts and when it finishes, one line at a
// time across the workers.
type memberLines struct {
	out     io.Writer
	mu      sync.Mutex
	started map[[2]int]time.Time
}

func (p *memberLines) startedItem(gen, member int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.started[[2]int{gen, member}] = time.Now()
	fmt.Fprintf(p.out, "generation %d member %d: started\n", gen, member)
}

func (p *memberLines) finished(gen, member int, fitness float64, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	k := [2]int{gen, member}
	secs := time.Since(p.started[k]).Seconds()
	delete(p.started, k)
	if err != nil {
		fmt.Fprintf(p.out, "generation %d member %d: error after %.1f s: %v\n", gen, member, secs, err)
		return
	}
	fmt.Fprintf(p.out, "generation %d member %d: fitness %.2f in %.1f s\n", gen, member, fitness, secs)
}

package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"sync"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/spf13/cobra"

	"gorl/evolution/distributed"
)

// workerFlags are gorl worker's settings.
type workerFlags struct {
	natsURL, subject, tlsCA string
	parallel                int
	heartbeat, reconnect    time.Duration
	quiet                   bool
}

const workerLong = `Connect to the NATS server of a distributed meta-training run (gorl evolve
--distributed prints its URL) and evaluate members until stopped: each of --parallel
evaluators pulls a member when idle (several at once only if evaluations take under
5 ms), trains its inner PPO (or, for lpg and ta-lpg, LPG) run with the job's config
(which travels with every member, so one worker serves any run on its subject), and
returns the fitness. While it evaluates, a worker heartbeats every --heartbeat; if it
dies, the coordinator hands its member to another worker. A worker refuses jobs from
another gorl version, CPU architecture or nn backend (its inner runs could differ), so
results are bit-identical to a run on one machine.

gorl evolve's embedded server admits workers by the token it prints: pass it in the
environment as GORL_NATS_TOKEN (not on the command line, where other users of the
machine can read it). A worker may only pull work and answer the members it was
given; a server with TLS (gorl evolve --tls-cert) needs its certificate's CA here
(--tls-ca).

The worker stops on SIGINT or SIGTERM (after the members in hand), or when the
connection to the server is lost for longer than --reconnect (e.g. the coordinator
that embedded the server has finished). A line for every member started and
finished goes to stdout unless --quiet.`

const workerExample = `  GORL_NATS_TOKEN=<token gorl evolve printed> gorl worker --nats nats://127.0.0.1:4222
  GORL_NATS_TOKEN=<token> gorl worker --nats tls://coordinator:4222 --tls-ca ca.pem --parallel 8`

func newWorkerCmd() *cobra.Command {
	var f workerFlags
	cmd := &cobra.Command{
		Use:     "worker",
		Short:   "Evaluate the members of a distributed gorl evolve run (NATS worker)",
		Long:    workerLong,
		Example: workerExample,
		Args:    cobra.NoArgs,
		RunE:    func(cmd *cobra.Command, _ []string) error { return f.run(cmd.OutOrStdout()) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.natsURL, "nats", "", "URL of the run's NATS server, e.g. nats://127.0.0.1:4222 (required)")
	fl.StringVar(&f.subject, "subject", distributed.DefaultSubject, "subject to pull work from (gorl evolve --subject)")
	fl.IntVar(&f.parallel, "parallel", 1, "members evaluated at once (0: all cores)")
	fl.DurationVar(&f.heartbeat, "heartbeat", distributed.DefaultHeartbeat, "how often to tell the coordinator a member is still being evaluated (keep it well under its --item-timeout)")
	fl.DurationVar(&f.reconnect, "reconnect", 30*time.Second, "how long to try reconnecting after the connection to the server is lost")
	fl.BoolVar(&f.quiet, "quiet", false, "no per-member lines")
	fl.StringVar(&f.tlsCA, "tls-ca", "", "PEM file of the CA that signed the server's TLS certificate")
	return cmd
}

func (f *workerFlags) validate() error {
	switch {
	case f.natsURL == "":
		return errors.New("--nats URL is required (the URL gorl evolve --distributed prints)")
	case f.parallel < 0 || f.parallel > 4096:
		return fmt.Errorf("--parallel must be in [0, 4096] (0: all cores), got %d", f.parallel)
	case f.heartbeat < 10*time.Millisecond || f.heartbeat > time.Hour:
		return fmt.Errorf("--heartbeat must be in [10ms, 1h], got %v", f.heartbeat)
	case f.reconnect < 0:
		return fmt.Errorf("--reconnect must not be negative, got %v", f.reconnect)
	}
	return checkSubject(f.subject)
}

// run connects, serves members on f.parallel workers until a signal or the end of the
// connection, and stops them after the members in hand.
func (f *workerFlags) run(out io.Writer) error {
	if err := f.validate(); err != nil {
		return err
	}
	if f.parallel == 0 {
		f.parallel = runtime.GOMAXPROCS(0)
	}
	closed := make(chan struct{})
	wait := time.Second
	opts := append(distributed.WorkerOptions(os.Getenv("GORL_NATS_TOKEN"), f.tlsCA),
		nats.Name("gorl worker"), nats.Timeout(5*time.Second),
		nats.ReconnectWait(wait), nats.MaxReconnects(int(f.reconnect/wait)),
		nats.ClosedHandler(func(*nats.Conn) { close(closed) }))
	nc, err := nats.Connect(f.natsURL, opts...)
	if err != nil {
		return fmt.Errorf("connect to NATS server %q: %w", f.natsURL, err)
	}
	defer nc.Close()
	fmt.Fprintf(out, "worker: connected to %s; evaluating up to %d members at once from subject %s\n", nc.ConnectedUrlRedacted(), f.parallel, f.subject)
	progress := newMemberLines(out)
	workers := make([]*distributed.Worker, f.parallel)
	for i := range workers {
		w := &distributed.Worker{Conn: nc, Subject: f.subject, Build: buildMetaJob, Heartbeat: f.heartbeat}
		if !f.quiet {
			w.OnItem, w.OnResult = progress.startedItem, progress.finished
		}
		if err := w.Start(); err != nil {
			return err
		}
		workers[i] = w
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sig)
	reason := ""
	select {
	case s := <-sig:
		reason = "received " + s.String()
	case <-closed:
		reason = "connection to " + f.natsURL + " closed"
	}
	for _, w := range workers {
		w.Stop()
	}
	fmt.Fprintf(out, "worker: %s; stopped\n", reason)
	return nil
}

// memberLines prints a line when a member starts and when it finishes, one line at a
// time across the workers.
type memberLines struct {
	out     io.Writer
	mu      sync.Mutex
	started map[[2]int]time.Time
}

func newMemberLines(out io.Writer) *memberLines {
	return &memberLines{out: out, started: map[[2]int]time.Time{}}
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

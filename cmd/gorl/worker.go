package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"gorl/evolution/distributed"
)

// workerFlags are gorl worker's settings.
type workerFlags struct {
	o     distributed.ServeOptions
	quiet bool
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
	fl, o := cmd.Flags(), &f.o
	fl.StringVar(&o.NATS, "nats", "", "URL of the run's NATS server, e.g. nats://127.0.0.1:4222 (required)")
	fl.StringVar(&o.Subject, "subject", distributed.DefaultSubject, "subject to pull work from (gorl evolve --subject)")
	fl.IntVar(&o.Parallel, "parallel", 1, "members evaluated at once (0: all cores)")
	fl.DurationVar(&o.Heartbeat, "heartbeat", distributed.DefaultHeartbeat, "how often to tell the coordinator a member is still being evaluated (keep it well under its --item-timeout)")
	fl.DurationVar(&o.Reconnect, "reconnect", 30*time.Second, "how long to try reconnecting after the connection to the server is lost")
	fl.BoolVar(&f.quiet, "quiet", false, "no per-member lines")
	fl.StringVar(&o.TLSCA, "tls-ca", "", "PEM file of the CA that signed the server's TLS certificate")
	return cmd
}

// run serves members until SIGINT, SIGTERM or the end of the connection.
func (f *workerFlags) run(out io.Writer) error {
	if err := f.o.Validate(); err != nil {
		return err
	}
	f.o.Token, f.o.Version = os.Getenv("GORL_NATS_TOKEN"), version
	if !f.quiet {
		f.o.Out = out
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return distributed.Serve(ctx, f.o, out)
}

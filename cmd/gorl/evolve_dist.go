package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"gorl/evolution"
	"gorl/evolution/distributed"
)

// distFlags are gorl evolve's settings for distributed evaluation.
type distFlags struct {
	on bool
	o  distributed.Options
}

func (d *distFlags) register(fl *pflag.FlagSet) {
	o := &d.o
	fl.BoolVar(&d.on, "distributed", false, "evaluate members on NATS workers (gorl worker) through an embedded NATS server, or the one of --nats")
	fl.StringVar(&o.NATS, "nats", "", "connect to this NATS server instead of embedding one (implies --distributed)")
	fl.StringVar(&o.Listen, "listen", "127.0.0.1:0", "address of the embedded NATS server (port 0: random; 0.0.0.0:PORT lets other machines' workers connect)")
	fl.BoolVar(&o.NoAuth, "no-auth", false, "embedded server without a worker token (loopback --listen addresses only)")
	fl.StringVar(&o.TLSCert, "tls-cert", "", "PEM certificate: the embedded server accepts TLS connections only (workers: --tls-ca)")
	fl.StringVar(&o.TLSKey, "tls-key", "", "PEM key of --tls-cert")
	fl.StringVar(&o.Subject, "subject", distributed.DefaultSubject, "NATS subject the workers pull work from (one per concurrent run)")
	fl.IntVar(&o.LocalWorkers, "local-workers", 0, "worker goroutines in this process besides the gorl worker processes (with --distributed)")
	fl.DurationVar(&o.ItemTimeout, "item-timeout", 10*time.Second, "hand a member to another worker when its worker is silent this long (keep it several of the workers' --heartbeat, default 1s)")
	fl.DurationVar(&o.WorkerTimeout, "worker-timeout", time.Minute, "fail when no worker asks for work, answers or heartbeats for this long")
}

// validate checks the flags; dist-only flags set without --distributed are errors.
func (d *distFlags) validate(fl *pflag.FlagSet) error {
	d.on = d.on || d.o.NATS != ""
	if !d.on {
		for _, name := range []string{"listen", "subject", "local-workers", "item-timeout", "worker-timeout", "no-auth", "tls-cert", "tls-key"} {
			if fl.Changed(name) {
				return fmt.Errorf("--%s needs --distributed (or --nats URL)", name)
			}
		}
		return nil
	}
	d.o.ListenGiven = fl.Changed("listen")
	return d.o.Validate()
}

// start starts the distributed evaluation of mc's members; without --distributed it
// starts nothing and returns a Cluster without a Coordinator (members run locally).
func (d *distFlags) start(cmd *cobra.Command, mc evolution.MetaConfig) (*distributed.Cluster, error) {
	if !d.on {
		return &distributed.Cluster{}, nil
	}
	errOut := cmd.ErrOrStderr()
	return distributed.Start(d.o, mc, version, func(gen, member int) {
		fmt.Fprintf(errOut, "evolve: generation %d member %d: its worker was silent for %v; handed to another worker\n", gen, member, d.o.ItemTimeout)
	})
}

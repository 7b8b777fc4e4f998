package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"gorl/agents/sweep"
)

// sweepOwnFlags are train flags the sweep sets itself for every run; train's --workers
// (parallel env workers) is --train-workers here, --workers being the sweep's own.
var sweepOwnFlags = map[string]bool{"seed": true, "run-dir": true, "resume": true, "quiet": true, "json": true, "help": true, "workers": true}

func newSweepCmd() *cobra.Command {
	c := &sweepCmd{}
	cmd := &cobra.Command{
		Use:   "sweep [gorl train flags] --grid FLAG=V1,V2 --seeds 1-5 --run-dir DIR",
		Short: "Run a grid of gorl train settings x seeds as ordinary runs under one directory",
		Long: `Run every combination of the --grid values times every seed as an ordinary gorl train
run in DIR/FLAG=V_..._seed=N, --workers at a time, each with the other gorl train flags
given here (or --config FILE). DIR/sweep.json describes the sweep (gorl board and gorl
logs compare --by FLAG group by it); DIR/sweep.log records what was done and
DIR/logs/NAME.log each run's output. Rerunning the same command continues the sweep:
finished runs are skipped, runs killed after a checkpoint are resumed (gorl train
--resume: they end as uninterrupted runs would) and the rest start from scratch. Runs
that failed are reported, and started again with --retry-failed. Distributed sweeps
are not offered: run one sweep per machine on its own DIR.`,
		Example: `  gorl sweep --env CartPole-v1 --steps 100000 --grid lr=0.0001,0.0003 --seeds 1-3 --workers 2 --run-dir runs/sweep-lr
  gorl sweep --config base.json --grid envs=4,8 --grid lr=0.0003,0.001 --seeds 1-5 --run-dir runs/grid`,
		Args: cobra.NoArgs,
		RunE: c.run,
	}
	fl := cmd.Flags()
	newTrainCmd().Flags().VisitAll(func(f *pflag.Flag) {
		if !sweepOwnFlags[f.Name] {
			fl.AddFlag(f)
		}
	})
	fl.StringArrayVar(&c.Grids, "grid", nil, "FLAG=V1,V2,...: a gorl train flag and its values (repeatable; runs cover every combination)")
	fl.StringVar(&c.Seeds, "seeds", "1", "seeds of every combination: a list and ranges, e.g. 1-5 or 1,2,7")
	fl.StringVar(&c.Dir, "run-dir", "", "the sweep's directory (one subdirectory per run)")
	fl.IntVar(&c.Workers, "workers", 1, "runs trained at once (each a gorl train process)")
	fl.IntVar(&c.trainWork, "train-workers", 1, "gorl train --workers of every run (parallel env workers)")
	fl.BoolVar(&c.RetryFailed, "retry-failed", false, "start runs that failed before again")
	return cmd
}

// isTrainFlag reports whether name is a flag of gorl train.
func isTrainFlag(name string) bool { return newTrainCmd().Flags().Lookup(name) != nil }

// passThrough writes the train flags given to the sweep as gorl train arguments; a
// --config path is made absolute so that sweep.json reruns from any directory.
func passThrough(fl *pflag.FlagSet) ([]string, error) {
	var args []string
	var err error
	fl.Visit(func(f *pflag.Flag) {
		if !isTrainFlag(f.Name) || sweepOwnFlags[f.Name] {
			return
		}
		vals := []string{f.Value.String()}
		if sv, ok := f.Value.(pflag.SliceValue); ok {
			vals = sv.GetSlice()
		}
		for _, v := range vals {
			if f.Name == "config" {
				if v, err = filepath.Abs(v); err != nil {
					return
				}
			}
			args = append(args, "--"+f.Name+"="+v)
		}
	})
	if err != nil {
		return nil, fmt.Errorf("--config: %w", err)
	}
	return args, nil
}

// sweepCmd holds the sweep's own flags.
type sweepCmd struct {
	sweep.Command
	trainWork int
}

func (c *sweepCmd) run(cmd *cobra.Command, _ []string) error {
	fl := cmd.Flags()
	var err error
	if c.Args, err = passThrough(fl); err != nil {
		return err
	}
	if fl.Changed("train-workers") {
		c.Args = append(c.Args, fmt.Sprintf("--workers=%d", c.trainWork))
	}
	c.CheckFlag = func(flag string) error {
		if sweepOwnFlags[flag] || !isTrainFlag(flag) {
			return fmt.Errorf("--grid %s: not a gorl train flag the sweep can vary (see gorl train --help)", flag)
		}
		if fl.Changed(flag) {
			return fmt.Errorf("--grid %s and --%s both given: drop one", flag, flag)
		}
		return nil
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("sweep: find the gorl binary: %w", err)
	}
	c.Version, c.Exec, c.Out = version, sweep.Binary(exe), cmd.OutOrStdout()
	return c.Command.Run(cmd.Context())
}

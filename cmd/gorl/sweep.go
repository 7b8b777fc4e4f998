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
	fl.StringArrayVar(&c.grids, "grid", nil, "FLAG=V1,V2,...: a gorl train flag and its values (repeatable; runs cover every combination)")
	fl.StringVar(&c.seeds, "seeds", "1", "seeds of every combination: a list and ranges, e.g. 1-5 or 1,2,7")
	fl.StringVar(&c.runDir, "run-dir", "", "the sweep's directory (one subdirectory per run)")
	fl.IntVar(&c.workers, "workers", 1, "runs trained at once (each a gorl train process)")
	fl.IntVar(&c.trainWork, "train-workers", 1, "gorl train --workers of every run (parallel env workers)")
	fl.BoolVar(&c.retryFailed, "retry-failed", false, "start runs that failed before again")
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
	grids       []string
	seeds       string
	runDir      string
	workers     int
	retryFailed bool
	trainWork   int
}

func (c *sweepCmd) run(cmd *cobra.Command, _ []string) error {
	grids, seeds, runDir, workers, retryFailed, trainWork := c.grids, c.seeds, c.runDir, c.workers, c.retryFailed, c.trainWork
	if runDir == "" {
		return fmt.Errorf("--run-dir DIR is required (the sweep's directory)")
	}
	if workers < 1 {
		return fmt.Errorf("--workers must be at least 1, got %d", workers)
	}
	seedList, err := sweep.ParseSeeds(seeds)
	if err != nil {
		return err
	}
	var axes []sweep.Axis
	for _, g := range grids {
		a, err := sweep.ParseGrid(g)
		if err != nil {
			return err
		}
		if sweepOwnFlags[a.Flag] || !isTrainFlag(a.Flag) {
			return fmt.Errorf("--grid %s: not a gorl train flag the sweep can vary (see gorl train --help)", a.Flag)
		}
		if cmd.Flags().Changed(a.Flag) {
			return fmt.Errorf("--grid %s and --%s both given: drop one", a.Flag, a.Flag)
		}
		axes = append(axes, a)
	}
	args, err := passThrough(cmd.Flags())
	if err != nil {
		return err
	}
	if cmd.Flags().Changed("train-workers") {
		args = append(args, fmt.Sprintf("--workers=%d", trainWork))
	}
	plan, err := sweep.NewPlan(version, args, axes, seedList)
	if err != nil {
		return err
	}
	if err := sweep.Prepare(runDir, plan); err != nil {
		return err
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("sweep: find the gorl binary: %w", err)
	}
	out := cmd.OutOrStdout()
	fmt.Fprintf(out, "sweep %s: %d runs (%d combinations x %d seeds), %d at a time\n", runDir, len(plan.Runs), len(plan.Runs)/len(seedList), len(seedList), workers)
	res, err := sweep.Execute(cmd.Context(), runDir, plan, sweep.Options{Workers: workers, RetryFailed: retryFailed, Exec: sweep.Binary(exe), Out: out})
	count := map[sweep.Action]int{}
	for _, r := range res {
		count[r.Action]++
	}
	fmt.Fprintf(out, "sweep %s: %d started, %d resumed, %d skipped (finished before)\n", runDir, count[sweep.Start], count[sweep.Resume], count[sweep.Skip])
	return err
}

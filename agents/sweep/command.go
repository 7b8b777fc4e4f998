package sweep

import (
	"context"
	"fmt"
	"io"
)

// Command is a sweep as gorl sweep's flags give it: the grid and seeds, the gorl train
// arguments every run gets, and how the runs are executed.
type Command struct {
	Dir         string
	Grids       []string // FLAG=V1,V2,... (ParseGrid)
	Seeds       string   // ParseSeeds
	Workers     int      // runs at once
	RetryFailed bool
	Args        []string // gorl train arguments of every run
	// CheckFlag refuses a --grid flag the sweep cannot vary; nil accepts every flag.
	CheckFlag func(flag string) error
	Version   string // the gorl version recorded in sweep.json
	Exec      Exec
	Out       io.Writer // the sweep's own lines
}

// Run plans the sweep, writes (or checks) its sweep.json and executes it, reporting on
// c.Out how many runs were started, resumed and skipped.
func (c Command) Run(ctx context.Context) error {
	if c.Dir == "" {
		return fmt.Errorf("--run-dir DIR is required (the sweep's directory)")
	}
	if c.Workers < 1 {
		return fmt.Errorf("--workers must be at least 1, got %d", c.Workers)
	}
	seeds, err := ParseSeeds(c.Seeds)
	if err != nil {
		return err
	}
	var axes []Axis
	for _, g := range c.Grids {
		a, err := ParseGrid(g)
		if err != nil {
			return err
		}
		if c.CheckFlag != nil {
			if err := c.CheckFlag(a.Flag); err != nil {
				return err
			}
		}
		axes = append(axes, a)
	}
	plan, err := NewPlan(c.Version, c.Args, axes, seeds)
	if err != nil {
		return err
	}
	if err := Prepare(c.Dir, plan); err != nil {
		return err
	}
	fmt.Fprintf(c.Out, "sweep %s: %d runs (%d combinations x %d seeds), %d at a time\n", c.Dir, len(plan.Runs), len(plan.Runs)/len(seeds), len(seeds), c.Workers)
	res, err := Execute(ctx, c.Dir, plan, Options{Workers: c.Workers, RetryFailed: c.RetryFailed, Exec: c.Exec, Out: c.Out})
	count := map[Action]int{}
	for _, r := range res {
		count[r.Action]++
	}
	fmt.Fprintf(c.Out, "sweep %s: %d started, %d resumed, %d skipped (finished before)\n", c.Dir, count[Start], count[Resume], count[Skip])
	return err
}

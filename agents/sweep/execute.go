package sweep

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"gorl/internal/workpool"
	"gorl/logs"
)

// Action is what a sweep does with a run.
type Action string

// The actions, decided from the run directory's state.
const (
	Start   Action = "start"   // no run directory, or one killed before its first checkpoint (removed first)
	Resume  Action = "resume"  // interrupted after a checkpoint: gorl train --resume
	Skip    Action = "skip"    // finished
	Busy    Action = "busy"    // its writer process is alive (another sweep runs it)
	Refused Action = "refused" // failed before (rerun only with Options.RetryFailed)
)

// Decide returns what to do with the run directory dir.
func Decide(dir string, retryFailed bool) (Action, error) {
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		return Start, nil
	}
	info, err := logs.ReadRunInfo(dir)
	if err != nil { // killed before config.json was written
		return Start, nil
	}
	switch info.Status {
	case "finished":
		return Skip, nil
	case "running": // its process is alive (logs counts an unreaped, exited one as gone)
		return Busy, nil
	case "failed":
		if !retryFailed {
			return Refused, nil
		}
		return Start, nil
	}
	ckpts, _ := os.ReadDir(filepath.Join(dir, "checkpoints"))
	for _, e := range ckpts {
		// A dot file is a checkpoint the run was killed while writing (logs.WriteFileAtomic).
		if !e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
			return Resume, nil
		}
	}
	return Start, nil
}

// Exec runs gorl with args, its output going to log.
type Exec func(ctx context.Context, args []string, log io.Writer) error

// Binary returns an Exec that runs the gorl binary at path as a child process, killed
// with the sweep (so that a killed sweep leaves no run writing behind it).
func Binary(path string) Exec {
	return func(ctx context.Context, args []string, log io.Writer) error {
		cmd := exec.CommandContext(ctx, path, args...)
		cmd.Stdout, cmd.Stderr = log, log
		dieWithParent(cmd)
		return cmd.Run()
	}
}

// Options of Execute. Zero values mean defaults.
type Options struct {
	Workers     int  // runs at once (default 1)
	RetryFailed bool // start failed runs again (default: report them)
	Exec        Exec // required
	// Out receives one line per run as it starts and ends (nil: none).
	Out io.Writer
}

// Outcome is what Execute did with one run.
type Outcome struct {
	Run     Run
	Action  Action
	Err     error
	Seconds float64
}

// Execute runs the plan's runs in dir (sweep.json must be there: Prepare), Options.Workers
// at a time. Each run's output goes to dir/logs/NAME.log, and every action to
// dir/sweep.log. It returns the outcome of every run, in plan order; the error names the
// first run that failed.
func Execute(ctx context.Context, dir string, p Plan, o Options) ([]Outcome, error) {
	if o.Exec == nil {
		return nil, errors.New("sweep: no Exec")
	}
	if err := os.MkdirAll(filepath.Join(dir, "logs"), 0o755); err != nil {
		return nil, fmt.Errorf("sweep %s: %w", dir, err)
	}
	// One sweep process per sweep directory: a second would start the same runs.
	lock, err := logs.LockRun(dir)
	if err != nil {
		return nil, fmt.Errorf("sweep: %w", err)
	}
	defer lock.Unlock()
	journal, err := os.OpenFile(filepath.Join(dir, "sweep.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, fmt.Errorf("sweep %s: %w", dir, err)
	}
	defer journal.Close()
	var mu sync.Mutex
	note := func(format string, a ...any) {
		mu.Lock()
		defer mu.Unlock()
		line := fmt.Sprintf(format, a...)
		fmt.Fprintf(journal, "%s %s\n", time.Now().UTC().Format(time.RFC3339), line)
		journal.Sync()
		if o.Out != nil {
			fmt.Fprintln(o.Out, line)
		}
	}
	out := make([]Outcome, len(p.Runs))
	workers := max(o.Workers, 1)
	workpool.ForEach(len(p.Runs), workers, func(_, i int) {
		out[i] = runOne(ctx, dir, p, p.Runs[i], o, note)
	})
	failed, first := 0, -1
	for i, r := range out {
		if r.Err != nil {
			failed++
			if first < 0 {
				first = i
			}
		}
	}
	if failed > 0 {
		f := out[first]
		return out, fmt.Errorf("sweep %s: %d of %d runs failed, first %s: %v (its output: %s)", dir, failed, len(out),
			f.Run.Name, f.Err, filepath.Join(dir, "logs", f.Run.Name+".log"))
	}
	return out, nil
}

func runOne(ctx context.Context, dir string, p Plan, r Run, o Options, note func(string, ...any)) Outcome {
	res := Outcome{Run: r}
	if err := ctx.Err(); err != nil {
		res.Err = err
		return res
	}
	runDir := filepath.Join(dir, r.Name)
	act, err := Decide(runDir, o.RetryFailed)
	// A run whose writer was just killed with the sweep looks alive until the kernel has
	// delivered the signal and the process is reaped: give it a few seconds.
	for wait := 0; act == Busy && wait < 50; wait++ {
		time.Sleep(100 * time.Millisecond)
		act, err = Decide(runDir, o.RetryFailed)
	}
	res.Action = act
	if err != nil {
		res.Err = err
		return res
	}
	args := p.TrainArgs(r, dir)
	switch act {
	case Skip:
		note("skip %s (finished)", r.Name)
		return res
	case Busy:
		res.Err = fmt.Errorf("run %s is being written by a live process", runDir)
		note("busy %s", r.Name)
		return res
	case Refused:
		res.Err = fmt.Errorf("run %s failed before (rerun with --retry-failed)", runDir)
		note("refused %s (failed before)", r.Name)
		return res
	case Resume:
		args = []string{"train", "--resume", "--run-dir=" + runDir}
	case Start:
		if err := os.RemoveAll(runDir); err != nil {
			res.Err = err
			return res
		}
	}
	log, err := os.OpenFile(filepath.Join(dir, "logs", r.Name+".log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		res.Err = err
		return res
	}
	defer log.Close()
	note("%s %s", act, r.Name)
	start := time.Now()
	res.Err = o.Exec(ctx, append(args, "--quiet"), log)
	res.Seconds = time.Since(start).Seconds()
	if res.Err != nil {
		note("failed %s after %.1fs: %v", r.Name, res.Seconds, res.Err)
	} else {
		note("done %s in %.1fs", r.Name, res.Seconds)
	}
	return res
}

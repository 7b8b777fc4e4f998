package lmdp

import (
	"fmt"
	"io"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"gorl/env/latent"
	"gorl/internal/workpool"
)

// Options are the settings of the gorl lmdp commands (run, sweep, rate, instance): an
// instance source, a learning configuration and the experiment around it. CheckInstance
// and Check vet them before anything is generated or run; their messages name the
// commands' flags.
type Options struct {
	Family       string // instance family (latent.Families), used when InstanceFile is ""
	InstanceFile string // load the instance from this JSON file instead
	SaveInstance string // Build writes the instance to this JSON file ("": not written)
	Params       latent.Params
	GammaGiven   bool // Params.Gamma was given explicitly (it must then be >= 1)
	Config       Config
	Seed         uint64 // first learning seed (seeds are Seed, Seed+1, ...)
	Seeds        int
	Workers      int // parallel seeds (0: GOMAXPROCS)
	StepEvery    int
	MinGap       float64 // latency margin required of the hidden families (latent.Hidden)
	MaxMemoryGiB float64 // refuse a configuration estimated to allocate more
	Limits       FlagLimits
}

// FlagLimits bound what one command may ask for.
type FlagLimits struct {
	MaxH, MaxSeeds int
	MaxRows        int // K x seeds episodes kept in memory
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// CheckInstance checks the instance and planner settings.
func (o *Options) CheckInstance() error {
	pl := o.Config.Planner
	switch {
	case o.Params.H > o.Limits.MaxH:
		return fmt.Errorf("--H must be at most %d, got %d", o.Limits.MaxH, o.Params.H)
	case o.GammaGiven && o.Params.Gamma < 1:
		return fmt.Errorf("--gamma must be >= 1, got %d", o.Params.Gamma)
	case pl.MaxNodes < 1 || pl.GridPoints < 1:
		return fmt.Errorf("--max-nodes must be >= 1, got %d (and --grid-points %d)", pl.MaxNodes, pl.GridPoints)
	case !(o.MaxMemoryGiB > 0) || !finite(o.MaxMemoryGiB):
		return fmt.Errorf("--max-memory must be > 0 GiB, got %v", o.MaxMemoryGiB)
	case !(o.MinGap >= 0) || !finite(o.MinGap):
		return fmt.Errorf("--min-gap must be >= 0, got %v", o.MinGap)
	}
	return nil
}

// Check checks the instance settings, then the learning settings.
func (o *Options) Check() error {
	if err := o.CheckInstance(); err != nil {
		return err
	}
	c := o.Config
	switch {
	case c.K <= 0:
		return fmt.Errorf("--K must be > 0, got %d", c.K)
	case o.Seeds < 1 || o.Seeds > o.Limits.MaxSeeds:
		return fmt.Errorf("--seeds must be in [1, %d], got %d", o.Limits.MaxSeeds, o.Seeds)
	case c.K > o.Limits.MaxRows/o.Seeds:
		return fmt.Errorf("--K x --seeds = %d x %d episodes is too many (at most %d in all)", c.K, o.Seeds, o.Limits.MaxRows)
	case o.Workers < 0:
		return fmt.Errorf("--workers must be >= 0, got %d", o.Workers)
	case !(c.C1 >= 0 && c.C2 >= 0 && finite(c.C1) && finite(c.C2)):
		return fmt.Errorf("--c1 and --c2 must be finite and >= 0, got %v and %v", c.C1, c.C2)
	case !(c.Delta > 0 && c.Delta < 1):
		return fmt.Errorf("--delta must be in (0, 1), got %v", c.Delta)
	case c.EvalStates < 1 || c.Planner.Resolution < 0:
		return fmt.Errorf("--eval-states must be >= 1 and --belief-resolution >= 0")
	case c.Bonus != BonusTuned && c.Bonus != BonusTheory:
		return fmt.Errorf("--bonus must be %s or %s, got %q", BonusTuned, BonusTheory, c.Bonus)
	case !slices.Contains(Solvers, c.Solver):
		return fmt.Errorf("unknown --solver %q (known: %s)", c.Solver, strings.Join(Solvers, ", "))
	}
	return nil
}

// CheckMemory refuses, before allocating, sizes the estimate puts over MaxMemoryGiB.
func (o *Options) CheckMemory(M, S, A, H int) error {
	return CheckMemory(M, S, A, H, o.Config, workpool.Workers(o.Workers, o.Seeds), o.MaxMemoryGiB*(1<<30))
}

// Source is where the instance comes from.
func (o *Options) Source() InstanceSource { return SourceOf(o.Family, o.InstanceFile, o.Params) }

// Build checks the memory estimate, then generates or loads the instance and saves it
// to SaveInstance when that is set.
func (o *Options) Build() (*latent.LMDP, InstanceSource, error) {
	src := o.Source()
	l, err := BuildInstance(src, o.CheckMemory)
	if err == nil && o.SaveInstance != "" {
		err = l.Save(o.SaveInstance)
	}
	return l, src, err
}

// Experiment is the run the options describe; the latency margin applies to the
// families that promise a hidden context.
func (o *Options) Experiment(l *latent.LMDP, src InstanceSource) Experiment {
	x := Experiment{Instance: l, Source: src, Config: o.Config, Seeds: o.Seeds, Seed: o.Seed, Workers: o.Workers, StepEvery: o.StepEvery}
	if latent.Hidden(src.Family) {
		x.MinGap = o.MinGap
	}
	return x
}

// RunDir is dir, or runs/lmdp-<kind>-<instance>-<UTC time> when dir is "".
func (o *Options) RunDir(dir, kind string) string {
	if dir != "" {
		return dir
	}
	return filepath.Join("runs", fmt.Sprintf("lmdp-%s-%s-%s", kind, o.Source().Name(), time.Now().UTC().Format("20060102-150405")))
}

// SweepOver are the settings a sweep can vary.
var SweepOver = []string{"H", "K", "solver", "noise", "p"}

// Sweep checks the options and the sweep's own settings (over, the comma-separated
// values, the comma-separated instance seeds) and builds the sweep under root. Every
// point is vetted before anything runs with the same checks as a single run.
func (o *Options) Sweep(over, values, instanceSeeds, root string) (*Sweep, error) {
	if err := o.Check(); err != nil {
		return nil, err
	}
	switch {
	case values == "":
		return nil, fmt.Errorf("--values is required (comma-separated)")
	case !slices.Contains(SweepOver, over):
		return nil, fmt.Errorf("--over must be H, K, solver, noise or p, got %q", over)
	case (over == "H" || over == "noise" || over == "p") && o.InstanceFile != "":
		return nil, fmt.Errorf("--over %s regenerates the instance: it cannot be combined with --instance", over)
	}
	seeds, err := ParseSeeds(instanceSeeds)
	if err != nil {
		return nil, fmt.Errorf("--instance-seeds: %w", err)
	}
	l, src, err := o.Build()
	if err != nil {
		return nil, err
	}
	check := func(x Experiment) error {
		p := *o
		p.Config.K, p.Config.Solver = x.Config.K, x.Config.Solver
		if x.Source.Params != nil {
			p.Params = *x.Source.Params
		}
		if err := p.Check(); err != nil {
			return err
		}
		return p.CheckMemory(p.Params.M, p.Params.S, p.Params.A, p.Params.H)
	}
	base := o.Experiment(l, src)
	base.MinGap = 0 // a sweep reports the gaps of every point (noise 0 is deterministic, hence not latent)
	sw := &Sweep{Base: base, Over: over, Values: strings.Split(values, ","), InstanceSeeds: seeds, Root: root, Check: check}
	if _, err := sw.points(); err != nil {
		if strings.HasPrefix(err.Error(), "values:") {
			return nil, fmt.Errorf("--%w", err) // the flag's name
		}
		return nil, err
	}
	return sw, nil
}

// Instance builds (and saves) the instance, then prints its reference values and, for a
// hidden family that is not latent by the margin, that lmdp run refuses it.
func (o *Options) Instance(out io.Writer) error {
	l, src, err := o.Build()
	if err != nil {
		return err
	}
	ref, err := ReferenceValues(l, o.Config.Planner)
	if err != nil {
		return err
	}
	PrintReference(out, l, ref)
	if x := o.Experiment(l, src); x.MinGap > 0 && !ref.Latent(x.MinGap) {
		fmt.Fprintf(out, "not latent by the margin %g: lmdp run refuses this instance\n", x.MinGap)
	}
	if o.SaveInstance != "" {
		fmt.Fprintf(out, "saved to %s\n", o.SaveInstance)
	}
	return nil
}

// Report prints a run's outcome: the instance's reference values, the summary (when
// solver is not "") and the run directory.
func (sum *Summary) Report(out io.Writer, l *latent.LMDP, solver, dir string) {
	PrintReference(out, l, sum.Reference)
	if solver != "" {
		sum.Print(out, solver)
	}
	fmt.Fprintf(out, "run directory: %s\n", dir)
}

// WritePlot draws curves to the PNG file path (nothing when path is "") and names it on out.
func WritePlot(out io.Writer, path, title string, curves []Curve, logLog bool) error {
	if path == "" {
		return nil
	}
	if err := PlotRegret(path, title, curves, logLog); err != nil {
		return err
	}
	fmt.Fprintf(out, "plot: %s\n", path)
	return nil
}

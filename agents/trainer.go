package agents

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"gorl/env"
	"gorl/logs"
)

// Trainer is one training run of any algorithm: every algorithm trains through it, as
// gonum's Minimize drives every Method. An Algorithm's Settings build it fresh
// (NewTrainer) or from a run directory's latest checkpoint (Resume).
type Trainer interface {
	// Train runs until the step budget is spent or the return target is reached,
	// writing a checkpoint at the start of a fresh run, every CheckpointEvery env steps
	// or CheckpointSeconds, and at the end, then closes the run's log. When ctx is done
	// it writes a checkpoint at the next point where one can be written, marks the run
	// interrupted and returns an error wrapping ErrInterrupted. After any other failure
	// the run keeps its last good checkpoint and is marked failed.
	Train(ctx context.Context, hooks Hooks) (Summary, error)
	// Finished reports whether nothing is left to train: a resumed run whose latest
	// checkpoint is its final one. Its tables are untouched (it logs nothing).
	Finished() bool
	// Close releases the environments of a trainer that will not train.
	Close()
}

// ErrInterrupted is returned by Trainer.Train when its context was cancelled.
var ErrInterrupted = errors.New("interrupted")

// Algorithm is a training algorithm as gorl train, gorl eval and --resume see it.
type Algorithm interface {
	// Name is the value of config.json's algo and of --algo.
	Name() string
	// NewSettings returns the algorithm's settings with zero values, which mean the
	// defaults: a pointer to the struct whose fields config.json holds beside the
	// envelope (RunConfig).
	NewSettings() Settings
}

// Settings are an algorithm's part of config.json. Zero values mean defaults.
type Settings interface {
	// Common points at the settings every algorithm has, where the envelope and the
	// shared flags read and write them.
	Common() Common
	// Resolve replaces zero values by their defaults (some depend on the environment)
	// and validates the settings, naming config.json keys in its errors.
	Resolve() error
	// NewTrainer builds a fresh run of resolved settings that logs to log.
	NewTrainer(log *logs.Run) (Trainer, error)
	// Resume continues the run in dir from its latest readable checkpoint, logging with
	// opts. The settings are the run's recorded ones, except that a run that has
	// finished may be given a larger step budget, which extends it.
	Resume(dir string, opts logs.Options) (Trainer, error)
	// Policy loads the policy of dir's latest readable checkpoint to act on env id with
	// opts (possibly another environment than the training one). It returns the
	// environment wrapped as the policy expects it and the checkpoint's name.
	Policy(dir, id string, opts env.Options) (Policy, env.Env, string, error)
}

// Common points at the settings of an algorithm's Settings that every run has: the
// environment, the seed, the step budget and the logging and checkpoint cadence.
type Common struct {
	Env               *string
	EnvOptions        *env.Options
	Seed              *uint64
	Steps             *int64
	StopAtReturn      **float64
	StepEvery         *int
	CheckpointEvery   *int64
	CheckpointSeconds *float64
}

// Registry maps algorithm names to algorithms. Its zero value is empty.
type Registry struct {
	algos map[string]Algorithm
	names []string // in registration order
}

// NewRegistry returns a registry of algos; a name given twice is an error of the
// program, so it panics.
func NewRegistry(algos ...Algorithm) *Registry {
	r := &Registry{algos: map[string]Algorithm{}}
	for _, a := range algos {
		if _, dup := r.algos[a.Name()]; dup {
			panic(fmt.Sprintf("agents: algorithm %q registered twice", a.Name()))
		}
		r.algos[a.Name()] = a
		r.names = append(r.names, a.Name())
	}
	return r
}

// Lookup returns the algorithm of name, or an error that lists the known ones.
func (r *Registry) Lookup(name string) (Algorithm, error) {
	if a, ok := r.algos[name]; ok {
		return a, nil
	}
	return nil, fmt.Errorf("unknown algo %q (known: %s)", name, strings.Join(r.Names(), ", "))
}

// Names lists the registered algorithms in registration order.
func (r *Registry) Names() []string { return append([]string(nil), r.names...) }

// Hooks let callers watch training. Nil hooks are skipped.
type Hooks struct {
	// OnUpdate is called after every update (ppo, lpg) or metrics row (td3) with the
	// trainer's status.
	OnUpdate func(Status)
	// OnEpisode is called for every finished training episode.
	OnEpisode func(logs.EpisodeRow)
	// OnCheckpoint is called after a checkpoint is written, with the env steps it holds.
	OnCheckpoint func(envSteps int64, path string)
	// Notice reports something the user should know that does not stop training.
	Notice func(msg string)
}

// Status describes training after an update.
type Status struct {
	Update, Updates int
	EnvSteps        int64
	Episodes        int64
	// RecentReturn is the mean return of the last ReturnWindow finished episodes (NaN
	// before the first one).
	RecentReturn   float64
	StepsPerSecond float64
	WallSeconds    float64
	Metrics        map[string]float64
	Solved         bool
}

// Summary is the outcome of a training run, whatever its algorithm.
type Summary struct {
	Status
	// Resumed is the update the run was resumed from (0 for a fresh run);
	// ResumedSteps the env steps of that checkpoint, -1 for a fresh run.
	Resumed      int
	ResumedSteps int64
	// Label names the algorithm and its variant ("ppo with objective clip",
	// "td3 (set)"), Variant the variant alone (the objective, rule or architecture).
	Label, Variant string
	Steps          int64    // the step budget
	ReturnWindow   int      // episodes in RecentReturn
	Target         *float64 // the StopAtReturn target, if any
	Checkpoint     string   // the final checkpoint's path
	// Members are the recent returns of each member of a multi-task environment.
	Members []MemberReturn
}

// MemberReturn is one member's share of a multi-task run's episodes.
type MemberReturn struct {
	Name     string
	Recent   float64 // mean of the last ReturnWindow of its episodes (NaN: none)
	Last     int     // episodes in Recent
	Episodes int
}

// MemberReturns groups the returns of episode rows by their context (the member index
// of a multi-task run) and averages the last window of each member.
func MemberReturns(names []string, eps []logs.EpisodeRow, window int) []MemberReturn {
	by := make([][]float64, len(names))
	for _, e := range eps {
		if e.Context >= 0 && int(e.Context) < len(names) {
			by[e.Context] = append(by[e.Context], e.Return)
		}
	}
	out := make([]MemberReturn, len(names))
	for k, name := range names {
		r := by[k]
		last := r[max(0, len(r)-window):]
		out[k] = MemberReturn{Name: name, Recent: logs.Mean(last), Last: len(last), Episodes: len(r)}
	}
	return out
}

package td3

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"os"

	"gorl/agents"
	setnet "gorl/agents/set"
	"gorl/env"
	"gorl/logs"
	"gorl/physics3d/morph"
)

// Algorithm registers TD3 with agents (gorl train --algo td3).
type Algorithm struct{}

// Name is "td3".
func (Algorithm) Name() string { return "td3" }

// NewSettings returns zero settings (the defaults).
func (Algorithm) NewSettings() agents.Settings { return &Settings{} }

// Settings are a TD3 run's part of config.json: the run ("td3", with the agent's
// settings in its own "td3"), the networks' architecture and, for set or swat, their
// sizes (agents/set).
type Settings struct {
	TD3  TrainConfig       `json:"td3"`
	Arch string            `json:"arch,omitempty"` // mlp (default), set or swat
	SET  *setnet.Sizes     `json:"set,omitempty" flag:"set-"`
	SWAT *setnet.SWATSizes `json:"swat,omitempty" flag:"-"` // set by the --set-* flags
}

var _ agents.Settings = (*Settings)(nil)

// Common points at the run-level settings.
func (s *Settings) Common() agents.Common {
	c := &s.TD3
	return agents.Common{Env: &c.Env, EnvOptions: &c.EnvOptions, Seed: &c.Seed, Steps: &c.Steps, StopAtReturn: &c.StopAtReturn,
		StepEvery: &c.StepEvery, CheckpointEvery: &c.CheckpointEvery, CheckpointSeconds: &c.CheckpointSeconds}
}

// Resolve fills the defaults and checks the settings and the architecture's sizes.
func (s *Settings) Resolve() error {
	if s.Arch == "" {
		s.Arch = "mlp"
	}
	switch s.Arch {
	case "mlp":
		if s.SET != nil || s.SWAT != nil {
			flag := "set-embed"
			if z := s.SET; z != nil {
				for _, f := range []struct {
					v    int
					name string
				}{{z.Embed, "set-embed"}, {z.Heads, "set-heads"}, {z.FF, "set-ff"}, {z.Layers, "set-layers"}, {z.Channels, "set-channels"}} {
					if f.v != 0 {
						flag = f.name
						break
					}
				}
			}
			return fmt.Errorf("--%s applies to --arch set or swat only", flag)
		}
	case "set":
		if s.TD3.TD3.Hidden != nil && s.SET == nil && s.SWAT == nil {
			return errors.New("--hidden applies to --arch mlp only (set sizes: --set-embed, --set-heads, --set-ff, --set-layers)")
		}
		sz := s.SET
		if sz == nil {
			sz = &setnet.Sizes{}
		}
		*sz = sz.WithDefaults()
		if err := sz.Validate(); err != nil {
			return err
		}
		s.SET, s.SWAT = sz, nil
	case "swat":
		if s.TD3.TD3.Hidden != nil && s.SET == nil && s.SWAT == nil {
			return errors.New("--hidden applies to --arch mlp only (swat sizes: --set-embed, --set-heads, --set-ff, --set-layers)")
		}
		if s.SET != nil && s.SET.Channels != 0 {
			return errors.New("--set-channels applies to --arch set only")
		}
		sw := setnet.DefaultSizes.SWAT()
		if s.SWAT != nil {
			sw = *s.SWAT
		}
		if s.SET != nil { // the --set-* flags given over a config file's swat sizes
			for _, p := range []struct {
				dst *int
				v   int
			}{{&sw.Embed, s.SET.Embed}, {&sw.Heads, s.SET.Heads}, {&sw.FF, s.SET.FF}, {&sw.Layers, s.SET.Layers}} {
				if p.v != 0 {
					*p.dst = p.v
				}
			}
		}
		if err := sw.Validate(); err != nil {
			return err
		}
		s.SET, s.SWAT = nil, &sw
	default:
		return fmt.Errorf("unknown --arch %q (known: mlp, set, swat)", s.Arch)
	}
	s.TD3 = s.TD3.WithDefaults()
	return s.TD3.Validate()
}

// archOn picks the networks for environment e (named id): SET and SWAT get its
// morphology graph, or the member graphs of a multi-task set in order; nil is the MLP.
func (s *Settings) archOn(e env.Env, id string) (Arch, error) {
	if s.Arch == "mlp" || s.Arch == "" {
		return nil, nil
	}
	var graphs []*morph.Graph
	if m, ok := env.As[interface{ Graphs() []*morph.Graph }](e); ok {
		graphs = m.Graphs()
	} else if m, ok := env.As[morph.Morphological](e); ok {
		graphs = []*morph.Graph{m.Graph()}
	} else {
		return nil, fmt.Errorf("--arch %s needs an environment with a morphology graph (sgrl/...); %s has none", s.Arch, id)
	}
	for _, g := range graphs {
		// The positional tables have 32 rows (agents/set's MaxNodes default).
		if g.N() > 32 {
			return nil, fmt.Errorf("--arch %s handles morphologies of up to 32 limbs; %s has one of %d", s.Arch, id, g.N())
		}
	}
	if s.Arch == "swat" {
		return SWATArch{Graphs: graphs, Config: s.SWAT.Config()}, nil
	}
	return SETArch{Graphs: graphs, Config: s.SET.Config()}, nil
}

// arch builds the networks for environment id with opts from a probe instance.
func (s *Settings) arch(id string, opts env.Options) (Arch, error) {
	if s.Arch == "mlp" || s.Arch == "" {
		return nil, nil
	}
	e, err := env.Make(id, opts)
	if err != nil {
		return nil, fmt.Errorf("env %s: %w", id, err)
	}
	if c, ok := env.As[io.Closer](e); ok { // the Multi or Env under the time limit
		defer c.Close()
	}
	return s.archOn(e, id)
}

// NewTrainer builds a fresh TD3 run logging to log.
func (s *Settings) NewTrainer(log *logs.Run) (agents.Trainer, error) {
	arch, err := s.arch(s.TD3.Env, s.TD3.EnvOptions)
	if err != nil {
		return nil, err
	}
	t, err := NewTrainer(s.TD3, arch)
	if err != nil {
		return nil, err
	}
	t.Log = log
	return &runner{t: t, s: s}, nil
}

// Resume continues the run in dir from its latest resumable checkpoint. A run that wrote
// its final checkpoint is finished: the runner reports it and logs nothing.
func (s *Settings) Resume(dir string, opts logs.Options) (agents.Trainer, error) {
	if _, err := os.Stat(FinalCheckpointPath(dir)); err == nil {
		// Finished, but without a final resumable checkpoint: its env cannot save its
		// state, or an older gorl wrote it. It cannot be extended.
		p, err := LatestCheckpoint(dir)
		if err != nil {
			return &runner{s: s, finished: true}, nil
		}
		if _, done, err := peekState(p); err == nil && !done {
			return &runner{s: s, finished: true}, nil
		}
	}
	arch, err := s.arch(s.TD3.Env, s.TD3.EnvOptions)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	t, err := Resume(dir, s.TD3, arch, opts)
	if errors.Is(err, ErrNoCheckpoint) {
		return nil, fmt.Errorf("%s has no resumable td3 checkpoint (older gorl versions and environments that cannot save their state write only their final checkpoint); start a new run", dir)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	return &runner{t: t, s: s, finished: t.Finished()}, nil
}

// Policy acts with the actor of dir's final checkpoint, or of its latest resumable one
// when the run did not finish, on environment id (possibly another morphology).
func (s *Settings) Policy(dir, id string, opts env.Options) (agents.Policy, env.Env, string, error) {
	e, err := agents.MakeEvalEnv(id, opts)
	if err != nil {
		return nil, nil, "", err
	}
	path, name := FinalCheckpointPath(dir), "final"
	if _, err := os.Stat(path); err != nil {
		latest, steps, lerr := LatestCheckpointSteps(dir)
		if lerr != nil {
			return nil, nil, "", fmt.Errorf("%s has no td3 checkpoint (%s); did the run start?", dir, path)
		}
		path, name = latest, fmt.Sprintf("env step %d", steps)
	}
	obs, act := e.ObservationSpace(), e.ActionSpace()
	if obs.Kind != env.Box || act.Kind != env.Box {
		return nil, nil, "", fmt.Errorf("env %s: td3 needs Box observations and actions", id)
	}
	if err := s.checkWidths(dir, id, opts, obs.Dim(), act.Dim()); err != nil {
		return nil, nil, "", err
	}
	// SET and SWAT take the evaluation environment's morphology: their parameters do not
	// depend on it, so a run trained on some morphologies acts on any other.
	arch, err := s.archOn(e, id)
	if err != nil {
		return nil, nil, "", fmt.Errorf("%s: %w", dir, err)
	}
	a, err := New(arch, obs.Dim(), act.Dim(), s.TD3.TD3, env.NewRand(s.TD3.Seed, StreamInit))
	if err != nil {
		return nil, nil, "", err
	}
	if err := a.LoadCheckpoint(path); err != nil {
		return nil, nil, "", fmt.Errorf("checkpoint of %s does not fit the env: %w", dir, err)
	}
	p, err := NewPolicy(a, act)
	if err != nil {
		return nil, nil, "", err
	}
	if m, ok := env.As[MultiTask](e); ok { // a multi-task set: act with each episode's member
		p.Morphology = m.MemberIndex
	}
	return p, e, name, nil
}

// checkWidths refuses an MLP run on an environment of other widths than its training
// environment's (an MLP's input and output widths are fixed).
func (s *Settings) checkWidths(dir, id string, opts env.Options, obs, act int) error {
	if s.Arch != "mlp" || (id == s.TD3.Env && maps.Equal(opts, s.TD3.EnvOptions)) {
		return nil
	}
	te, err := env.Make(s.TD3.Env, s.TD3.EnvOptions)
	if err != nil {
		return fmt.Errorf("training env %s: %w", s.TD3.Env, err)
	}
	to, ta := te.ObservationSpace().Dim(), te.ActionSpace().Dim()
	if c, ok := env.As[io.Closer](te); ok {
		c.Close()
	}
	if to != obs || ta != act {
		return fmt.Errorf("%s trained --arch mlp networks of a fixed input size (%d observation values, %d actions on %s); %s has %d and %d: zero-shot evaluation on another morphology needs --arch set or swat",
			dir, to, ta, s.TD3.Env, id, obs, act)
	}
	return nil
}

// runner is a Trainer as agents.Trainer: it closes the run's log as the contract says.
type runner struct {
	t        *Trainer
	s        *Settings
	finished bool
}

func (r *runner) Finished() bool { return r.finished }

func (r *runner) Close() {
	if r.t != nil {
		r.t.Close()
	}
}

func (r *runner) Train(ctx context.Context, hooks agents.Hooks) (agents.Summary, error) {
	t := r.t
	t.Hooks, t.ctx = hooks, ctx
	s, err := t.Train()
	sum := agents.Summary{Status: agents.Status{Update: s.Updates, EnvSteps: s.EnvSteps, Episodes: s.Episodes,
		RecentReturn: s.RecentReturn, WallSeconds: s.WallSeconds, Solved: s.Solved},
		Resumed: int(s.Resumed), ResumedSteps: -1, Label: "td3 (" + r.s.Arch + ")", Variant: r.s.Arch,
		Steps: t.Config.Steps, ReturnWindow: len(s.LastEpisodes), Target: t.Config.StopAtReturn, Checkpoint: s.Checkpoint}
	if t.wasResumed {
		sum.ResumedSteps = t.resumed
	}
	// 3D tasks: the recent episodes' reward terms, so the summary shows locomotion
	// (progress) beside the return, of which the alive bonus can be most.
	terms := map[string]float64{}
	putRewardTerms(t.vec.Envs, terms)
	if len(terms) > 0 {
		sum.Metrics = terms
	}
	if t.Log == nil {
		return sum, err
	}
	switch {
	case errors.Is(err, agents.ErrInterrupted):
		_ = t.Log.Interrupt(err)
		return sum, fmt.Errorf("at env step %d (checkpoint written; --resume continues): %w", t.envSteps, err)
	case err != nil:
		_ = t.Log.Fail(err)
		return sum, err
	}
	if err := t.Log.Close(); err != nil {
		return sum, err
	}
	if names := t.Members(); names != nil {
		eps, err := logs.ReadEpisodes(t.Log.Dir())
		if err != nil {
			return sum, err
		}
		sum.Members = agents.MemberReturns(names, eps, t.Config.ReturnWindow)
	}
	if math.IsNaN(sum.RecentReturn) {
		sum.ReturnWindow = 0
	}
	return sum, nil
}

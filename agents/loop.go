package agents

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"gorl/env"
	"gorl/logs"
)

// Loop trains an Agent on a vector of environments. Build it with NewLoop (fresh run) or
// Resume (continue a run directory from its latest checkpoint), then call Run once.
type Loop struct {
	Config TrainConfig
	Agent  Agent
	// Log receives steps, episodes and metrics; Run closes it (Close on success,
	// Fail on error). Nil: nothing is logged and no checkpoint is written.
	Log   *logs.Run
	Hooks Hooks
	// Algo names the algorithm in its checkpoints; Label names it in the Summary
	// ("ppo with objective clip"), Variant its variant alone.
	Algo, Label, Variant string

	vec      *env.Vector
	evalEnv  env.Env
	roll     *Rollout
	actions  [][]float64
	logProb  []float64
	value    []float64
	truncVal []float64
	prevObs  [][]float64
	posers   []env.BodyPoser
	bodyPos  [][]float64
	bodyQuat [][]float64
	stepRow  logs.StepRow

	// Normalisation (nil slices when off): each training environment's wrappers, the
	// raw observation each one is in (the step table logs raw values) and the evaluation
	// environment's frozen observation normaliser.
	obsNorm  []*env.NormalizeObservation
	rewNorm  []*env.NormalizeReward
	rawObs   [][]float64
	evalNorm *env.NormalizeObservation

	epID     []int64
	epStep   []int64
	epReturn []float64
	recent   returnWindow

	update, updates  int
	resumed          int
	nextEpisode      int64
	envSteps         int64
	episodes         int64
	solved           bool
	wallOffset       float64
	start            time.Time
	canSnapshot      bool
	lastCheckpoint   int
	lastCheckpointAt time.Time
	lastCkSteps      int64
	resumedSteps     int64
	ctx              context.Context
	skipped          []error // damaged checkpoints newer than the one resumed from
}

// NewAgentFunc builds an agent for the given spaces (the loop makes the environments).
type NewAgentFunc func(obs, act env.Space) (Agent, error)

// NewLoop makes the environments of cfg, seeds and resets them, and builds the agent.
// Zero settings take the defaults for the environment's action space (WithDefaultsFor);
// Config holds the effective ones.
func NewLoop(cfg TrainConfig, run *logs.Run, newAgent NewAgentFunc) (*Loop, error) {
	if cfg.Env == "" {
		return nil, fmt.Errorf("no env id")
	}
	evalEnv, err := makeEnv(cfg.Env, cfg.EnvOptions)
	if err != nil {
		return nil, err
	}
	cfg = cfg.WithDefaultsFor(evalEnv.ActionSpace())
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	normalize := cfg.Normalize == NormalizeOn
	mk := func(int) (env.Env, error) {
		e, err := makeEnv(cfg.Env, cfg.EnvOptions)
		if err != nil || !normalize {
			return e, err
		}
		return wrapNormalize(e), nil
	}
	vec, err := env.NewVector(cfg.Envs, cfg.Workers, mk)
	if err != nil {
		return nil, err
	}
	obsSpace, actSpace := vec.ObservationSpace(), vec.ActionSpace()
	agent, err := newAgent(obsSpace, actSpace)
	if err != nil {
		vec.Close()
		return nil, err
	}
	n, od, ad := cfg.Envs, obsSpace.Dim(), actSpace.Dim()
	l := &Loop{Config: cfg, Agent: agent, Log: run, vec: vec, evalEnv: evalEnv,
		roll:    NewRollout(cfg.RolloutSteps, n, od, ad),
		actions: rows(n, ad), prevObs: rows(n, od),
		logProb: make([]float64, n), value: make([]float64, n), truncVal: make([]float64, n),
		epID: make([]int64, n), epStep: make([]int64, n), epReturn: make([]float64, n),
		recent:  newReturnWindow(cfg.ReturnWindow),
		updates: cfg.Updates(), nextEpisode: int64(n), lastCheckpoint: -1, resumedSteps: -1,
	}
	for i := range l.epID {
		l.epID[i] = int64(i)
	}
	if normalize {
		gamma := defaultDiscount
		if d, ok := agent.(Discounter); ok {
			gamma = d.Discount()
		}
		l.obsNorm, l.rewNorm, l.rawObs = make([]*env.NormalizeObservation, n), make([]*env.NormalizeReward, n), rows(n, od)
		for i, e := range vec.Envs {
			l.obsNorm[i], _ = env.As[*env.NormalizeObservation](e)
			l.rewNorm[i], _ = env.As[*env.NormalizeReward](e)
			l.rewNorm[i].Gamma = gamma
		}
		l.evalNorm, l.evalEnv = frozenNormalized(evalEnv)
	}
	for i, e := range vec.Envs {
		if p, ok := env.As[env.BodyPoser](e); ok {
			if l.posers == nil {
				l.posers = make([]env.BodyPoser, n)
				l.bodyPos, l.bodyQuat = make([][]float64, n), make([][]float64, n)
			}
			l.posers[i] = p
			l.bodyPos[i], l.bodyQuat[i] = make([]float64, 3*p.NumBodies()), make([]float64, 4*p.NumBodies())
		}
	}
	_, err = env.SnapshotOf(vec.Envs[0])
	l.canSnapshot = err == nil
	vec.Seed(env.DeriveSeed(cfg.Seed, StreamEnvs))
	vec.Reset()
	l.keepRawObs()
	return l, nil
}

// normClip bounds normalised observations and rewards, as CleanRL does.
const normClip = 10

// defaultDiscount is the reward normaliser's discount for agents that are not Discounters.
const defaultDiscount = 0.99

// Discounter is implemented by agents that discount rewards; with Normalize on, the
// training environments' reward normalisers use the agent's discount.
type Discounter interface {
	Discount() float64
}

// wrapNormalize stacks CleanRL's normalisation wrappers on e (ClipAction already applied
// by makeEnv): observation normalisation, observation clip, reward scaling, reward clip.
// The reward scaler's discount is set once the agent exists.
func wrapNormalize(e env.Env) env.Env {
	e = env.NewClipObservation(env.NewNormalizeObservation(e), -normClip, normClip)
	return env.NewClipReward(env.NewNormalizeReward(e, defaultDiscount), -normClip, normClip)
}

// keepRawObs copies the raw observation each training environment is now in.
func (l *Loop) keepRawObs() {
	for i, n := range l.obsNorm {
		copy(l.rawObs[i], n.Raw())
	}
}

// ObsStats are the observation statistics of all training environments pooled (a copy;
// nil when the loop does not normalise). Evaluation normalises with them, frozen.
func (l *Loop) ObsStats() *env.RunningMeanStd {
	if l.obsNorm == nil {
		return nil
	}
	s := env.NewRunningMeanStd(len(l.obsNorm[0].Stats.Mean))
	s.CopyFrom(l.obsNorm[0].Stats)
	for _, n := range l.obsNorm[1:] {
		s.Merge(n.Stats)
	}
	return s
}

// Evaluate runs episodes of the deterministic policy on the loop's evaluation
// environment (see the package function Evaluate), which normalises observations with
// the training environments' current statistics, frozen, when the loop normalises.
// Returns are raw environment rewards.
func (l *Loop) Evaluate(episodes int, seed uint64, run *logs.Run, firstEpisode int64) ([]logs.EpisodeRow, error) {
	if l.evalNorm != nil {
		l.evalNorm.Stats = l.ObsStats()
	}
	return Evaluate(l.Agent, l.evalEnv, episodes, seed, run, firstEpisode)
}

// makeEnv builds one environment; continuous actions are clipped to their bounds, so the
// policy may sample outside them.
func makeEnv(id string, opts env.Options) (env.Env, error) {
	e, err := env.Make(id, opts)
	if err != nil {
		return nil, err
	}
	if e.ActionSpace().Kind == env.Box {
		e = env.NewClipAction(e)
	}
	return e, nil
}

func rows(n, d int) [][]float64 {
	out := make([][]float64, n)
	for i := range out {
		out[i] = make([]float64, d)
	}
	return out
}

// Resume continues the run in runDir from its latest checkpoint: the logs are cut back
// to the checkpoint's marks (rows written after it are dropped) and the agent, the
// environments and the loop's counters are restored, so that the run goes on exactly as
// an uninterrupted run with the same seed would. cfg must be the run's recorded config.
func Resume(runDir string, cfg TrainConfig, opts logs.Options, newAgent NewAgentFunc) (*Loop, error) {
	ck, skipped, err := LatestCheckpointSkipping(runDir)
	if err != nil {
		return nil, fmt.Errorf("resume %s: %w", runDir, err)
	}
	l, err := NewLoop(cfg, nil, newAgent)
	if err != nil {
		return nil, err
	}
	l.skipped = skipped
	if err := l.restore(ck); err != nil {
		l.vec.Close()
		return nil, fmt.Errorf("resume %s from update %d: %w", runDir, ck.Update, err)
	}
	if l.Finished() {
		return l, nil // nothing to train: the tables stay as they are
	}
	run, err := logs.Resume(runDir, opts, &ck.Marks)
	if err != nil {
		l.vec.Close()
		return nil, err
	}
	l.Log = run
	return l, nil
}

func (l *Loop) restore(ck *Checkpoint) error {
	n := l.vec.Num()
	if len(ck.EpisodeIDs) != n || len(ck.EpisodeSteps) != n || len(ck.EpisodeReturns) != n || len(ck.Obs) != n {
		return fmt.Errorf("checkpoint has %d environments, config has %d", len(ck.EpisodeIDs), n)
	}
	final := ck.Update == ck.Updates || ck.Solved
	if ck.Updates != l.updates && !(final && l.updates > ck.Update) {
		// Only a finished run may be given a larger budget (which extends it).
		return fmt.Errorf("checkpoint plans %d updates, config %d: the config changed (only a finished run takes a larger --steps; resume it first)", ck.Updates, l.updates)
	}
	if ck.EnvStates == nil {
		return fmt.Errorf("the checkpoint holds no environment state (env %s cannot save it), so the run cannot continue exactly", l.Config.Env)
	}
	if (ck.RawObs != nil) != (l.obsNorm != nil) {
		return fmt.Errorf("the checkpoint was written with normalisation %s, the config has it %s (normalize %q)",
			onOff(ck.RawObs != nil), onOff(l.obsNorm != nil), l.Config.Normalize)
	}
	if err := l.vec.Restore(ck.EnvStates); err != nil {
		return err
	}
	if l.obsNorm != nil {
		if len(ck.RawObs) != n {
			return fmt.Errorf("checkpoint has %d raw observations, config has %d environments", len(ck.RawObs), n)
		}
		for i, o := range ck.RawObs {
			if len(o) != len(l.rawObs[i]) {
				return fmt.Errorf("checkpoint raw observation %d has %d values, want %d", i, len(o), len(l.rawObs[i]))
			}
			copy(l.rawObs[i], o)
		}
	}
	for i, o := range ck.Obs {
		if len(o) != len(l.vec.Obs[i]) {
			return fmt.Errorf("checkpoint observation %d has %d values, want %d", i, len(o), len(l.vec.Obs[i]))
		}
		copy(l.vec.Obs[i], o)
	}
	if err := l.Agent.UnmarshalState(ck.Agent); err != nil {
		return fmt.Errorf("agent state: %w", err)
	}
	copy(l.epID, ck.EpisodeIDs)
	copy(l.epStep, ck.EpisodeSteps)
	copy(l.epReturn, ck.EpisodeReturns)
	for _, r := range ck.RecentReturns {
		l.recent.add(r)
	}
	l.update, l.resumed, l.lastCheckpoint = ck.Update, ck.Update, ck.Update
	l.lastCkSteps, l.resumedSteps = ck.EnvSteps, ck.EnvSteps
	l.envSteps, l.episodes, l.nextEpisode = ck.EnvSteps, ck.Episodes, ck.NextEpisode
	l.solved, l.wallOffset = ck.Solved && ck.Updates == l.updates, ck.WallSeconds
	return nil
}

// Close stops the environments' worker goroutines.
func (l *Loop) Close() { l.vec.Close() }

func onOff(b bool) string {
	if b {
		return NormalizeOn
	}
	return NormalizeOff
}

func (l *Loop) wall() float64 { return l.wallOffset + time.Since(l.start).Seconds() }

func (l *Loop) notice(format string, args ...any) {
	if l.Hooks.Notice != nil {
		l.Hooks.Notice(fmt.Sprintf(format, args...))
	}
}

// Train runs the loop as a Trainer (Run with hooks): when ctx is done it stops between
// updates, writes a checkpoint, marks the run interrupted and returns an error wrapping
// ErrInterrupted.
func (l *Loop) Train(ctx context.Context, hooks Hooks) (Summary, error) {
	l.Hooks, l.ctx = hooks, ctx
	return l.Run()
}

// Run trains until the step budget is spent or the StopAtReturn target is reached, then
// writes a final checkpoint and closes the run. A non-finite loss or any other failure
// stops training; the run directory keeps its last good checkpoint.
func (l *Loop) Run() (Summary, error) {
	defer l.vec.Close()
	l.start = time.Now()
	l.lastCheckpointAt = l.start
	if l.Log != nil && !l.canSnapshot {
		l.notice("env %s cannot save its state: checkpoints hold the agent (for gorl eval) but this run cannot be resumed", l.Config.Env)
	}
	for _, err := range l.skipped {
		l.notice("%v; resumed from the checkpoint of update %d instead", err, l.resumed)
	}
	if l.Log != nil && l.update == 0 {
		// A checkpoint of the initial state makes a run killed during its first
		// updates resumable too.
		if err := l.checkpoint(); err != nil {
			_ = l.Log.Fail(err)
			return l.summary(l.status(nil, 0)), err
		}
	}
	st, err := l.train()
	if errors.Is(err, ErrInterrupted) && l.Log != nil {
		if cerr := l.checkpoint(); cerr != nil {
			err = errors.Join(err, cerr)
		}
		_ = l.Log.Interrupt(err)
		return l.summary(st), fmt.Errorf("at env step %d (checkpoint written; --resume continues): %w", l.envSteps, err)
	}
	if err != nil {
		if l.Log != nil {
			_ = l.Log.Fail(err)
		}
		return l.summary(st), err
	}
	sum := l.summary(st)
	if l.Log != nil {
		if err := l.checkpoint(); err != nil {
			_ = l.Log.Fail(err)
			return sum, err
		}
		sum.Checkpoint = CheckpointPath(l.Log.Dir(), l.envSteps)
		if err := l.Log.Close(); err != nil {
			return sum, err
		}
	}
	return sum, nil
}

func (l *Loop) summary(st Status) Summary {
	return Summary{Status: st, Resumed: l.resumed, ResumedSteps: l.resumedSteps, Steps: l.Config.Steps,
		ReturnWindow: l.Config.ReturnWindow, Target: l.Config.StopAtReturn, Label: l.Label, Variant: l.Variant}
}

func (l *Loop) train() (Status, error) {
	st := l.status(nil, 0)
	for l.update < l.updates && !l.solved {
		if l.ctx != nil && l.ctx.Err() != nil {
			return st, ErrInterrupted
		}
		t0 := time.Now()
		if err := l.collect(); err != nil {
			return st, err
		}
		if target := l.Config.StopAtReturn; target != nil && l.recent.full() && l.recent.mean() >= *target {
			l.solved = true
			st = l.status(st.Metrics, 0)
			l.hook(st)
			break
		}
		l.Agent.Values(l.vec.Obs, l.value)
		for i, v := range l.value {
			l.roll.LastValues[i] = float32(v)
		}
		metrics, err := l.Agent.Update(l.roll, Progress{Update: l.update, Updates: l.updates})
		if err == nil {
			err = checkFinite(metrics)
		}
		if err != nil {
			return st, l.updateError(err)
		}
		l.update++
		sps := float64(l.roll.Len()) / time.Since(t0).Seconds()
		metrics["sps"] = sps
		if !math.IsNaN(l.recent.mean()) {
			metrics["return_recent"] = l.recent.mean()
		}
		if l.Config.EvalEvery > 0 && l.update%l.Config.EvalEvery == 0 {
			rows, err := l.Evaluate(l.Config.EvalEpisodes, env.DeriveSeed(l.Config.Seed, StreamEval, uint64(l.update)), nil, 0)
			if err != nil {
				return st, err
			}
			metrics["eval_return"] = MeanReturn(rows)
		}
		if l.Log != nil {
			err := l.Log.LogMetrics(logs.MetricRow{Seed: int64(l.Config.Seed), Iteration: int64(l.update),
				EnvSteps: l.envSteps, WallSeconds: l.wall(), Values: metrics})
			if err != nil {
				return st, err
			}
			byCount := l.Config.CheckpointEvery > 0 && l.envSteps-l.lastCkSteps >= l.Config.CheckpointEvery
			byTime := l.Config.CheckpointSeconds > 0 && time.Since(l.lastCheckpointAt).Seconds() >= l.Config.CheckpointSeconds
			if byCount || byTime {
				if err := l.checkpoint(); err != nil {
					return st, err
				}
			}
		}
		st = l.status(metrics, sps)
		l.hook(st)
	}
	return l.status(st.Metrics, st.StepsPerSecond), nil
}

func (l *Loop) updateError(err error) error {
	last := "none"
	if l.lastCheckpoint >= 0 {
		last = fmt.Sprintf("update %d", l.lastCheckpoint)
	}
	return fmt.Errorf("update %d of %d: %w; training stopped (last good checkpoint: %s)", l.update+1, l.updates, err, last)
}

// ErrNonFinite marks a NaN or infinite loss.
var ErrNonFinite = errors.New("non-finite value")

func checkFinite(m map[string]float64) error {
	for k, v := range m {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%s is %v: %w", k, v, ErrNonFinite)
		}
	}
	return nil
}

func (l *Loop) hook(st Status) {
	if l.Hooks.OnUpdate != nil {
		l.Hooks.OnUpdate(st)
	}
}

func (l *Loop) status(metrics map[string]float64, sps float64) Status {
	return Status{Update: l.update, Updates: l.updates, EnvSteps: l.envSteps, Episodes: l.episodes,
		RecentReturn: l.recent.mean(), StepsPerSecond: sps, WallSeconds: l.wall(), Metrics: metrics, Solved: l.solved}
}

// collect fills the rollout with RolloutSteps steps of every environment, logging steps
// and finished episodes.
func (l *Loop) collect() error {
	r, v := l.roll, l.vec
	n, od, ad := v.Num(), r.ObsDim, r.ActDim
	logSteps := l.Log != nil
	for t := 0; t < r.Steps; t++ {
		l.Agent.Sample(v.Obs, l.actions, l.logProb, l.value)
		base := t * n
		for i := 0; i < n; i++ {
			k := base + i
			obs := r.Obs[k*od : (k+1)*od]
			for j, x := range v.Obs[i] {
				obs[j] = float32(x)
			}
			act := r.Actions[k*ad : (k+1)*ad]
			for j, a := range l.actions[i] {
				act[j] = float32(a)
			}
			r.LogProbs[k], r.Values[k] = float32(l.logProb[i]), float32(l.value[i])
			if logSteps {
				if l.rawObs != nil {
					copy(l.prevObs[i], l.rawObs[i])
				} else {
					copy(l.prevObs[i], v.Obs[i])
				}
				if l.posers != nil && l.posers[i] != nil {
					l.posers[i].BodyPoses(l.bodyPos[i], l.bodyQuat[i])
				}
			}
		}
		v.Step(l.actions)
		if err := v.Failure(); err != nil {
			return err
		}
		l.keepRawObs()
		l.envSteps += int64(n)
		r.StoreStep(base, v, l.Agent, l.truncVal)
		for i := 0; i < n; i++ {
			if err := l.record(i); err != nil {
				return err
			}
		}
	}
	return nil
}

// record logs sub-environment i's last step and, when its episode ended, the episode.
// Logged rewards and returns are the environment's own, before any normalisation.
func (l *Loop) record(i int) error {
	v := l.vec
	reward := v.Rewards[i]
	if l.rewNorm != nil {
		reward = l.rewNorm[i].Raw()
	}
	l.epReturn[i] += reward
	if l.Log != nil && l.Log.WantSteps(l.epID[i]) {
		s := &l.stepRow
		*s = logs.StepRow{Episode: l.epID[i], Step: l.epStep[i], Obs: l.prevObs[i], Action: l.actions[i],
			Reward: reward, Terminated: v.Terminated[i], Truncated: v.Truncated[i], Context: logs.NoContext,
			LogProb: l.logProb[i], Value: l.value[i]}
		if l.posers != nil && l.posers[i] != nil {
			s.BodyPos, s.BodyQuat = l.bodyPos[i], l.bodyQuat[i]
		}
		if err := l.Log.LogStep(s); err != nil {
			return err
		}
	}
	l.epStep[i]++
	if !v.Terminated[i] && !v.Truncated[i] {
		return nil
	}
	l.recent.add(l.epReturn[i])
	l.episodes++
	if l.Log != nil || l.Hooks.OnEpisode != nil {
		row := logs.EpisodeRow{Episode: l.epID[i], Seed: int64(l.Config.Seed), Return: l.epReturn[i],
			Length: l.epStep[i], Terminated: v.Terminated[i], Truncated: v.Truncated[i], EnvSteps: l.envSteps,
			WallSeconds: l.wall(), Context: logs.NoContext}
		if l.Log != nil {
			if err := l.Log.LogEpisode(row); err != nil {
				return err
			}
		}
		if l.Hooks.OnEpisode != nil {
			l.Hooks.OnEpisode(row)
		}
	}
	l.epID[i], l.epStep[i], l.epReturn[i] = l.nextEpisode, 0, 0
	l.nextEpisode++
	return nil
}

// checkpoint makes the logged rows durable and saves the loop's state with their marks.
func (l *Loop) checkpoint() error {
	if l.Log == nil || l.lastCheckpoint == l.update {
		return nil
	}
	marks, err := l.Log.Checkpoint()
	if err != nil {
		return err
	}
	var states [][]byte
	if l.canSnapshot {
		if states, err = l.vec.Snapshot(); err != nil {
			return err
		}
	}
	agent, err := l.Agent.MarshalState()
	if err != nil {
		return fmt.Errorf("checkpoint: agent state: %w", err)
	}
	obs := make([][]float64, l.vec.Num())
	for i, o := range l.vec.Obs {
		obs[i] = append([]float64(nil), o...)
	}
	var rawObs [][]float64
	if l.rawObs != nil {
		rawObs = make([][]float64, len(l.rawObs))
		for i, o := range l.rawObs {
			rawObs[i] = append([]float64(nil), o...)
		}
	}
	ck := &Checkpoint{Update: l.update, Updates: l.updates, EnvSteps: l.envSteps, Episodes: l.episodes,
		NextEpisode: l.nextEpisode, WallSeconds: l.wall(), Solved: l.solved,
		EpisodeIDs: append([]int64(nil), l.epID...), EpisodeSteps: append([]int64(nil), l.epStep...),
		EpisodeReturns: append([]float64(nil), l.epReturn...), Obs: obs, EnvStates: states,
		RawObs: rawObs, ObsStats: l.ObsStats(),
		RecentReturns: l.recent.values(), Agent: agent, Marks: marks, Algo: l.Algo}
	if err := SaveCheckpoint(l.Log.Dir(), ck, l.Config.KeepCheckpoints); err != nil {
		return err
	}
	l.lastCheckpoint, l.lastCheckpointAt, l.lastCkSteps = l.update, time.Now(), l.envSteps
	if l.Hooks.OnCheckpoint != nil {
		l.Hooks.OnCheckpoint(l.envSteps, CheckpointPath(l.Log.Dir(), l.envSteps))
	}
	return nil
}

// returnWindow keeps the last returns in a ring.
type returnWindow struct {
	buf  []float64
	next int
	n    int
}

func newReturnWindow(size int) returnWindow { return returnWindow{buf: make([]float64, size)} }

func (w *returnWindow) add(r float64) {
	w.buf[w.next] = r
	w.next = (w.next + 1) % len(w.buf)
	if w.n < len(w.buf) {
		w.n++
	}
}

func (w *returnWindow) full() bool { return w.n == len(w.buf) }

func (w *returnWindow) mean() float64 {
	if w.n == 0 {
		return math.NaN()
	}
	s := 0.0
	for _, r := range w.values() {
		s += r
	}
	return s / float64(w.n)
}

// values lists the returns oldest first.
func (w *returnWindow) values() []float64 {
	out := make([]float64, 0, w.n)
	start := (w.next - w.n + len(w.buf)) % len(w.buf)
	for k := 0; k < w.n; k++ {
		out = append(out, w.buf[(start+k)%len(w.buf)])
	}
	return out
}

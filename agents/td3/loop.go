package td3

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"gorl/agents"
	"gorl/env"
	"gorl/logs"
)

// Random stream ids below the run seed (env.NewRand(seed, id)), from agents' table.
const (
	StreamEnvs    = agents.StreamEnvs    // training environments
	StreamInit    = agents.StreamAgent   // network initialisation
	StreamExplore = agents.StreamExplore // warm-up actions and exploration noise
	StreamReplay  = agents.StreamReplay  // minibatch sampling
	StreamTarget  = agents.StreamTarget  // target smoothing noise
)

// TrainConfig describes a training run. Zero values mean defaults.
type TrainConfig struct {
	Env        string      `json:"env,omitempty"` // config.json holds env, env_options
	EnvOptions env.Options `json:"env_options,omitempty"`
	Seed       uint64      `json:"seed,omitempty"` // and seed in its envelope

	Steps        int64    `json:"steps"`   // environment steps (default 1e6)
	Envs         int      `json:"envs"`    // parallel environments (default 1)
	Workers      int      `json:"workers"` // goroutines stepping them (default 1)
	StopAtReturn *float64 `json:"stop_at_return,omitempty"`
	ReturnWindow int      `json:"return_window"` // episodes in the recent mean return (default 20)
	MetricsEvery int64    `json:"metrics_every"` // env steps between metrics rows (default 1000)
	StepEvery    int      `json:"step_every"`    // log steps of every Nth episode; negative: none (default 1)
	// CheckpointEvery writes a resumable checkpoint every this many env steps (default
	// 50000) and CheckpointSeconds after this much wall time since the last one (default
	// 600), whichever comes first; a negative value turns either off. The replay buffer
	// makes these checkpoints large (about 4·(2·obs + act + 2) bytes per stored
	// transition), so they are rarer than PPO's.
	CheckpointEvery   int64   `json:"checkpoint_every"`
	CheckpointSeconds float64 `json:"checkpoint_seconds"`
	TD3               Config  `json:"td3"`
}

// WithDefaults fills zero fields.
func (c TrainConfig) WithDefaults() TrainConfig {
	if c.Steps == 0 {
		c.Steps = 1000000
	}
	if c.Envs == 0 {
		c.Envs = 1
	}
	if c.Workers == 0 {
		c.Workers = 1
	}
	if c.ReturnWindow == 0 {
		c.ReturnWindow = 20
	}
	if c.MetricsEvery == 0 {
		c.MetricsEvery = 1000
	}
	if c.StepEvery == 0 {
		c.StepEvery = 1
	}
	if c.CheckpointEvery == 0 {
		c.CheckpointEvery = 50000
	}
	if c.CheckpointSeconds == 0 {
		c.CheckpointSeconds = 600
	}
	c.TD3 = c.TD3.ForEnv(c.Env).WithDefaults()
	return c
}

// Validate reports the first invalid setting.
func (c TrainConfig) Validate() error {
	switch {
	case c.Env == "":
		return errors.New("no env id")
	case c.Steps < 1:
		return fmt.Errorf("steps must be positive, got %d", c.Steps)
	case c.Envs < 1:
		return fmt.Errorf("envs must be positive, got %d", c.Envs)
	case c.Workers < 1:
		return fmt.Errorf("workers must be positive, got %d", c.Workers)
	case c.ReturnWindow < 1:
		return fmt.Errorf("return_window must be positive, got %d", c.ReturnWindow)
	case c.MetricsEvery < 1:
		return fmt.Errorf("metrics_every must be positive, got %d", c.MetricsEvery)
	case math.IsNaN(c.CheckpointSeconds):
		return errors.New("checkpoint_seconds must be a number")
	case c.StopAtReturn != nil && (math.IsNaN(*c.StopAtReturn) || math.IsInf(*c.StopAtReturn, 0)):
		return errors.New("stop_at_return must be finite")
	}
	return c.TD3.Validate()
}

// Summary is the outcome of a run.
type Summary struct {
	EnvSteps     int64
	Episodes     int64
	Updates      int     // critic updates
	RecentReturn float64 // mean of the last ReturnWindow episodes (NaN: none finished)
	Solved       bool    // StopAtReturn was reached
	WallSeconds  float64 // over all sessions of a resumed run
	Resumed      int64   // env steps of the checkpoint the run was resumed from (0: a fresh run)
	Checkpoint   string  // path of the final checkpoint ("" without a run)
	FinalCritic  float64
	FinalActor   float64
	FinalQMean   float64
	LastEpisodes []float64 // returns of the last ReturnWindow episodes
}

// Hooks observe a run: agents' one Hooks type. OnUpdate is called after every
// metrics row (Status.Update: critic updates so far; Metrics: the row's values).
type Hooks = agents.Hooks

// Train runs TD3 on cfg.Env with arch (nil: MLP), logging to run when non-nil
// (episodes, metrics every MetricsEvery env steps, steps per StepEvery) and writing
// resumable checkpoints and a final checkpoint into run's checkpoints/ directory. It
// does not close run.
func Train(cfg TrainConfig, arch Arch, run *logs.Run, hooks Hooks) (Summary, error) {
	t, err := NewTrainer(cfg, arch)
	if err != nil {
		return Summary{RecentReturn: math.NaN()}, err
	}
	t.Log, t.Hooks = run, hooks
	return t.Train()
}

// Trainer is one TD3 run: the environments, the agent, the replay buffer, the random
// streams and the loop's counters, all of which a checkpoint saves. Build it with
// NewTrainer (a fresh run) or Resume (a run directory's latest checkpoint), then call
// Train once.
type Trainer struct {
	Config TrainConfig
	// Log receives steps, episodes and metrics, and its directory the checkpoints. Nil:
	// nothing is logged or saved. Train does not close it.
	Log   *logs.Run
	Hooks Hooks

	vec   *env.Vector
	space env.Space // the action space
	agent *Agent
	// One replay buffer per morphology: a multi-task set's members in order (MultiTask),
	// or the environment's one. member is each slot's current member, stored the member of
	// the transition each slot stored last (the morphology of its update).
	bufs           []*Replay
	multi          []MultiTask // per slot; nil entries for single-task environments
	member, stored []int
	batch          *Batch
	// random streams with their sources, whose state the checkpoints save
	exploreSrc, replaySrc, targetSrc *rand.PCG
	explore, sampler                 *rand.Rand

	obs  [][]float64 // the observation each slot's next action is taken in
	norm [][]float64 // normalised actions
	acts [][]float64 // actions in the environment's bounds
	step logs.StepRow

	episode     []int64 // episode id of each slot
	epRet       []float64
	epLen       []int64
	nextEpisode int64
	recent      []float64 // returns of the last ReturnWindow episodes, oldest first

	envSteps, episodes int64
	solved             bool
	last               Stats // of the last update
	// the metrics row being accumulated
	lastMetricsSteps      int64
	lastMetricsTime       float64
	critSum, actSum, qSum float64
	critN, actN           int

	wallOffset  float64 // wall seconds of earlier sessions
	start       time.Time
	resumed     int64
	lastCkSteps int64 // env steps of the last resumable checkpoint (-1: none yet)
	lastCkAt    time.Time
	canSnapshot bool
	ctx         context.Context // done: stop before the next env step
	wasResumed  bool            // built by Resume
	finished    bool            // resumed from its final checkpoint: nothing to train
}

// MultiTask is an environment that runs one of several members per episode, such as the
// multi-task sets of env/locomotion (sgrl/hopper++ ...), whose observations and actions
// are padded to the largest member. The trainer keeps one replay buffer per member, fills
// it with that member's transitions, and each update samples its batch from one member's
// buffer with the networks set to that member (Agent.UseMorphology), as in the paper.
type MultiTask interface {
	Members() []string
	MemberIndex() int // the member of the running episode (read after Reset)
}

// NewTrainer makes cfg's environments, seeds and resets them, and builds the agent (arch
// nil: MLP), the replay buffer and the random streams.
func NewTrainer(cfg TrainConfig, arch Arch) (*Trainer, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	vec, err := env.MakeVector(cfg.Env, cfg.EnvOptions, cfg.Envs, cfg.Workers)
	if err != nil {
		return nil, err
	}
	t, err := newTrainer(cfg, arch, vec)
	if err != nil {
		vec.Close()
		return nil, err
	}
	return t, nil
}

func newTrainer(cfg TrainConfig, arch Arch, vec *env.Vector) (*Trainer, error) {
	ospace, as := vec.ObservationSpace(), vec.ActionSpace()
	if as.Kind != env.Box {
		return nil, fmt.Errorf("td3 needs a continuous (Box) action space; %s has %s", cfg.Env, as)
	}
	for j := range as.Low {
		if math.IsInf(as.Low[j], 0) || math.IsInf(as.High[j], 0) {
			return nil, fmt.Errorf("td3 needs bounded actions; %s has %s", cfg.Env, as)
		}
	}
	obsDim, actDim := ospace.Dim(), as.Dim()
	if err := checkMemory(cfg.TD3, cfg.Steps, obsDim, actDim, vectorMembers(vec)); err != nil {
		return nil, err
	}
	agent, err := New(arch, obsDim, actDim, cfg.TD3, env.NewRand(cfg.Seed, StreamInit))
	if err != nil {
		return nil, err
	}
	t := &Trainer{Config: cfg, vec: vec, space: as, agent: agent,
		exploreSrc: env.NewPCG(cfg.Seed, StreamExplore), replaySrc: env.NewPCG(cfg.Seed, StreamReplay),
		targetSrc: env.NewPCG(cfg.Seed, StreamTarget), lastCkSteps: -1,
		last: Stats{CriticLoss: math.NaN(), QMean: math.NaN(), ActorLoss: math.NaN()},
		step: logs.StepRow{Context: logs.NoContext, LogProb: math.NaN(), Value: math.NaN()},
	}
	t.explore, t.sampler = rand.New(t.exploreSrc), rand.New(t.replaySrc)
	agent.rng = rand.New(t.targetSrc)
	n := vec.Num()
	members := 1
	t.multi = make([]MultiTask, n)
	for i := range n {
		if m, ok := env.As[MultiTask](vec.Envs[i]); ok {
			t.multi[i] = m
		}
		k := 1
		if t.multi[i] != nil {
			k = len(t.multi[i].Members())
		}
		if i == 0 {
			members = k
		}
		if k != members || k < 1 {
			return nil, fmt.Errorf("td3: environment %d of %s has %d members, environment 0 has %d", i, cfg.Env, k, members)
		}
	}
	// Replay per morphology: each holds up to BufferSize transitions (the paper's 1e6 per
	// morphology), no more than the run's steps.
	t.bufs = make([]*Replay, members)
	for k := range t.bufs {
		if t.bufs[k], err = NewReplay(int(min(int64(agent.Cfg.BufferSize), cfg.Steps)), obsDim, actDim); err != nil {
			return nil, err
		}
	}
	t.batch = t.bufs[0].NewBatch(agent.Cfg.Batch)
	_, err = env.SnapshotOf(vec.Envs[0])
	t.canSnapshot = err == nil

	vec.Seed(env.DeriveSeed(cfg.Seed, StreamEnvs))
	vec.Reset()
	t.member, t.stored = make([]int, n), make([]int, n)
	t.readMembers()
	t.obs, t.norm, t.acts = make([][]float64, n), make([][]float64, n), make([][]float64, n)
	for i := range n {
		t.obs[i] = append([]float64(nil), vec.Obs[i]...)
		t.norm[i], t.acts[i] = make([]float64, actDim), make([]float64, actDim)
	}
	t.episode, t.epRet, t.epLen = make([]int64, n), make([]float64, n), make([]int64, n)
	for i := range t.episode {
		t.episode[i] = int64(i)
	}
	t.nextEpisode = int64(n)
	t.recent = make([]float64, 0, cfg.ReturnWindow)
	return t, nil
}

// readMembers sets each slot's current member from its environment.
func (t *Trainer) readMembers() {
	for i, m := range t.multi {
		t.member[i] = 0
		if m != nil {
			t.member[i] = m.MemberIndex()
		}
	}
}

// Agent is the trainer's agent.
func (t *Trainer) Agent() *Agent { return t.agent }

// Replay is the trainer's replay buffer (the first member's of a multi-task set).
func (t *Trainer) Replay() *Replay { return t.bufs[0] }

// Members are the member names of a multi-task environment, in the order of Replays
// (nil for a single-morphology environment).
func (t *Trainer) Members() []string {
	if len(t.bufs) > 1 && t.multi[0] != nil {
		return t.multi[0].Members()
	}
	return nil
}

// Replays are the replay buffers, one per member of a multi-task set (one otherwise).
func (t *Trainer) Replays() []*Replay { return t.bufs }

// EnvSteps is the number of environment steps taken so far (over all sessions).
func (t *Trainer) EnvSteps() int64 { return t.envSteps }

// Close stops the environments' worker goroutines (Train does it too).
func (t *Trainer) Close() { t.vec.Close() }

func (t *Trainer) elapsed() float64 { return t.wallOffset + time.Since(t.start).Seconds() }

func (t *Trainer) notice(format string, args ...any) {
	if t.Hooks.Notice != nil {
		t.Hooks.Notice(fmt.Sprintf(format, args...))
	}
}

// Train runs until the step budget is spent or StopAtReturn is reached, writing a
// resumable checkpoint at the start of a fresh run, every CheckpointEvery env steps or
// CheckpointSeconds, and the final checkpoint at the end. After a failure the run
// directory keeps its last good checkpoint.
func (t *Trainer) Train() (Summary, error) {
	defer t.vec.Close()
	t.start = time.Now()
	t.lastCkAt = t.start
	if t.Log != nil && !t.canSnapshot {
		t.notice("env %s cannot save its state: this td3 run writes only its final checkpoint and cannot be resumed", t.Config.Env)
	}
	if t.Log != nil && t.envSteps == 0 {
		// A checkpoint of the initial state makes a run killed before its first
		// periodic checkpoint resumable too (it is small: the buffer is empty).
		if err := t.checkpoint(); err != nil {
			return t.summary(), err
		}
	}
	if err := t.loop(); err != nil {
		if errors.Is(err, agents.ErrInterrupted) { // stopped by its context: resumable from here
			if cerr := t.checkpoint(); cerr != nil {
				err = errors.Join(err, cerr)
			}
		}
		return t.summary(), err
	}
	// The final resumable checkpoint: --resume of the finished run finds nothing left to
	// do, and --resume --steps N extends it from there.
	if err := t.checkpoint(); err != nil {
		return t.summary(), err
	}
	sum := t.summary()
	if t.Log != nil {
		path := FinalCheckpointPath(t.Log.Dir())
		if err := t.agent.SaveCheckpoint(path); err != nil {
			return sum, err
		}
		sum.Checkpoint = path
	}
	return sum, nil
}

func (t *Trainer) summary() Summary {
	sum := Summary{EnvSteps: t.envSteps, Episodes: t.episodes, Updates: t.agent.critUpdates,
		RecentReturn: math.NaN(), Solved: t.solved, Resumed: t.resumed,
		FinalCritic: t.last.CriticLoss, FinalActor: t.last.ActorLoss, FinalQMean: t.last.QMean,
		LastEpisodes: t.recent}
	if len(t.recent) > 0 {
		sum.RecentReturn = logs.Mean(t.recent)
	}
	if !t.start.IsZero() {
		sum.WallSeconds = t.elapsed()
	}
	return sum
}

func (t *Trainer) loop() error {
	cfg, tc := t.Config, t.agent.Cfg
	vec, agent, run := t.vec, t.agent, t.Log
	multi := len(t.bufs) > 1
	n := vec.Num()
	for t.envSteps < cfg.Steps && !t.solved {
		if t.ctx != nil && t.ctx.Err() != nil {
			return agents.ErrInterrupted
		}
		learning := t.envSteps >= max(tc.WarmUp, 0) // the paper's t >= start_timesteps
		// Select actions: uniform during warm-up, then μ(s) + N(0, σ²) clipped to [-1, 1].
		for i := range n {
			norm := t.norm[i]
			if !learning {
				for j := range norm {
					norm[j] = t.explore.Float64()*2 - 1
				}
			} else {
				if err := agent.UseMorphology(t.member[i]); err != nil {
					return err
				}
				if err := agent.Act(t.obs[i], norm); err != nil {
					return err
				}
				for j := range norm {
					norm[j] = math.Max(-1, math.Min(1, norm[j]+t.explore.NormFloat64()*tc.ExploreNoise))
				}
			}
			scaleAction(t.space, norm, t.acts[i])
		}
		vec.Step(t.acts)
		if err := vec.Failure(); err != nil {
			return err
		}
		for i := range n {
			done := vec.Terminated[i] || vec.Truncated[i]
			next := vec.Obs[i]
			if done {
				next = vec.FinalObs[i]
			}
			k := t.member[i]
			t.bufs[k].Add(t.obs[i], t.norm[i], vec.Rewards[i], next, vec.Terminated[i])
			t.stored[i] = k
			context := int64(logs.NoContext)
			if multi {
				context = int64(k) // the member, as the episode's context
			}
			if run != nil && cfg.StepEvery > 0 && run.WantSteps(t.episode[i]) {
				s := &t.step
				s.Context = context
				s.Episode, s.Step, s.Obs, s.Action = t.episode[i], t.epLen[i], t.obs[i], t.acts[i]
				s.Reward, s.Terminated, s.Truncated = vec.Rewards[i], vec.Terminated[i], vec.Truncated[i]
				if err := run.LogStep(s); err != nil {
					return err
				}
			}
			t.epRet[i] += vec.Rewards[i]
			t.epLen[i]++
			t.envSteps++
			if done {
				t.episodes++
				if run != nil {
					if err := run.LogEpisode(logs.EpisodeRow{Episode: t.episode[i], Seed: int64(cfg.Seed), Return: t.epRet[i],
						Length: t.epLen[i], Terminated: vec.Terminated[i], Truncated: vec.Truncated[i],
						EnvSteps: t.envSteps, WallSeconds: t.elapsed(), Context: context,
						Terms: finishedEpisodeTerms(vec.Envs[i])}); err != nil {
						return err
					}
				}
				if len(t.recent) == cfg.ReturnWindow {
					t.recent = append(t.recent[:0], t.recent[1:]...)
				}
				t.recent = append(t.recent, t.epRet[i])
				t.episode[i], t.epRet[i], t.epLen[i] = t.nextEpisode, 0, 0
				t.nextEpisode++
			}
			copy(t.obs[i], vec.Obs[i])
		}
		t.readMembers() // an episode that ended was followed by one of a new member
		if len(t.recent) == cfg.ReturnWindow && cfg.StopAtReturn != nil && logs.Mean(t.recent) >= *cfg.StopAtReturn {
			t.solved = true
		}

		// One gradient update per environment step once the warm-up is over, on the
		// morphology of that step's transition (one morphology per update).
		if learning {
			for i := range n * tc.UpdatesPerStep {
				if err := t.update(t.stored[i%n]); err != nil {
					return err
				}
			}
		}

		if t.envSteps-t.lastMetricsSteps >= cfg.MetricsEvery || t.envSteps >= cfg.Steps || t.solved {
			if err := t.logMetrics(); err != nil {
				return err
			}
		}
		if run != nil && t.envSteps < cfg.Steps && !t.solved {
			byCount := cfg.CheckpointEvery > 0 && t.envSteps-t.lastCkSteps >= cfg.CheckpointEvery
			byTime := cfg.CheckpointSeconds > 0 && time.Since(t.lastCkAt).Seconds() >= cfg.CheckpointSeconds
			if byCount || byTime {
				if err := t.checkpoint(); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// update samples a minibatch from morphology k's replay buffer and takes one TD3 step
// with the networks set to morphology k.
func (t *Trainer) update(k int) error {
	if err := t.agent.UseMorphology(k); err != nil {
		return err
	}
	if err := t.bufs[k].Sample(t.sampler, t.batch); err != nil {
		return err
	}
	st, err := t.agent.Update(t.batch)
	if err != nil {
		return err
	}
	if math.IsNaN(st.CriticLoss) || math.IsInf(st.CriticLoss, 0) {
		return fmt.Errorf("td3: non-finite critic loss after %d updates", t.agent.critUpdates)
	}
	t.last.CriticLoss, t.last.QMean = st.CriticLoss, st.QMean
	t.critSum += st.CriticLoss
	t.qSum += st.QMean
	t.critN++
	if st.ActorStep {
		t.last.ActorLoss = st.ActorLoss
		t.actSum += st.ActorLoss
		t.actN++
	}
	return nil
}

// logMetrics writes the metrics row of the env steps since the last one.
func (t *Trainer) logMetrics() error {
	now := t.elapsed()
	vals := map[string]float64{
		"steps_per_second": float64(t.envSteps-t.lastMetricsSteps) / math.Max(now-t.lastMetricsTime, 1e-9),
		"buffer_size":      float64(t.bufferSize()),
		"critic_updates":   float64(t.agent.critUpdates),
	}
	if t.critN > 0 {
		vals["critic_loss"], vals["q_mean"] = t.critSum/float64(t.critN), t.qSum/float64(t.critN)
	}
	if t.actN > 0 {
		vals["actor_loss"] = t.actSum / float64(t.actN)
	}
	recent := math.NaN()
	if len(t.recent) > 0 {
		recent = logs.Mean(t.recent)
		vals["recent_return"] = recent
	}
	putRewardTerms(t.vec.Envs, vals)
	if t.Log != nil {
		if err := t.Log.LogMetrics(logs.MetricRow{Seed: int64(t.Config.Seed), Iteration: int64(t.agent.critUpdates),
			EnvSteps: t.envSteps, WallSeconds: now, Values: vals}); err != nil {
			return err
		}
	}
	if t.Hooks.OnUpdate != nil {
		t.Hooks.OnUpdate(agents.Status{Update: t.agent.critUpdates, EnvSteps: t.envSteps, Episodes: t.episodes,
			RecentReturn: recent, WallSeconds: now, Metrics: vals, Solved: t.solved})
	}
	t.critSum, t.actSum, t.qSum, t.critN, t.actN = 0, 0, 0, 0, 0
	t.lastMetricsSteps, t.lastMetricsTime = t.envSteps, now
	return nil
}

// bufferSize is the number of stored transitions over all replay buffers.
func (t *Trainer) bufferSize() int {
	n := 0
	for _, b := range t.bufs {
		n += b.Len()
	}
	return n
}

// scaleAction maps a normalised action in [-1, 1] to the Box: low + (a+1)/2·(high − low).
func scaleAction(space env.Space, norm, dst []float64) {
	for j := range dst {
		dst[j] = space.Low[j] + (norm[j]+1)/2*(space.High[j]-space.Low[j])
	}
}

package td3

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"time"

	"gorl/agents/nn"
	"gorl/env"
	"gorl/logs"
)

// Random stream ids below the run seed (env.NewRand(seed, id)).
const (
	StreamEnvs    = 1 // training environments (as agents.StreamEnvs)
	StreamInit    = 3 // network initialisation
	StreamExplore = 4 // warm-up actions and exploration noise
	StreamReplay  = 5 // minibatch sampling
	StreamTarget  = 6 // target policy smoothing noise
)

// TrainConfig describes a training run. Zero values mean defaults.
type TrainConfig struct {
	Env          string      `json:"env"`
	EnvOptions   env.Options `json:"env_options,omitempty"`
	Seed         uint64      `json:"seed"`
	Steps        int64       `json:"steps"`   // environment steps (default 1e6)
	Envs         int         `json:"envs"`    // parallel environments (default 1)
	Workers      int         `json:"workers"` // goroutines stepping them (default 1)
	StopAtReturn *float64    `json:"stop_at_return,omitempty"`
	ReturnWindow int         `json:"return_window"` // episodes in the recent mean return (default 20)
	MetricsEvery int64       `json:"metrics_every"` // env steps between metrics rows (default 1000)
	StepEvery    int         `json:"step_every"`    // log steps of every Nth episode; negative: none (default 1)
	TD3          Config      `json:"td3"`
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
	c.TD3 = c.TD3.WithDefaults()
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
	case c.StopAtReturn != nil && (math.IsNaN(*c.StopAtReturn) || math.IsInf(*c.StopAtReturn, 0)):
		return errors.New("stop_at_return must be finite")
	}
	return c.TD3.Validate()
}

// Summary is the outcome of Train.
type Summary struct {
	EnvSteps     int64
	Episodes     int64
	Updates      int     // critic updates
	RecentReturn float64 // mean of the last ReturnWindow episodes (NaN: none finished)
	Solved       bool    // StopAtReturn was reached
	WallSeconds  float64
	Checkpoint   string // path of the final checkpoint ("" without a run)
	FinalCritic  float64
	FinalActor   float64
	FinalQMean   float64
	LastEpisodes []float64 // returns of the last ReturnWindow episodes
}

// Hooks observe a run. Nil functions are skipped.
type Hooks struct {
	OnMetrics func(envSteps int64, recentReturn float64)
}

// Train runs TD3 on cfg.Env with arch (nil: MLP), logging to run when non-nil
// (episodes, metrics every MetricsEvery env steps, steps per StepEvery) and writing a
// final checkpoint into run's checkpoints/ directory.
func Train(cfg TrainConfig, arch Arch, run *logs.Run, hooks Hooks) (Summary, error) {
	cfg = cfg.WithDefaults()
	sum := Summary{RecentReturn: math.NaN()}
	if err := cfg.Validate(); err != nil {
		return sum, err
	}
	vec, err := env.MakeVector(cfg.Env, cfg.EnvOptions, cfg.Envs, cfg.Workers)
	if err != nil {
		return sum, err
	}
	defer vec.Close()
	ospace, as := vec.ObservationSpace(), vec.ActionSpace()
	if as.Kind != env.Box {
		return sum, fmt.Errorf("td3 needs a continuous (Box) action space; %s has %s", cfg.Env, as)
	}
	for j := range as.Low {
		if math.IsInf(as.Low[j], 0) || math.IsInf(as.High[j], 0) {
			return sum, fmt.Errorf("td3 needs bounded actions; %s has %s", cfg.Env, as)
		}
	}
	obsDim, actDim := ospace.Dim(), as.Dim()
	agent, err := New(arch, obsDim, actDim, cfg.TD3, env.NewRand(cfg.Seed, StreamInit))
	if err != nil {
		return sum, err
	}
	agent.rng = env.NewRand(cfg.Seed, StreamTarget)
	tc := agent.Cfg
	buf, err := NewReplay(int(min(int64(tc.BufferSize), cfg.Steps)), obsDim, actDim)
	if err != nil {
		return sum, err
	}
	batch := buf.NewBatch(tc.Batch)
	explore := env.NewRand(cfg.Seed, StreamExplore)
	sampler := env.NewRand(cfg.Seed, StreamReplay)

	vec.Seed(env.DeriveSeed(cfg.Seed, StreamEnvs))
	vec.Reset()
	n := vec.Num()
	obs := make([][]float64, n) // the observation each action is taken in
	norm := make([][]float64, n)
	acts := make([][]float64, n)
	for i := range obs {
		obs[i] = append([]float64(nil), vec.Obs[i]...)
		norm[i], acts[i] = make([]float64, actDim), make([]float64, actDim)
	}
	episode := make([]int64, n) // episode id of each slot
	epRet := make([]float64, n)
	epLen := make([]int64, n)
	for i := range episode {
		episode[i] = int64(i)
	}
	nextEpisode := int64(n)
	recent := make([]float64, 0, cfg.ReturnWindow)
	start := time.Now()
	elapsed := func() float64 {
		if run != nil {
			return run.Elapsed()
		}
		return time.Since(start).Seconds()
	}
	last := Stats{CriticLoss: math.NaN(), QMean: math.NaN(), ActorLoss: math.NaN()}
	lastMetricsSteps, lastMetricsTime := int64(0), 0.0
	var critSum, actSum, qSum float64
	var critN, actN int
	step := &logs.StepRow{Context: logs.NoContext, LogProb: math.NaN(), Value: math.NaN()}

	for sum.EnvSteps < cfg.Steps && !sum.Solved {
		learning := sum.EnvSteps >= max(tc.WarmUp, 0) // the paper's t >= start_timesteps
		// Select actions: uniform during warm-up, then μ(s) + N(0, σ²) clipped to [-1, 1].
		for i := range n {
			if !learning {
				for j := range norm[i] {
					norm[i][j] = explore.Float64()*2 - 1
				}
			} else {
				if err := agent.Act(obs[i], norm[i]); err != nil {
					return sum, err
				}
				for j := range norm[i] {
					norm[i][j] = math.Max(-1, math.Min(1, norm[i][j]+explore.NormFloat64()*tc.ExploreNoise))
				}
			}
			scaleAction(as, norm[i], acts[i])
		}
		vec.Step(acts)
		for i := range n {
			done := vec.Terminated[i] || vec.Truncated[i]
			next := vec.Obs[i]
			if done {
				next = vec.FinalObs[i]
			}
			buf.Add(obs[i], norm[i], vec.Rewards[i], next, vec.Terminated[i])
			if run != nil && cfg.StepEvery > 0 && run.WantSteps(episode[i]) {
				step.Episode, step.Step, step.Obs, step.Action = episode[i], epLen[i], obs[i], acts[i]
				step.Reward, step.Terminated, step.Truncated = vec.Rewards[i], vec.Terminated[i], vec.Truncated[i]
				if err := run.LogStep(step); err != nil {
					return sum, err
				}
			}
			epRet[i] += vec.Rewards[i]
			epLen[i]++
			sum.EnvSteps++
			if done {
				sum.Episodes++
				if run != nil {
					if err := run.LogEpisode(logs.EpisodeRow{Episode: episode[i], Seed: int64(cfg.Seed), Return: epRet[i],
						Length: epLen[i], Terminated: vec.Terminated[i], Truncated: vec.Truncated[i],
						EnvSteps: sum.EnvSteps, WallSeconds: elapsed(), Context: logs.NoContext}); err != nil {
						return sum, err
					}
				}
				if len(recent) == cfg.ReturnWindow {
					recent = append(recent[:0], recent[1:]...)
				}
				recent = append(recent, epRet[i])
				episode[i], epRet[i], epLen[i] = nextEpisode, 0, 0
				nextEpisode++
			}
			copy(obs[i], vec.Obs[i])
		}
		if len(recent) > 0 {
			sum.RecentReturn = logs.Mean(recent)
			if cfg.StopAtReturn != nil && len(recent) == cfg.ReturnWindow && sum.RecentReturn >= *cfg.StopAtReturn {
				sum.Solved = true
			}
		}

		// One gradient update per environment step once the warm-up is over.
		if learning {
			for range n {
				if err := buf.Sample(sampler, batch); err != nil {
					return sum, err
				}
				st, err := agent.Update(batch)
				if err != nil {
					return sum, err
				}
				if math.IsNaN(st.CriticLoss) || math.IsInf(st.CriticLoss, 0) {
					return sum, fmt.Errorf("td3: non-finite critic loss after %d updates", agent.critUpdates)
				}
				last.CriticLoss, last.QMean = st.CriticLoss, st.QMean
				critSum += st.CriticLoss
				qSum += st.QMean
				critN++
				if st.ActorStep {
					last.ActorLoss = st.ActorLoss
					actSum += st.ActorLoss
					actN++
				}
			}
		}

		if sum.EnvSteps-lastMetricsSteps >= cfg.MetricsEvery || sum.EnvSteps >= cfg.Steps || sum.Solved {
			now := elapsed()
			vals := map[string]float64{
				"steps_per_second": float64(sum.EnvSteps-lastMetricsSteps) / math.Max(now-lastMetricsTime, 1e-9),
				"buffer_size":      float64(buf.Len()),
				"critic_updates":   float64(agent.critUpdates),
			}
			if critN > 0 {
				vals["critic_loss"], vals["q_mean"] = critSum/float64(critN), qSum/float64(critN)
			}
			if actN > 0 {
				vals["actor_loss"] = actSum / float64(actN)
			}
			if len(recent) > 0 {
				vals["recent_return"] = sum.RecentReturn
			}
			if run != nil {
				if err := run.LogMetrics(logs.MetricRow{Seed: int64(cfg.Seed), Iteration: int64(agent.critUpdates),
					EnvSteps: sum.EnvSteps, WallSeconds: now, Values: vals}); err != nil {
					return sum, err
				}
			}
			if hooks.OnMetrics != nil {
				hooks.OnMetrics(sum.EnvSteps, sum.RecentReturn)
			}
			critSum, actSum, qSum, critN, actN = 0, 0, 0, 0, 0
			lastMetricsSteps, lastMetricsTime = sum.EnvSteps, now
		}
	}
	sum.Updates = agent.critUpdates
	sum.WallSeconds = elapsed()
	sum.FinalCritic, sum.FinalActor, sum.FinalQMean = last.CriticLoss, last.ActorLoss, last.QMean
	sum.LastEpisodes = recent
	if run != nil {
		path := filepath.Join(run.Dir(), "checkpoints", "td3-final.ckpt")
		if err := agent.SaveCheckpoint(path); err != nil {
			return sum, err
		}
		sum.Checkpoint = path
	}
	return sum, nil
}

// SaveCheckpoint writes the online and target parameters and both Adam states to path
// atomically. Sections, in order: actor, actor target, critic, critic target (each in
// nn's Params format), actor Adam, critic Adam; each is preceded by its length as a
// little-endian uint64. The replay buffer and random streams are not saved.
func (a *Agent) SaveCheckpoint(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("td3 checkpoint: %w", err)
	}
	var sections [][]byte
	for _, ps := range []*nn.Params{a.ActorParams, a.ActorTargetParams, a.CriticParams, a.CriticTargetParams} {
		var w bytes.Buffer
		if _, err := ps.WriteTo(&w); err != nil {
			return fmt.Errorf("td3 checkpoint: %w", err)
		}
		sections = append(sections, w.Bytes())
	}
	for _, o := range []*nn.Adam{a.ActorOpt, a.CriticOpt} {
		b, err := o.MarshalBinary()
		if err != nil {
			return fmt.Errorf("td3 checkpoint: %w", err)
		}
		sections = append(sections, b)
	}
	return logs.WriteFileAtomic(path, func(f *os.File) error {
		for _, s := range sections {
			if err := binary.Write(f, binary.LittleEndian, uint64(len(s))); err != nil {
				return err
			}
			if _, err := f.Write(s); err != nil {
				return err
			}
		}
		return nil
	})
}

// LoadCheckpoint reads a checkpoint written by SaveCheckpoint into a (same
// architecture and sizes).
func (a *Agent) LoadCheckpoint(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("td3 checkpoint: %w", err)
	}
	var sections [][]byte
	for len(data) > 0 {
		if len(data) < 8 {
			return fmt.Errorf("td3 checkpoint %s: truncated", path)
		}
		n := binary.LittleEndian.Uint64(data)
		data = data[8:]
		if n > uint64(len(data)) {
			return fmt.Errorf("td3 checkpoint %s: truncated", path)
		}
		sections = append(sections, data[:n])
		data = data[n:]
	}
	if len(sections) != 6 {
		return fmt.Errorf("td3 checkpoint %s: %d sections, want 6", path, len(sections))
	}
	for k, ps := range []*nn.Params{a.ActorParams, a.ActorTargetParams, a.CriticParams, a.CriticTargetParams} {
		if _, err := ps.ReadFrom(bytes.NewReader(sections[k])); err != nil {
			return fmt.Errorf("td3 checkpoint %s: %w", path, err)
		}
	}
	if err := a.ActorOpt.UnmarshalBinary(sections[4]); err != nil {
		return fmt.Errorf("td3 checkpoint %s: %w", path, err)
	}
	if err := a.CriticOpt.UnmarshalBinary(sections[5]); err != nil {
		return fmt.Errorf("td3 checkpoint %s: %w", path, err)
	}
	return nil
}

// scaleAction maps a normalised action in [-1, 1] to the Box: low + (a+1)/2·(high − low).
func scaleAction(space env.Space, norm, dst []float64) {
	for j := range dst {
		dst[j] = space.Low[j] + (norm[j]+1)/2*(space.High[j]-space.Low[j])
	}
}

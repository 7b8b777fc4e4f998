package agents

import (
	"fmt"
	"math"

	"gorl/env"
	"gorl/logs"
)

// Evaluate runs episodes of e with the deterministic policy (its mode), seeding e with
// seed first. With run non-nil the steps (as the run's StepEvery allows) and episodes are
// logged there, episodes numbered from firstEpisode. It returns the episode rows.
func Evaluate(p Policy, e env.Env, episodes int, seed uint64, run *logs.Run, firstEpisode int64) ([]logs.EpisodeRow, error) {
	if episodes < 1 {
		return nil, fmt.Errorf("evaluate: need at least 1 episode, got %d", episodes)
	}
	od, ad := e.ObservationSpace().Dim(), e.ActionSpace().Dim()
	obs := [][]float64{make([]float64, od)}
	act := [][]float64{make([]float64, ad)}
	poser, hasPoses := env.As[env.BodyPoser](e)
	// Steps are logged with the raw observation and reward when e normalises them.
	obsNorm, _ := env.As[*env.NormalizeObservation](e)
	rewNorm, _ := env.As[*env.NormalizeReward](e)
	logObs := obs[0]
	if obsNorm != nil {
		logObs = make([]float64, od)
	}
	var pos, quat []float64
	if hasPoses {
		pos, quat = make([]float64, 3*poser.NumBodies()), make([]float64, 4*poser.NumBodies())
	}
	e.Seed(seed)
	out := make([]logs.EpisodeRow, 0, min(episodes, 1024)) // episodes may be huge: grow as they finish
	var steps int64
	var row logs.StepRow
	for ep := 0; ep < episodes; ep++ {
		id := firstEpisode + int64(ep)
		copy(obs[0], e.Reset())
		if obsNorm != nil {
			copy(logObs, obsNorm.Raw())
		}
		ret, length := 0.0, int64(0)
		for {
			p.Act(obs, act, true)
			if hasPoses && run != nil {
				poser.BodyPoses(pos, quat)
			}
			tr := e.Step(act[0])
			if err := env.FailureOf(e); err != nil {
				return out, err
			}
			if rewNorm != nil {
				tr.Reward = rewNorm.Raw()
			}
			ret += tr.Reward
			if run != nil && run.WantSteps(id) {
				row = logs.StepRow{Episode: id, Step: length, Obs: logObs, Action: act[0], Reward: tr.Reward,
					Terminated: tr.Terminated, Truncated: tr.Truncated, Context: logs.NoContext,
					LogProb: nanValue, Value: nanValue, BodyPos: pos, BodyQuat: quat}
				if err := run.LogStep(&row); err != nil {
					return out, err
				}
			}
			length++
			steps++
			if tr.Done() {
				r := logs.EpisodeRow{Episode: id, Seed: int64(seed), Return: ret, Length: length,
					Terminated: tr.Terminated, Truncated: tr.Truncated, EnvSteps: steps, Context: logs.NoContext,
					Terms: currentTerms(e)}
				if run != nil {
					r.WallSeconds = run.Elapsed()
					if err := run.LogEpisode(r); err != nil {
						return out, err
					}
				}
				out = append(out, r)
				break
			}
			copy(obs[0], tr.Obs)
			if obsNorm != nil {
				copy(logObs, obsNorm.Raw())
			}
		}
	}
	return out, nil
}

var nanValue = math.NaN()

// episodeTerms is an environment whose reward is a sum of named terms and that reports
// their sums over the episode under way (3D locomotion).
type episodeTerms interface {
	RewardTermNames() []string
	CurrentEpisodeTerms(dst []float64)
}

// currentTerms returns the reward-term sums of e's episode under way (nil without terms).
func currentTerms(e env.Env) *logs.RewardTerms {
	et, ok := env.As[episodeTerms](e)
	if !ok {
		return nil
	}
	names := et.RewardTermNames()
	v := make([]float64, len(names))
	et.CurrentEpisodeTerms(v)
	return logs.NewRewardTerms(names, v)
}

// MeanReturn is the mean return of episode rows (NaN for none).
func MeanReturn(rows []logs.EpisodeRow) float64 {
	if len(rows) == 0 {
		return nanValue
	}
	s := 0.0
	for _, r := range rows {
		s += r.Return
	}
	return s / float64(len(rows))
}

// ReturnStats are the mean, standard deviation, minimum and maximum return of episode
// rows (NaN for none).
func ReturnStats(rows []logs.EpisodeRow) (mean, std, lo, hi float64) {
	mean, lo, hi = MeanReturn(rows), math.Inf(1), math.Inf(-1)
	if len(rows) == 0 {
		return mean, nanValue, nanValue, nanValue
	}
	ss := 0.0
	for _, r := range rows {
		ss += (r.Return - mean) * (r.Return - mean)
		lo, hi = math.Min(lo, r.Return), math.Max(hi, r.Return)
	}
	return mean, math.Sqrt(ss / float64(len(rows))), lo, hi
}

// MakeEvalEnv builds one environment of the training config for evaluation, wrapped as
// the training environments are (actions clipped), without normalisation: for a run
// that normalised observations use CheckpointEvalEnv or Loop.Evaluate.
func MakeEvalEnv(id string, opts env.Options) (env.Env, error) { return makeEnv(id, opts) }

// CheckpointEvalEnv builds the evaluation environment for the agent saved in ck: as
// MakeEvalEnv, and when the run normalised observations (ck.ObsStats set), normalised
// with the checkpoint's statistics, frozen, and clipped as in training. Rewards are not
// scaled, so returns are the environment's.
func CheckpointEvalEnv(id string, opts env.Options, ck *Checkpoint) (env.Env, error) {
	e, err := makeEnv(id, opts)
	if err != nil || ck == nil || ck.ObsStats == nil {
		return e, err
	}
	d := e.ObservationSpace().Dim()
	if s := ck.ObsStats; len(s.Mean) != d || len(s.Var) != d {
		return nil, fmt.Errorf("checkpoint observation statistics have %d/%d values, env %s observes %d", len(s.Mean), len(s.Var), id, d)
	}
	n, wrapped := frozenNormalized(e)
	n.Stats.CopyFrom(ck.ObsStats)
	return wrapped, nil
}

// frozenNormalized wraps an evaluation environment as training's observations are
// wrapped, with statistics that are read but never updated: it returns the normaliser
// (to set its statistics) and the wrapped environment.
func frozenNormalized(e env.Env) (*env.NormalizeObservation, env.Env) {
	n := env.NewNormalizeObservation(e)
	n.Frozen = true
	return n, env.NewClipObservation(n, -normClip, normClip)
}

package agents

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"gorl/env"
	"gorl/logs"
)

// RolloutSummary counts a rollout's episodes and steps.
type RolloutSummary struct {
	Episodes, Steps        int64
	MeanReturn, MeanLength float64
}

// RandomRollout runs episodes of uniformly random actions on vec, seeded with seed (gorl
// rollout), logging every step and episode to run; onEpisode, when not nil, sees each
// finished episode. Episode ids are assigned when an episode starts, in slot order, so
// they are unique and independent of worker count.
func RandomRollout(vec *env.Vector, run *logs.Run, episodes int, seed uint64, onEpisode func(logs.EpisodeRow)) (RolloutSummary, error) {
	var sum RolloutSummary
	n := vec.Num()
	vec.Seed(seed)
	obs := vec.Reset()
	actSpace := vec.ActionSpace()
	rngs := make([]*rand.Rand, n)
	actions := make([][]float64, n)
	episode := make([]int64, n) // episode id of each slot, -1 when idle
	step := make([]int64, n)
	ret := make([]float64, n)
	var started int64
	for i := range episode {
		rngs[i] = env.NewRand(seed, StreamRolloutActions, uint64(i))
		actions[i] = make([]float64, actSpace.Dim())
		episode[i] = -1
		if started < int64(episodes) {
			episode[i] = started
			started++
		}
	}
	// Contexts and body poses describe the state an action is taken in: they are read
	// before each step into per-slot buffers.
	contexts := make([]int64, n)
	pos, quat := make([][]float64, n), make([][]float64, n)
	posers := make([]env.BodyPoser, n)
	for i, e := range vec.Envs {
		if p, ok := env.As[env.BodyPoser](e); ok {
			posers[i] = p
			pos[i], quat[i] = make([]float64, 3*p.NumBodies()), make([]float64, 4*p.NumBodies())
		}
	}
	row := logs.StepRow{LogProb: math.NaN(), Value: math.NaN()}
	prevObs := make([][]float64, n)
	for i := range prevObs {
		prevObs[i] = make([]float64, len(obs[i]))
	}
	var finished int64
	var totalReturn, totalLength float64
	for finished < int64(episodes) {
		for i := range actions {
			actSpace.Sample(rngs[i], actions[i])
			copy(prevObs[i], obs[i])
		}
		for i := range contexts {
			contexts[i] = logs.NoContext
			if c, ok := env.As[env.ContextRevealer](vec.Envs[i]); ok {
				contexts[i] = int64(c.Context())
			}
			if posers[i] != nil && episode[i] >= 0 && run.WantSteps(episode[i]) {
				posers[i].BodyPoses(pos[i], quat[i])
			}
		}
		vec.Step(actions)
		if err := vec.Failure(); err != nil {
			return RolloutSummary{}, err
		}
		for i := 0; i < n; i++ {
			ep := episode[i]
			if ep < 0 {
				continue
			}
			ret[i] += vec.Rewards[i]
			row.Episode, row.Step, row.Obs, row.Action = ep, step[i], prevObs[i], actions[i]
			row.Reward, row.Terminated, row.Truncated, row.Context = vec.Rewards[i], vec.Terminated[i], vec.Truncated[i], contexts[i]
			row.BodyPos, row.BodyQuat = pos[i], quat[i]
			if err := run.LogStep(&row); err != nil {
				return sum, err
			}
			step[i]++
			sum.Steps++
			if !vec.Terminated[i] && !vec.Truncated[i] {
				continue
			}
			if math.IsNaN(ret[i]) || math.IsInf(ret[i], 0) {
				return sum, fmt.Errorf("episode %d produced a non-finite return: %w", ep, ErrNonFinite)
			}
			e := logs.EpisodeRow{Episode: ep, Seed: int64(seed), Return: ret[i], Length: step[i],
				Terminated: vec.Terminated[i], Truncated: vec.Truncated[i], EnvSteps: sum.Steps,
				WallSeconds: run.Elapsed(), Context: contexts[i]}
			if err := run.LogEpisode(e); err != nil {
				return sum, err
			}
			if onEpisode != nil {
				onEpisode(e)
			}
			finished++
			totalReturn += ret[i]
			totalLength += float64(step[i])
			episode[i], step[i], ret[i] = -1, 0, 0
			if started < int64(episodes) {
				episode[i] = started
				started++
			}
		}
	}
	sum.Episodes = finished
	sum.MeanReturn, sum.MeanLength = totalReturn/float64(finished), totalLength/float64(finished)
	if finished == 0 {
		return sum, errors.New("no episode finished")
	}
	return sum, nil
}

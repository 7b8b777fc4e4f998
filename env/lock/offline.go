package lock

import (
	"fmt"
	"math/rand/v2"

	"gorl/env"
	"gorl/logs"
)

// Design names an offline data distribution.
type Design string

const (
	// Epsilon follows the optimal policy with a uniformly random action with
	// probability 1/H at every step, and a uniformly random action at step H/2.
	Epsilon Design = "epsilon"
	// Mixed follows the optimal policy except at one step k drawn uniformly from
	// 0..H-1, where the action is uniform. The states of step k are distributed as
	// d^{pi*}_k, so every layer gets tuples from d^{pi*} with uniform actions, and the
	// other tuples of the episode cover pi* itself.
	Mixed Design = "mixed"
)

// ParseDesign checks a design name.
func ParseDesign(s string) (Design, error) {
	switch Design(s) {
	case Epsilon, Mixed:
		return Design(s), nil
	}
	return "", fmt.Errorf("unknown offline design %q (want epsilon or mixed)", s)
}

// Transition is one logged step: the observation the action was taken in, the next
// observation (nil after the last step), and the latent states before and after.
type Transition struct {
	Obs, Next        []float64
	State, NextState int
	Action           int
	Reward           float64
	Terminated       bool
}

// Generate rolls n offline episodes of design d on e (latent or rich). The episode
// stream is seeded with seed and the behaviour policy's draws come from a stream
// derived from it, so the data set is a function of (lock, design, n, seed).
func Generate(e *Env, d Design, n int, seed uint64) ([][]Transition, error) {
	if _, err := ParseDesign(string(d)); err != nil {
		return nil, err
	}
	if n < 0 {
		return nil, fmt.Errorf("generate offline data: episodes must be >= 0, got %d", n)
	}
	e.Seed(seed)
	rng := env.NewRand(seed, 0x0ff1)
	out := make([][]Transition, n)
	for i := range out {
		out[i] = rollout(e, behaviour(e.Lock, d, rng))
	}
	return out, nil
}

// behaviour returns the design's policy for one episode.
func behaviour(l *Lock, d Design, rng *rand.Rand) func(h, s int) int {
	optimal := func(h, s int) int {
		if s == Dead {
			return 0
		}
		return l.Correct[h][s]
	}
	switch d {
	case Epsilon:
		eps := 1 / float64(l.H)
		return func(h, s int) int {
			if h == l.H/2 || rng.Float64() < eps {
				return rng.IntN(l.Actions)
			}
			return optimal(h, s)
		}
	default: // Mixed
		k := rng.IntN(l.H)
		return func(h, s int) int {
			if h == k {
				return rng.IntN(l.Actions)
			}
			return optimal(h, s)
		}
	}
}

// rollout runs one episode of policy pi (which sees the latent state) on e.
func rollout(e *Env, pi func(h, s int) int) []Transition {
	ep := make([]Transition, 0, e.H)
	obs := append([]float64(nil), e.Reset()...)
	act := []float64{0}
	for h := 0; h < e.H; h++ {
		s := e.Context()
		a := pi(h, s)
		act[0] = float64(a)
		tr := e.Step(act)
		next := append([]float64(nil), tr.Obs...)
		ep = append(ep, Transition{Obs: obs, Next: next, State: s, NextState: e.Context(), Action: a, Reward: tr.Reward, Terminated: tr.Terminated})
		obs = next
	}
	ep[len(ep)-1].Next, ep[len(ep)-1].NextState = nil, -1
	return ep
}

// WriteDataset logs episodes as step rows (obs, action, reward, terminated,
// truncated, context = latent state) into run, numbering episodes from first.
func WriteDataset(run *logs.Run, episodes [][]Transition, first int64) error {
	act := []float64{0}
	for i, ep := range episodes {
		for h, t := range ep {
			act[0] = float64(t.Action)
			row := logs.StepRow{Episode: first + int64(i), Step: int64(h), Obs: t.Obs, Action: act, Reward: t.Reward,
				Terminated: t.Terminated, Context: int64(t.State)}
			if err := run.LogStep(&row); err != nil {
				return fmt.Errorf("write offline data: %w", err)
			}
		}
	}
	return nil
}

// ReadDataset reads episodes written by WriteDataset from a run directory (or one
// step part file). Next observations and states are rebuilt from the following row.
func ReadDataset(dirOrFile string) ([][]Transition, error) {
	var out [][]Transition
	index := map[int64]int{}
	err := logs.ScanSteps(dirOrFile, func(r *logs.StepRow) error {
		i, ok := index[r.Episode]
		if !ok {
			i = len(out)
			index[r.Episode] = i
			out = append(out, nil)
		}
		if int(r.Step) != len(out[i]) {
			return fmt.Errorf("episode %d: step %d out of order", r.Episode, r.Step)
		}
		if len(r.Action) != 1 {
			return fmt.Errorf("episode %d step %d: want one action, got %d", r.Episode, r.Step, len(r.Action))
		}
		out[i] = append(out[i], Transition{Obs: append([]float64(nil), r.Obs...), State: int(r.Context), NextState: -1,
			Action: int(r.Action[0]), Reward: r.Reward, Terminated: r.Terminated})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read offline data %s: %w", dirOrFile, err)
	}
	for _, ep := range out {
		for h := 0; h+1 < len(ep); h++ {
			ep[h].Next, ep[h].NextState = ep[h+1].Obs, ep[h+1].State
		}
	}
	return out, nil
}

package glow

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gorl/env"
	"gorl/env/lock"
)

// Problem is an episodic task an experiment runs on: its dimensions, a way to make
// environment instances, and its exact latent model for evaluation.
type Problem struct {
	EnvID   string
	H, S, A int // S > 0: tabular observations [state, step]; S = 0: feature vectors
	Dim     int // feature dimension when S = 0
	// Model is the exact latent model: tabular policies are evaluated exactly on it.
	Model *MDP
	// Lock is set for combination locks (offline data, the lock-family class).
	Lock *lock.Lock
	// Incomplete marks lock/incomplete, whose finite class is IncompleteClass.
	Incomplete bool
	// NewEnv makes an instance; instances are used by one goroutine at a time.
	NewEnv func() env.Env
}

// Tabular reports whether observations are tabular states.
func (p *Problem) Tabular() bool { return p.S > 0 }

// LockProblem returns the latent or rich lock of cfg.
func LockProblem(cfg lock.Config, rich bool) (*Problem, error) {
	l, err := lock.New(cfg)
	if err != nil {
		return nil, err
	}
	p := &Problem{EnvID: "lock/latent", H: l.H, S: lock.NumStates, A: l.Actions, Model: FromLock(l.Model()), Lock: l,
		NewEnv: func() env.Env { return lock.NewLatent(l) }}
	if rich {
		p.EnvID, p.S, p.Dim = "lock/rich", 0, lock.RichDim(l.H)
		p.NewEnv = func() env.Env { return lock.NewRich(l) }
	}
	return p, nil
}

// MDPProblem runs on a tabular MDP (observations [state, step], mean rewards).
func MDPProblem(m *MDP) (*Problem, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return &Problem{EnvID: "glow/mdp", H: m.H, S: m.S, A: m.A, Model: m,
		NewEnv: func() env.Env { return &mdpEnv{m: m, obs: make([]float64, 2), rng: env.NewRand(0)} }}, nil
}

// mdpEnv steps an MDP: observation [state, step], terminated after H steps.
type mdpEnv struct {
	m    *MDP
	rng  *rand.Rand
	h, s int
	obs  []float64
}

func (e *mdpEnv) ObservationSpace() env.Space {
	return env.NewBox([]float64{0, 0}, []float64{float64(e.m.S - 1), float64(e.m.H)})
}
func (e *mdpEnv) ActionSpace() env.Space { return env.NewDiscrete(e.m.A) }
func (e *mdpEnv) Seed(seed uint64)       { e.rng = env.NewRand(seed, 0x3d9) }
func (e *mdpEnv) Reset() []float64 {
	e.h, e.s = 0, e.m.SampleInit(e.rng)
	e.obs[0], e.obs[1] = float64(e.s), 0
	return e.obs
}
func (e *mdpEnv) Step(action []float64) env.Transition {
	a := int(action[0])
	if e.h >= e.m.H || a < 0 || a >= e.m.A {
		return env.Transition{Obs: e.obs, Terminated: true}
	}
	next, r := e.m.Sample(e.rng, e.h, e.s, a)
	e.h++
	e.s = next
	e.obs[0], e.obs[1] = float64(next), float64(e.h)
	return env.Transition{Obs: e.obs, Reward: r, Terminated: e.h == e.m.H}
}

// rollout runs one episode of pi on e and returns its tuples and return.
func rollout(p *Problem, e env.Env, pi Policy) ([]Tuple, float64) {
	traj := make([]Tuple, p.H)
	obs := e.Reset()
	act := []float64{0}
	ret := 0.0
	for h := 0; h < p.H; h++ {
		a := pi.Act(h, obs)
		tu := Tuple{A: a, S: -1, Next: -1, Last: h == p.H-1}
		if p.Tabular() {
			tu.S = int(obs[0])
		} else {
			tu.X = append([]float64(nil), obs...)
		}
		act[0] = float64(a)
		tr := e.Step(act)
		tu.R = tr.Reward
		ret += tr.Reward
		if !tu.Last {
			if p.Tabular() {
				tu.Next = int(tr.Obs[0])
			} else {
				tu.XNext = append([]float64(nil), tr.Obs...)
			}
		}
		traj[h] = tu
		obs = tr.Obs
	}
	return traj, ret
}

// offlineTuples generates n offline lock episodes of design d and splits them by layer.
func offlineTuples(p *Problem, d lock.Design, n int, seed uint64) ([][]Tuple, error) {
	if p.Lock == nil {
		return nil, fmt.Errorf("offline data: %s is not a combination lock", p.EnvID)
	}
	e := lock.NewLatent(p.Lock)
	if !p.Tabular() {
		e = lock.NewRich(p.Lock)
	}
	eps, err := lock.Generate(e, d, n, seed)
	if err != nil {
		return nil, err
	}
	return LockTuples(eps, p.Tabular(), p.H)
}

// LockTuples splits lock episodes into per-layer tuples (tabular: latent states as
// the state index; otherwise the logged observations as features).
func LockTuples(eps [][]lock.Transition, tabular bool, H int) ([][]Tuple, error) {
	out := make([][]Tuple, H)
	for i, ep := range eps {
		if len(ep) != H {
			return nil, fmt.Errorf("offline episode %d has %d steps, want %d", i, len(ep), H)
		}
		for h, tr := range ep {
			tu := Tuple{A: tr.Action, R: tr.Reward, S: -1, Next: -1, Last: h == H-1}
			if tabular {
				if !latentObs(tr.Obs, h) || (!tu.Last && !latentObs(tr.Next, h+1)) {
					return nil, fmt.Errorf("offline episode %d step %d: the observation (%d values) is not a latent [state, step] pair (rich-observation data?)", i, h, len(tr.Obs))
				}
				tu.S = int(tr.Obs[0])
				if !tu.Last {
					tu.Next = int(tr.Next[0])
				}
			} else {
				tu.X = tr.Obs
				if !tu.Last {
					tu.XNext = tr.Next
				}
			}
			out[h] = append(out[h], tu)
		}
	}
	return out, nil
}

// latentObs reports whether obs is the latent lock's observation [state, step] at step h.
func latentObs(obs []float64, h int) bool {
	return len(obs) == 2 && obs[0] == math.Trunc(obs[0]) && obs[1] == float64(h)
}

// CheckTuples reports the first offline tuple that does not fit the problem (an
// action, a state or a feature vector out of range), so that data read from a file
// cannot index past the learners' tables.
func (p *Problem) CheckTuples(off [][]Tuple) error {
	for h, layer := range off {
		for i, tu := range layer {
			switch {
			case tu.A < 0 || tu.A >= p.A:
				return fmt.Errorf("layer %d tuple %d: action %d is not in [0, %d)", h, i, tu.A, p.A)
			case p.Tabular() && (tu.S < 0 || tu.S >= p.S || (!tu.Last && (tu.Next < 0 || tu.Next >= p.S))):
				return fmt.Errorf("layer %d tuple %d: state %d -> %d is not in [0, %d)", h, i, tu.S, tu.Next, p.S)
			case !p.Tabular() && (len(tu.X) != p.Dim || (!tu.Last && len(tu.XNext) != p.Dim)):
				return fmt.Errorf("layer %d tuple %d: %d features, want %d", h, i, len(tu.X), p.Dim)
			}
		}
	}
	return nil
}

package glow

import (
	"math/rand/v2"

	"gorl/env"
	"gorl/env/lock"
)

// IncompleteClass builds the joint value class of the incomplete family on lock l
// (see the package documentation for why FQI fails on it): the optimal Q-functions of
//
//   - the lock itself (Q*),
//   - the broken lock, where every correct action before the last step drops into the
//     dead state (its Q-function pays only the anti-reward before the last step), and
//   - A-1 escape locks, equal to the lock except that in the dead state at the last
//     step action e (e = 1..A-1; the data's behaviour policy plays 0 there) pays the
//     final reward,
//
// in an order drawn from rng, with the A+1 models kept as the model class. trueIdx is
// the index of Q*.
func IncompleteClass(l *lock.Lock, rng *rand.Rand) (f *Finite, trueIdx int) {
	truth := FromLock(l.Model())
	models := []*MDP{truth, brokenLock(truth, l)}
	for e := 1; e < l.Actions; e++ {
		m := cloneMDP(truth)
		m.R[l.H-1][lock.Dead][e] = l.FinalReward
		models = append(models, m)
	}
	perm := rng.Perm(len(models))
	ordered := make([]*MDP, len(models))
	for j, p := range perm {
		ordered[p] = models[j]
	}
	f = &Finite{S: truth.S, A: truth.A, Joint: true, Models: ordered, Cands: make([][][]float64, truth.H)}
	for _, m := range ordered {
		q := m.OptimalQ()
		for h := range f.Cands {
			f.Cands[h] = append(f.Cands[h], q.Q[h])
		}
	}
	return f, perm[0]
}

// brokenLock is m with every correct action before the last step leading to the dead
// state.
func brokenLock(m *MDP, l *lock.Lock) *MDP {
	b := cloneMDP(m)
	for h := 0; h < l.H-1; h++ {
		for s := lock.GoodA; s <= lock.GoodB; s++ {
			row := b.P[h][s][l.Correct[h][s]]
			clear(row)
			row[lock.Dead] = 1
		}
	}
	return b
}

func cloneMDP(m *MDP) *MDP {
	c := &MDP{H: m.H, S: m.S, A: m.A, Init: append([]float64(nil), m.Init...)}
	c.P = make([][][][]float64, m.H)
	c.R = make([][][]float64, m.H)
	if m.Success != nil {
		c.Success = make([][][]float64, m.H)
	}
	for h := range m.P {
		c.P[h] = make([][][]float64, m.S)
		c.R[h] = make([][]float64, m.S)
		if m.Success != nil {
			c.Success[h] = make([][]float64, m.S)
		}
		for s := range m.P[h] {
			c.P[h][s] = make([][]float64, m.A)
			for a := range m.P[h][s] {
				c.P[h][s][a] = append([]float64(nil), m.P[h][s][a]...)
			}
			c.R[h][s] = append([]float64(nil), m.R[h][s]...)
			if m.Success != nil {
				c.Success[h][s] = append([]float64(nil), m.Success[h][s]...)
			}
		}
	}
	return c
}

// IncompleteProblem returns lock/incomplete: the latent lock of cfg with the final
// reward lowered to lock.IncompleteFinalReward (unless cfg sets one), whose default value
// class is IncompleteClass.
func IncompleteProblem(cfg lock.Config) (*Problem, error) {
	if cfg.FinalReward == 0 {
		cfg.FinalReward = lock.IncompleteFinalReward
	}
	p, err := LockProblem(cfg, false)
	if err != nil {
		return nil, err
	}
	p.EnvID, p.Incomplete = "lock/incomplete", true
	return p, nil
}

// incompleteClass is IncompleteClass with the class order drawn from the run's seed.
func incompleteClass(p *Problem, seed uint64) (*Finite, int) {
	return IncompleteClass(p.Lock, env.NewRand(seed, streamIncompleteClass))
}

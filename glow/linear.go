package glow

import (
	"fmt"

	"gonum.org/v1/gonum/mat"
)

// Linear is the linear value class over features: f_h(x, a) = theta_{h,a} . [x, 1],
// with a decoder-free linear map from the observation (for the rich lock the
// observation is a rotation of one-hot codes, so Q* is linear in it up to the noise).
type Linear struct {
	Dim   int     // observation dimension
	Ridge float64 // ridge penalty (default 1)
}

// FQI fits theta backwards: per layer and action, ridge regression of
// r + max_a' f_{h+1}(x', a') on [x, 1]; returns the greedy policy.
func (l *Linear) FQI(d *Data) (Policy, error) {
	ridge := l.Ridge
	if ridge <= 0 {
		ridge = 1
	}
	p := l.Dim + 1
	theta := make([][][]float64, d.H)
	next := LinearPolicy{Theta: theta}
	gram := make([]*mat.SymDense, d.A)
	rhs := make([]*mat.VecDense, d.A)
	for a := range gram {
		gram[a] = mat.NewSymDense(p, nil)
		rhs[a] = mat.NewVecDense(p, nil)
	}
	phi := make([]float64, p)
	for h := d.H - 1; h >= 0; h-- {
		for a := range gram {
			gram[a].Zero()
			rhs[a].Zero()
		}
		for _, t := range d.Layers[h] {
			if len(t.X) != l.Dim {
				return nil, fmt.Errorf("linear fqi: layer %d: observation has %d features, want %d", h, len(t.X), l.Dim)
			}
			y := t.R
			if !t.Last {
				y += next.value(h+1, t.XNext)
			}
			copy(phi, t.X)
			phi[l.Dim] = 1
			gram[t.A].SymRankOne(gram[t.A], 1, mat.NewVecDense(p, phi))
			rhs[t.A].AddScaledVec(rhs[t.A], y, mat.NewVecDense(p, phi))
		}
		theta[h] = make([][]float64, d.A)
		for a := range gram {
			for i := 0; i < p; i++ {
				gram[a].SetSym(i, i, gram[a].At(i, i)+ridge)
			}
			var chol mat.Cholesky
			if ok := chol.Factorize(gram[a]); !ok {
				return nil, fmt.Errorf("linear fqi: layer %d action %d: singular Gram matrix", h, a)
			}
			sol := mat.NewVecDense(p, nil)
			if err := chol.SolveVecTo(sol, rhs[a]); err != nil {
				return nil, fmt.Errorf("linear fqi: layer %d action %d: %w", h, a, err)
			}
			theta[h][a] = append([]float64(nil), sol.RawVector().Data...)
		}
	}
	return next, nil
}

// value is max_a f_h(x, a), clamped to [0, 1] (the class's range).
func (p LinearPolicy) value(h int, x []float64) float64 {
	best := 0.0
	for a, th := range p.Theta[h] {
		v := linearValue(th, x)
		if a == 0 || v > best {
			best = v
		}
	}
	return min(1, max(0, best))
}

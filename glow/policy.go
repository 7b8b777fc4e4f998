package glow

// Policy maps the observation of layer h to an action. Tabular observations are
// [state, step] (state = obs[0]); feature observations are vectors.
type Policy interface {
	Act(h int, obs []float64) int
}

// TablePolicy is a deterministic tabular policy: A[h][s].
type TablePolicy [][]int

func (p TablePolicy) Act(h int, obs []float64) int { return p[h][int(obs[0])] }

// LinearPolicy is greedy with respect to a linear Q-function
// f_h(x, a) = Theta[h][a] . [x, 1].
type LinearPolicy struct{ Theta [][][]float64 }

func (p LinearPolicy) Act(h int, obs []float64) int {
	best, arg := 0.0, 0
	for a, th := range p.Theta[h] {
		v := linearValue(th, obs)
		if a == 0 || v > best {
			best, arg = v, a
		}
	}
	return arg
}

// linearValue is theta . [x, 1].
func linearValue(theta, x []float64) float64 {
	v := theta[len(x)]
	for i, xi := range x {
		v += theta[i] * xi
	}
	return v
}

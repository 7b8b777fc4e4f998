package env

import "math"

// base forwards every Env method to the wrapped environment; wrappers embed it and
// override what they change.
type base struct{ inner Env }

func (b base) ObservationSpace() Space          { return b.inner.ObservationSpace() }
func (b base) ActionSpace() Space               { return b.inner.ActionSpace() }
func (b base) Seed(seed uint64)                 { b.inner.Seed(seed) }
func (b base) Reset() []float64                 { return b.inner.Reset() }
func (b base) Step(action []float64) Transition { return b.inner.Step(action) }
func (b base) Unwrap() Env                      { return b.inner }

// TimeLimit truncates episodes after MaxSteps steps. As in Gymnasium, a step that both
// terminates and reaches the limit reports both flags; learners treat Terminated first.
type TimeLimit struct {
	base
	MaxSteps int
	elapsed  int
}

// NewTimeLimit wraps e so that episodes are truncated after maxSteps steps.
func NewTimeLimit(e Env, maxSteps int) *TimeLimit {
	return &TimeLimit{base: base{e}, MaxSteps: maxSteps}
}

func (t *TimeLimit) Reset() []float64 {
	t.elapsed = 0
	return t.inner.Reset()
}

func (t *TimeLimit) Step(action []float64) Transition {
	tr := t.inner.Step(action)
	t.elapsed++
	if t.elapsed >= t.MaxSteps {
		tr.Truncated = true
	}
	return tr
}

// EpisodeStats records the return and length of the current and last finished episode.
type EpisodeStats struct {
	base
	Return float64 // running return of the current episode
	Length int     // steps taken in the current episode
	// LastReturn and LastLength describe the most recently finished episode; Finished
	// counts finished episodes.
	LastReturn float64
	LastLength int
	Finished   int
}

// NewEpisodeStats wraps e with episode statistics.
func NewEpisodeStats(e Env) *EpisodeStats { return &EpisodeStats{base: base{e}} }

func (s *EpisodeStats) Reset() []float64 {
	s.Return, s.Length = 0, 0
	return s.inner.Reset()
}

func (s *EpisodeStats) Step(action []float64) Transition {
	tr := s.inner.Step(action)
	s.Return += tr.Reward
	s.Length++
	if tr.Done() {
		s.LastReturn, s.LastLength = s.Return, s.Length
		s.Finished++
	}
	return tr
}

// ClipAction clips continuous actions to the action space's bounds before stepping.
type ClipAction struct {
	base
	buf []float64
}

// NewClipAction wraps e, whose action space must be a Box.
func NewClipAction(e Env) *ClipAction {
	return &ClipAction{base: base{e}, buf: make([]float64, e.ActionSpace().Dim())}
}

func (c *ClipAction) Step(action []float64) Transition {
	sp := c.inner.ActionSpace()
	if sp.Kind != Box {
		return c.inner.Step(action)
	}
	for i, v := range action {
		c.buf[i] = math.Min(math.Max(v, sp.Low[i]), sp.High[i])
	}
	return c.inner.Step(c.buf)
}

// RunningMeanStd keeps a running mean and variance per dimension (Chan et al.'s parallel
// update, as in Gymnasium's NormalizeObservation).
type RunningMeanStd struct {
	Mean, Var []float64
	Count     float64
}

// NewRunningMeanStd starts with mean 0, variance 1 and a tiny count, as Gymnasium does.
func NewRunningMeanStd(dim int) *RunningMeanStd {
	r := &RunningMeanStd{Mean: make([]float64, dim), Var: make([]float64, dim), Count: 1e-4}
	for i := range r.Var {
		r.Var[i] = 1
	}
	return r
}

// Update folds one sample into the statistics.
func (r *RunningMeanStd) Update(x []float64) {
	n := r.Count + 1
	for i, v := range x {
		delta := v - r.Mean[i]
		r.Mean[i] += delta / n
		// M2_new = M2_a + 0 + delta^2 * n_a * 1 / n
		r.Var[i] = (r.Var[i]*r.Count + delta*delta*r.Count/n) / n
	}
	r.Count = n
}

// NormalizeObservation standardises observations with running statistics:
// (x - mean) / sqrt(var + eps). Set Frozen to stop updating (evaluation).
type NormalizeObservation struct {
	base
	Stats  *RunningMeanStd
	Frozen bool
	Eps    float64
	out    []float64
}

// NewNormalizeObservation wraps e; eps defaults to 1e-8.
func NewNormalizeObservation(e Env) *NormalizeObservation {
	d := e.ObservationSpace().Dim()
	return &NormalizeObservation{base: base{e}, Stats: NewRunningMeanStd(d), Eps: 1e-8, out: make([]float64, d)}
}

func (n *NormalizeObservation) normalize(x []float64) []float64 {
	if !n.Frozen {
		n.Stats.Update(x)
	}
	for i, v := range x {
		n.out[i] = (v - n.Stats.Mean[i]) / math.Sqrt(n.Stats.Var[i]+n.Eps)
	}
	return n.out
}

func (n *NormalizeObservation) Reset() []float64 { return n.normalize(n.inner.Reset()) }

func (n *NormalizeObservation) Step(action []float64) Transition {
	tr := n.inner.Step(action)
	tr.Obs = n.normalize(tr.Obs)
	return tr
}

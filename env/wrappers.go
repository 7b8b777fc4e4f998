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
	Mean  []float64 `json:"mean"`
	Var   []float64 `json:"var"`
	Count float64   `json:"count"`
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

// Merge folds the statistics of o (same dimension) into r with the same parallel update:
// the result describes the pooled samples of both, each side's initial pseudo-sample
// included.
func (r *RunningMeanStd) Merge(o *RunningMeanStd) {
	n := r.Count + o.Count
	for i := range r.Mean {
		delta := o.Mean[i] - r.Mean[i]
		// M2 = M2_a + M2_b + delta^2 * n_a * n_b / n
		m2 := r.Var[i]*r.Count + o.Var[i]*o.Count + delta*delta*r.Count*o.Count/n
		r.Mean[i] += delta * o.Count / n
		r.Var[i] = m2 / n
	}
	r.Count = n
}

// CopyFrom sets r to o's statistics (same dimension).
func (r *RunningMeanStd) CopyFrom(o *RunningMeanStd) {
	copy(r.Mean, o.Mean)
	copy(r.Var, o.Var)
	r.Count = o.Count
}

// NormalizeObservation standardises observations with running statistics:
// (x - mean) / sqrt(var + eps), where the statistics already include x (Gymnasium's
// NormalizeObservation: Chan et al.'s parallel update with one sample, count starting at
// 1e-4). Every observation is folded in, the first one of each episode included. Set
// Frozen to stop updating (evaluation).
type NormalizeObservation struct {
	base
	Stats  *RunningMeanStd
	Frozen bool
	Eps    float64
	out    []float64
	raw    []float64
}

// NewNormalizeObservation wraps e; eps defaults to 1e-8.
func NewNormalizeObservation(e Env) *NormalizeObservation {
	d := e.ObservationSpace().Dim()
	return &NormalizeObservation{base: base{e}, Stats: NewRunningMeanStd(d), Eps: 1e-8,
		out: make([]float64, d), raw: make([]float64, d)}
}

func (n *NormalizeObservation) normalize(x []float64) []float64 {
	copy(n.raw, x)
	if !n.Frozen {
		n.Stats.Update(x)
	}
	for i, v := range x {
		n.out[i] = (v - n.Stats.Mean[i]) / math.Sqrt(n.Stats.Var[i]+n.Eps)
	}
	return n.out
}

// Raw is the observation the last Reset or Step received from the wrapped environment,
// before normalisation (valid until the next call; not part of the snapshot).
func (n *NormalizeObservation) Raw() []float64 { return n.raw }

func (n *NormalizeObservation) Reset() []float64 { return n.normalize(n.inner.Reset()) }

func (n *NormalizeObservation) Step(action []float64) Transition {
	tr := n.inner.Step(action)
	tr.Obs = n.normalize(tr.Obs)
	return tr
}

// ClipObservation clips every observation value to [Low, High] (CleanRL clips normalised
// observations to [-10, 10]).
type ClipObservation struct {
	base
	Low, High float64
	out       []float64
}

// NewClipObservation wraps e so that its observations are clipped to [low, high].
func NewClipObservation(e Env, low, high float64) *ClipObservation {
	return &ClipObservation{base: base{e}, Low: low, High: high, out: make([]float64, e.ObservationSpace().Dim())}
}

func (c *ClipObservation) clip(x []float64) []float64 {
	for i, v := range x {
		c.out[i] = math.Min(math.Max(v, c.Low), c.High)
	}
	return c.out
}

func (c *ClipObservation) Reset() []float64 { return c.clip(c.inner.Reset()) }

func (c *ClipObservation) Step(action []float64) Transition {
	tr := c.inner.Step(action)
	tr.Obs = c.clip(tr.Obs)
	return tr
}

// NormalizeReward scales rewards so that the discounted return has roughly unit variance
// (Gymnasium's NormalizeReward; "reward scaling" in Engstrom et al. 2020). After each
// step it updates the discounted return
//
//	G_t = gamma * G_{t-1} * (1 - terminated_t) + r_t
//
// folds G_t into running statistics (count starting at 1e-4, as for observations) and
// returns r_t / sqrt(Var[G] + eps). The reward is not centred. As in Gymnasium, only a
// termination restarts G: after a truncation (time limit) it runs on, discounted, into
// the next episode, and Reset leaves it alone. Set Frozen to stop updating.
type NormalizeReward struct {
	base
	Gamma  float64
	Eps    float64
	Stats  *RunningMeanStd // of the discounted return G (one dimension)
	Return float64         // G of the last step
	Frozen bool
	raw    float64
	g      [1]float64
}

// NewNormalizeReward wraps e with discount gamma; eps defaults to 1e-8.
func NewNormalizeReward(e Env, gamma float64) *NormalizeReward {
	return &NormalizeReward{base: base{e}, Gamma: gamma, Eps: 1e-8, Stats: NewRunningMeanStd(1)}
}

func (n *NormalizeReward) Step(action []float64) Transition {
	tr := n.inner.Step(action)
	n.raw = tr.Reward
	keep := n.Gamma
	if tr.Terminated {
		keep = 0
	}
	n.Return = keep*n.Return + tr.Reward
	if !n.Frozen {
		n.g[0] = n.Return
		n.Stats.Update(n.g[:])
	}
	tr.Reward /= math.Sqrt(n.Stats.Var[0] + n.Eps)
	return tr
}

// Raw is the reward of the last Step before scaling.
func (n *NormalizeReward) Raw() float64 { return n.raw }

// ClipReward clips rewards to [Low, High] (CleanRL clips normalised rewards to [-10, 10]).
type ClipReward struct {
	base
	Low, High float64
}

// NewClipReward wraps e so that its rewards are clipped to [low, high].
func NewClipReward(e Env, low, high float64) *ClipReward {
	return &ClipReward{base: base{e}, Low: low, High: high}
}

func (c *ClipReward) Step(action []float64) Transition {
	tr := c.inner.Step(action)
	tr.Reward = math.Min(math.Max(tr.Reward, c.Low), c.High)
	return tr
}

// Snapshots: the clipping wrappers hold no state of their own; NormalizeReward saves its
// running statistics and discounted return (Frozen, Gamma and Eps are settings).

func (c *ClipObservation) Snapshot() ([]byte, error)  { return SnapshotOf(c.inner) }
func (c *ClipObservation) Restore(state []byte) error { return RestoreOf(c.inner, state) }
func (c *ClipReward) Snapshot() ([]byte, error)       { return SnapshotOf(c.inner) }
func (c *ClipReward) Restore(state []byte) error      { return RestoreOf(c.inner, state) }

func (n *NormalizeReward) Snapshot() ([]byte, error) {
	return wrapperSnapshot(n.inner, n.Stats.Count, n.Stats.Mean[0], n.Stats.Var[0], n.Return)
}
func (n *NormalizeReward) Restore(state []byte) error {
	return wrapperRestore(n.inner, state, &n.Stats.Count, &n.Stats.Mean[0], &n.Stats.Var[0], &n.Return)
}

package logs

import "math"

// NoContext marks a row without a latent context (stored as null).
const NoContext = -1

// StepRow is one environment step as logged. Slices are copied by the writer.
type StepRow struct {
	EnvID      string // empty: the run's env id
	Episode    int64
	Step       int64 // from 0 within the episode
	Obs        []float64
	Action     []float64
	Reward     float64
	Terminated bool
	Truncated  bool
	Context    int64   // NoContext when the environment has none
	LogProb    float64 // NaN when absent
	Value      float64 // NaN when absent
	BodyPos    []float64
	BodyQuat   []float64
}

// EpisodeRow is one finished episode.
type EpisodeRow struct {
	EnvID       string // empty: the run's env id
	Episode     int64
	Seed        int64
	Return      float64
	Length      int64
	Terminated  bool
	Truncated   bool
	EnvSteps    int64   // cumulative environment steps at the episode's end
	WallSeconds float64 // since the run started
	Context     int64   // NoContext when the environment has none
	// Terms are the episode's sums of the reward's terms where the reward is a sum of
	// named terms (3D locomotion); nil otherwise (the columns are null).
	Terms *RewardTerms
}

// RewardTerms are an episode's per-term reward sums in a 3D locomotion task: progress
// towards the target, velocity along the heading, the alive bonus and the (negative)
// control cost; they add up to the return. Columns progress, heading, alive, control.
type RewardTerms struct {
	Progress, Heading, Alive, Control float64
}

// RewardTermColumns name the reward-term columns of episodes.parquet, in RewardTerms'
// order.
var RewardTermColumns = []string{"progress", "heading", "alive", "control"}

// NewRewardTerms picks the terms named in RewardTermColumns out of values named by
// names (an environment's RewardTermNames); nil when names holds none of them.
func NewRewardTerms(names []string, values []float64) *RewardTerms {
	var t RewardTerms
	dst := []*float64{&t.Progress, &t.Heading, &t.Alive, &t.Control}
	found := false
	for i, n := range names {
		for k, c := range RewardTermColumns {
			if n == c && i < len(values) {
				*dst[k], found = values[i], true
			}
		}
	}
	if !found {
		return nil
	}
	return &t
}

// MetricRow is one update, generation or batch. Values maps metric names to values;
// names become columns of metrics.parquet.
type MetricRow struct {
	Seed        int64
	Iteration   int64
	EnvSteps    int64
	WallSeconds float64
	Values      map[string]float64
}

// stepRecord is the Parquet layout of the steps table.
type stepRecord struct {
	RunID      string    `parquet:"run_id,dict"`
	EnvID      string    `parquet:"env_id,dict"`
	Episode    int64     `parquet:"episode"`
	Step       int64     `parquet:"step"`
	Obs        []float64 `parquet:"obs,list"`
	Action     []float64 `parquet:"action,list"`
	Reward     float64   `parquet:"reward"`
	Terminated bool      `parquet:"terminated"`
	Truncated  bool      `parquet:"truncated"`
	Context    *int64    `parquet:"context,optional"`
	LogProb    *float64  `parquet:"log_prob,optional"`
	Value      *float64  `parquet:"value,optional"`
	BodyPos    []float64 `parquet:"body_pos,list"`
	BodyQuat   []float64 `parquet:"body_quat,list"`
}

// episodeRecord is the Parquet layout of the episodes table.
type episodeRecord struct {
	RunID       string   `parquet:"run_id,dict"`
	EnvID       string   `parquet:"env_id,dict"`
	Episode     int64    `parquet:"episode"`
	Seed        int64    `parquet:"seed"`
	Return      float64  `parquet:"return"`
	Length      int64    `parquet:"length"`
	Terminated  bool     `parquet:"terminated"`
	Truncated   bool     `parquet:"truncated"`
	EnvSteps    int64    `parquet:"env_steps"`
	WallSeconds float64  `parquet:"wall_seconds"`
	Context     *int64   `parquet:"context,optional"`
	Progress    *float64 `parquet:"progress,optional"`
	Heading     *float64 `parquet:"heading,optional"`
	Alive       *float64 `parquet:"alive,optional"`
	Control     *float64 `parquet:"control,optional"`
}

func (r *episodeRecord) row() EpisodeRow {
	e := EpisodeRow{EnvID: r.EnvID, Episode: r.Episode, Seed: r.Seed, Return: r.Return, Length: r.Length,
		Terminated: r.Terminated, Truncated: r.Truncated, EnvSteps: r.EnvSteps, WallSeconds: r.WallSeconds,
		Context: derefInt(r.Context, NoContext)}
	if r.Progress != nil || r.Heading != nil || r.Alive != nil || r.Control != nil {
		e.Terms = &RewardTerms{Progress: derefFloat(r.Progress), Heading: derefFloat(r.Heading),
			Alive: derefFloat(r.Alive), Control: derefFloat(r.Control)}
	}
	return e
}

// setTerms stores t (nil: null columns) in the record.
func (r *episodeRecord) setTerms(t *RewardTerms) {
	if t == nil {
		return
	}
	p, h, a, c := t.Progress, t.Heading, t.Alive, t.Control
	r.Progress, r.Heading, r.Alive, r.Control = &p, &h, &a, &c
}

func (r *stepRecord) row() StepRow {
	return StepRow{EnvID: r.EnvID, Episode: r.Episode, Step: r.Step, Obs: r.Obs, Action: r.Action, Reward: r.Reward,
		Terminated: r.Terminated, Truncated: r.Truncated, Context: derefInt(r.Context, NoContext),
		LogProb: derefFloat(r.LogProb), Value: derefFloat(r.Value), BodyPos: r.BodyPos, BodyQuat: r.BodyQuat}
}

func derefInt(p *int64, absent int64) int64 {
	if p == nil {
		return absent
	}
	return *p
}

func derefFloat(p *float64) float64 {
	if p == nil {
		return math.NaN()
	}
	return *p
}

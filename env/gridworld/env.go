package gridworld

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"

	"gorl/env"
)

// Actions: up, down, left, right, stay.
const NumActions = 5

// ObsDim is the observation size: the agent's cell one-hot on a MaxSize x MaxSize grid,
// one such plane per object type marking the objects present, and the episode's time
// t * 0.001 (groove's non-tabular observation, sized for the largest levels so every
// level of a family shares one observation space).
const ObsDim = MaxSize*MaxSize*(1+MaxTypes) + 1

// Env is one grid world level.
type Env struct {
	L Level

	pos, time int
	exists    []bool
	src       *rand.PCG
	rng       *rand.Rand
	obs       []float64
	space     env.Space
}

var (
	_ env.Env         = (*Env)(nil)
	_ env.Snapshotter = (*Env)(nil)
)

// New returns an environment of level l.
func New(l Level) (*Env, error) {
	if err := l.validate(); err != nil {
		return nil, err
	}
	e := &Env{L: l, exists: make([]bool, len(l.ObjType)), obs: make([]float64, ObsDim),
		space: env.UniformBox(ObsDim, 0, 1)}
	e.Seed(0)
	return e, nil
}

func (e *Env) ObservationSpace() env.Space { return e.space }
func (e *Env) ActionSpace() env.Space      { return env.NewDiscrete(NumActions) }

func (e *Env) Seed(seed uint64) {
	e.src = env.NewPCG(seed)
	e.rng = rand.New(e.src)
}

// Reset puts the agent on the start cell with every object present.
func (e *Env) Reset() []float64 {
	e.pos, e.time = e.L.Start, 0
	for i := range e.exists {
		e.exists[i] = true
	}
	return e.observe()
}

// Step moves the agent (a wall or the border keeps it in place), collects an object on
// the new cell (its type's reward; the episode ends with its termination probability),
// lets each missing object respawn with its type's probability (a collected object
// stays away at least this step), and truncates at the level's length.
func (e *Env) Step(action []float64) env.Transition {
	l := &e.L
	a := int(action[0])
	r, c := e.pos/l.Size, e.pos%l.Size
	switch a {
	case 0:
		r = max(r-1, 0)
	case 1:
		r = min(r+1, l.Size-1)
	case 2:
		c = max(c-1, 0)
	case 3:
		c = min(c+1, l.Size-1)
	}
	if next := r*l.Size + c; !l.Walls[next] {
		e.pos = next
	}
	var reward, pTerm float64
	collected := -1
	for i, p := range l.ObjPos {
		if e.exists[i] && p == e.pos {
			reward += l.Reward[l.ObjType[i]]
			pTerm += l.PTerm[l.ObjType[i]]
			collected = i
		}
	}
	for i := range e.exists {
		if !e.exists[i] && e.rng.Float64() < l.PRespawn[l.ObjType[i]] {
			e.exists[i] = true
		}
	}
	if collected >= 0 {
		e.exists[collected] = false
	}
	term := collected >= 0 && e.rng.Float64() < pTerm
	e.time++
	return env.Transition{Obs: e.observe(), Reward: reward, Terminated: term, Truncated: !term && e.time >= l.MaxSteps}
}

func (e *Env) observe() []float64 {
	const plane = MaxSize * MaxSize
	clear(e.obs)
	cell := func(p int) int { return (p/e.L.Size)*MaxSize + p%e.L.Size }
	e.obs[cell(e.pos)] = 1
	for i, p := range e.L.ObjPos {
		if e.exists[i] {
			e.obs[plane*(1+e.L.ObjType[i])+cell(p)] = 1
		}
	}
	e.obs[ObsDim-1] = float64(e.time) * 0.001
	return e.obs
}

// snapshot is the JSON form of the episode state and the random stream.
type snapshot struct {
	Level  string `json:"level"`
	Pos    int    `json:"pos"`
	Time   int    `json:"time"`
	Exists []bool `json:"exists"`
	RNG    []byte `json:"rng"`
}

func (e *Env) Snapshot() ([]byte, error) {
	rb, err := e.src.MarshalBinary()
	if err != nil {
		return nil, err
	}
	return json.Marshal(snapshot{Level: e.L.Name, Pos: e.pos, Time: e.time, Exists: e.exists, RNG: rb})
}

func (e *Env) Restore(b []byte) error {
	var s snapshot
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("grid snapshot: %w", err)
	}
	if s.Level != e.L.Name || len(s.Exists) != len(e.exists) || s.Pos < 0 || s.Pos >= e.L.Size*e.L.Size || s.Time < 0 {
		return fmt.Errorf("grid snapshot of level %q does not fit level %q", s.Level, e.L.Name)
	}
	if err := e.src.UnmarshalBinary(s.RNG); err != nil {
		return fmt.Errorf("grid snapshot: %w", err)
	}
	e.pos, e.time = s.Pos, s.Time
	copy(e.exists, s.Exists)
	e.observe()
	return nil
}

// Options: level=K (which level of the family, default 0). Unknown keys are errors.
func fromOptions(name string, opts env.Options) (env.Env, error) {
	keys := make([]string, 0, len(opts))
	for k := range opts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if k != "level" && k != "max_episode_steps" {
			return nil, fmt.Errorf("unknown option %q (known: level, max_episode_steps)", k)
		}
	}
	var idx uint64
	if v, ok := opts["level"]; ok && v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("option level=%q: want a level number 0, 1, 2, ...", v)
		}
		idx = n
	}
	l, err := NewLevel(name, idx)
	if err != nil {
		return nil, err
	}
	return New(l)
}

func init() {
	for _, k := range kinds {
		name := k.name
		env.Register(env.Spec{
			ID:          "grid/" + name,
			Description: "LPG grid world " + name + ": " + k.brief + " (option level=K)",
			New:         func(opts env.Options) (env.Env, error) { return fromOptions(name, opts) },
		})
	}
}

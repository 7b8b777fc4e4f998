package minatar

import (
	"fmt"
	"math/bits"
	"math/rand/v2"
	"strings"

	"gorl/env"
)

// The full MinAtar action set, in MinAtar's order ('n', 'l', 'u', 'r', 'd', 'f'). Games
// see actions of this set; the minimal sets of the -v1 ids map onto it.
const (
	actNoop  = 0
	actLeft  = 1
	actUp    = 2
	actRight = 3
	actDown  = 4
	actFire  = 5
)

// numFullActions is the size of the full action set.
const numFullActions = 6

// Size is the side of the square grid every game plays on.
const Size = 10

// DefaultStickyActionProb is MinAtar's default probability that the previous action is
// repeated instead of the one chosen.
const DefaultStickyActionProb = 0.1

// Config holds the settings shared by the games. Zero values mean MinAtar's defaults.
type Config struct {
	// StickyActionProb is the probability that a step repeats the previous action
	// instead of the chosen one (default 0.1; negative: never).
	StickyActionProb float64
	// NoRamping turns off the difficulty ramp (MinAtar's difficulty_ramping=False).
	NoRamping bool
	// FullActionSet exposes all six actions (MinAtar's -v0 ids) instead of the game's
	// minimal set (the -v1 ids).
	FullActionSet bool
}

func (c Config) stickyProb() float64 {
	switch {
	case c.StickyActionProb == 0:
		return DefaultStickyActionProb
	case c.StickyActionProb < 0:
		return 0
	}
	return c.StickyActionProb
}

// game is one MinAtar game's state and rules. Actions are of the full set.
type game interface {
	// reset starts a new episode, drawing from rng where the game is random.
	reset(rng *rand.Rand)
	// step applies action a and advances the game by one frame; it returns the reward
	// and whether the episode has ended.
	step(a int, rng *rand.Rand) (reward int, terminal bool)
	// render sets the grid cells of the current state (the grid is cleared first).
	render(g grid)
	// ramp is the current level of the difficulty ramp (0 for games without one).
	ramp() int
	// encode appends the state; decode reads it back, checking every value's range,
	// into a fresh value of the same game.
	encode(e *encoder)
	decode(d *decoder)
}

// gameInfo describes a game: its name, channels, minimal action set and constructor.
type gameInfo struct {
	name     string   // MinAtar's module name, e.g. "space_invaders"
	id       string   // the name in ids, e.g. "SpaceInvaders"
	channels []string // channel names in MinAtar's order
	minimal  []int    // minimal action set, as indices of the full set
	brief    string
	newGame  func(ramping bool) game
}

var games = []gameInfo{
	{
		name: "asterix", id: "Asterix",
		channels: []string{"player", "enemy", "trail", "gold"},
		minimal:  []int{actNoop, actLeft, actUp, actRight, actDown},
		brief:    "dodge enemies and collect gold that cross the screen",
		newGame:  func(ramping bool) game { return &asterix{ramping: ramping} },
	},
	{
		name: "breakout", id: "Breakout",
		channels: []string{"paddle", "ball", "trail", "brick"},
		minimal:  []int{actNoop, actLeft, actRight},
		brief:    "bounce a ball off a paddle to break bricks",
		newGame:  func(bool) game { return &breakout{} },
	},
	{
		name: "freeway", id: "Freeway",
		channels: []string{"chicken", "car", "speed1", "speed2", "speed3", "speed4", "speed5"},
		minimal:  []int{actNoop, actUp, actDown},
		brief:    "cross a road of moving cars (episode: 2500 frames)",
		newGame:  func(bool) game { return &freeway{} },
	},
	{
		name: "seaquest", id: "Seaquest",
		channels: []string{"sub_front", "sub_back", "friendly_bullet", "trail", "enemy_bullet",
			"enemy_fish", "enemy_sub", "oxygen_guage", "diver_guage", "diver"},
		minimal: []int{actNoop, actLeft, actUp, actRight, actDown, actFire},
		brief:   "shoot fish and subs, rescue divers, surface for oxygen",
		newGame: func(ramping bool) game { return newSeaquest(ramping) },
	},
	{
		name: "space_invaders", id: "SpaceInvaders",
		channels: []string{"cannon", "alien", "alien_left", "alien_right", "friendly_bullet", "enemy_bullet"},
		minimal:  []int{actNoop, actLeft, actRight, actFire},
		brief:    "shoot down waves of aliens that shoot back",
		newGame:  func(ramping bool) game { return &spaceInvaders{ramping: ramping} },
	},
}

// Games lists the game names New accepts: asterix, breakout, freeway, seaquest,
// space_invaders.
func Games() []string {
	out := make([]string, len(games))
	for i, g := range games {
		out[i] = g.name
	}
	return out
}

func lookupGame(name string) (gameInfo, bool) {
	for _, g := range games {
		if g.name == name {
			return g, true
		}
	}
	return gameInfo{}, false
}

// Env is one MinAtar game behind the env.Env contract. The observation is the
// 10×10×C boolean grid flattened row-major with the channel last, as NumPy flattens
// MinAtar's state: cell (row y, column x, channel c) is Obs[(y*10+x)*C+c], row 0 at the
// top. Actions index the game's minimal action set (or the full set, see Config).
type Env struct {
	info     gameInfo
	g        game
	actions  []int // agent action -> full action
	sticky   float64
	ramping  bool
	last     int // previous full action (sticky actions), kept across episodes as in MinAtar
	terminal bool
	src      *rand.PCG
	rng      *rand.Rand
	obs      []float64
}

// New returns the game name (see Games) with the given settings, on the random stream
// of seed 0; call Reset before Step.
func New(name string, cfg Config) (*Env, error) {
	info, ok := lookupGame(name)
	if !ok {
		return nil, fmt.Errorf("minatar: unknown game %q (known: %s)", name, strings.Join(Games(), ", "))
	}
	p := cfg.stickyProb()
	if !(p >= 0 && p <= 1) {
		return nil, fmt.Errorf("minatar: sticky action probability must be in [0, 1], got %v", cfg.StickyActionProb)
	}
	e := &Env{info: info, g: info.newGame(!cfg.NoRamping), sticky: p, ramping: !cfg.NoRamping,
		obs: make([]float64, Size*Size*len(info.channels))}
	if cfg.FullActionSet {
		e.actions = []int{actNoop, actLeft, actUp, actRight, actDown, actFire}
	} else {
		e.actions = append([]int(nil), info.minimal...)
	}
	e.src = env.NewPCG(0)
	e.rng = rand.New(e.src)
	e.g.reset(e.rng)
	e.terminal = true // Step before Reset does nothing
	return e, nil
}

// Game is the game's name, e.g. "breakout".
func (e *Env) Game() string { return e.info.name }

// Channels names the observation's channels in order.
func (e *Env) Channels() []string { return append([]string(nil), e.info.channels...) }

// Actions lists what each action index does, as MinAtar's action letters: n (no-op),
// l (left), u (up), r (right), d (down), f (fire).
func (e *Env) Actions() []string {
	out := make([]string, len(e.actions))
	for i, a := range e.actions {
		out[i] = string("nlurdf"[a])
	}
	return out
}

// DifficultyRamp is the current level of the game's difficulty ramp (MinAtar's
// difficulty_ramp; 0 for Breakout and Freeway, which do not ramp).
func (e *Env) DifficultyRamp() int { return e.g.ramp() }

// ObservationSpace is Box(0, 1) over the 10×10×C flattened grid.
func (e *Env) ObservationSpace() env.Space { return env.UniformBox(len(e.obs), 0, 1) }

// ActionSpace is Discrete over the action set (minimal by default).
func (e *Env) ActionSpace() env.Space { return env.NewDiscrete(len(e.actions)) }

// Seed makes the random stream env.NewRand(seed); resets, spawns and sticky actions
// all draw from it.
func (e *Env) Seed(seed uint64) { *e.src = *env.NewPCG(seed) }

// Reset starts a new episode. The previous action, which sticky actions repeat, is kept
// from the last episode, as MinAtar keeps it.
func (e *Env) Reset() []float64 {
	e.g.reset(e.rng)
	e.terminal = false
	e.observe()
	return e.obs
}

// Step applies the action: with probability StickyActionProb the previous action is
// taken instead. Actions are rounded to the nearest index and clamped into range (NaN
// and an empty slice count as 0). After the episode has ended, Step returns reward 0 and
// Terminated until Reset, as MinAtar's act does.
func (e *Env) Step(action []float64) env.Transition {
	a := e.actions[discreteAction(action, len(e.actions))]
	if e.sticky > 0 && e.rng.Float64() < e.sticky {
		a = e.last
	}
	e.last = a
	if e.terminal {
		return env.Transition{Obs: e.obs, Terminated: true}
	}
	r, term := e.g.step(a, e.rng)
	e.terminal = term
	e.observe()
	return env.Transition{Obs: e.obs, Reward: float64(r), Terminated: term}
}

func (e *Env) observe() {
	clear(e.obs)
	e.g.render(grid{obs: e.obs, c: len(e.info.channels)})
}

// grid writes cells of a flattened 10×10×c observation.
type grid struct {
	obs []float64
	c   int
}

// set marks cell (row y, column x) of channel ch.
func (g grid) set(y, x, ch int) { g.obs[(y*Size+x)*g.c+ch] = 1 }

// setRow marks the columns whose bits are set in row (bit x is column x).
func (g grid) setRow(y int, row uint16, ch int) {
	for ; row != 0; row &= row - 1 {
		g.set(y, bits.TrailingZeros16(row), ch)
	}
}

// discreteAction maps action[0] to an index in [0, n): rounded to the nearest integer
// (halves up) and clamped into range. NaN and an empty action give 0.
func discreteAction(action []float64, n int) int {
	if len(action) == 0 {
		return 0
	}
	a := action[0]
	if !(a >= 0) { // negative or NaN
		return 0
	}
	if a >= float64(n-1) {
		return n - 1
	}
	return int(a + 0.5)
}

// bit is the mask of column x in a grid row.
func bit(x int) uint16 { return 1 << uint(x) }

// fullRow has all ten columns set.
const fullRow uint16 = 1<<Size - 1

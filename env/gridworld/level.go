// Package gridworld holds the grid worlds of LPG (Oh et al. 2020) as groove (Jackson et
// al. 2024) defines them for meta-training update rules: the five tabular levels of the
// LPG paper (dense, sparse, long, longer, long_dense) and random levels drawn from
// groove's "all" distribution (grid size, walls, objects with rewards and
// termination/respawn probabilities, episode length), each an ordinary gorl
// environment under the ids grid/<level>.
//
// An agent moves on a square grid (actions up, down, left, right, stay); walking onto
// an object collects it: its type's reward, a chance to end the episode (its
// termination probability), and the object is gone until it respawns (each step with its
// type's respawn probability, at its own place). Episodes are cut at the level's
// length. A level is fixed per instance: the option level=K picks the K-th level of its
// kind (positions, and for grid/random every sampled parameter, come from K), so
// held-out levels are simply other K.
package gridworld

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gorl/env"
)

// Largest grids and object counts: observations are sized for them, so every level of
// a kind has the same observation space.
const (
	MaxSize  = 13
	MaxObjs  = 5
	MaxTypes = 5
)

// Level is one grid world. Cells are numbered row major, pos = row*Size + col.
type Level struct {
	Name     string
	Size     int
	Walls    []bool // [Size*Size]
	Start    int
	ObjType  []int     // type of each object
	ObjPos   []int     // where each object is (and respawns)
	Reward   []float64 // per type
	PTerm    []float64 // per type: probability that collecting ends the episode
	PRespawn []float64 // per type: per-step probability that a collected object returns
	MaxSteps int       // episode length (truncation)
}

// kind is a family of levels: fixed parameters (the LPG tabular levels) or a sampler.
type kind struct {
	name, brief string
	sample      func(rng *rand.Rand) Level
}

// fixed returns a sampler of a tabular level whose start and object cells are drawn
// from the level's stream (as groove draws them per level).
func fixed(size, maxSteps int, walls []int, types []int, reward, pterm, prespawn []float64) func(*rand.Rand) Level {
	return func(rng *rand.Rand) Level {
		l := Level{Size: size, MaxSteps: maxSteps, Walls: make([]bool, size*size), ObjType: types,
			Reward: reward, PTerm: pterm, PRespawn: prespawn}
		for _, w := range walls {
			l.Walls[w] = true
		}
		l.place(rng)
		return l
	}
}

// place draws the start cell and the object cells, distinct and off walls.
func (l *Level) place(rng *rand.Rand) {
	var free []int
	for c := range l.Size * l.Size {
		if !l.Walls[c] {
			free = append(free, c)
		}
	}
	rng.Shuffle(len(free), func(i, j int) { free[i], free[j] = free[j], free[i] })
	l.Start = free[0]
	l.ObjPos = append([]int(nil), free[1:1+len(l.ObjType)]...)
}

// verticalWall is a wall down column col of a size x size grid with gaps at the given rows.
func verticalWall(size, col int, gaps ...int) []int {
	var w []int
	for r := range size {
		if !contains(gaps, r) {
			w = append(w, r*size+col)
		}
	}
	return w
}

func horizontalWall(size, row int, gaps ...int) []int {
	var w []int
	for c := range size {
		if !contains(gaps, c) {
			w = append(w, row*size+c)
		}
	}
	return w
}

func contains(xs []int, v int) bool {
	for _, x := range xs {
		if x == v {
			return true
		}
	}
	return false
}

// kinds are groove's gridworld configs: the LPG paper's tabular levels and "all", the
// random-level distribution of its all_vrandlife meta-training.
var kinds = []kind{
	{"dense", "11x11, 4 objects (+1, -1, -1 types), episodes of 500 steps",
		fixed(11, 500, nil, []int{0, 0, 1, 2}, []float64{1, -1, -1}, []float64{0, 0.5, 0}, []float64{0.05, 0.1, 0.5})},
	{"sparse", "13x13, 2 objects (+1, -1) that end the episode, 50 steps",
		fixed(13, 50, nil, []int{0, 1}, []float64{1, -1}, []float64{1, 1}, []float64{0, 0})},
	{"long", "11x11, 4 objects (+1, -1 types), 1000 steps",
		fixed(11, 1000, nil, []int{0, 0, 1, 1}, []float64{1, -1}, []float64{0, 0.5}, []float64{0.01, 1})},
	{"longer", "9x9 with a dividing wall, 5 objects, 2000 steps",
		fixed(9, 2000, verticalWall(9, 4, 1, 7), []int{0, 0, 1, 1, 1}, []float64{1, -1}, []float64{0.1, 0.8}, []float64{0.01, 1})},
	{"long_dense", "11x11 in four rooms, 4 (+1) objects, 2000 steps",
		fixed(11, 2000, append(verticalWall(11, 5, 0, 7), horizontalWall(11, 4, 2, 8)...), []int{0, 0, 0, 0}, []float64{1}, []float64{0}, []float64{0.005})},
	{"random", "a random level as groove's \"all\": 4..10 wide, 15 wall draws, 1..5 objects, random rewards and probabilities, 20..750 steps", sampleRandom},
}

// sampleRandom draws a level from groove's "all" distribution: grid size uniform in
// 4..10, 15 wall cells drawn from a 10x10 grid (those outside the level are unused),
// 1..5 objects of distinct types, rewards uniform in [-1, 1] with the first in [0, 1],
// termination probabilities log-uniform in [1e-2, 1], respawn probabilities
// log-uniform in [1e-3, 1e-1], episode length log-uniform in [20, 750] (rounded).
func sampleRandom(rng *rand.Rand) Level {
	l := Level{Size: 4 + rng.IntN(7)}
	l.MaxSteps = int(math.Round(logUniform(rng, 20, 750)))
	n := 1 + rng.IntN(MaxObjs)
	l.Walls = make([]bool, l.Size*l.Size)
	for _, c := range rng.Perm(100)[:15] {
		r, col := c/10, c%10
		if r < l.Size && col < l.Size {
			l.Walls[r*l.Size+col] = true
		}
	}
	free := 0
	for _, w := range l.Walls {
		if !w {
			free++
		}
	}
	for free < n+1 { // too many walls on a small grid: clear from the end
		for c := len(l.Walls) - 1; c >= 0 && free < n+1; c-- {
			if l.Walls[c] {
				l.Walls[c], free = false, free+1
			}
		}
	}
	for i := range n {
		l.ObjType = append(l.ObjType, i)
		r := -1 + 2*rng.Float64()
		if i == 0 {
			r = rng.Float64()
		}
		l.Reward = append(l.Reward, r)
		l.PTerm = append(l.PTerm, logUniform(rng, 1e-2, 1))
		l.PRespawn = append(l.PRespawn, logUniform(rng, 1e-3, 1e-1))
	}
	l.place(rng)
	return l
}

func logUniform(rng *rand.Rand, lo, hi float64) float64 {
	return math.Exp(math.Log(lo) + rng.Float64()*(math.Log(hi)-math.Log(lo)))
}

// Kinds lists the level families: the ids are "grid/" + name.
func Kinds() []string {
	out := make([]string, len(kinds))
	for i, k := range kinds {
		out[i] = k.name
	}
	return out
}

// NewLevel returns level number index of the named family. The same name and index
// always give the same level.
func NewLevel(name string, index uint64) (Level, error) {
	for _, k := range kinds {
		if k.name == name {
			l := k.sample(env.NewRand(index, streamLevel))
			l.Name = fmt.Sprintf("%s#%d", name, index)
			return l, l.validate()
		}
	}
	return Level{}, fmt.Errorf("grid level %q: want one of %v", name, Kinds())
}

// streamLevel keys the level draws under the level index.
const streamLevel = 1

func (l Level) validate() error {
	switch {
	case l.Size < 2 || l.Size > MaxSize:
		return fmt.Errorf("grid %s: size %d not in [2, %d]", l.Name, l.Size, MaxSize)
	case len(l.ObjType) > MaxObjs || len(l.ObjPos) != len(l.ObjType):
		return fmt.Errorf("grid %s: %d objects at %d cells (at most %d)", l.Name, len(l.ObjType), len(l.ObjPos), MaxObjs)
	case len(l.Reward) > MaxTypes || len(l.PTerm) != len(l.Reward) || len(l.PRespawn) != len(l.Reward):
		return fmt.Errorf("grid %s: inconsistent object types", l.Name)
	case l.MaxSteps < 1:
		return fmt.Errorf("grid %s: episode length %d", l.Name, l.MaxSteps)
	}
	for _, t := range l.ObjType {
		if t < 0 || t >= len(l.Reward) {
			return fmt.Errorf("grid %s: object type %d has no reward", l.Name, t)
		}
	}
	return nil
}

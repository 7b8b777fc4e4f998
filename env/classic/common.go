package classic

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"

	"gorl/env"
)

// stream is an environment's random source: the PCG state (saved by snapshots) and the
// *rand.Rand that draws from it. Seeded with s it is the stream env.NewRand(s).
type stream struct {
	src *rand.PCG
	rng *rand.Rand
}

func newStream(seed uint64) stream {
	src := env.NewPCG(seed)
	return stream{src: src, rng: rand.New(src)}
}

// seed restarts the stream as env.NewRand(seed) starts it. The PCG is overwritten in
// place so that rng keeps drawing from it.
func (s stream) seed(seed uint64) { *s.src = *env.NewPCG(seed) }

// uniform draws from U(lo, hi) as NumPy's Generator.uniform does: lo + (hi-lo)·U[0,1).
func (s stream) uniform(lo, hi float64) float64 { return lo + (hi-lo)*s.rng.Float64() }

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

// continuousAction returns action[0] with NaN (or a missing value) replaced by 0.
func continuousAction(action []float64) float64 {
	if len(action) == 0 || math.IsNaN(action[0]) {
		return 0
	}
	return action[0]
}

// clip limits x to [lo, hi].
func clip(x, lo, hi float64) float64 {
	if x < lo {
		return lo
	}
	if x > hi {
		return hi
	}
	return x
}

// Snapshots are: tag, one byte holding the number of state values, the values (float64,
// little endian), then the PCG state in its MarshalBinary form.

func snapshot(tag string, s stream, vals ...float64) ([]byte, error) {
	out := make([]byte, 0, len(tag)+1+8*len(vals)+20)
	out = append(out, tag...)
	out = append(out, byte(len(vals)))
	for _, v := range vals {
		out = binary.LittleEndian.AppendUint64(out, math.Float64bits(v))
	}
	out, err := s.src.AppendBinary(out)
	if err != nil {
		return nil, fmt.Errorf("snapshot %s: %w", tag, err)
	}
	return out, nil
}

// restore decodes a snapshot written by snapshot with the same tag and number of values
// into vals and returns its random stream. It changes nothing else: the caller validates
// the values and then commits them and the stream (s.commit), so that a failed Restore
// leaves the environment as it was.
func restore(tag string, state []byte, vals ...*float64) (rand.PCG, error) {
	var src rand.PCG
	head := len(tag) + 1 + 8*len(vals)
	if len(state) < head || string(state[:len(tag)]) != tag || int(state[len(tag)]) != len(vals) {
		return src, fmt.Errorf("restore %s: not a snapshot of this environment", tag)
	}
	if err := src.UnmarshalBinary(state[head:]); err != nil {
		return src, fmt.Errorf("restore %s: random stream: %w", tag, err)
	}
	for i, p := range vals {
		*p = math.Float64frombits(binary.LittleEndian.Uint64(state[len(tag)+1+8*i:]))
	}
	return src, nil
}

// commit makes src the stream's state.
func (s stream) commit(src rand.PCG) { *s.src = src }

// checkOptions rejects option keys the environment does not know, so that a misspelt
// setting is an error rather than silently ignored. max_episode_steps is env.Make's.
func checkOptions(opts env.Options, known ...string) error {
	keys := make([]string, 0, len(opts))
	for k := range opts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if k == "max_episode_steps" {
			continue
		}
		ok := false
		for _, kn := range known {
			ok = ok || k == kn
		}
		if !ok {
			if len(known) == 0 {
				return fmt.Errorf("unknown option %q (this environment takes none besides max_episode_steps)", k)
			}
			return fmt.Errorf("unknown option %q (known: %s, max_episode_steps)", k, strings.Join(known, ", "))
		}
	}
	return nil
}

// box32 is the Box with bounds low and high rounded to float32, as Gymnasium's float32
// observation spaces hold them. Every bound used here rounds away from zero, so the
// float64 states the environments produce lie inside.
func box32(low, high []float64) env.Space {
	lo := make([]float64, len(low))
	hi := make([]float64, len(high))
	for i := range low {
		lo[i] = float64(float32(low[i]))
		hi[i] = float64(float32(high[i]))
	}
	return env.NewBox(lo, hi)
}

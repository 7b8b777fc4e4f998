package env

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
)

// SpaceKind tells a Discrete space from a Box.
type SpaceKind int

const (
	Discrete SpaceKind = iota // one integer in [0, N)
	Box                       // a real vector with per-dimension bounds (possibly infinite)
)

// Space describes observations or actions. A Discrete space holds one value in [0, N);
// a Box holds len(Low) values with Low[i] <= x[i] <= High[i].
type Space struct {
	Kind      SpaceKind
	N         int       // Discrete: number of values
	Low, High []float64 // Box: bounds (±Inf for unbounded)
}

// NewDiscrete returns the space {0, ..., n-1}.
func NewDiscrete(n int) Space { return Space{Kind: Discrete, N: n} }

// NewBox returns a box with the given bounds; low and high must have equal lengths.
func NewBox(low, high []float64) Space {
	return Space{Kind: Box, Low: append([]float64(nil), low...), High: append([]float64(nil), high...)}
}

// UniformBox returns a box of dim dimensions, each within [low, high].
func UniformBox(dim int, low, high float64) Space {
	s := Space{Kind: Box, Low: make([]float64, dim), High: make([]float64, dim)}
	for i := range s.Low {
		s.Low[i], s.High[i] = low, high
	}
	return s
}

// Dim is the length of a value of the space: 1 for Discrete, len(Low) for Box.
func (s Space) Dim() int {
	if s.Kind == Discrete {
		return 1
	}
	return len(s.Low)
}

// Contains reports whether x is a valid value of the space.
func (s Space) Contains(x []float64) bool {
	if len(x) != s.Dim() {
		return false
	}
	if s.Kind == Discrete {
		v := x[0]
		return v == math.Trunc(v) && v >= 0 && v < float64(s.N)
	}
	for i, v := range x {
		if math.IsNaN(v) || v < s.Low[i] || v > s.High[i] {
			return false
		}
	}
	return true
}

// Sample writes a uniformly random value of the space into dst (len Dim). Unbounded box
// dimensions are sampled from a standard normal, half-bounded ones from an exponential.
func (s Space) Sample(rng *rand.Rand, dst []float64) {
	if s.Kind == Discrete {
		dst[0] = float64(rng.IntN(s.N))
		return
	}
	for i := range dst {
		lo, hi := s.Low[i], s.High[i]
		switch {
		case !math.IsInf(lo, 0) && !math.IsInf(hi, 0):
			dst[i] = lo + (hi-lo)*rng.Float64()
		case math.IsInf(lo, 0) && math.IsInf(hi, 0):
			dst[i] = rng.NormFloat64()
		case math.IsInf(hi, 0):
			dst[i] = lo + rng.ExpFloat64()
		default:
			dst[i] = hi - rng.ExpFloat64()
		}
	}
}

func (s Space) String() string {
	if s.Kind == Discrete {
		return fmt.Sprintf("Discrete(%d)", s.N)
	}
	lo, hi := s.Low[0], s.High[0]
	uniform := true
	for i := range s.Low {
		if s.Low[i] != lo || s.High[i] != hi {
			uniform = false
			break
		}
	}
	if uniform {
		return fmt.Sprintf("Box(%s, %s, (%d,))", fmtBound(lo), fmtBound(hi), len(s.Low))
	}
	var b strings.Builder
	b.WriteString("Box([")
	for i, v := range s.Low {
		if i > 0 {
			b.WriteString(" ")
		}
		b.WriteString(fmtBound(v))
	}
	b.WriteString("], [")
	for i, v := range s.High {
		if i > 0 {
			b.WriteString(" ")
		}
		b.WriteString(fmtBound(v))
	}
	fmt.Fprintf(&b, "], (%d,))", len(s.Low))
	return b.String()
}

func fmtBound(v float64) string {
	switch {
	case math.IsInf(v, 1):
		return "inf"
	case math.IsInf(v, -1):
		return "-inf"
	}
	return fmt.Sprintf("%.4g", v)
}

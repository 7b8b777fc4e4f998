package env

import "math/rand/v2"

// NewRand returns a PCG stream derived from a run seed and a path of stream ids (for
// example env index, worker index, component). Distinct paths give independent streams,
// and the same seed and path always give the same stream, whatever the goroutine layout.
func NewRand(seed uint64, path ...uint64) *rand.Rand {
	return rand.New(NewPCG(seed, path...))
}

// NewPCG returns the source behind NewRand, for components that snapshot their stream
// (rand.PCG implements encoding.BinaryMarshaler).
func NewPCG(seed uint64, path ...uint64) *rand.PCG {
	return rand.NewPCG(DeriveSeed(seed, path...), 0x9e3779b97f4a7c15)
}

// DeriveSeed mixes a seed with a path of stream ids into a new 64-bit seed (splitmix64).
func DeriveSeed(seed uint64, path ...uint64) uint64 {
	h := splitmix(seed ^ 0x6a09e667f3bcc909)
	for _, p := range path {
		h = splitmix(h ^ splitmix(p+0xbb67ae8584caa73b))
	}
	return h
}

func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

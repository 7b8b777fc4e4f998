package evolution

import (
	"math"
	"sort"
)

// Ranks writes the rank of each fitness (0 for the lowest, len-1 for the highest) into
// dst (grown to len(fitness)) and returns it. Ties are ranked in index order (the
// earlier member gets the lower rank), as a stable argsort does, so ranks are always
// a permutation of 0..N-1. NaN fitness ranks below every number.
func Ranks(dst []float64, fitness []float64) []float64 {
	n := len(fitness)
	dst = grow(dst, n)
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return less(fitness[idx[a]], fitness[idx[b]]) })
	for r, i := range idx {
		dst[i] = float64(r)
	}
	return dst
}

// less orders NaN first, then numbers ascending.
func less(a, b float64) bool {
	if math.IsNaN(a) {
		return !math.IsNaN(b)
	}
	if math.IsNaN(b) {
		return false
	}
	return a < b
}

// CentredRanks is evosax's centred-rank shaping: f_i = rank_i/(N-1) - 0.5, in
// [-0.5, 0.5], the best member at 0.5. Ties as in Ranks. A population of one
// gets 0.
func CentredRanks(dst []float64, fitness []float64) []float64 {
	dst = Ranks(dst, fitness)
	n := len(fitness)
	if n == 1 {
		dst[0] = 0
		return dst
	}
	for i := range dst {
		dst[i] = dst[i]/float64(n-1) - 0.5
	}
	return dst
}

// ZScore shapes fitness to (f - mean)/(std + 1e-8).
func ZScore(dst []float64, fitness []float64) []float64 {
	n := len(fitness)
	dst = grow(dst, n)
	var mean, v float64
	for _, f := range fitness {
		mean += f
	}
	mean /= float64(n)
	for _, f := range fitness {
		v += (f - mean) * (f - mean)
	}
	std := math.Sqrt(v / float64(n))
	for i, f := range fitness {
		dst[i] = (f - mean) / (std + 1e-8)
	}
	return dst
}

// NESUtilities is the rank-based utility of natural evolution strategies (Wierstra
// et al. 2014, eq. 13), as SNES uses it: the member of rank k from the best gets
// u_k = max(0, ln(N/2 + 1) - ln k) / sum_j max(0, ln(N/2 + 1) - ln j) - 1/N.
// Utilities sum to zero; ties as in Ranks.
func NESUtilities(dst []float64, fitness []float64) []float64 {
	n := len(fitness)
	dst = Ranks(dst, fitness)
	raw := make([]float64, n)
	var sum float64
	for k := 1; k <= n; k++ {
		raw[k-1] = math.Max(0, math.Log(float64(n)/2+1)-math.Log(float64(k)))
		sum += raw[k-1]
	}
	for i := range dst {
		k := n - int(dst[i]) // 1 for the best
		dst[i] = raw[k-1]/sum - 1/float64(n)
	}
	return dst
}

func grow(dst []float64, n int) []float64 {
	if cap(dst) < n {
		return make([]float64, n)
	}
	return dst[:n]
}

package logs

import (
	"math"
	"math/rand/v2"
	"slices"
)

// Mean is the arithmetic mean of x (NaN for none).
func Mean(x []float64) float64 {
	if len(x) == 0 {
		return math.NaN()
	}
	s := 0.0
	for _, v := range x {
		s += v
	}
	return s / float64(len(x))
}

// StdDev is the sample standard deviation of x, with the n-1 denominator (NaN for fewer
// than two values).
func StdDev(x []float64) float64 {
	if len(x) < 2 {
		return math.NaN()
	}
	m := Mean(x)
	s := 0.0
	for _, v := range x {
		s += (v - m) * (v - m)
	}
	return math.Sqrt(s / float64(len(x)-1))
}

// StdErr is the standard error of the mean, StdDev(x)/sqrt(n).
func StdErr(x []float64) float64 {
	return StdDev(x) / math.Sqrt(float64(len(x)))
}

// Bootstrap estimates a percentile confidence interval of the mean of x: Resamples
// resamples of len(x) values drawn with replacement, the interval between the
// (1-Level)/2 and (1+Level)/2 quantiles of their means. The draws come from a PCG stream
// seeded with Seed, so the same settings give the same interval.
type Bootstrap struct {
	Resamples int     // default 10000
	Level     float64 // default 0.95
	Seed      uint64
}

// MeanCI returns the interval's low and high ends (NaN for no values).
func (b Bootstrap) MeanCI(x []float64) (lo, hi float64) {
	if len(x) == 0 {
		return math.NaN(), math.NaN()
	}
	return b.ResampledCI(x, b.Resample(len(x)), nil)
}

// Resample draws the bootstrap's resamples of n values: Resamples rows of n indices in
// [0, n), from the PCG stream seeded with Seed. MeanCI draws these; a caller that needs
// the interval of many samples of the same n draws them once (ResampledCI).
func (b Bootstrap) Resample(n int) [][]int32 {
	resamples := b.Resamples
	if resamples <= 0 {
		resamples = 10000
	}
	rng := rand.New(rand.NewPCG(b.Seed, 0x626f6f74)) // stream "boot"
	flat := make([]int32, resamples*n)
	for i := range flat {
		flat[i] = int32(rng.IntN(n))
	}
	out := make([][]int32, resamples)
	for r := range out {
		out[r] = flat[r*n : (r+1)*n]
	}
	return out
}

// ResampledCI is MeanCI of x over resamples drawn by Resample(len(x)); means is scratch
// space of len(resamples) (nil: allocated).
func (b Bootstrap) ResampledCI(x []float64, resamples [][]int32, means []float64) (lo, hi float64) {
	if len(means) != len(resamples) {
		means = make([]float64, len(resamples))
	}
	n := float64(len(x))
	for r, idx := range resamples {
		s := 0.0
		for _, i := range idx {
			s += x[i]
		}
		means[r] = s / n
	}
	slices.Sort(means)
	level := b.level()
	return Quantile(means, (1-level)/2), Quantile(means, (1+level)/2)
}

func (b Bootstrap) level() float64 {
	if b.Level <= 0 || b.Level >= 1 {
		return 0.95
	}
	return b.Level
}

// Quantile is the q-quantile of sorted values with linear interpolation between order
// statistics (NumPy's default, "linear"). NaN for no values.
func Quantile(sorted []float64, q float64) float64 {
	n := len(sorted)
	if n == 0 {
		return math.NaN()
	}
	pos := q * float64(n-1)
	i := int(math.Floor(pos))
	if i >= n-1 {
		return sorted[n-1]
	}
	if i < 0 {
		return sorted[0]
	}
	f := pos - float64(i)
	return sorted[i] + f*(sorted[i+1]-sorted[i])
}

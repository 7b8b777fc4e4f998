package ppo

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// Interval is a sample mean with its two-sided 95% Student-t confidence interval.
type Interval struct {
	N              int
	Mean, Lo, Hi   float64
	SD, StdErr, DF float64
}

func (iv Interval) String() string {
	return fmt.Sprintf("%.1f [%.1f, %.1f] (n %d, sd %.1f)", iv.Mean, iv.Lo, iv.Hi, iv.N, iv.SD)
}

// MeanInterval is the mean of xs with the 95% interval mean ± t_{0.975, n-1} s/√n
// (s the unbiased standard deviation); the interval is empty (NaN bounds) below two
// samples.
func MeanInterval(xs []float64) Interval {
	n := float64(len(xs))
	var mean, ss float64
	for _, x := range xs {
		mean += x
	}
	mean /= n
	for _, x := range xs {
		ss += (x - mean) * (x - mean)
	}
	iv := Interval{N: len(xs), Mean: mean, Lo: math.NaN(), Hi: math.NaN(), DF: n - 1}
	if len(xs) < 2 {
		return iv
	}
	iv.SD = math.Sqrt(ss / (n - 1))
	iv.StdErr = iv.SD / math.Sqrt(n)
	iv.Lo, iv.Hi = tInterval(mean, iv.StdErr, iv.DF)
	return iv
}

// DiffInterval is mean(a) - mean(b) with Welch's 95% interval: standard error
// √(s_a²/n_a + s_b²/n_b) and the Welch-Satterthwaite degrees of freedom.
func DiffInterval(a, b []float64) Interval {
	ia, ib := MeanInterval(a), MeanInterval(b)
	d := Interval{N: ia.N + ib.N, Mean: ia.Mean - ib.Mean, Lo: math.NaN(), Hi: math.NaN()}
	if ia.N < 2 || ib.N < 2 {
		return d
	}
	va, vb := ia.StdErr*ia.StdErr, ib.StdErr*ib.StdErr
	d.StdErr = math.Sqrt(va + vb)
	d.SD = math.NaN()
	if d.StdErr == 0 {
		d.Lo, d.Hi, d.DF = d.Mean, d.Mean, ia.DF+ib.DF
		return d
	}
	d.DF = (va + vb) * (va + vb) / (va*va/ia.DF + vb*vb/ib.DF)
	d.Lo, d.Hi = tInterval(d.Mean, d.StdErr, d.DF)
	return d
}

func tInterval(mean, se, df float64) (lo, hi float64) {
	h := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}.Quantile(0.975) * se
	return mean - h, mean + h
}

package lmdp

import (
	"fmt"
	"io"
	"math"
)

// Rate is the rate experiment: one experiment of K = max(Ks) episodes per seed, with the
// cumulative regret read at every K in Ks (prefixes of the same runs, so iota is the one
// of the largest K) and compared with sqrt(K) and with the upper bound's scale
// sqrt(Var* M Gamma S A K) (its constants and log factors are not known, so only the
// shape is comparable). The K-exponent is the least-squares slope of log regret against
// log K over Ks.
type Rate struct {
	Base Experiment
	Ks   []int // increasing, >= 1
}

// RateRow is the regret at one K.
type RateRow struct {
	K        int
	Mean, SD float64 // over seeds
	Scale    float64 // sqrt(Var* M Gamma S A K)
}

// RateResult is the outcome of a rate experiment.
type RateResult struct {
	Summary *Summary
	Rows    []RateRow
	// Exponent is the fitted slope of log mean regret against log K; SeedExponents are
	// the same fit per seed, and Lo, Hi the 95% t-interval of their mean (NaN for one seed).
	Exponent      float64
	SeedExponents []float64
	SeedMean      float64
	Lo, Hi        float64
}

// Run performs the experiment (writing dir as Experiment.Run does) and prints its table.
func (rt Rate) Run(dir string, out io.Writer, progress func(done int)) (*RateResult, error) {
	if len(rt.Ks) < 2 {
		return nil, fmt.Errorf("rate: needs at least two K values")
	}
	for i, k := range rt.Ks {
		if k < 1 || (i > 0 && k <= rt.Ks[i-1]) {
			return nil, fmt.Errorf("rate: K values must be increasing and >= 1, got %v", rt.Ks)
		}
	}
	x := rt.Base
	x.Config.K = rt.Ks[len(rt.Ks)-1]
	x.Command, x.RateKs = "lmdp rate", rt.Ks
	sum, err := x.Run(dir, progress)
	if err != nil {
		return nil, err
	}
	l, ref := x.Instance, sum.Reference
	scale := math.Sqrt(ref.VarStar * float64(l.M*ref.Gamma*l.S*l.A))
	res := &RateResult{Summary: sum}
	logK := make([]float64, len(rt.Ks))
	logMean := make([]float64, len(rt.Ks))
	for i, k := range rt.Ks {
		vals := make([]float64, len(sum.Results))
		for j, r := range sum.Results {
			vals[j] = r.CumRegret[k-1]
		}
		mean, sd := meanSD(vals)
		res.Rows = append(res.Rows, RateRow{K: k, Mean: mean, SD: sd, Scale: scale * math.Sqrt(float64(k))})
		logK[i], logMean[i] = math.Log(float64(k)), math.Log(mean)
	}
	res.Exponent = fitSlope(logK, logMean)
	for _, r := range sum.Results {
		ys := make([]float64, len(rt.Ks))
		for i, k := range rt.Ks {
			ys[i] = math.Log(r.CumRegret[k-1])
		}
		res.SeedExponents = append(res.SeedExponents, fitSlope(logK, ys))
	}
	res.SeedMean, res.Lo, res.Hi = tInterval(res.SeedExponents)
	res.print(out, ref)
	return res, nil
}

func (res *RateResult) print(out io.Writer, ref Reference) {
	fmt.Fprintf(out, "%8s %12s %10s %14s %14s\n", "K", "regret", "sd", "regret/sqrtK", "regret/scale")
	for _, r := range res.Rows {
		fmt.Fprintf(out, "%8d %12.2f %10.2f %14.4f %14.4f\n", r.K, r.Mean, r.SD, r.Mean/math.Sqrt(float64(r.K)), r.Mean/r.Scale)
	}
	fmt.Fprintf(out, "scale = sqrt(Var* M Gamma S A K), Var* = %.5f\n", ref.VarStar)
	fmt.Fprintf(out, "fitted K-exponent of the mean regret: %.3f (sqrt(K): 0.5)\n", res.Exponent)
	fmt.Fprintf(out, "per-seed exponents %s: mean %.3f, 95%% interval [%.3f, %.3f]\n", fmtList(res.SeedExponents), res.SeedMean, res.Lo, res.Hi)
}

func fmtList(x []float64) string {
	s := "["
	for i, v := range x {
		if i > 0 {
			s += " "
		}
		s += fmt.Sprintf("%.3f", v)
	}
	return s + "]"
}

// fitSlope is the least-squares slope of ys against xs (NaN when undefined, or when a
// y is not finite: a regret of 0 has no logarithm).
func fitSlope(xs, ys []float64) float64 {
	var mx, my float64
	for i := range xs {
		if math.IsInf(ys[i], 0) || math.IsNaN(ys[i]) {
			return math.NaN()
		}
		mx += xs[i]
		my += ys[i]
	}
	n := float64(len(xs))
	mx, my = mx/n, my/n
	var sxy, sxx float64
	for i := range xs {
		sxy += (xs[i] - mx) * (ys[i] - my)
		sxx += (xs[i] - mx) * (xs[i] - mx)
	}
	if sxx == 0 {
		return math.NaN()
	}
	return sxy / sxx
}

// tInterval is the mean of x and its two-sided 95% Student-t interval.
func tInterval(x []float64) (mean, lo, hi float64) {
	mean, sd := meanSD(x)
	if len(x) < 2 {
		return mean, math.NaN(), math.NaN()
	}
	half := tQuantile975(len(x)-1) * sd / math.Sqrt(float64(len(x)))
	return mean, mean - half, mean + half
}

// tQuantile975 is the 0.975 quantile of Student's t with df degrees of freedom (table to
// 30, then the normal's 1.96 as the limit).
func tQuantile975(df int) float64 {
	table := []float64{12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
		2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
		2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042}
	if df >= 1 && df <= len(table) {
		return table[df-1]
	}
	return 1.96
}

// RateCurves are the lines of the rate plot: the mean regret, c sqrt(K) through its value
// at the first K, and the bound's scale sqrt(Var* M Gamma S A K).
func (res *RateResult) RateCurves(label string) []Curve {
	mean := res.Summary.Mean
	k0 := res.Rows[0].K
	c := mean[k0-1] / math.Sqrt(float64(k0))
	sq, sc := make([]float64, len(mean)), make([]float64, len(mean))
	scale := res.Rows[0].Scale / math.Sqrt(float64(k0))
	for k := range mean {
		sq[k], sc[k] = c*math.Sqrt(float64(k+1)), scale*math.Sqrt(float64(k+1))
	}
	return []Curve{{Label: label, Y: mean}, {Label: "sqrt(K), matched at the first K", Y: sq}, {Label: "sqrt(Var* M Gamma S A K)", Y: sc}}
}

// Package horizons holds the generalisation experiments of learned objectives across
// training horizons (Jackson et al. 2024): a PPO drift (LPO, TA-LPO) trained at
// several multiples of its meta-training horizon against PPO-clip (Drift), and an LPG
// update rule (LPG, TA-LPG) trained for several lifetimes on held-out levels against
// A2C (Rules); both with the n/N ablations (shuffled, fixed). Every inner run is
// independent and seeded, so results do not depend on the number of workers.
package horizons

import (
	"math"

	"gonum.org/v1/gonum/stat/distuv"

	"gorl/logs"
)

// CI95 is the half-width of the 95% confidence interval of the mean of xs (Student's t
// with n-1 degrees of freedom times the standard error); NaN for fewer than 2 values.
func CI95(xs []float64) float64 {
	n := len(xs)
	if n < 2 {
		return math.NaN()
	}
	t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(n - 1)}.Quantile(0.975)
	return t * logs.StdErr(xs)
}

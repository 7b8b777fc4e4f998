package ppo

import (
	"math"
	"testing"
)

// TestIntervals checks the t-intervals against hand computation with tabulated
// quantiles: t_{0.975,4} = 2.776445105, t_{0.975,8} = 2.306004135.
func TestIntervals(t *testing.T) {
	a, b := []float64{1, 2, 3, 4, 5}, []float64{3, 4, 5, 6, 7}
	iv := MeanInterval(a)
	h := 2.776445105 * math.Sqrt(2.5/5)
	if math.Abs(iv.Mean-3) > 1e-12 || math.Abs(iv.Lo-(3-h)) > 1e-8 || math.Abs(iv.Hi-(3+h)) > 1e-8 {
		t.Errorf("MeanInterval = %v, want 3 [%.9f, %.9f]", iv, 3-h, 3+h)
	}
	// Equal variances and sizes: Welch's degrees of freedom are n_a + n_b - 2 = 8 and
	// the standard error sqrt(2.5/5 + 2.5/5) = 1.
	d := DiffInterval(a, b)
	if math.Abs(d.DF-8) > 1e-9 || math.Abs(d.Lo-(-2-2.306004135)) > 1e-8 || math.Abs(d.Hi-(-2+2.306004135)) > 1e-8 {
		t.Errorf("DiffInterval = %+v, want -2 [-4.306004135, 0.306004135], df 8", d)
	}
	if iv := MeanInterval([]float64{500}); !math.IsNaN(iv.Lo) || iv.Mean != 500 {
		t.Errorf("one sample: %+v, want mean 500 and no interval", iv)
	}
}

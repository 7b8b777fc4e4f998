package ppo

import (
	"math"
	"testing"
)

// TestStatisticsMatchCleanRL pins explained variance and the KL statistics to CleanRL's
// definitions, with the expected values computed by NumPy / PyTorch as CleanRL does:
// 1 - np.var(y - v) / np.var(y); ((r - 1) - log r).mean(); (-log r).mean();
// ((r - 1).abs() > 0.2).float().mean().
func TestStatisticsMatchCleanRL(t *testing.T) {
	values := []float32{1.5, 2.0, -0.5, 3.25, 0.0, 10.0}
	returns := []float32{2.0, 1.0, 0.5, 4.0, -1.0, 9.5}
	if ev := explainedVariance(values, returns); math.Abs(ev-0.9419749341905117) > 1e-7 {
		t.Errorf("explained variance %.10g, NumPy 0.9419749342", ev)
	}
	if ev := explainedVariance(values, []float32{3, 3, 3, 3, 3, 3}); !math.IsNaN(ev) {
		t.Errorf("explained variance of constant returns %v, CleanRL NaN", ev)
	}
	oldKL, kl, clip := klStats([]float32{0.1, -0.25, 0, 0.3, -0.05, 0.19}, 0.2)
	if math.Abs(kl-0.017384929582476616) > 1e-8 || math.Abs(oldKL+0.04833333566784859) > 1e-8 || clip != 0.5 {
		t.Errorf("approx_kl %.10g, old_approx_kl %.10g, clip_frac %v; PyTorch 0.01738492958, -0.04833333567, 0.5", kl, oldKL, clip)
	}
}

//go:build openblas || gonumblas

package nn

import (
	"math"
	"math/rand/v2"
	"testing"
)

// With the openblas or gonumblas tag, the external BLAS and the native kernel agree within
// float32 rounding (k·ε₃₂ relative for a length-k dot product).
func TestExternalBLASMatchesNative(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 12))
	var ws gemmWS
	for _, sz := range [][3]int{{64, 64, 64}, {256, 6, 256}, {37, 129, 300}, {3, 32, 32}} {
		m, n, k := sz[0], sz[1], sz[2]
		for _, tr := range [][2]bool{{false, false}, {false, true}, {true, false}, {true, true}} {
			lda, ldb := k, n
			if tr[0] {
				lda = m
			}
			if tr[1] {
				ldb = k
			}
			a, b := randSlice(rng, m*k), randSlice(rng, k*n)
			c1 := randSlice(rng, m*n)
			c2 := append([]float32(nil), c1...)
			externalGemm(tr[0], tr[1], m, n, k, 0.7, a, lda, b, ldb, 0.3, c1, n)
			for i := range c2 {
				c2[i] *= 0.3
			}
			ws.native(tr[0], tr[1], m, n, k, 0.7, a, lda, b, ldb, c2, n)
			for i := range c1 {
				if d := math.Abs(float64(c1[i] - c2[i])); d > 1e-6*float64(k)*(1+math.Abs(float64(c1[i]))) {
					t.Fatalf("%v trans %v: element %d: %s %g, native %g", sz, tr, i, Backend, c1[i], c2[i])
				}
			}
		}
	}
}

package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// naiveGemm is the reference triple loop in float64.
func naiveGemm(tA, tB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float64
			for p := 0; p < k; p++ {
				var av, bv float32
				if tA {
					av = a[p*lda+i]
				} else {
					av = a[i*lda+p]
				}
				if tB {
					bv = b[j*ldb+p]
				} else {
					bv = b[p*ldb+j]
				}
				s += float64(av) * float64(bv)
			}
			c[i*ldc+j] = float32(float64(alpha)*s + float64(beta)*float64(c[i*ldc+j]))
		}
	}
}

func TestGemmMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	var ws gemmWS
	sizes := [][3]int{{1, 1, 1}, {6, 16, 1}, {7, 17, 3}, {64, 64, 64}, {13, 5, 300}, {100, 37, 257}, {5, 2050, 9}, {97, 33, 520}, {3, 32, 32}, {4, 70, 40}, {2, 7, 5},
		{262, 21, 520}, {7, 263, 500}, {270, 262, 510}} // the last three cross gemmPackA/gemmPackB
	for _, sz := range sizes {
		m, n, k := sz[0], sz[1], sz[2]
		for _, ta := range []bool{false, true} {
			for _, tb := range []bool{false, true} {
				abs := [][2]float32{{1, 0}, {0.5, 1}, {-2, 0.25}}
				if m*n*k > 1<<22 {
					abs = abs[2:] // packed paths: one setting keeps the float64 reference quick
				}
				for _, ab := range abs {
					lda, ldb, ldc := k+1, n+2, n+3
					if ta {
						lda = m + 1
					}
					if tb {
						ldb = k + 2
					}
					ar, br := m, k
					if ta {
						ar = k
					}
					if tb {
						br = n
					}
					a := randSlice(rng, ar*lda)
					b := randSlice(rng, br*ldb)
					c := randSlice(rng, m*ldc)
					want := append([]float32(nil), c...)
					naiveGemm(ta, tb, m, n, k, ab[0], a, lda, b, ldb, ab[1], want, ldc)
					ws.gemm(ta, tb, m, n, k, ab[0], a, lda, b, ldb, ab[1], c, ldc)
					for i := 0; i < m; i++ {
						for j := 0; j < ldc; j++ {
							got, w := c[i*ldc+j], want[i*ldc+j]
							// float32 accumulation over k terms of size ~1: error ≲ k·ε₃₂·√k.
							tol := 1e-5 * float64(k+1) * (1 + math.Abs(float64(w)))
							if math.Abs(float64(got-w)) > tol {
								t.Fatalf("gemm %v ta=%v tb=%v alpha,beta=%v: C[%d,%d]=%g want %g", sz, ta, tb, ab, i, j, got, w)
							}
						}
					}
				}
			}
		}
	}
}

func randSlice(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(rng.Float64()*2 - 1)
	}
	return s
}

func BenchmarkGemm(b *testing.B) {
	for _, sz := range [][3]int{{64, 64, 64}, {256, 256, 256}, {256, 512, 512}} {
		m, n, k := sz[0], sz[1], sz[2]
		for _, tr := range [][2]bool{{false, false}, {false, true}, {true, false}} {
			b.Run(fmt.Sprintf("%dx%dx%d/tA=%v,tB=%v", m, n, k, tr[0], tr[1]), func(b *testing.B) {
				rng := rand.New(rand.NewPCG(1, 1))
				a, bb, c := randSlice(rng, m*k), randSlice(rng, k*n), randSlice(rng, m*n)
				lda, ldb := k, n
				if tr[0] {
					lda = m
				}
				if tr[1] {
					ldb = k
				}
				var ws gemmWS
				b.SetBytes(int64(2 * m * n * k)) // reported MB/s reads as Mflop/s
				for range b.N {
					ws.gemm(tr[0], tr[1], m, n, k, 1, a, lda, bb, ldb, 0, c, n)
				}
			})
		}
	}
}

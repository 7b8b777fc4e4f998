//go:build gonumblas && !openblas

package nn

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// Backend names the implementation of matrix products: "native" (the blocked Go/assembly
// kernel of gemm.go, the default; no cgo), "openblas" (cgo, build tag openblas) or
// "gonum" (gonum's pure-Go blas32, build tag gonumblas, kept as a reference).
const Backend = "gonum"

const useExternalBLAS = true

// externalGemm calls gonum's Sgemm. Note that gonum runs large products on several
// goroutines and allocates for them, so this backend is not allocation-free.
func externalGemm(tA, tB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	ta, tb := blas.NoTrans, blas.NoTrans
	if tA {
		ta = blas.Trans
	}
	if tB {
		tb = blas.Trans
	}
	gonum.Implementation{}.Sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

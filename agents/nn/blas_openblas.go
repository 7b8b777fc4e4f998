//go:build openblas

package nn

// #cgo LDFLAGS: -lopenblas
import "C"

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/netlib/blas/netlib"
)

// Backend names the implementation of matrix products: "native" (the packed Go/assembly
// kernel of gemm.go, the default; no cgo) or "openblas" (cgo, build tag openblas).
// OpenBLAS picks its own thread count; set OPENBLAS_NUM_THREADS=1 for single-threaded runs.
const Backend = "openblas"

const useOpenBLAS = true

func openblasGemm(tA, tB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	ta, tb := blas.NoTrans, blas.NoTrans
	if tA {
		ta = blas.Trans
	}
	if tB {
		tb = blas.Trans
	}
	netlib.Implementation{}.Sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

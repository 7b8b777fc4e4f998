//go:build openblas

package nn

import "gorl/agents/nn/internal/openblas"

// Backend names the implementation of matrix products: "native" (the blocked Go/assembly
// kernel of gemm.go, the default; no cgo), "openblas" (cgo, build tag openblas) or
// "gonum" (gonum's pure-Go blas32, build tag gonumblas, kept as a reference).
// OpenBLAS picks its own thread count; set OPENBLAS_NUM_THREADS=1 for single-threaded runs.
const Backend = "openblas"

const useExternalBLAS = true

func externalGemm(tA, tB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	openblas.Sgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

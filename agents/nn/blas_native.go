//go:build !openblas && !gonumblas

package nn

// Backend names the implementation of matrix products: "native" (the blocked Go/assembly
// kernel of gemm.go, the default; no cgo), "openblas" (cgo, build tag openblas) or
// "gonum" (gonum's pure-Go blas32, build tag gonumblas, kept as a reference).
const Backend = "native"

const useExternalBLAS = false

func externalGemm(tA, tB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	panic("nn: built without an external BLAS")
}

//go:build !openblas

package nn

// Backend names the implementation of matrix products: "native" (the packed Go/assembly
// kernel of gemm.go, the default; no cgo) or "openblas" (cgo, build tag openblas).
const Backend = "native"

const useOpenBLAS = false

func openblasGemm(tA, tB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	panic("nn: built without the openblas tag")
}

//go:build amd64

package nn

import "testing"

// The portable Go kernels (used where AVX2/FMA is missing) pass the same checks as the
// assembly ones.
func TestPortableKernels(t *testing.T) {
	if !haveAVX2FMA {
		t.Skip("this CPU already runs the portable kernels in every test")
	}
	haveAVX2FMA = false
	defer func() { haveAVX2FMA = true }()
	t.Run("gemm", TestGemmMatchesNaive)
	t.Run("fastmath", TestFastMath)
	t.Run("adam", TestOptimisersMatchPyTorch)
	t.Run("grad", TestGradMatMul)
	t.Run("unary", TestGradUnary)
	t.Run("linear", TestGradLinear)
	t.Run("relu", TestReLUVec)
	t.Run("polyak", TestPolyakVec)
}

//go:build !amd64

package nn

const haveAVX2FMA = false

func microKernel(kc int, a []float32, ai, ap int, b []float32, bp int, c []float32, ldc int, alpha float32) {
	microKernelGo(kc, a, ai, ap, b, bp, c, ldc, alpha)
}

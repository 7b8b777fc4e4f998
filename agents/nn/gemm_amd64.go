//go:build amd64

package nn

import "golang.org/x/sys/cpu"

var haveAVX2FMA = cpu.X86.HasAVX2 && cpu.X86.HasFMA

//go:noescape
func sgemmKernel6x16(kc int, a *float32, ai, ap int, b *float32, bp int, c *float32, ldc int, alpha float32)

// microKernel adds alpha·Σ_p a[i·ai+p·ap]·b[p·bp+j] to c[i·ldc+j] for the full MR×NR
// tile. The caller guarantees that every addressed element lies inside the slices.
func microKernel(kc int, a []float32, ai, ap int, b []float32, bp int, c []float32, ldc int, alpha float32) {
	if haveAVX2FMA {
		_ = a[(gemmMR-1)*ai+(kc-1)*ap]
		_ = b[(kc-1)*bp+gemmNR-1]
		_ = c[(gemmMR-1)*ldc+gemmNR-1]
		sgemmKernel6x16(kc, &a[0], ai, ap, &b[0], bp, &c[0], ldc, alpha)
		return
	}
	microKernelGo(kc, a, ai, ap, b, bp, c, ldc, alpha)
}

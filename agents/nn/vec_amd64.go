//go:build amd64

package nn

//go:noescape
func tanhAVX2(dst, src *float32, n int)

//go:noescape
func expAVX2(dst, src *float32, n int)

//go:noescape
func adamAVX2(pp, gg, mm, vv *float32, n int, b1, b2, eps, stepSize, invSqrtBC2 float32)

// tanhVec sets dst[i] = tanh(src[i]) (len(dst) ≥ len(src)).
func tanhVec(dst, src []float32) {
	n := len(src) &^ 7
	if haveAVX2FMA && n > 0 {
		tanhAVX2(&dst[0], &src[0], n)
	} else {
		n = 0
	}
	for i := n; i < len(src); i++ {
		dst[i] = tanh32(src[i])
	}
}

// expVec sets dst[i] = exp(src[i]) (len(dst) ≥ len(src)).
func expVec(dst, src []float32) {
	n := len(src) &^ 7
	if haveAVX2FMA && n > 0 {
		expAVX2(&dst[0], &src[0], n)
	} else {
		n = 0
	}
	for i := n; i < len(src); i++ {
		dst[i] = exp32(src[i])
	}
}

// adamVec is adamUpdate without weight decay, vectorised.
func adamVec(p, g, m, v []float32, b1, b2, eps, stepSize, invSqrtBC2 float32) {
	n := len(p) &^ 7
	if haveAVX2FMA && n > 0 {
		_, _, _ = g[n-1], m[n-1], v[n-1]
		adamAVX2(&p[0], &g[0], &m[0], &v[0], n, b1, b2, eps, stepSize, invSqrtBC2)
	} else {
		n = 0
	}
	adamUpdate(p[n:], g[n:], m[n:], v[n:], b1, b2, eps, stepSize, invSqrtBC2, 0, 0, false)
}

//go:noescape
func addToAVX2(dst, src *float32, n int)

//go:noescape
func tanhGradAVX2(da, dy, y *float32, n int)

// addTo sets dst[i] += src[i] for i < len(src).
func addTo(dst, src []float32) {
	n := len(src) &^ 7
	if haveAVX2FMA && n > 0 {
		_ = dst[n-1]
		addToAVX2(&dst[0], &src[0], n)
	} else {
		n = 0
	}
	dst = dst[:len(src)]
	for i := n; i < len(src); i++ {
		dst[i] += src[i]
	}
}

// tanhGrad sets da[i] += dy[i]·(1 − y[i]²), the backward pass of y = tanh(x).
func tanhGrad(da, dy, y []float32) {
	n := len(dy) &^ 7
	if haveAVX2FMA && n > 0 {
		_, _ = da[n-1], y[n-1]
		tanhGradAVX2(&da[0], &dy[0], &y[0], n)
	} else {
		n = 0
	}
	da, y = da[:len(dy)], y[:len(dy)]
	for i := n; i < len(dy); i++ {
		da[i] += dy[i] * (1 - y[i]*y[i])
	}
}

//go:noescape
func axpyAVX2(dst, src *float32, n int, alpha float32)

//go:noescape
func dotAVX2(x, y *float32, n int) float32

// axpy sets dst[i] += alpha·src[i] for i < len(src).
func axpy(dst, src []float32, alpha float32) {
	n := len(src) &^ 7
	if haveAVX2FMA && n > 0 {
		_ = dst[n-1]
		axpyAVX2(&dst[0], &src[0], n, alpha)
	} else {
		n = 0
	}
	dst = dst[:len(src)]
	for i := n; i < len(src); i++ {
		dst[i] += alpha * src[i]
	}
}

// dot returns Σ x[i]·y[i] over len(x).
func dot(x, y []float32) float32 {
	n := len(x) &^ 7
	var s float32
	if haveAVX2FMA && n > 0 {
		_ = y[n-1]
		s = dotAVX2(&x[0], &y[0], n)
	} else {
		n = 0
	}
	y = y[:len(x)]
	for i := n; i < len(x); i++ {
		s += x[i] * y[i]
	}
	return s
}

//go:noescape
func rowKernelAVX2(kc int, a *float32, ap int, b *float32, bp int, c *float32, alpha float32)

// rowGemm adds alpha·Σ_p a[p·ap]·b[p·bp+j] to c[j] for j < len(c): one row of C in a
// product op(A)·B with row-major B.
func rowGemm(kc int, a []float32, ap int, b []float32, bp int, c []float32, alpha float32) {
	j := 0
	if haveAVX2FMA && kc > 0 {
		_ = a[(kc-1)*ap]
		for ; j+32 <= len(c); j += 32 {
			_ = b[(kc-1)*bp+j+31]
			rowKernelAVX2(kc, &a[0], ap, &b[j], bp, &c[j], alpha)
		}
	}
	for p := 0; p < kc && j < len(c); p++ {
		axpy(c[j:], b[p*bp+j:p*bp+len(c)], alpha*a[p*ap])
	}
}

//go:noescape
func dotsAVX2(k int, a, b *float32, ldb int, c *float32, n int, alpha float32)

// dotRows sets c[j] += alpha·⟨a, row j of B⟩ for j < len(c), B row-major with stride ldb.
func dotRows(a, b []float32, ldb int, c []float32, alpha float32) {
	k := len(a)
	if haveAVX2FMA && k > 0 && k%8 == 0 && len(c) > 0 {
		_ = b[(len(c)-1)*ldb+k-1]
		dotsAVX2(k, &a[0], &b[0], ldb, &c[0], len(c), alpha)
		return
	}
	for j := range c {
		c[j] += alpha * dot(a, b[j*ldb:j*ldb+k])
	}
}

//go:noescape
func reluAVX2(dst, src *float32, n int)

//go:noescape
func reluGradAVX2(da, dy, y *float32, n int)

// reluVec sets dst[i] = max(src[i], 0) (len(dst) ≥ len(src)).
func reluVec(dst, src []float32) {
	n := len(src) &^ 7
	if haveAVX2FMA && n > 0 {
		_ = dst[n-1]
		reluAVX2(&dst[0], &src[0], n)
	} else {
		n = 0
	}
	for i := n; i < len(src); i++ {
		dst[i] = max(src[i], 0)
	}
}

// reluGrad sets da[i] += dy[i] where y[i] > 0, the backward pass of y = max(x, 0).
func reluGrad(da, dy, y []float32) {
	n := len(dy) &^ 7
	if haveAVX2FMA && n > 0 {
		_, _ = da[n-1], y[n-1]
		reluGradAVX2(&da[0], &dy[0], &y[0], n)
	} else {
		n = 0
	}
	da, y = da[:len(dy)], y[:len(dy)]
	for i := n; i < len(dy); i++ {
		if y[i] > 0 {
			da[i] += dy[i]
		}
	}
}

//go:noescape
func polyakAVX2(dst, src *float32, n int, tau float32)

// polyak sets dst[i] = dst[i] + tau·(src[i] − dst[i]) for i < len(dst).
func polyak(dst, src []float32, tau float32) {
	n := len(dst) &^ 7
	if haveAVX2FMA && n > 0 {
		_ = src[n-1]
		polyakAVX2(&dst[0], &src[0], n, tau)
	} else {
		n = 0
	}
	src = src[:len(dst)]
	for j := n; j < len(dst); j++ {
		v := dst[j]
		dst[j] = v + tau*(src[j]-v)
	}
}

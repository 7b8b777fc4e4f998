//go:build !amd64

package nn

func tanhVec(dst, src []float32) {
	for i, v := range src {
		dst[i] = tanh32(v)
	}
}

func expVec(dst, src []float32) {
	for i, v := range src {
		dst[i] = exp32(v)
	}
}

func adamVec(p, g, m, v []float32, b1, b2, eps, stepSize, invSqrtBC2 float32) {
	adamUpdate(p, g, m, v, b1, b2, eps, stepSize, invSqrtBC2, 0, 0, false)
}

func addTo(dst, src []float32) {
	dst = dst[:len(src)]
	for i, v := range src {
		dst[i] += v
	}
}

func tanhGrad(da, dy, y []float32) {
	da, y = da[:len(dy)], y[:len(dy)]
	for i, g := range dy {
		da[i] += g * (1 - y[i]*y[i])
	}
}

func axpy(dst, src []float32, alpha float32) {
	dst = dst[:len(src)]
	for i, v := range src {
		dst[i] += alpha * v
	}
}

func dot(x, y []float32) float32 {
	y = y[:len(x)]
	var s float32
	for i, v := range x {
		s += v * y[i]
	}
	return s
}

func rowGemm(kc int, a []float32, ap int, b []float32, bp int, c []float32, alpha float32) {
	for p := 0; p < kc; p++ {
		axpy(c, b[p*bp:p*bp+len(c)], alpha*a[p*ap])
	}
}

func dotRows(a, b []float32, ldb int, c []float32, alpha float32) {
	k := len(a)
	for j := range c {
		c[j] += alpha * dot(a, b[j*ldb:j*ldb+k])
	}
}

func reluVec(dst, src []float32) {
	for i, v := range src {
		dst[i] = max(v, 0)
	}
}

func reluGrad(da, dy, y []float32) {
	da, y = da[:len(dy)], y[:len(dy)]
	for i, g := range dy {
		if y[i] > 0 {
			da[i] += g
		}
	}
}

func polyak(dst, src []float32, tau float32) {
	src = src[:len(dst)]
	for j, v := range dst {
		dst[j] = v + tau*(src[j]-v)
	}
}

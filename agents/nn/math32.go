package nn

import "math"

// Fast float32 elementary functions. exp32 uses the range reduction x = k·ln2 + r,
// |r| ≤ ln2/2, and a degree-7 Taylor polynomial for e^r (truncation < 2e-8 relative);
// tanh32 uses its odd Taylor series near 0 and 1 − 2/(e^{2|x|}+1) elsewhere. Both are
// within a few float32 ulps of the float64 functions (checked in math32_test.go).

const (
	log2e = 1.44269504088896340735992468100189214
	ln2hi = 0.693145751953125 // ln2 split so that k·ln2hi is exact for |k| < 2^11
	ln2lo = 1.42860682030941723212e-6
)

func exp32(x float32) float32 {
	if x != x { // NaN propagates, so that divergence stays visible
		return x
	}
	if x > 88.72283 {
		return float32(math.Inf(1))
	}
	if x < -87.33654 {
		return 0
	}
	kf := x * log2e
	var k int32
	if kf >= 0 {
		k = int32(kf + 0.5)
	} else {
		k = int32(kf - 0.5)
	}
	fk := float32(k)
	r := float32(x - fk*ln2hi)
	r = float32(r - fk*ln2lo)
	p := float32(1.0 / 5040)
	p = float32(p*r + 1.0/720)
	p = float32(p*r + 1.0/120)
	p = float32(p*r + 1.0/24)
	p = float32(p*r + 1.0/6)
	p = float32(p*r + 0.5)
	p = float32(p*r + 1)
	p = float32(p*r + 1)
	// 2^k with k in [-126, 128]; split to stay in the normal range.
	if k > 126 {
		return p * 2 * math.Float32frombits(uint32(k-1+127)<<23)
	}
	return p * math.Float32frombits(uint32(k+127)<<23)
}

func tanh32(x float32) float32 {
	if x != x {
		return x
	}
	ax := x
	if ax < 0 {
		ax = -ax
	}
	if ax < 0.4 {
		x2 := x * x
		p := float32(-1382.0 / 155925)
		p = float32(p*x2 + 62.0/2835)
		p = float32(p*x2 - 17.0/315)
		p = float32(p*x2 + 2.0/15)
		p = float32(p*x2 - 1.0/3)
		return x + x*x2*p
	}
	if ax > 9.1 {
		if x < 0 {
			return -1
		}
		return 1
	}
	e := exp32(2 * ax)
	r := 1 - 2/(e+1)
	if x < 0 {
		return -r
	}
	return r
}

func sigmoid32(x float32) float32 {
	if x >= 0 {
		return 1 / (1 + exp32(-x))
	}
	e := exp32(x)
	return e / (1 + e)
}

func log32(x float32) float32 { return float32(math.Log(float64(x))) }

// softplus32 is log(1+e^x) computed without overflow.
func softplus32(x float32) float32 {
	if x > 0 {
		return x + float32(math.Log1p(float64(exp32(-x))))
	}
	return float32(math.Log1p(float64(exp32(x))))
}

// phi32 returns the standard normal CDF Φ(x) = ½(1 + erf(x/√2)) with erf from
// Abramowitz & Stegun 7.1.26 (|error| ≤ 1.5e-7):
// erfc(z) ≈ (a1·t + a2·t² + a3·t³ + a4·t⁴ + a5·t⁵)·e^{−z²}, t = 1/(1 + p·z), z ≥ 0.
func phi32(x float32) float32 {
	z := x * (1 / math.Sqrt2)
	neg := z < 0
	if neg {
		z = -z
	}
	t := 1 / (1 + 0.3275911*z)
	poly := t * (0.254829592 + t*(-0.284496736+t*(1.421413741+t*(-1.453152027+t*1.061405429))))
	half := 0.5 * poly * exp32(-z*z) // ½·erfc(z)
	if neg {
		return half
	}
	return 1 - half
}

// normPDF32 is the standard normal density φ(x).
func normPDF32(x float32) float32 {
	return 0.3989422804014327 * exp32(-0.5*x*x)
}

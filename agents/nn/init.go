package nn

import (
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
)

// Init fills a weight tensor in place. Weights of Linear layers are stored [in, out], so
// fan-in is the product of all but the last dimension and fan-out is the last dimension.
type Init func(rng *rand.Rand, w *Tensor)

func fans(w *Tensor) (in, out int) {
	if w.Rank() == 0 {
		return 1, 1
	}
	out = w.Cols()
	in = w.Rows()
	return in, out
}

// Zeros initialises to 0.
func Zeros() Init { return func(_ *rand.Rand, w *Tensor) { w.Fill(0) } }

// Constant initialises every element to v.
func Constant(v float32) Init { return func(_ *rand.Rand, w *Tensor) { w.Fill(v) } }

// XavierUniform draws from U(−b, b), b = gain·√(6/(fan_in+fan_out)) (Glorot & Bengio 2010).
func XavierUniform(gain float64) Init {
	return func(rng *rand.Rand, w *Tensor) {
		in, out := fans(w)
		b := gain * math.Sqrt(6/float64(in+out))
		w.FillUniform(rng, -b, b)
	}
}

// XavierNormal draws from N(0, σ²), σ = gain·√(2/(fan_in+fan_out)).
func XavierNormal(gain float64) Init {
	return func(rng *rand.Rand, w *Tensor) {
		in, out := fans(w)
		w.FillNormal(rng, gain*math.Sqrt(2/float64(in+out)))
	}
}

// KaimingUniform draws from U(−b, b), b = gain·√(3/fan_in) (He et al. 2015); gain √2 suits ReLU.
func KaimingUniform(gain float64) Init {
	return func(rng *rand.Rand, w *Tensor) {
		in, _ := fans(w)
		b := gain * math.Sqrt(3/float64(in))
		w.FillUniform(rng, -b, b)
	}
}

// KaimingNormal draws from N(0, σ²), σ = gain/√fan_in.
func KaimingNormal(gain float64) Init {
	return func(rng *rand.Rand, w *Tensor) {
		in, _ := fans(w)
		w.FillNormal(rng, gain/math.Sqrt(float64(in)))
	}
}

// Orthogonal sets the weight, viewed as a matrix [fan_in, fan_out], to gain times a random
// (semi-)orthogonal matrix (Saxe et al. 2014): the QR factor of a Gaussian matrix with the
// signs of R's diagonal folded in, so the draw is uniform (Haar). Columns are orthonormal
// when fan_in ≥ fan_out, rows otherwise.
func Orthogonal(gain float64) Init {
	return func(rng *rand.Rand, w *Tensor) {
		rows, cols := fans(w)
		tall := rows >= cols
		r, c := rows, cols
		if !tall {
			r, c = cols, rows
		}
		g := mat.NewDense(r, c, nil)
		for i := 0; i < r; i++ {
			for j := 0; j < c; j++ {
				g.Set(i, j, rng.NormFloat64())
			}
		}
		var qr mat.QR
		qr.Factorize(g)
		var q, rr mat.Dense
		qr.QTo(&q)
		qr.RTo(&rr)
		for i := 0; i < r; i++ {
			for j := 0; j < c; j++ {
				v := q.At(i, j)
				if rr.At(j, j) < 0 {
					v = -v
				}
				v *= gain
				if tall {
					w.Data[i*cols+j] = float32(v)
				} else {
					w.Data[j*cols+i] = float32(v)
				}
			}
		}
	}
}

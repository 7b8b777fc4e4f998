package ppo

import (
	"math"
	"math/rand/v2"
	"testing"
)

// Golden values: each formula is recomputed here in float64, written out from the
// reference's equations rather than from objective.go, and compared with gorl's
// float32 tape to 1e-6.

// goldenPoints are (r, A, n/N) triples with r on both sides of 1 (so (1-r)^2 and
// (1-r)|1-r| differ), both signs of A, and n/N away from 1/2 (so n/N and 1 - n/N differ).
var goldenPoints = [][3]float64{
	{1.5, 2, 0.25},
	{0.6, -1.5, 0.8},
	{1.2, -0.7, 0.1},
	{0.9, 0.4, 0.6},
	{2.5, 1, 0.95},
	{0.3, 3, 0},
}

// lpoInputs is the reference's drift input (Lu et al. 2022; Jackson et al. 2024):
// delta = [log r, (log r)^2, 1 - r, (1 - r)^2], x = [delta, A delta], and for TA-LPO
// [x, (n/N) x].
func lpoInputs(r, a, p float64, temporal bool) []float64 {
	l := math.Log(r)
	delta := []float64{l, l * l, 1 - r, (1 - r) * (1 - r)}
	x := append([]float64(nil), delta...)
	for _, d := range delta {
		x = append(x, a*d)
	}
	if temporal {
		for _, v := range x[:8] {
			x = append(x, p*v)
		}
	}
	return x
}

// TestLPOInputsHandComputed pins the input vector at one point against numbers worked
// out by hand: r = 1.5, A = 2, n/N = 0.25; log 1.5 = 0.4054651081.
func TestLPOInputsHandComputed(t *testing.T) {
	l := 0.4054651081081644
	want := []float64{
		l, l * l, -0.5, 0.25, // delta
		2 * l, 2 * l * l, -1, 0.5, // A delta
		0.25 * l, 0.25 * l * l, -0.125, 0.0625, // (n/N) delta
		0.5 * l, 0.5 * l * l, -0.25, 0.125, // (n/N) A delta
	}
	got := lpoInputs(1.5, 2, 0.25, true)
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-12 {
			t.Fatalf("input %d: %v, want %v", i, got[i], want[i])
		}
	}
}

// probeLPO reads input i of the drift network through W1 = I and W2 = sign * e_i:
// drift = relu(sign tanh(x_i) - 1e-4), so each input shows up in the drift on its own.
func probeLPO(temporal bool, i int, sign float32) *LPO {
	l := NewLPO(temporal, false, 16)
	for k := range l.Inputs() {
		l.W1.Data[k*16+k] = 1
	}
	l.W2.Data[i] = sign
	return l
}

func TestLPOInputVectorGolden(t *testing.T) {
	for _, temporal := range []bool{false, true} {
		n := 8
		if temporal {
			n = 16
		}
		for i := range n {
			for _, sign := range []float32{1, -1} {
				l := probeLPO(temporal, i, sign)
				for _, pt := range goldenPoints {
					got := driftAt(t, l, []float32{float32(pt[0])}, []float32{float32(pt[1])}, float32(pt[2]))[0]
					x := lpoInputs(pt[0], pt[1], pt[2], temporal)[i]
					want := math.Max(float64(sign)*math.Tanh(x)-DriftOffset, 0)
					if math.Abs(float64(got)-want) > 1e-6 {
						t.Fatalf("%s input %d (sign %v) at (r, A, n/N) = %v: drift %v, want relu(tanh(%v) - 1e-4) = %v",
							l.Name(), i, sign, pt, got, x, want)
					}
				}
			}
		}
	}
}

// lpoDrift is the reference drift in float64: relu(NN(x) - 1e-4), with PPO init
// relu(relu((r - clip(r, 0.8, 1.2)) A) + NN(x) - 1e-4); NN = Dense(no bias) -> tanh ->
// Dense(no bias).
func lpoDrift(l *LPO, r, a, p float64) float64 {
	x := lpoInputs(r, a, p, l.Temporal)
	h := l.Hidden()
	var out float64
	for j := range h {
		var s float64
		for i, v := range x {
			s += v * float64(l.W1.Data[i*h+j])
		}
		out += math.Tanh(s) * float64(l.W2.Data[j])
	}
	if l.PPOInit {
		out += math.Max((r-math.Min(math.Max(r, 0.8), 1.2))*a, 0)
	}
	return math.Max(out-DriftOffset, 0)
}

func TestLPODriftGolden(t *testing.T) {
	for _, temporal := range []bool{false, true} {
		for _, ppoInit := range []bool{false, true} {
			l := NewLPO(temporal, ppoInit, 32)
			l.Randomize(rand.New(rand.NewPCG(11, 3)), 0.4)
			positive := 0
			for _, pt := range goldenPoints {
				got := driftAt(t, l, []float32{float32(pt[0])}, []float32{float32(pt[1])}, float32(pt[2]))[0]
				// The float64 rewrite reads the same float32 inputs gorl sees.
				want := lpoDrift(l, float64(float32(pt[0])), float64(float32(pt[1])), float64(float32(pt[2])))
				if math.Abs(float64(got)-want) > 1e-6 {
					t.Fatalf("%s (ppo init %v) at (r, A, n/N) = %v: drift %v, want %v", l.Name(), ppoInit, pt, got, want)
				}
				if want > 1e-3 {
					positive++
				}
			}
			if positive < 3 {
				t.Fatalf("%s (ppo init %v): only %d golden points have a positive drift; the test would not see the inputs", l.Name(), ppoInit, positive)
			}
		}
	}
}

// dpoDrift is DPO's closed form (Lu et al. 2022, alpha 2, beta 0.6) in float64.
func dpoDrift(r, a float64) float64 {
	const alpha, beta = 2.0, 0.6
	if a >= 0 {
		u := (r - 1) * a
		return math.Max(u-alpha*math.Tanh(u/alpha), 0)
	}
	u := math.Log(r) * a
	return math.Max(u-beta*math.Tanh(u/beta), 0)
}

func TestDPODriftGolden(t *testing.T) {
	// Hand-computed: r = 2, A = 3: u = 3, 3 - 2 tanh(1.5) = 3 - 2 * 0.9051482536 = 1.1897034928.
	if got := driftAt(t, &DPO{}, []float32{2}, []float32{3}, 0)[0]; math.Abs(float64(got)-1.1897034928) > 1e-6 {
		t.Fatalf("dpo drift(2, 3) = %v, want 1.1897034928", got)
	}
	// r = 0.5, A = -2: u = 2 log 2 = 1.3862943611, u - 0.6 tanh(u / 0.6) = 0.7962040...
	if got, want := driftAt(t, &DPO{}, []float32{0.5}, []float32{-2}, 0)[0], 1.3862943611198906-0.6*math.Tanh(1.3862943611198906/0.6); math.Abs(float64(got)-want) > 1e-6 {
		t.Fatalf("dpo drift(0.5, -2) = %v, want %v", got, want)
	}
	var rs, as []float32
	for _, r := range []float32{0.2, 0.5, 0.8, 0.95, 1.05, 1.3, 2, 4} {
		for _, a := range []float32{-3, -1, -0.2, 0, 0.2, 1, 3} {
			rs, as = append(rs, r), append(as, a)
		}
	}
	got := driftAt(t, &DPO{}, rs, as, 0.5)
	for i := range rs {
		if want := dpoDrift(float64(rs[i]), float64(as[i])); math.Abs(float64(got[i])-want) > 1e-6 {
			t.Fatalf("dpo drift(%v, %v) = %v, want %v", rs[i], as[i], got[i], want)
		}
	}
}

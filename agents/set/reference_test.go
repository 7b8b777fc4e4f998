package set

import (
	"math"
	"math/rand/v2"
	"testing"

	"gorl/agents/nn"
	"gorl/physics3d/morph"
)

// An independent float64 SET, written from sgrl.md's equations with plain loops over one
// sample's nodes, pins every normalisation of Net: q, k, v / n, M / n', MLP(m') / n', the
// head's / n, the layer-0-only graph bias and the √E scalings. Each can be removed from
// set.go with the other tests passing; this one then fails.

type mat [][]float64 // rows × cols

func newMat(r, c int) mat {
	m := make(mat, r)
	for i := range m {
		m[i] = make([]float64, c)
	}
	return m
}

// weight reads a [in, out] parameter tensor.
func weight(w *nn.Tensor) mat {
	m := newMat(w.Shape[0], w.Shape[1])
	for i := range m {
		for j := range m[i] {
			m[i][j] = float64(w.Data[i*w.Shape[1]+j])
		}
	}
	return m
}

func (a mat) mul(b mat) mat {
	out := newMat(len(a), len(b[0]))
	for i := range a {
		for k := range b {
			for j := range b[0] {
				out[i][j] += a[i][k] * b[k][j]
			}
		}
	}
	return out
}

func (a mat) t() mat {
	out := newMat(len(a[0]), len(a))
	for i := range a {
		for j := range a[i] {
			out[j][i] = a[i][j]
		}
	}
	return out
}

// hcat joins matrices with equal row counts side by side.
func hcat(ms ...mat) mat {
	out := newMat(len(ms[0]), 0)
	for _, m := range ms {
		for i := range m {
			out[i] = append(out[i], m[i]...)
		}
	}
	return out
}

func (a mat) flat() []float64 {
	var v []float64
	for _, r := range a {
		v = append(v, r...)
	}
	return v
}

func reshape(v []float64, r, c int) mat {
	m := newMat(r, c)
	for i := range m {
		copy(m[i], v[i*c:(i+1)*c])
	}
	return m
}

func linear(l *nn.Linear, x []float64) []float64 {
	w := weight(l.W)
	out := make([]float64, len(w[0]))
	for j := range out {
		out[j] = float64(l.B.Data[j])
		for i, xi := range x {
			out[j] += xi * w[i][j]
		}
	}
	return out
}

func refMLP(m *nn.MLP, x []float64) []float64 {
	for i, l := range m.Layers {
		x = linear(l, x)
		if i < len(m.Layers)-1 || m.OutAct == nn.ReLU {
			for k := range x {
				x[k] = math.Max(0, x[k])
			}
		}
	}
	return x
}

func layerNorm(l *nn.LayerNorm, x []float64) []float64 {
	mean, v := 0.0, 0.0
	for _, xi := range x {
		mean += xi
	}
	mean /= float64(len(x))
	for _, xi := range x {
		v += (xi - mean) * (xi - mean)
	}
	v /= float64(len(x))
	out := make([]float64, len(x))
	for k, xi := range x {
		out[k] = (xi-mean)/math.Sqrt(v+1e-5)*float64(l.Gain.Data[k]) + float64(l.Bias.Data[k])
	}
	return out
}

func scale(v []float64, s float64) []float64 {
	out := make([]float64, len(v))
	for i := range v {
		out[i] = v[i] * s
	}
	return out
}

// invariantsRef returns U = [Z W, G], vec(UᵀU) and n = ‖UᵀU‖_F + 1.
func invariantsRef(z mat, w *nn.Tensor, g mat) (mat, []float64, float64) {
	u := hcat(z.mul(weight(w)), g)
	s := u.t().mul(u).flat()
	sq := 0.0
	for _, x := range s {
		sq += x * x
	}
	return u, s, math.Sqrt(sq) + 1
}

// refSET runs Net on one sample of n nodes: obs rows [n][41], actions [n][3] (critic), and
// returns the per-node Q values (critic) or torques (actor, n × 3).
func refSET(n *Net, obs, act [][]float64, st *Structure) [][]float64 {
	E, C, H := n.Cfg.Embed, n.Cfg.Channels, n.Cfg.Heads
	dh, N := E/H, len(obs)
	sqrtE := math.Sqrt(float64(E))
	x, g, s := make([]mat, N), make([]mat, N), make([][]float64, N)
	z, h := make([]mat, N), make([][]float64, N)
	for i, o := range obs {
		x[i] = newMat(3, VectorChannels) // columns are the 8 vectors
		for c := range VectorChannels {
			for r := range 3 {
				x[i][r][c] = o[3*c+r]
			}
		}
		g[i] = newMat(3, 2)
		for r := range 3 {
			g[i][r][0], g[i][r][1] = x[i][r][chanGravity], x[i][r][chanGravity+1]
		}
		s[i] = append([]float64(nil), o[morph.VectorFeatures:]...)
		if n.critic {
			s[i] = append(s[i], act[i]...)
		}
		// Z0 = √E X Wg; h0 = √E (Ws s + b) + PE.
		z[i] = newMat(3, C)
		for r, row := range x[i].mul(weight(n.Wg)) {
			copy(z[i][r], scale(row, sqrtE))
		}
		h[i] = scale(linear(n.Ws, s[i]), sqrtE)
		for k, pos := range [3]int{st.pre[i], st.in[i], st.post[i]} {
			for e := range E {
				h[i][e] += float64(n.PE[k].Table.Data[pos*E+e])
			}
		}
	}
	// b_ij per head from [PPR, Laplacian, hop/N].
	bias := make([][][]float64, H)
	for hh := range H {
		bias[hh] = newMat(N, N)
		for i := range N {
			for j := range N {
				r := st.rel.Data[(i*N+j)*3 : (i*N+j)*3+3]
				bias[hh][i][j] = linear(n.Rel, []float64{float64(r[0]), float64(r[1]), float64(r[2])})[hh]
			}
		}
	}
	for li, l := range n.Layers {
		q, k, v := make([][]float64, N), make([][]float64, N), make([][]float64, N)
		for i := range N {
			_, sInv, nrm := invariantsRef(z[i], l.W, g[i])
			m := append(refMLP(l.Phi, sInv), h[i]...)
			q[i], k[i], v[i] = scale(linear(l.Q, m), 1/nrm), scale(linear(l.K, m), 1/nrm), scale(linear(l.V, m), 1/nrm)
		}
		alpha := make([][][]float64, H) // [head][i][j]
		for hh := range H {
			alpha[hh] = newMat(N, N)
			for i := range N {
				mx := math.Inf(-1)
				for j := range N {
					dot := 0.0
					for d := hh * dh; d < (hh+1)*dh; d++ {
						dot += q[i][d] * k[j][d]
					}
					alpha[hh][i][j] = dot / sqrtE
					if li == 0 {
						alpha[hh][i][j] += bias[hh][i][j]
					}
					mx = math.Max(mx, alpha[hh][i][j])
				}
				sum := 0.0
				for j := range N {
					alpha[hh][i][j] = math.Exp(alpha[hh][i][j] - mx)
					sum += alpha[hh][i][j]
				}
				for j := range N {
					alpha[hh][i][j] /= sum
				}
			}
		}
		vz := make([]mat, N)
		for j := range N {
			vz[j] = hcat(z[j].mul(weight(l.Wvg)), g[j])
		}
		dz := make([]mat, N)
		for i := range N {
			o := make([]float64, E)
			az := newMat(3, H*C)
			for hh := range H {
				for j := range N {
					a := alpha[hh][i][j]
					for d := hh * dh; d < (hh+1)*dh; d++ {
						o[d] += a * v[j][d]
					}
					for r := range 3 {
						for c := range C {
							az[r][hh*C+c] += a * vz[j][r][c]
						}
					}
				}
			}
			dh1 := linear(l.O, o)
			dz[i] = az.mul(weight(l.Wgo))
			for r := range 3 {
				for c := range C {
					z[i][r][c] += dz[i][r][c]
				}
			}
			for e := range E {
				dh1[e] += h[i][e]
			}
			h[i] = layerNorm(l.LN1, dh1)
		}
		for i := range N {
			// Feed-forward: M = reshape(MLP(m')) / n'; Z += ([ΔZ W3, G] M) W5; h = LN(h + MLP(m') / n').
			_, s2, nrm2 := invariantsRef(dz[i], l.W2, g[i])
			m2 := append(refMLP(l.Phi2, s2), h[i]...)
			mm := reshape(scale(refMLP(l.MLPM, m2), 1/nrm2), C, C)
			u3 := hcat(dz[i].mul(weight(l.W3)), g[i])
			upd := u3.mul(mm).mul(weight(l.W5))
			for r := range 3 {
				for c := range C {
					z[i][r][c] += upd[r][c]
				}
			}
			hh := scale(refMLP(l.MLPH, m2), 1/nrm2)
			for e := range E {
				hh[e] += h[i][e]
			}
			h[i] = layerNorm(l.LN2, hh)
		}
	}
	out := make([][]float64, N)
	for i := range N {
		uc, sc, nrm := invariantsRef(hcat(x[i], z[i]), n.Wgp, g[i])
		c := append(append(sc, s[i]...), h[i]...)
		if n.critic {
			out[i] = []float64{linear(n.Wq, refMLP(n.Head, c))[0] / nrm}
			continue
		}
		mix := reshape(scale(refMLP(n.Head, c), 1/nrm), C, C)
		u := uc.mul(mix).mul(weight(n.Wu)) // [3, 1], an equivariant vector
		out[i] = make([]float64, 3)
		for a := range 3 {
			dot := 0.0
			for r := range 3 {
				dot += x[i][r][chanAxis+a] * u[r][0]
			}
			out[i][a] = math.Tanh(dot)
		}
	}
	return out
}

func TestNetMatchesReference(t *testing.T) {
	cfg := Config{Embed: 8, Heads: 2, FF: 12, Layers: 2, Channels: 5, MaxNodes: 8}
	g := graphOf(t, -1, 0, 1, 1) // a torso, a thigh and two children: relations differ by pair
	const B, N = 2, 4
	rng := rand.New(rand.NewPCG(7, 7))
	obs := randomObs(rng, B, N, []int{N, N})
	acts := nn.New(B, N, morph.NodeActions)
	for i := range acts.Data {
		acts.Data[i] = float32(2*rng.Float64() - 1)
	}
	st, err := NewStructure([]*morph.Graph{g, g}, N)
	if err != nil {
		t.Fatal(err)
	}
	actor, critic := nets(t, cfg, 9)
	// Non-zero biases and LayerNorm affine parameters, so that each enters the comparison.
	for _, n := range []*Net{actor, critic} {
		ps := &nn.Params{}
		n.Register(ps, "n")
		for _, p := range ps.Tensors() {
			if p.Rank() == 1 {
				for i := range p.Data {
					p.Data[i] += float32(0.2 * rng.NormFloat64())
				}
			}
		}
	}
	rows := func(x *nn.Tensor, b, per int) [][]float64 {
		out := make([][]float64, N)
		for i := range out {
			out[i] = make([]float64, per)
			for k := range per {
				out[i][k] = float64(x.Data[(b*N+i)*per+k])
			}
		}
		return out
	}
	q, _ := qvals(t, critic, obs, acts, st)
	a := act(t, actor, obs, st)
	for b := range B {
		wantQ := refSET(critic, rows(obs, b, morph.NodeFeatures), rows(acts, b, morph.NodeActions), st)
		wantA := refSET(actor, rows(obs, b, morph.NodeFeatures), nil, st)
		for i := range N {
			if d := math.Abs(float64(q[b*N+i]) - wantQ[i][0]); d > 1e-4*math.Max(1, math.Abs(wantQ[i][0])) {
				t.Errorf("sample %d node %d: Q %v, reference %v", b, i, q[b*N+i], wantQ[i][0])
			}
			for k := range 3 {
				if d := math.Abs(float64(a[(b*N+i)*3+k]) - wantA[i][k]); d > 1e-4 {
					t.Errorf("sample %d node %d: torque %d %v, reference %v", b, i, k, a[(b*N+i)*3+k], wantA[i][k])
				}
			}
		}
	}
}

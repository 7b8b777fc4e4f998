package nn

import "math"

// backwardNode adds the gradient contributions of one recorded operation to its inputs.
// Only inputs with a Grad buffer receive anything; nd.out.Grad holds dL/d(out).
func (t *Tape) backwardNode(nd *node) {
	out := nd.out
	dy := out.Grad
	switch nd.op {
	case opMatMul:
		a, b := nd.a, nd.b
		m, n, k := nd.i0, nd.i1, nd.i2
		ta, tb := nd.i3&1 != 0, nd.i3&2 != 0
		lda, ldb := a.Shape[1], b.Shape[1]
		matmulGrads(&t.ws, a.Data, a.Grad, lda, b.Data, b.Grad, ldb, dy, m, n, k, ta, tb)

	case opBatchMatMul:
		a, b := nd.a, nd.b
		m, n, k := nd.i0, nd.i1, nd.i2
		ta, tb := nd.i3&1 != 0, nd.i3&2 != 0
		G := a.Shape[0]
		lda, ldb := a.Shape[2], b.Shape[b.Rank()-1]
		sa, sb := m*k, k*n
		if b.Rank() == 2 {
			sb = 0
			if !ta { // one (G·m)×k product, as in the forward pass
				matmulGrads(&t.ws, a.Data, a.Grad, lda, b.Data, b.Grad, ldb, dy, G*m, n, k, false, tb)
				break
			}
		}
		item := func(ws *gemmWS, i int) {
			var ga, gb []float32
			if a.Grad != nil {
				ga = a.Grad[i*sa:]
			}
			if b.Grad != nil {
				gb = b.Grad[i*sb:]
			}
			matmulGrads(ws, a.Data[i*sa:], ga, lda, b.Data[i*sb:], gb, ldb, dy[i*m*n:], m, n, k, ta, tb)
		}
		if sb == 0 && b.Grad != nil { // every item adds into the one shared dB: in order
			for i := 0; i < G; i++ {
				item(&t.ws, i)
			}
			break
		}
		t.ws.forBatch(G, m*n*k, item)

	case opLinear:
		x, w, bias := nd.a, nd.b, nd.c
		rows, nout, in := nd.i0, nd.i1, nd.i2
		if x.Grad != nil { // dX += dY·Wᵀ
			t.ws.gemm(false, true, rows, in, nout, 1, dy, nout, w.Data, nout, 1, x.Grad, in)
		}
		if w.Grad != nil { // dW += Xᵀ·dY
			t.ws.gemm(true, false, in, nout, rows, 1, x.Data, in, dy, nout, 1, w.Grad, nout)
		}
		if bias != nil && bias.Grad != nil { // db += Σ_rows dY
			for r := 0; r < rows; r++ {
				addTo(bias.Grad, dy[r*nout:(r+1)*nout])
			}
		}

	case opBinary:
		a, b := nd.a, nd.b
		op := binOp(nd.i0)
		bc := bcast{shape: nd.shape, sa: nd.sa, sb: nd.sb, rank: nd.rank}
		bc.run(func(o, ia, ib, n, sa, sb int) {
			var da, db []float32
			if a.Grad != nil {
				da = a.Grad[ia:]
			}
			if b.Grad != nil {
				db = b.Grad[ib:]
			}
			binBwd(op, a.Data[ia:], sa, b.Data[ib:], sb, dy[o:o+n], da, db)
		})

	case opWhere:
		a, b, c := nd.a, nd.b, nd.c
		for i, g := range dy {
			if c.Data[i] != 0 {
				if a.Grad != nil {
					a.Grad[i] += g
				}
			} else if b.Grad != nil {
				b.Grad[i] += g
			}
		}

	case opTanh: // d tanh = 1 − y²
		tanhGrad(nd.a.Grad, dy, out.Data)
	case opReLU:
		reluGrad(nd.a.Grad, dy, out.Data)
	case opGELU: // d/dx x·Φ(x) = Φ(x) + x·φ(x)
		da, x := nd.a.Grad, nd.a.Data
		for i, g := range dy {
			v := x[i]
			da[i] += g * (phi32(v) + v*normPDF32(v))
		}
	case opSigmoid:
		da, y := nd.a.Grad, out.Data
		for i, g := range dy {
			da[i] += g * y[i] * (1 - y[i])
		}
	case opExp:
		da, y := nd.a.Grad, out.Data
		for i, g := range dy {
			da[i] += g * y[i]
		}
	case opLog:
		da, x := nd.a.Grad, nd.a.Data
		for i, g := range dy {
			da[i] += g / x[i]
		}
	case opSqrt:
		da, y := nd.a.Grad, out.Data
		for i, g := range dy {
			da[i] += g * 0.5 / y[i]
		}
	case opSquare:
		da, x := nd.a.Grad, nd.a.Data
		for i, g := range dy {
			da[i] += 2 * g * x[i]
		}
	case opPow:
		da, x, p := nd.a.Grad, nd.a.Data, float64(nd.f0)
		for i, g := range dy {
			da[i] += g * float32(p*math.Pow(float64(x[i]), p-1))
		}
	case opClamp:
		da, x := nd.a.Grad, nd.a.Data
		for i, g := range dy {
			if x[i] >= nd.f0 && x[i] <= nd.f1 {
				da[i] += g
			}
		}
	case opScale:
		da, s := nd.a.Grad, nd.f0
		for i, g := range dy {
			da[i] += g * s
		}
	case opAddScalar:
		da := nd.a.Grad
		for i, g := range dy {
			da[i] += g
		}
	case opAbs:
		da, x := nd.a.Grad, nd.a.Data
		for i, g := range dy {
			if x[i] > 0 {
				da[i] += g
			} else if x[i] < 0 {
				da[i] -= g
			}
		}
	case opSoftplus:
		da, x := nd.a.Grad, nd.a.Data
		for i, g := range dy {
			da[i] += g * sigmoid32(x[i])
		}

	case opSum, opMean:
		g := dy[0]
		if nd.op == opMean {
			g /= float32(nd.a.Len())
		}
		for i := range nd.a.Grad {
			nd.a.Grad[i] += g
		}
	case opSumAxis:
		outer, n, inner, s := nd.i0, nd.i1, nd.i2, nd.f0
		da := nd.a.Grad
		for o := 0; o < outer && inner == 1; o++ {
			g := dy[o] * s
			for j := range da[o*n : (o+1)*n] {
				da[o*n+j] += g
			}
		}
		for o := 0; o < outer && inner != 1; o++ {
			src := dy[o*inner : (o+1)*inner]
			for j := 0; j < n; j++ {
				dst := da[(o*n+j)*inner : (o*n+j+1)*inner]
				for i, v := range src {
					dst[i] += v * s
				}
			}
		}
	case opSumSquares: // d Σ x² = 2x
		outer, n := nd.i0, nd.i1
		da, x := nd.a.Grad, nd.a.Data
		for o := range outer {
			g := dy[o]
			for j := o * n; j < (o+1)*n; j++ {
				da[j] += 2 * g * x[j]
			}
		}
	case opSelectAxis: // the gradient flows to the selected element
		for o, src := range nd.idx {
			nd.a.Grad[src] += dy[o]
		}
	case opNorm:
		y := out.Data[0]
		if y == 0 {
			return // subgradient 0
		}
		g := dy[0] / y
		da, x := nd.a.Grad, nd.a.Data
		for i := range da {
			da[i] += g * x[i]
		}

	case opSoftmax: // dx = y ⊙ (dy − Σ dy·y)
		n := out.Cols()
		for r := 0; r < out.Rows(); r++ {
			y, g, da := out.Data[r*n:(r+1)*n], dy[r*n:(r+1)*n], nd.a.Grad[r*n:(r+1)*n]
			var s float32
			for i := range y {
				s += g[i] * y[i]
			}
			for i := range y {
				da[i] += y[i] * (g[i] - s)
			}
		}
	case opLogSoftmax: // dx = dy − softmax·Σ dy
		n := out.Cols()
		for r := 0; r < out.Rows(); r++ {
			y, g, da := out.Data[r*n:(r+1)*n], dy[r*n:(r+1)*n], nd.a.Grad[r*n:(r+1)*n]
			var s float32
			for _, v := range g {
				s += v
			}
			for i := range y {
				da[i] += g[i] - exp32(y[i])*s
			}
		}

	case opLayerNorm:
		x, gain, bias := nd.a, nd.b, nd.c
		rows, n := nd.i0, nd.i1
		xhat, rstd := nd.buf[:rows*n], nd.buf[rows*n:]
		for r := 0; r < rows; r++ {
			h, g := xhat[r*n:(r+1)*n], dy[r*n:(r+1)*n]
			if gain != nil && gain.Grad != nil {
				for i := range h {
					gain.Grad[i] += g[i] * h[i]
				}
			}
			if bias != nil && bias.Grad != nil {
				for i := range g {
					bias.Grad[i] += g[i]
				}
			}
			if x.Grad == nil {
				continue
			}
			// With d = dy⊙gain: dx = rstd·(d − mean(d) − x̂·mean(d⊙x̂)).
			var sd, sdh float32
			for i := range h {
				d := g[i]
				if gain != nil {
					d *= gain.Data[i]
				}
				sd += d
				sdh += d * h[i]
			}
			sd /= float32(n)
			sdh /= float32(n)
			dx := x.Grad[r*n : (r+1)*n]
			rs := rstd[r]
			for i := range h {
				d := g[i]
				if gain != nil {
					d *= gain.Data[i]
				}
				dx[i] += rs * (d - sd - h[i]*sdh)
			}
		}

	case opGather:
		n := nd.a.Cols()
		for r, j := range nd.idx {
			nd.a.Grad[r*n+j] += dy[r]
		}
	case opIndexRows:
		d := nd.i0
		for i, j := range nd.idx {
			src := dy[i*d : (i+1)*d]
			dst := nd.a.Grad[j*d : (j+1)*d]
			for k, v := range src {
				dst[k] += v
			}
		}
	case opConcat:
		outer, inner, axis := nd.i0, nd.i1, nd.i2
		rowOut := out.Shape[axis] * inner
		off := 0
		for _, x := range nd.xs {
			w := x.Shape[axis] * inner
			if x.Grad != nil {
				for o := 0; o < outer; o++ {
					src := dy[o*rowOut+off : o*rowOut+off+w]
					dst := x.Grad[o*w : (o+1)*w]
					for i, v := range src {
						dst[i] += v
					}
				}
			}
			off += w
		}
	case opSlice:
		outer, rowIn, start, w := nd.i0, nd.i1, nd.i2, nd.i3
		for o := 0; o < outer; o++ {
			src := dy[o*w : (o+1)*w]
			dst := nd.a.Grad[o*rowIn+start : o*rowIn+start+w]
			for i, v := range src {
				dst[i] += v
			}
		}
	case opPermute:
		permuteCopy(dy, nd.a.Grad, nd.rank, &nd.shape, &nd.sa, true)
	}
}

// matmulGrads adds the gradients of C = op(A)·op(B) (C is m×n, inner size k) to gA and
// gB (either may be nil) given dC.
func matmulGrads(ws *gemmWS, a, ga []float32, lda int, b, gb []float32, ldb int, dc []float32, m, n, k int, ta, tb bool) {
	if ga != nil {
		if !ta { // dA = dC·op(B)ᵀ
			ws.gemm(false, !tb, m, k, n, 1, dc, n, b, ldb, 1, ga, lda)
		} else { // A is k×m: dA = op(B)·dCᵀ
			ws.gemm(tb, true, k, m, n, 1, b, ldb, dc, n, 1, ga, lda)
		}
	}
	if gb != nil {
		if !tb { // dB = op(A)ᵀ·dC
			ws.gemm(!ta, false, k, n, m, 1, a, lda, dc, n, 1, gb, ldb)
		} else { // B is n×k: dB = dCᵀ·op(A)
			ws.gemm(true, ta, n, k, m, 1, dc, n, a, lda, 1, gb, ldb)
		}
	}
}

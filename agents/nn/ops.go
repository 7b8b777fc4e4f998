package nn

import (
	"math"
	"slices"
)

type opKind uint8

const (
	opNone opKind = iota
	opMatMul
	opLinear
	opBatchMatMul
	opBinary
	opWhere
	opTanh
	opReLU
	opGELU
	opSigmoid
	opExp
	opLog
	opSqrt
	opSquare
	opPow
	opClamp
	opScale
	opAddScalar
	opAbs
	opSoftplus
	opSum
	opMean
	opSumAxis
	opSoftmax
	opLogSoftmax
	opLayerNorm
	opGather
	opIndexRows
	opConcat
	opSlice
	opPermute
	opNorm
	opSelectAxis
	opSumSquares
)

// anyGrad reports whether an operation on xs must be recorded: some input takes a
// gradient and the tape is not in NoGrad mode.
func (t *Tape) anyGrad(xs ...*Tensor) bool {
	if t.NoGrad {
		return false
	}
	for _, x := range xs {
		if x != nil && x.Grad != nil {
			return true
		}
	}
	return false
}

// ---------------------------------------------------------------------------------------
// Matrix products

// MatMul returns a·b for matrices a [m,k] and b [k,n].
func (t *Tape) MatMul(a, b *Tensor) *Tensor { return t.MatMulT(a, b, false, false) }

// MatMulT returns op(a)·op(b) where op transposes its matrix when the flag is set.
func (t *Tape) MatMulT(a, b *Tensor, transA, transB bool) *Tensor {
	if t.err != nil {
		return t.placeholder()
	}
	if a.Rank() != 2 || b.Rank() != 2 {
		return t.fail("MatMul", "want matrices, got shapes %v and %v", a.Shape, b.Shape)
	}
	m, k := a.Shape[0], a.Shape[1]
	if transA {
		m, k = k, m
	}
	kb, n := b.Shape[0], b.Shape[1]
	if transB {
		kb, n = n, kb
	}
	if k != kb {
		return t.fail("MatMul", "inner dimensions differ: %v (trans %v) and %v (trans %v)", a.Shape, transA, b.Shape, transB)
	}
	g := t.anyGrad(a, b)
	out := t.alloc(g, m, n)
	t.ws.gemm(transA, transB, m, n, k, 1, a.Data, a.Shape[1], b.Data, b.Shape[1], 0, out.Data, n)
	if g {
		nd := t.push(opMatMul, out)
		nd.a, nd.b = a, b
		nd.i0, nd.i1, nd.i2 = m, n, k
		nd.i3 = boolBits(transA, transB)
	}
	return out
}

func boolBits(a, b bool) int {
	v := 0
	if a {
		v |= 1
	}
	if b {
		v |= 2
	}
	return v
}

// Linear returns x·w + bias for x [..., in], w [in, out] and bias [out] (bias may be nil);
// leading dimensions of x are kept.
func (t *Tape) Linear(x, w, bias *Tensor) *Tensor {
	if t.err != nil {
		return t.placeholder()
	}
	if x.Rank() < 1 || w.Rank() != 2 || x.Cols() != w.Shape[0] {
		return t.fail("Linear", "input %v does not match weight %v", x.Shape, w.Shape)
	}
	nout := w.Shape[1]
	if bias != nil && bias.Len() != nout {
		return t.fail("Linear", "bias %v does not match weight %v", bias.Shape, w.Shape)
	}
	rows, in := x.Rows(), x.Cols()
	g := t.anyGrad(x, w, bias)
	var shape [maxRank]int
	r := copy(shape[:], x.Shape)
	shape[r-1] = nout
	out := t.alloc(g, shape[:r]...)
	beta := float32(0)
	if bias != nil {
		for i := 0; i < rows; i++ {
			copy(out.Data[i*nout:(i+1)*nout], bias.Data)
		}
		beta = 1
	}
	t.ws.gemm(false, false, rows, nout, in, 1, x.Data, in, w.Data, nout, beta, out.Data, nout)
	if g {
		nd := t.push(opLinear, out)
		nd.a, nd.b, nd.c = x, w, bias
		nd.i0, nd.i1, nd.i2 = rows, nout, in
	}
	return out
}

// BatchMatMul returns the batch of products op(a[i])·op(b[i]) for a [G, m, k] and
// b [G, k, n]; b may also be a single matrix [k, n] shared by the whole batch.
func (t *Tape) BatchMatMul(a, b *Tensor, transA, transB bool) *Tensor {
	if t.err != nil {
		return t.placeholder()
	}
	if a.Rank() != 3 || (b.Rank() != 3 && b.Rank() != 2) || (b.Rank() == 3 && b.Shape[0] != a.Shape[0]) {
		return t.fail("BatchMatMul", "want [G,m,k] and [G,k,n] or [k,n], got %v and %v", a.Shape, b.Shape)
	}
	G := a.Shape[0]
	m, k := a.Shape[1], a.Shape[2]
	if transA {
		m, k = k, m
	}
	br, bc := b.Shape[b.Rank()-2], b.Shape[b.Rank()-1]
	kb, n := br, bc
	if transB {
		kb, n = n, kb
	}
	if k != kb {
		return t.fail("BatchMatMul", "inner dimensions differ: %v (trans %v) and %v (trans %v)", a.Shape, transA, b.Shape, transB)
	}
	g := t.anyGrad(a, b)
	out := t.alloc(g, G, m, n)
	sa, sb := m*k, br*bc
	if b.Rank() == 2 {
		sb = 0
	}
	if sb == 0 && !transA {
		// A shared B and untransposed A: the batch is one (G·m)×k matrix.
		t.ws.gemm(false, transB, G*m, n, k, 1, a.Data, k, b.Data, bc, 0, out.Data, n)
	} else {
		t.ws.forBatch(G, m*n*k, func(ws *gemmWS, i int) {
			ws.gemm(transA, transB, m, n, k, 1, a.Data[i*sa:], a.Shape[2], b.Data[i*sb:], bc, 0, out.Data[i*m*n:], n)
		})
	}
	if g {
		nd := t.push(opBatchMatMul, out)
		nd.a, nd.b = a, b
		nd.i0, nd.i1, nd.i2 = m, n, k
		nd.i3 = boolBits(transA, transB)
	}
	return out
}

// ---------------------------------------------------------------------------------------
// Broadcasting binary operations (NumPy rules: shapes aligned on the right, size-1
// dimensions stretch).

type binOp uint8

const (
	binAdd binOp = iota
	binSub
	binMul
	binDiv
	binMin
	binMax
)

var binNames = [...]string{"Add", "Sub", "Mul", "Div", "Minimum", "Maximum"}

// Add returns a+b with broadcasting.
func (t *Tape) Add(a, b *Tensor) *Tensor { return t.binary(binAdd, a, b) }

// Sub returns a−b with broadcasting.
func (t *Tape) Sub(a, b *Tensor) *Tensor { return t.binary(binSub, a, b) }

// Mul returns the elementwise product a·b with broadcasting.
func (t *Tape) Mul(a, b *Tensor) *Tensor { return t.binary(binMul, a, b) }

// Div returns a/b with broadcasting.
func (t *Tape) Div(a, b *Tensor) *Tensor { return t.binary(binDiv, a, b) }

// Minimum returns the elementwise min(a, b) with broadcasting; on ties the gradient goes to a.
func (t *Tape) Minimum(a, b *Tensor) *Tensor { return t.binary(binMin, a, b) }

// Maximum returns the elementwise max(a, b) with broadcasting; on ties the gradient goes to a.
func (t *Tape) Maximum(a, b *Tensor) *Tensor { return t.binary(binMax, a, b) }

func (t *Tape) binary(op binOp, a, b *Tensor) *Tensor {
	if t.err != nil {
		return t.placeholder()
	}
	var bc bcast
	if !bc.init(a.Shape, b.Shape) {
		return t.fail(binNames[op], "shapes %v and %v do not broadcast", a.Shape, b.Shape)
	}
	g := t.anyGrad(a, b)
	out := t.alloc(g, bc.outShape[:bc.outRank]...)
	bc.simplify()
	bc.run(func(o, ia, ib, n, sa, sb int) {
		binFwd(op, a.Data[ia:], sa, b.Data[ib:], sb, out.Data[o:o+n])
	})
	if g {
		nd := t.push(opBinary, out)
		nd.a, nd.b = a, b
		nd.i0 = int(op)
		nd.shape, nd.sa, nd.sb, nd.rank = bc.shape, bc.sa, bc.sb, bc.rank
	}
	return out
}

func binFwd(op binOp, a []float32, sa int, b []float32, sb int, out []float32) {
	ia, ib := 0, 0
	switch op {
	case binAdd:
		if sa == 1 && sb == 1 {
			a, b = a[:len(out)], b[:len(out)]
			for i := range out {
				out[i] = a[i] + b[i]
			}
			return
		}
		for i := range out {
			out[i] = a[ia] + b[ib]
			ia += sa
			ib += sb
		}
	case binSub:
		for i := range out {
			out[i] = a[ia] - b[ib]
			ia += sa
			ib += sb
		}
	case binMul:
		if sa == 1 && sb == 1 {
			a, b = a[:len(out)], b[:len(out)]
			for i := range out {
				out[i] = a[i] * b[i]
			}
			return
		}
		for i := range out {
			out[i] = a[ia] * b[ib]
			ia += sa
			ib += sb
		}
	case binDiv:
		for i := range out {
			out[i] = a[ia] / b[ib]
			ia += sa
			ib += sb
		}
	case binMin:
		for i := range out {
			out[i] = min(a[ia], b[ib])
			ia += sa
			ib += sb
		}
	case binMax:
		for i := range out {
			out[i] = max(a[ia], b[ib])
			ia += sa
			ib += sb
		}
	}
}

// binBwd adds the gradients of one run of a binary op; da or db is nil when not needed.
func binBwd(op binOp, a []float32, sa int, b []float32, sb int, dy []float32, da, db []float32) {
	ia, ib := 0, 0
	for i, g := range dy {
		av, bv := a[ia], b[ib]
		switch op {
		case binAdd:
			if da != nil {
				da[ia] += g
			}
			if db != nil {
				db[ib] += g
			}
		case binSub:
			if da != nil {
				da[ia] += g
			}
			if db != nil {
				db[ib] -= g
			}
		case binMul:
			if da != nil {
				da[ia] += g * bv
			}
			if db != nil {
				db[ib] += g * av
			}
		case binDiv:
			if da != nil {
				da[ia] += g / bv
			}
			if db != nil {
				db[ib] -= g * av / (bv * bv)
			}
		case binMin:
			if av <= bv {
				if da != nil {
					da[ia] += g
				}
			} else if db != nil {
				db[ib] += g
			}
		case binMax:
			if av >= bv {
				if da != nil {
					da[ia] += g
				}
			} else if db != nil {
				db[ib] += g
			}
		}
		_ = i
		ia += sa
		ib += sb
	}
}

// Where returns cond ? a : b elementwise; cond, a and b have one shape and cond takes no
// gradient (nonzero means true).
func (t *Tape) Where(cond, a, b *Tensor) *Tensor {
	if t.err != nil {
		return t.placeholder()
	}
	if !a.SameShape(b) || cond.Len() != a.Len() {
		return t.fail("Where", "shapes differ: cond %v, a %v, b %v", cond.Shape, a.Shape, b.Shape)
	}
	g := t.anyGrad(a, b)
	out := t.allocLike(g, a)
	for i, c := range cond.Data {
		if c != 0 {
			out.Data[i] = a.Data[i]
		} else {
			out.Data[i] = b.Data[i]
		}
	}
	if g {
		nd := t.push(opWhere, out)
		nd.a, nd.b, nd.c = a, b, cond
	}
	return out
}

// ---------------------------------------------------------------------------------------
// Elementwise unary operations

func (t *Tape) unary(op opKind, a *Tensor, f0, f1 float32) *Tensor {
	if t.err != nil {
		return t.placeholder()
	}
	g := a.Grad != nil && !t.NoGrad
	out := t.allocLike(g, a)
	x, y := a.Data, out.Data[:len(a.Data)]
	switch op {
	case opTanh:
		tanhVec(y, x)
	case opReLU:
		reluVec(y, x)
	case opGELU:
		for i, v := range x {
			y[i] = v * phi32(v)
		}
	case opSigmoid:
		for i, v := range x {
			y[i] = sigmoid32(v)
		}
	case opExp:
		expVec(y, x)
	case opLog:
		for i, v := range x {
			y[i] = log32(v)
		}
	case opSqrt:
		for i, v := range x {
			y[i] = float32(math.Sqrt(float64(v)))
		}
	case opSquare:
		for i, v := range x {
			y[i] = v * v
		}
	case opPow:
		for i, v := range x {
			y[i] = float32(math.Pow(float64(v), float64(f0)))
		}
	case opClamp:
		for i, v := range x {
			y[i] = min(max(v, f0), f1)
		}
	case opScale:
		for i, v := range x {
			y[i] = v * f0
		}
	case opAddScalar:
		for i, v := range x {
			y[i] = v + f0
		}
	case opAbs:
		for i, v := range x {
			y[i] = float32(math.Abs(float64(v)))
		}
	case opSoftplus:
		for i, v := range x {
			y[i] = softplus32(v)
		}
	}
	if g {
		nd := t.push(op, out)
		nd.a = a
		nd.f0, nd.f1 = f0, f1
	}
	return out
}

// Tanh returns tanh(a) elementwise.
func (t *Tape) Tanh(a *Tensor) *Tensor { return t.unary(opTanh, a, 0, 0) }

// ReLU returns max(a, 0) elementwise.
func (t *Tape) ReLU(a *Tensor) *Tensor { return t.unary(opReLU, a, 0, 0) }

// GELU returns a·Φ(a) elementwise: the erf form (PyTorch's default), with erf accurate
// to 1.5e-7 (see phi32).
func (t *Tape) GELU(a *Tensor) *Tensor { return t.unary(opGELU, a, 0, 0) }

// Sigmoid returns 1/(1+e^−a) elementwise.
func (t *Tape) Sigmoid(a *Tensor) *Tensor { return t.unary(opSigmoid, a, 0, 0) }

// Exp returns e^a elementwise.
func (t *Tape) Exp(a *Tensor) *Tensor { return t.unary(opExp, a, 0, 0) }

// Log returns the natural logarithm elementwise.
func (t *Tape) Log(a *Tensor) *Tensor { return t.unary(opLog, a, 0, 0) }

// Sqrt returns √a elementwise.
func (t *Tape) Sqrt(a *Tensor) *Tensor { return t.unary(opSqrt, a, 0, 0) }

// Square returns a² elementwise.
func (t *Tape) Square(a *Tensor) *Tensor { return t.unary(opSquare, a, 0, 0) }

// Pow returns a^p elementwise.
func (t *Tape) Pow(a *Tensor, p float32) *Tensor { return t.unary(opPow, a, p, 0) }

// Clamp limits a to [lo, hi] elementwise; the gradient passes where lo ≤ a ≤ hi (as in PyTorch).
func (t *Tape) Clamp(a *Tensor, lo, hi float32) *Tensor { return t.unary(opClamp, a, lo, hi) }

// Scale returns s·a.
func (t *Tape) Scale(a *Tensor, s float32) *Tensor { return t.unary(opScale, a, s, 0) }

// Neg returns −a.
func (t *Tape) Neg(a *Tensor) *Tensor { return t.unary(opScale, a, -1, 0) }

// AddScalar returns a+s.
func (t *Tape) AddScalar(a *Tensor, s float32) *Tensor { return t.unary(opAddScalar, a, s, 0) }

// Abs returns |a| elementwise (gradient sign(a), 0 at 0).
func (t *Tape) Abs(a *Tensor) *Tensor { return t.unary(opAbs, a, 0, 0) }

// Softplus returns log(1+e^a) elementwise.
func (t *Tape) Softplus(a *Tensor) *Tensor { return t.unary(opSoftplus, a, 0, 0) }

// ---------------------------------------------------------------------------------------
// Reductions

// Sum returns the sum of all elements as a scalar (shape []).
func (t *Tape) Sum(a *Tensor) *Tensor { return t.reduceAll(opSum, a) }

// Mean returns the mean of all elements as a scalar (shape []).
func (t *Tape) Mean(a *Tensor) *Tensor { return t.reduceAll(opMean, a) }

func (t *Tape) reduceAll(op opKind, a *Tensor) *Tensor {
	if t.err != nil {
		return t.placeholder()
	}
	g := a.Grad != nil && !t.NoGrad
	out := t.alloc(g)
	var s float64
	for _, v := range a.Data {
		s += float64(v)
	}
	if op == opMean {
		if a.Len() == 0 {
			return t.fail("Mean", "empty tensor")
		}
		s /= float64(a.Len())
	}
	out.Data[0] = float32(s)
	if g {
		nd := t.push(op, out)
		nd.a = a
	}
	return out
}

// SumAxis sums over one axis (negative counts from the end), removing it.
func (t *Tape) SumAxis(a *Tensor, axis int) *Tensor { return t.reduceAxis("SumAxis", a, axis, 1) }

// SumSquares returns Σ_j a[..., j]² over the last axis, removing it: SumAxis(Square(a),
// -1) in one pass, with the same result bit for bit and no intermediate of a's size.
func (t *Tape) SumSquares(a *Tensor) *Tensor {
	if t.err != nil {
		return t.placeholder()
	}
	r := a.Rank()
	if r < 1 {
		return t.fail("SumSquares", "needs at least one axis, shape %v", a.Shape)
	}
	n := a.Shape[r-1]
	outer := shapeSize(a.Shape[:r-1])
	g := a.Grad != nil && !t.NoGrad
	out := t.alloc(g, a.Shape[:r-1]...)
	for o := range outer {
		var s float32
		for _, v := range a.Data[o*n : (o+1)*n] {
			s += float32(v * v)
		}
		out.Data[o] = s
	}
	if g {
		nd := t.push(opSumSquares, out)
		nd.a = a
		nd.i0, nd.i1 = outer, n
	}
	return out
}

// MeanAxis averages over one axis (negative counts from the end), removing it.
func (t *Tape) MeanAxis(a *Tensor, axis int) *Tensor {
	if axis < 0 {
		axis += a.Rank()
	}
	if axis < 0 || axis >= a.Rank() || a.Shape[axis] == 0 {
		return t.fail("MeanAxis", "bad axis %d for shape %v", axis, a.Shape)
	}
	return t.reduceAxis("MeanAxis", a, axis, 1/float32(a.Shape[axis]))
}

func (t *Tape) reduceAxis(name string, a *Tensor, axis int, scale float32) *Tensor {
	if t.err != nil {
		return t.placeholder()
	}
	if axis < 0 {
		axis += a.Rank()
	}
	if axis < 0 || axis >= a.Rank() {
		return t.fail(name, "bad axis %d for shape %v", axis, a.Shape)
	}
	outer := shapeSize(a.Shape[:axis])
	n := a.Shape[axis]
	inner := shapeSize(a.Shape[axis+1:])
	var shape [maxRank]int
	r := copy(shape[:], a.Shape[:axis])
	r += copy(shape[r:], a.Shape[axis+1:])
	g := a.Grad != nil && !t.NoGrad
	out := t.alloc(g, shape[:r]...)
	clear(out.Data)
	for o := 0; o < outer && inner == 1; o++ { // the last axis: one running sum per row
		var sum float32
		for _, v := range a.Data[o*n : (o+1)*n] {
			sum += v
		}
		if scale != 1 {
			sum *= scale
		}
		out.Data[o] = sum
	}
	for o := 0; o < outer && inner != 1; o++ {
		dst := out.Data[o*inner : (o+1)*inner]
		for j := 0; j < n; j++ {
			src := a.Data[(o*n+j)*inner : (o*n+j+1)*inner]
			for i, v := range src {
				dst[i] += v
			}
		}
		if scale != 1 {
			for i := range dst {
				dst[i] *= scale
			}
		}
	}
	if g {
		nd := t.push(opSumAxis, out)
		nd.a = a
		nd.i0, nd.i1, nd.i2 = outer, n, inner
		nd.f0 = scale
	}
	return out
}

// MaxAxis returns the maximum over one axis (negative counts from the end), removing it;
// the gradient goes to the first maximal element.
func (t *Tape) MaxAxis(a *Tensor, axis int) *Tensor { return t.selectAxis("MaxAxis", a, axis, true) }

// MinAxis returns the minimum over one axis, removing it; the gradient goes to the first
// minimal element.
func (t *Tape) MinAxis(a *Tensor, axis int) *Tensor { return t.selectAxis("MinAxis", a, axis, false) }

func (t *Tape) selectAxis(name string, a *Tensor, axis int, isMax bool) *Tensor {
	if t.err != nil {
		return t.placeholder()
	}
	if axis < 0 {
		axis += a.Rank()
	}
	if axis < 0 || axis >= a.Rank() || a.Shape[axis] == 0 {
		return t.fail(name, "bad axis %d for shape %v", axis, a.Shape)
	}
	outer := shapeSize(a.Shape[:axis])
	n := a.Shape[axis]
	inner := shapeSize(a.Shape[axis+1:])
	var shape [maxRank]int
	r := copy(shape[:], a.Shape[:axis])
	r += copy(shape[r:], a.Shape[axis+1:])
	g := a.Grad != nil && !t.NoGrad
	out := t.alloc(g, shape[:r]...)
	var arg []int
	if g {
		arg = t.intsN(outer * inner)
	}
	for o := 0; o < outer; o++ {
		for i := 0; i < inner; i++ {
			best, bj := a.Data[o*n*inner+i], 0
			for j := 1; j < n; j++ {
				v := a.Data[(o*n+j)*inner+i]
				if (isMax && v > best) || (!isMax && v < best) {
					best, bj = v, j
				}
			}
			out.Data[o*inner+i] = best
			if g {
				arg[o*inner+i] = (o*n+bj)*inner + i
			}
		}
	}
	if g {
		nd := t.push(opSelectAxis, out)
		nd.a = a
		nd.idx = arg
	}
	return out
}

// Norm returns the Frobenius norm √(Σ a²) as a scalar.
func (t *Tape) Norm(a *Tensor) *Tensor {
	if t.err != nil {
		return t.placeholder()
	}
	g := a.Grad != nil && !t.NoGrad
	out := t.alloc(g)
	var s float64
	for _, v := range a.Data {
		s += float64(v) * float64(v)
	}
	out.Data[0] = float32(math.Sqrt(s))
	if g {
		nd := t.push(opNorm, out)
		nd.a = a
	}
	return out
}

// ---------------------------------------------------------------------------------------
// Row-wise operations over the last axis

// Softmax returns the softmax over the last axis.
func (t *Tape) Softmax(a *Tensor) *Tensor { return t.softmax(opSoftmax, a) }

// LogSoftmax returns log-softmax over the last axis.
func (t *Tape) LogSoftmax(a *Tensor) *Tensor { return t.softmax(opLogSoftmax, a) }

func (t *Tape) softmax(op opKind, a *Tensor) *Tensor {
	if t.err != nil {
		return t.placeholder()
	}
	if a.Rank() == 0 || a.Cols() == 0 {
		return t.fail("Softmax", "need a non-empty last axis, got shape %v", a.Shape)
	}
	g := a.Grad != nil && !t.NoGrad
	out := t.allocLike(g, a)
	n := a.Cols()
	for r := 0; r < a.Rows(); r++ {
		x := a.Data[r*n : (r+1)*n]
		y := out.Data[r*n : (r+1)*n]
		m := x[0]
		for _, v := range x[1:] {
			m = max(m, v)
		}
		for i, v := range x {
			y[i] = v - m
		}
		expVec(y, y)
		var s float32
		for _, e := range y {
			s += e
		}
		if op == opSoftmax {
			inv := 1 / s
			for i := range y {
				y[i] *= inv
			}
		} else {
			ls := m + log32(s)
			for i, v := range x {
				y[i] = v - ls
			}
		}
	}
	if g {
		nd := t.push(op, out)
		nd.a = a
	}
	return out
}

// LayerNorm normalises each row over the last axis to zero mean and unit variance
// ((x−μ)/√(σ²+eps), biased variance as in PyTorch), then applies gain and bias (each
// [cols], either may be nil).
func (t *Tape) LayerNorm(x, gain, bias *Tensor, eps float32) *Tensor {
	if t.err != nil {
		return t.placeholder()
	}
	n := x.Cols()
	if x.Rank() == 0 || n == 0 || (gain != nil && gain.Len() != n) || (bias != nil && bias.Len() != n) {
		return t.fail("LayerNorm", "input %v does not match gain/bias", x.Shape)
	}
	g := t.anyGrad(x, gain, bias)
	out := t.allocLike(g, x)
	rows := x.Rows()
	// Saved for backward: normalised x̂ and 1/σ per row.
	xhat := t.floats(rows*n + rows)
	rstd := xhat[rows*n:]
	for r := 0; r < rows; r++ {
		xr := x.Data[r*n : (r+1)*n]
		var mu float64
		for _, v := range xr {
			mu += float64(v)
		}
		mu /= float64(n)
		var v2 float64
		for _, v := range xr {
			d := float64(v) - mu
			v2 += d * d
		}
		rs := float32(1 / math.Sqrt(v2/float64(n)+float64(eps)))
		rstd[r] = rs
		h := xhat[r*n : (r+1)*n]
		y := out.Data[r*n : (r+1)*n]
		m32 := float32(mu)
		for i, v := range xr {
			h[i] = (v - m32) * rs
			y[i] = h[i]
		}
		if gain != nil {
			for i := range y {
				y[i] *= gain.Data[i]
			}
		}
		if bias != nil {
			for i := range y {
				y[i] += bias.Data[i]
			}
		}
	}
	if g {
		nd := t.push(opLayerNorm, out)
		nd.a, nd.b, nd.c = x, gain, bias
		nd.buf = xhat
		nd.i0, nd.i1 = rows, n
	}
	return out
}

// ---------------------------------------------------------------------------------------
// Indexing and shape operations

// Gather picks one element per row along the last axis: out[r] = a[r, idx[r]], with shape
// a.Shape[:rank−1].
func (t *Tape) Gather(a *Tensor, idx []int) *Tensor {
	if t.err != nil {
		return t.placeholder()
	}
	if a.Rank() == 0 || a.Rows() != len(idx) {
		return t.fail("Gather", "%d indices for %d rows of %v", len(idx), a.Rows(), a.Shape)
	}
	n := a.Cols()
	for r, j := range idx {
		if j < 0 || j >= n {
			return t.fail("Gather", "index %d at row %d out of range [0,%d)", j, r, n)
		}
	}
	g := a.Grad != nil && !t.NoGrad
	out := t.alloc(g, a.Shape[:a.Rank()-1]...)
	for r, j := range idx {
		out.Data[r] = a.Data[r*n+j]
	}
	if g {
		nd := t.push(opGather, out)
		nd.a = a
		nd.idx = t.ints(idx)
	}
	return out
}

// IndexRows selects slices along the first axis: out[i] = a[idx[i]], shape
// [len(idx), a.Shape[1:]...]. It is an embedding lookup when a is a table [N, D].
func (t *Tape) IndexRows(a *Tensor, idx []int) *Tensor {
	if t.err != nil {
		return t.placeholder()
	}
	if a.Rank() == 0 {
		return t.fail("IndexRows", "scalar input")
	}
	N := a.Shape[0]
	for i, j := range idx {
		if j < 0 || j >= N {
			return t.fail("IndexRows", "index %d at position %d out of range [0,%d)", j, i, N)
		}
	}
	var shape [maxRank]int
	shape[0] = len(idx)
	r := 1 + copy(shape[1:], a.Shape[1:])
	g := a.Grad != nil && !t.NoGrad
	out := t.alloc(g, shape[:r]...)
	d := shapeSize(a.Shape[1:])
	for i, j := range idx {
		copy(out.Data[i*d:(i+1)*d], a.Data[j*d:(j+1)*d])
	}
	if g {
		nd := t.push(opIndexRows, out)
		nd.a = a
		nd.idx = t.ints(idx)
		nd.i0 = d
	}
	return out
}

// Concat joins tensors along an axis; all other dimensions must agree.
func (t *Tape) Concat(axis int, xs ...*Tensor) *Tensor {
	if t.err != nil {
		return t.placeholder()
	}
	if len(xs) == 0 {
		return t.fail("Concat", "no inputs")
	}
	r := xs[0].Rank()
	if axis < 0 {
		axis += r
	}
	if axis < 0 || axis >= r {
		return t.fail("Concat", "bad axis %d for rank %d", axis, r)
	}
	var shape [maxRank]int
	copy(shape[:], xs[0].Shape)
	shape[axis] = 0
	for _, x := range xs {
		if x.Rank() != r {
			return t.fail("Concat", "ranks differ: %v and %v", xs[0].Shape, x.Shape)
		}
		for d := 0; d < r; d++ {
			if d != axis && x.Shape[d] != xs[0].Shape[d] {
				return t.fail("Concat", "shapes %v and %v differ off axis %d", xs[0].Shape, x.Shape, axis)
			}
		}
		shape[axis] += x.Shape[axis]
	}
	g := t.anyGrad(xs...)
	out := t.alloc(g, shape[:r]...)
	outer := shapeSize(shape[:axis])
	inner := shapeSize(shape[axis+1 : r])
	rowOut := shape[axis] * inner
	off := 0
	for _, x := range xs {
		w := x.Shape[axis] * inner
		for o := 0; o < outer; o++ {
			copy(out.Data[o*rowOut+off:o*rowOut+off+w], x.Data[o*w:(o+1)*w])
		}
		off += w
	}
	if g {
		nd := t.push(opConcat, out)
		nd.xs = t.tensors(xs)
		nd.i0, nd.i1 = outer, inner
		nd.i2 = axis
	}
	return out
}

// Slice returns a[..., lo:hi, ...] along one axis (a copy).
func (t *Tape) Slice(a *Tensor, axis, lo, hi int) *Tensor {
	if t.err != nil {
		return t.placeholder()
	}
	r := a.Rank()
	if axis < 0 {
		axis += r
	}
	if axis < 0 || axis >= r || lo < 0 || hi > a.Shape[axis] || lo > hi {
		return t.fail("Slice", "bad range [%d:%d] on axis %d of %v", lo, hi, axis, a.Shape)
	}
	var shape [maxRank]int
	copy(shape[:], a.Shape)
	shape[axis] = hi - lo
	g := a.Grad != nil && !t.NoGrad
	out := t.alloc(g, shape[:r]...)
	outer := shapeSize(a.Shape[:axis])
	inner := shapeSize(a.Shape[axis+1:])
	rowIn, w := a.Shape[axis]*inner, (hi-lo)*inner
	for o := 0; o < outer; o++ {
		copy(out.Data[o*w:(o+1)*w], a.Data[o*rowIn+lo*inner:o*rowIn+lo*inner+w])
	}
	if g {
		nd := t.push(opSlice, out)
		nd.a = a
		nd.i0, nd.i1, nd.i2, nd.i3 = outer, rowIn, lo*inner, w
	}
	return out
}

// Reshape returns a view of a with a new shape of the same size (one dimension may be
// −1 and is inferred). The view shares a's values and gradient.
func (t *Tape) Reshape(a *Tensor, shape ...int) *Tensor {
	if t.err != nil {
		return t.placeholder()
	}
	if len(shape) > maxRank {
		return t.fail("Reshape", "rank %d above %d", len(shape), maxRank)
	}
	var s [maxRank]int
	copy(s[:], shape)
	infer, n := -1, 1
	for i, d := range shape {
		if d == -1 && infer < 0 {
			infer = i
			continue
		}
		if d < 0 {
			return t.fail("Reshape", "bad shape %v", slices.Clone(shape))
		}
		n *= d
	}
	if infer >= 0 {
		if n == 0 || a.Len()%n != 0 {
			return t.fail("Reshape", "cannot reshape %v to %v", a.Shape, slices.Clone(shape))
		}
		s[infer] = a.Len() / n
		n *= s[infer]
	}
	if n != a.Len() {
		return t.fail("Reshape", "cannot reshape %v to %v", a.Shape, slices.Clone(shape))
	}
	return t.view(a, s[:len(shape)], a.Grad != nil && !t.NoGrad)
}

// Detach returns a view of a's values that takes no gradient.
func (t *Tape) Detach(a *Tensor) *Tensor {
	if t.err != nil {
		return t.placeholder()
	}
	return t.view(a, a.Shape, false)
}

func (t *Tape) view(a *Tensor, shape []int, grad bool) *Tensor {
	out := t.alloc(false, 0)
	out.Shape = append(out.Shape[:0], shape...)
	out.Data = a.Data
	if grad {
		out.Grad = a.Grad
	}
	return out
}

// Transpose swaps the last two axes (a copy).
func (t *Tape) Transpose(a *Tensor) *Tensor {
	r := a.Rank()
	if r < 2 {
		return t.fail("Transpose", "need rank ≥ 2, got %v", a.Shape)
	}
	var p [maxRank]int
	for i := range r {
		p[i] = i
	}
	p[r-1], p[r-2] = r-2, r-1
	return t.Permute(a, p[:r]...)
}

// Permute reorders the axes: out.Shape[i] = a.Shape[perm[i]] (a copy).
func (t *Tape) Permute(a *Tensor, perm ...int) *Tensor {
	if t.err != nil {
		return t.placeholder()
	}
	r := a.Rank()
	if len(perm) != r || r > maxRank {
		return t.fail("Permute", "permutation %v for shape %v", slices.Clone(perm), a.Shape)
	}
	var seen [maxRank]bool
	for _, p := range perm {
		if p < 0 || p >= r || seen[p] {
			return t.fail("Permute", "permutation %v for shape %v", slices.Clone(perm), a.Shape)
		}
		seen[p] = true
	}
	var shape, strides, src [maxRank]int
	st := 1
	for i := r - 1; i >= 0; i-- {
		strides[i] = st
		st *= a.Shape[i]
	}
	for i, p := range perm {
		shape[i] = a.Shape[p]
		src[i] = strides[p]
	}
	g := a.Grad != nil && !t.NoGrad
	out := t.alloc(g, shape[:r]...)
	permuteCopy(out.Data, a.Data, r, &shape, &src, false)
	if g {
		nd := t.push(opPermute, out)
		nd.a = a
		nd.shape, nd.sa, nd.rank = shape, src, r
	}
	return out
}

// permuteCopy walks dst in order and reads (or, when add is set, adds into) src at the
// strided offsets; with add it scatters dst's values back: src[off] += dst[i].
func permuteCopy(dst, src []float32, r int, shape, stride *[maxRank]int, add bool) {
	if r == 0 {
		if add {
			src[0] += dst[0]
		} else {
			dst[0] = src[0]
		}
		return
	}
	var idx [maxRank]int
	off := 0
	inner, is := shape[r-1], stride[r-1]
	for i := 0; i < len(dst); i += inner {
		d := dst[i : i+inner]
		o := off
		if is == 1 { // contiguous innermost axis
			if add {
				addTo(src[o:o+inner], d)
			} else {
				copy(d, src[o:o+inner])
			}
		} else if add {
			for j := range d {
				src[o] += d[j]
				o += is
			}
		} else {
			for j := range d {
				d[j] = src[o]
				o += is
			}
		}
		for k := r - 2; k >= 0; k-- {
			idx[k]++
			off += stride[k]
			if idx[k] < shape[k] {
				break
			}
			off -= stride[k] * shape[k]
			idx[k] = 0
		}
	}
}

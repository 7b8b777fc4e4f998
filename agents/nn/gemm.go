package nn

// A blocked single-threaded SGEMM: C is computed in MR×NR tiles, each as a sum of KC
// rank-1 updates by a register-blocked micro-kernel (AVX2/FMA assembly where the CPU has
// it, portable Go otherwise). The kernel reads op(A) through two strides, so for small
// matrices the plain and transposed A cases need no copy; op(B) is read in place when it
// is row-major and packed into KC×NR strips when transposed; partial edge tiles are
// copied into zero-padded buffers. Larger operands are packed as in BLIS (see gemmPackA).

const (
	gemmMR = 6   // rows of a micro-tile
	gemmNR = 16  // columns of a micro-tile (two 8-wide vectors)
	gemmKC = 256 // depth of a block: a B strip of KC×NR floats (16 KiB) stays in L1

	// From these sizes (elements of op(A), of op(B)) a transposed A and a row-major B are
	// packed into contiguous strips although the kernel could read them in place: there
	// the kernel steps down the rows, KC of them a large stride apart (for example 512
	// floats), and such reads conflict in the L1 cache. (An untransposed A is read as six
	// sequential rows and never needs it.) Measured on the MLP benchmark shapes: packing
	// pays at 256×512 and costs at 256×256 and below.
	gemmPackA = 1 << 17
	gemmPackB = 1 << 17
)

// gemmWS is the packing workspace of one goroutine (owned by a Tape).
type gemmWS struct {
	packA, packB, edgeA, edgeB []float32
	tile                       [gemmMR * gemmNR]float32
	par                        *gemmPar // helpers' workspaces (gemm_par.go); nil: one goroutine
}

// gemm computes C = alpha·op(A)·op(B) + beta·C for row-major matrices, where op(A) is
// m×k and op(B) is k×n.
func (ws *gemmWS) gemm(tA, tB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	if useExternalBLAS && k > 0 {
		externalGemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	if beta != 1 {
		for i := 0; i < m; i++ {
			row := c[i*ldc : i*ldc+n]
			if beta == 0 {
				clear(row)
			} else {
				for j := range row {
					row[j] *= beta
				}
			}
		}
	}
	if k == 0 || alpha == 0 {
		return
	}
	if ws.parallelGemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, c, ldc) {
		return
	}
	if m < gemmMR {
		ws.smallGemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, c, ldc)
		return
	}
	ws.native(tA, tB, m, n, k, alpha, a, lda, b, ldb, c, ldc)
}

// native adds alpha·op(A)·op(B) to C with the blocked kernel.
func (ws *gemmWS) native(tA, tB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	ai, ap := lda, 1 // op(A)[i,p] = a[i·ai + p·ap]
	if tA {
		ai, ap = 1, lda
	}
	mFull := m - m%gemmMR
	packA := tA && m*k >= gemmPackA
	packB := n*k >= gemmPackB
	for pc := 0; pc < k; pc += gemmKC {
		kc := min(gemmKC, k-pc)
		var pb []float32
		if tB {
			pb = ws.packTransB(b, ldb, pc, kc, n)
		} else if packB {
			pb = ws.packRowB(b, ldb, pc, kc, n)
		}
		var ea []float32
		if mFull < m {
			ea = ws.packEdgeA(a, ai, ap, mFull, m-mFull, pc, kc)
		}
		var pa []float32
		if packA {
			pa = ws.packFullA(tA, a, lda, mFull, pc, kc)
		}
		for jr := 0; jr < n; jr += gemmNR {
			nr := min(gemmNR, n-jr)
			var bs []float32
			bp := gemmNR
			switch {
			case tB || (packB && nr == gemmNR):
				bs = pb[jr*kc:]
			case nr == gemmNR:
				bs, bp = b[pc*ldb+jr:], ldb
			default:
				bs = ws.packEdgeB(b, ldb, pc, jr, kc, nr)
			}
			for ir := 0; ir < m; ir += gemmMR {
				as, sai, sap := a[ir*ai+pc*ap:], ai, ap
				if packA && ir < mFull {
					as, sai, sap = pa[ir*kc:], 1, gemmMR
				}
				if ir >= mFull {
					as, sai, sap = ea, 1, gemmMR
				}
				ci := ir*ldc + jr
				if ir < mFull && nr == gemmNR {
					microKernel(kc, as, sai, sap, bs, bp, c[ci:], ldc, alpha)
					continue
				}
				t := ws.tile[:]
				clear(t)
				microKernel(kc, as, sai, sap, bs, bp, t, gemmNR, alpha)
				for i := 0; i < min(gemmMR, m-ir); i++ {
					row := c[ci+i*ldc : ci+i*ldc+nr]
					for j := range row {
						row[j] += t[i*gemmNR+j]
					}
				}
			}
		}
	}
}

// smallGemm adds alpha·op(A)·op(B) to C row by row, for fewer rows than a micro-tile
// (per-node products such as 3×32 by 32×32), where tiles would be mostly padding: each
// row of C accumulates scaled rows of op(B) in registers (rowGemm), or, for a transposed
// B, is a set of dot products with B's rows (when A is transposed too, B is first copied
// out row-major).
func (ws *gemmWS) smallGemm(tA, tB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	if tB && !tA { // C[i,j] += alpha·⟨row i of A, row j of B⟩
		for i := 0; i < m; i++ {
			dotRows(a[i*lda:i*lda+k], b, ldb, c[i*ldc:i*ldc+n], alpha)
		}
		return
	}
	if tB {
		need := k * n
		if cap(ws.packB) < need {
			ws.packB = make([]float32, need)
		}
		bt := ws.packB[:need]
		for j := 0; j < n; j++ {
			row := b[j*ldb : j*ldb+k]
			for p, v := range row {
				bt[p*n+j] = v
			}
		}
		b, ldb = bt, n
	}
	for i := 0; i < m; i++ {
		crow := c[i*ldc : i*ldc+n]
		if tA { // op(A)[i,p] = a[p·lda+i]
			rowGemm(k, a[i:], lda, b, ldb, crow, alpha)
		} else {
			rowGemm(k, a[i*lda:], 1, b, ldb, crow, alpha)
		}
	}
}

// packTransB packs op(B)[pc:pc+kc, 0:n] = Bᵀ (B is n×k, row stride ldb) into strips of NR
// columns: strip s holds, for each p, the NR values op(B)[pc+p, s·NR : (s+1)·NR], zero-padded.
func (ws *gemmWS) packTransB(b []float32, ldb, pc, kc, n int) []float32 {
	strips := (n + gemmNR - 1) / gemmNR
	need := strips * gemmNR * kc
	if cap(ws.packB) < need {
		ws.packB = make([]float32, need)
	}
	pb := ws.packB[:need]
	for s := 0; s < strips; s++ {
		j0 := s * gemmNR
		w := min(gemmNR, n-j0)
		dst := pb[s*gemmNR*kc : (s+1)*gemmNR*kc]
		if w < gemmNR {
			clear(dst)
			for j := 0; j < w; j++ {
				col := b[(j0+j)*ldb+pc : (j0+j)*ldb+pc+kc]
				for p, v := range col {
					dst[p*gemmNR+j] = v
				}
			}
			continue
		}
		// Sixteen rows of B at once, four depths at a time: sequential writes.
		base := j0*ldb + pc
		p := 0
		for ; p+4 <= kc; p += 4 {
			d := dst[p*gemmNR : p*gemmNR+4*gemmNR]
			for j := 0; j < gemmNR; j++ {
				src := b[base+j*ldb+p : base+j*ldb+p+4]
				d[j], d[gemmNR+j], d[2*gemmNR+j], d[3*gemmNR+j] = src[0], src[1], src[2], src[3]
			}
		}
		for ; p < kc; p++ {
			d := dst[p*gemmNR : p*gemmNR+gemmNR]
			for j := range d {
				d[j] = b[base+j*ldb+p]
			}
		}
	}
	return pb
}

// packFullA packs the full row strips of op(A)[0:mFull, pc:pc+kc]: strip s holds, for
// each p, the MR values op(A)[s·MR : (s+1)·MR, pc+p], so the kernel reads A contiguously.
func (ws *gemmWS) packFullA(tA bool, a []float32, lda, mFull, pc, kc int) []float32 {
	need := mFull * kc
	if cap(ws.packA) < need {
		ws.packA = make([]float32, need)
	}
	pa := ws.packA[:need]
	for i0 := 0; i0 < mFull; i0 += gemmMR {
		dst := pa[i0*kc : (i0+gemmMR)*kc]
		if tA {
			for p := 0; p < kc; p++ {
				src := a[(pc+p)*lda+i0 : (pc+p)*lda+i0+gemmMR]
				d := dst[p*gemmMR : p*gemmMR+gemmMR]
				d[0], d[1], d[2], d[3], d[4], d[5] = src[0], src[1], src[2], src[3], src[4], src[5]
			}
			continue
		}
		base := i0*lda + pc
		r0 := a[base : base+kc]
		r1 := a[base+lda : base+lda+kc]
		r2 := a[base+2*lda : base+2*lda+kc]
		r3 := a[base+3*lda : base+3*lda+kc]
		r4 := a[base+4*lda : base+4*lda+kc]
		r5 := a[base+5*lda : base+5*lda+kc]
		for p := range r0 {
			d := dst[p*gemmMR : p*gemmMR+gemmMR]
			d[0], d[1], d[2], d[3], d[4], d[5] = r0[p], r1[p], r2[p], r3[p], r4[p], r5[p]
		}
	}
	return pa
}

// packRowB packs the full NR-column strips of a row-major op(B)[pc:pc+kc, 0:n] like
// packTransB does for a transposed one (partial strips are left to packEdgeB).
func (ws *gemmWS) packRowB(b []float32, ldb, pc, kc, n int) []float32 {
	strips := n / gemmNR
	need := strips * gemmNR * kc
	if cap(ws.packB) < need {
		ws.packB = make([]float32, need)
	}
	pb := ws.packB[:need]
	for s := 0; s < strips; s++ {
		dst := pb[s*gemmNR*kc : (s+1)*gemmNR*kc]
		for p := 0; p < kc; p++ {
			off := (pc+p)*ldb + s*gemmNR
			*(*[gemmNR]float32)(dst[p*gemmNR:]) = *(*[gemmNR]float32)(b[off : off+gemmNR])
		}
	}
	return pb
}

// packEdgeB copies the partial strip op(B)[pc:pc+kc, jr:jr+nr] (B row-major, nr < NR)
// into a zero-padded kc×NR buffer.
func (ws *gemmWS) packEdgeB(b []float32, ldb, pc, jr, kc, nr int) []float32 {
	need := kc * gemmNR
	if cap(ws.edgeB) < need {
		ws.edgeB = make([]float32, need)
	}
	dst := ws.edgeB[:need]
	for p := 0; p < kc; p++ {
		d := dst[p*gemmNR : p*gemmNR+gemmNR]
		copy(d, b[(pc+p)*ldb+jr:(pc+p)*ldb+jr+nr])
		clear(d[nr:])
	}
	return dst
}

// packEdgeA copies rows i0…i0+h−1 (h < MR) of op(A)[:, pc:pc+kc] into a zero-padded
// buffer with element (i, p) at p·MR + i.
func (ws *gemmWS) packEdgeA(a []float32, ai, ap, i0, h, pc, kc int) []float32 {
	need := kc * gemmMR
	if cap(ws.edgeA) < need {
		ws.edgeA = make([]float32, need)
	}
	dst := ws.edgeA[:need]
	clear(dst)
	for i := 0; i < h; i++ {
		for p := 0; p < kc; p++ {
			dst[p*gemmMR+i] = a[(i0+i)*ai+(pc+p)*ap]
		}
	}
	return dst
}

// microKernelGo is the portable micro-kernel: it adds alpha·Σ_p a[i·ai+p·ap]·b[p·bp+j]
// to c[i·ldc+j] for the full MR×NR tile.
func microKernelGo(kc int, a []float32, ai, ap int, b []float32, bp int, c []float32, ldc int, alpha float32) {
	var acc [gemmMR][gemmNR]float32
	for p := 0; p < kc; p++ {
		brow := b[p*bp : p*bp+gemmNR]
		for i := range gemmMR {
			av := a[i*ai+p*ap]
			r := &acc[i]
			for j, bv := range brow {
				r[j] += av * bv
			}
		}
	}
	for i := 0; i < gemmMR; i++ {
		row := c[i*ldc : i*ldc+gemmNR]
		for j := range row {
			row[j] += alpha * acc[i][j]
		}
	}
}

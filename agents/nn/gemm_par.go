package nn

import "gorl/internal/workpool"

// Parallel products: with Tape.Workers > 1 a large GEMM is cut into column strips of NR
// (rowBlock for products of fewer rows than MR) or row blocks of MR, and the pieces run on
// workpool goroutines, each with its own packing workspace; a batch of small products
// (BatchMatMul) is cut into runs of its matrices. Every element of C is still computed by
// the same kernel calls over the same KC blocks in the same order as on one goroutine, so
// results are bit for bit those of Workers = 1, whatever the number of cores.

// parMinWork is the smallest m·n·k worth splitting: about 20 µs of one core's kernel
// time, against a few µs to start and join the goroutines.
const parMinWork = 1 << 19

// rowBlock is the column block of rowGemm's vector kernel: pieces of a small-row product
// start at its multiples, so that every column falls in the same kind of block as on one
// goroutine.
const rowBlock = 32

// gemmPar holds the workspaces of the helper goroutines of one tape.
type gemmPar struct {
	workers int
	ws      []gemmWS // ws[w] for worker w ≥ 1; worker 0 uses the tape's own
}

func (ws *gemmWS) worker(w int) *gemmWS {
	if w == 0 {
		return ws
	}
	return &ws.par.ws[w]
}

// setWorkers makes the tape's products use up to n goroutines (n ≤ 1: one).
func (ws *gemmWS) setWorkers(n int) {
	if n <= 1 {
		ws.par = nil
		return
	}
	if ws.par == nil || ws.par.workers != n {
		ws.par = &gemmPar{workers: n, ws: make([]gemmWS, n)}
	}
}

// parallelGemm adds alpha·op(A)·op(B) to C (beta already applied) on several goroutines
// and reports whether it did; a product too small or too narrow to split is left to the
// caller.
func (ws *gemmWS) parallelGemm(tA, tB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) bool {
	p := ws.par
	if p == nil || m*n*k < parMinWork {
		return false
	}
	small := m < gemmMR // the serial path's choice of kernel, kept for every piece
	strip := gemmNR
	if small {
		strip = rowBlock // rowGemm's column blocks
	}
	strips, tiles := (n+strip-1)/strip, (m+gemmMR-1)/gemmMR
	var pieces, per int
	byCols := strips >= tiles || small
	if byCols {
		pieces = min(p.workers, strips)
		per = (strips + pieces - 1) / pieces * strip
	} else {
		pieces = min(p.workers, tiles)
		per = (tiles + pieces - 1) / pieces * gemmMR
	}
	if pieces < 2 {
		return false
	}
	workpool.ForEach(pieces, pieces, func(w, i int) {
		sw := ws.worker(w)
		if byCols {
			j0, j1 := i*per, min(n, (i+1)*per)
			if j0 >= j1 {
				return
			}
			var bs []float32 // op(B) columns j0…: B's columns, or B's rows when transposed
			if tB {
				bs = b[j0*ldb:]
			} else {
				bs = b[j0:]
			}
			if small {
				sw.smallGemm(tA, tB, m, j1-j0, k, alpha, a, lda, bs, ldb, c[j0:], ldc)
			} else {
				sw.native(tA, tB, m, j1-j0, k, alpha, a, lda, bs, ldb, c[j0:], ldc)
			}
			return
		}
		i0, i1 := i*per, min(m, (i+1)*per)
		if i0 >= i1 {
			return
		}
		var as []float32 // op(A) rows i0…: A's rows, or A's columns when transposed
		if tA {
			as = a[i0:]
		} else {
			as = a[i0*lda:]
		}
		sw.native(tA, tB, i1-i0, n, k, alpha, as, lda, b, ldb, c[i0*ldc:], ldc)
	})
	return true
}

// forBatch runs item(ws, i) for i in [0, g), the matrices of a batched product, in
// contiguous runs on the tape's goroutines when the batch holds enough work (work: m·n·k
// of one item); each run has its own workspace.
func (ws *gemmWS) forBatch(g, work int, item func(ws *gemmWS, i int)) {
	p := ws.par
	if p == nil || g < 2 || g*work < parMinWork {
		for i := range g {
			item(ws, i)
		}
		return
	}
	pieces := min(p.workers, g)
	per := (g + pieces - 1) / pieces
	workpool.ForEach(pieces, pieces, func(w, r int) {
		sw := ws.worker(w)
		for i := r * per; i < min(g, (r+1)*per); i++ {
			item(sw, i)
		}
	})
}

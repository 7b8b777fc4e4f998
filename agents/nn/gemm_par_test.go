package nn

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// A product on several goroutines equals the one-goroutine product bit for bit, for every
// transpose, for shapes split by columns and by rows, with partial edge tiles.
func TestParallelGemmBitIdentical(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	fill := func(n int) []float32 {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(rng.NormFloat64())
		}
		return x
	}
	shapes := [][3]int{{256, 256, 256}, {256, 1, 300}, {131, 37, 257}, {4, 700, 300}, {700, 5, 300}, {256, 205, 256}}
	for _, s := range shapes {
		m, n, k := s[0], s[1], s[2]
		for _, tr := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
			tA, tB := tr[0], tr[1]
			a, b, c0 := fill(m*k), fill(k*n), fill(m*n)
			lda, ldb := k, n
			if tA {
				lda = m
			}
			if tB {
				ldb = k
			}
			var serial, par gemmWS
			par.setWorkers(3)
			want, got := slices.Clone(c0), slices.Clone(c0)
			serial.gemm(tA, tB, m, n, k, 0.5, a, lda, b, ldb, 1, want, n)
			if !par.parallelGemm(tA, tB, m, n, k, 0.5, a, lda, b, ldb, slices.Clone(c0), n) && m*n*k >= parMinWork {
				t.Errorf("%v %v: a large product was not split", s, tr)
			}
			par.gemm(tA, tB, m, n, k, 0.5, a, lda, b, ldb, 1, got, n)
			if !slices.Equal(got, want) {
				t.Errorf("%v transposes %v: parallel product differs from serial", s, tr)
			}
		}
	}
}

// A tape with Workers = 2 gives the same outputs and gradients as one with Workers = 1,
// through Linear and both forms of BatchMatMul.
func TestTapeWorkersSameGradients(t *testing.T) {
	run := func(workers int) []float32 {
		rng := rand.New(rand.NewPCG(5, 5))
		w := NewParam(64, 256)
		w.FillNormal(rng, 0.1)
		v := NewParam(1280, 3, 8)
		v.FillNormal(rng, 1)
		m := NewParam(1280, 8, 8)
		m.FillNormal(rng, 1)
		x := New(512, 64)
		x.FillNormal(rng, 1)
		tp := NewTape()
		tp.Workers = workers
		tp.Reset()
		h := tp.ReLU(tp.Linear(x, w, nil))
		bm := tp.BatchMatMul(v, m, false, false) // [1280, 3, 8]
		bt := tp.BatchMatMul(v, v, true, false)  // [1280, 8, 8]
		loss := tp.Add(tp.Add(tp.Mean(tp.Square(h)), tp.Mean(tp.Square(bm))), tp.Mean(bt))
		if err := tp.Backward(loss); err != nil {
			t.Fatal(err)
		}
		out := append([]float32{loss.Item()}, w.Grad...)
		out = append(out, v.Grad...)
		return append(out, m.Grad...)
	}
	if !slices.Equal(run(1), run(2)) {
		t.Fatal("Workers 2 differs from Workers 1")
	}
}

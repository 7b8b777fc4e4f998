package glow

import (
	"testing"

	"gorl/env/lock"
)

// benchLockData runs n episodes of the optimal policy with one random deviation
// (the mixed design) on a latent lock and returns the problem and its data.
func benchLockData(b *testing.B, H, n int) (*Problem, *Data) {
	p, err := LockProblem(lock.Config{H: H, Actions: 10}, false)
	if err != nil {
		b.Fatal(err)
	}
	off, err := offlineTuples(p, lock.Mixed, n, 1)
	if err != nil {
		b.Fatal(err)
	}
	d := NewData(H, p.S, p.A)
	for h := range off {
		for _, tu := range off[h] {
			d.Add(h, tu)
		}
	}
	return p, d
}

// One GLOW iteration (confidence set and optimism) over the lock family, H = 50.
func BenchmarkGLOWSelectFiniteLock50(b *testing.B) {
	p, d := benchLockData(b, 50, 500)
	f, _ := LockFamily(p.Lock.Model())
	g := &GLOW{Finite: f, T: 1000, BetaScale: 1e-6}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, err := g.Select(d, 501); err != nil {
			b.Fatal(err)
		}
	}
}

// One MABO.CR fit (exact Viterbi) over the lock family, H = 50.
func BenchmarkMABOFiniteLock50(b *testing.B) {
	p, d := benchLockData(b, 50, 500)
	f, _ := LockFamily(p.Lock.Model())
	m := &MABO{Finite: f}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := m.Fit(d, 501); err != nil {
			b.Fatal(err)
		}
	}
}

// One tabular GLOW iteration (per-cell budget), H = 100.
func BenchmarkGLOWSelectTabularLock100(b *testing.B) {
	p, d := benchLockData(b, 100, 500)
	g := &GLOW{Tabular: &Tabular{S: p.S, A: p.A}, T: 1000, BetaScale: 1e-8}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, err := g.Select(d, 501); err != nil {
			b.Fatal(err)
		}
	}
}

// One HyGLOW iteration (MABO.CR fit) with the density-ratio class at H = 20: the lock
// family with its closed-form ratios, and the joint class of lock/incomplete with the
// enumerated ratios of its models; 500 tuples per layer.
func BenchmarkHyGLOWRatiosLock20(b *testing.B) {
	p, d := benchLockData(b, 20, 500)
	f, _ := LockFamily(p.Lock.Model())
	m := &MABO{Finite: f, W: LockRatios{H: 20, A: p.A}}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := m.Fit(d, 501); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkHyGLOWRatiosIncomplete20(b *testing.B) {
	p, err := IncompleteProblem(lock.Config{H: 20})
	if err != nil {
		b.Fatal(err)
	}
	off, err := offlineTuples(p, lock.Mixed, 500, 1)
	if err != nil {
		b.Fatal(err)
	}
	d := NewData(20, p.S, p.A)
	for h := range off {
		for _, tu := range off[h] {
			d.Add(h, tu)
		}
	}
	f, _ := incompleteClass(p, 0)
	m := &MABO{Finite: f, W: ModelRatios(f.Models, f)}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := m.Fit(d, 501); err != nil {
			b.Fatal(err)
		}
	}
}

package td3

import (
	"testing"

	"gorl/env"
)

// BenchmarkUpdate times one TD3 update (critic step, and the actor and target step
// every second call) with the paper's 256-256 MLPs and batch 256 on Pendulum's sizes.
func BenchmarkUpdate(b *testing.B) {
	a, err := New(nil, 3, 1, Config{}, env.NewRand(1, 0))
	if err != nil {
		b.Fatal(err)
	}
	batch := randomBatch(a, 1)
	if _, err := a.Update(batch); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := a.Update(batch); err != nil {
			b.Fatal(err)
		}
	}
}

package env_test

import (
	"testing"

	"gorl/env"
)

func TestDeriveSeed(t *testing.T) {
	if env.DeriveSeed(1, 2, 3) != env.DeriveSeed(1, 2, 3) {
		t.Fatal("DeriveSeed is not deterministic")
	}
	seen := map[uint64]string{}
	for name, s := range map[string]uint64{
		"1":       env.DeriveSeed(1),
		"2":       env.DeriveSeed(2),
		"1/0":     env.DeriveSeed(1, 0),
		"1/1":     env.DeriveSeed(1, 1),
		"1/0/1":   env.DeriveSeed(1, 0, 1),
		"1/1/0":   env.DeriveSeed(1, 1, 0),
		"1/0/0":   env.DeriveSeed(1, 0, 0),
		"0":       env.DeriveSeed(0),
		"0/1":     env.DeriveSeed(0, 1),
		"1/2/3/4": env.DeriveSeed(1, 2, 3, 4),
	} {
		if other, dup := seen[s]; dup {
			t.Errorf("paths %s and %s derive the same seed", name, other)
		}
		seen[s] = name
	}
}

func TestNewRandStreams(t *testing.T) {
	a, b, c := env.NewRand(5, 1), env.NewRand(5, 1), env.NewRand(5, 2)
	same, differ := true, false
	for i := 0; i < 64; i++ {
		x, y, z := a.Uint64(), b.Uint64(), c.Uint64()
		same = same && x == y
		differ = differ || x != z
	}
	if !same || !differ {
		t.Fatalf("same path same stream: %v; different paths differ: %v", same, differ)
	}
}

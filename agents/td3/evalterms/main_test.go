package main

import (
	"math"
	"testing"
)

// By hand: mean 2.5, sd √(5/3), se √(5/3)/2, t(3; 0.975) = 3.182.
func TestMeanCI(t *testing.T) {
	m, h := meanCI([]float64{1, 2, 3, 4})
	if m != 2.5 || math.Abs(h-3.182*math.Sqrt(5.0/3)/2) > 1e-12 {
		t.Fatalf("mean %v ± %v", m, h)
	}
}

// A random-action evaluation on hopper-3 reports the four terms, and they add up to the
// return.
func TestRandomEvaluation(t *testing.T) {
	r, err := evaluate("", "sgrl/hopper-3", 3, 1, true)
	if err != nil {
		t.Fatal(err)
	}
	sum := r.Mean["progress"] + r.Mean["heading"] + r.Mean["alive"] + r.Mean["control"]
	if r.Episodes != 3 || math.Abs(sum-r.Mean["return"]) > 1e-9 || r.Mean["alive"] != r.Mean["length"] {
		t.Fatalf("%+v: terms sum to %v", r, sum)
	}
	if _, err := evaluate("", "Pendulum-v1", 3, 1, true); err == nil {
		t.Fatal("Pendulum accepted")
	}
}

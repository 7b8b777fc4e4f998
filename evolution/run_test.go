package evolution

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"gorl/agents"
)

func TestParseLifetimes(t *testing.T) {
	if lo, hi, err := ParseLifetimes("10:250"); lo != 10 || hi != 250 || err != nil {
		t.Fatalf("10:250: %d, %d, %v", lo, hi, err)
	}
	if lo, hi, err := ParseLifetimes(""); lo != 0 || hi != 0 || err != nil {
		t.Fatalf("empty: %d, %d, %v", lo, hi, err)
	}
	for _, bad := range []string{"10", "a:b", "0:5", "9:3", "1:20000000"} {
		if _, _, err := ParseLifetimes(bad); err == nil || !strings.HasPrefix(err.Error(), "--lifetimes") {
			t.Errorf("%q: %v, want an error naming --lifetimes", bad, err)
		}
	}
}

func TestCheckFlags(t *testing.T) {
	ok := MetaConfig{Objective: "lpo", Strategy: "openes", Generations: 3, Population: 4, Sigma: 0.1, LR: 0.01, Hidden: 8,
		FitnessEpisodes: 1, Inner: agents.TrainConfig{Steps: 100}}
	if err := ok.CheckFlags(64); err != nil {
		t.Fatal(err)
	}
	for want, change := range map[string]func(*MetaConfig){
		"--objective":  func(c *MetaConfig) { c.Objective = "sac" },
		"--population": func(c *MetaConfig) { c.Population = 5 }, // odd for openes
		"--sigma":      func(c *MetaConfig) { c.Sigma = -1 },
		"--inner-steps": func(c *MetaConfig) {
			c.Inner.Steps = 0
		},
		"--fitness-policy": func(c *MetaConfig) { c.FitnessPolicy = "greedy" },
	} {
		c := ok
		change(&c)
		if err := c.CheckFlags(64); err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%s: %v", want, err)
		}
	}
}

// TestMetaTrainContext: with a live context the result is MetaTrainOn's; with a
// cancelled one the generation is abandoned at once with ErrInterrupted.
func TestMetaTrainContext(t *testing.T) {
	cfg := tinyMeta("lpo", 2)
	pool := Pool{Workers: cfg.Workers, Seed: cfg.EvaluatorSeed()}
	want, err := MetaTrainOn(pool, cfg, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var gens []int
	got, err := MetaTrainContext(context.Background(), pool, cfg, nil, nil, func(g Generation) { gens = append(gens, g.Index) })
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(gens, []int{0, 1}) || got.Generations[1].FitnessMean != want.Generations[1].FitnessMean {
		t.Fatalf("generations %v, fitness %v; want [0 1] and %v", gens, got.Generations[1].FitnessMean, want.Generations[1].FitnessMean)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	start := time.Now()
	if _, err := MetaTrainContext(ctx, pool, cfg, nil, nil, nil); !errors.Is(err, agents.ErrInterrupted) {
		t.Fatalf("cancelled: %v, want ErrInterrupted", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("a cancelled meta-training took %v to return", d)
	}
}

// blocked is an Evaluator whose members never finish.
type blocked struct{}

func (blocked) Evaluate(int, [][]float64, []float64, []int64, FitnessFunc) error { select {} }

// TestStoppableAbandonsEvaluation: a cancelled context ends an evaluation in flight.
func TestStoppableAbandonsEvaluation(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	done := make(chan error, 1)
	go func() {
		done <- stoppable{ctx: ctx, ev: blocked{}}.Evaluate(0, make([][]float64, 2), make([]float64, 2), nil, nil)
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Evaluate: %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Evaluate did not return after its context was cancelled")
	}
}

// TestForLPG: LPG objectives get groove's search defaults unless the flag was given.
func TestForLPG(t *testing.T) {
	c := MetaConfig{Objective: "ta-lpg", Hidden: 128, Sigma: 0.04, SigmaDecay: 0.999}
	got := c.ForLPG(func(f string) bool { return f == "sigma" })
	if got.Hidden != 0 || got.Sigma != 0.04 || got.SigmaDecay != 1 {
		t.Fatalf("ta-lpg: %+v", got)
	}
	c.Objective = "lpo"
	if got := c.ForLPG(func(string) bool { return false }); got.Hidden != 128 || got.Sigma != 0.04 {
		t.Fatalf("lpo changed: %+v", got)
	}
}

package evolution

import (
	"math"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"gorl/agents"
	"gorl/agents/lpg"
	_ "gorl/env/gridworld"
	"gorl/logs"
)

func tinyGroove(objective string) MetaConfig {
	return MetaConfig{Objective: objective, Protocol: "groove", Hidden: 4, Generations: 4, Seed: 3, Population: 4,
		Sigma: 0.1, SigmaDecay: 1, FitnessEpisodes: 1, LifetimeMin: 2, LifetimeMax: 5, UpdatesPerGeneration: 2,
		Inner: agents.TrainConfig{Env: "grid/sparse", Envs: 2, RolloutSteps: 5}, // 50-step episodes keep scoring cheap
		LPG:   &lpg.Config{Hidden: []int{8}}}.WithDefaults()
}

func TestGrooveDefaults(t *testing.T) {
	c := MetaConfig{Objective: "ta-lpg", Protocol: "groove", Inner: agents.TrainConfig{Env: "grid/random"}}.WithDefaults()
	if c.LifetimeMin != 10 || c.LifetimeMax != 250 || c.UpdatesPerGeneration != 5 || c.Shaping != "pair-rank" ||
		c.LPG.LR != 1e-3 || !reflect.DeepEqual(c.LPG.Hidden, []int{32}) || c.Sigma != 0.1 || c.SigmaDecay != 1 || c.LR != 0.01 || c.LRDecay != 1 {
		t.Fatalf("groove defaults: %+v", c)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if d := (MetaConfig{Objective: "lpo"}).WithDefaults(); d.Shaping != "zscore" || d.Strategy != "openes" {
		t.Fatalf("lpo defaults: shaping %q strategy %q", d.Shaping, d.Strategy)
	}
	bad := c
	bad.Strategy = "snes"
	if bad.Validate() == nil {
		t.Fatal("groove with a non-antithetic strategy accepted")
	}
	bad = c
	bad.Objective = "lpo"
	bad.LPG = nil
	if bad.Validate() == nil {
		t.Fatal("groove protocol for a drift objective accepted")
	}
}

// TestGrooveAgentsPersist checks the protocol's bookkeeping: each agent is one of its
// pair's copies after K more updates, and is replaced by a fresh agent (new level,
// new lifetime) exactly when its lifetime is used up.
func TestGrooveAgentsPersist(t *testing.T) {
	c := tinyGroove("ta-lpg")
	es, err := c.startStrategy(nil)
	if err != nil {
		t.Fatal(err)
	}
	ag := c.spawnAgents()
	pop, _ := es.Ask(nil)
	fit, steps := make([]float64, 4), make([]int64, 4)
	for g := range 3 {
		next, err := c.grooveGeneration(g, pop, ag, fit, steps)
		if err != nil {
			t.Fatal(err)
		}
		for p := range ag {
			done := min(ag[p].Updates+2, ag[p].Lifetime)
			if done >= ag[p].Lifetime {
				if want := c.spawnAgent(g+1, p); !reflect.DeepEqual(next[p], want) {
					t.Fatalf("gen %d agent %d: lifetime %d used up, want a fresh agent", g, p, ag[p].Lifetime)
				}
				continue
			}
			if next[p].Updates != done || next[p].Level != ag[p].Level || next[p].State == nil {
				t.Fatalf("gen %d agent %d: %d updates on level %d, want %d on %d", g, p, next[p].Updates, next[p].Level, done, ag[p].Level)
			}
		}
		for i, s := range steps {
			if s <= 0 || math.IsNaN(fit[i]) {
				t.Fatalf("gen %d member %d: %d steps, fitness %v", g, i, s, fit[i])
			}
		}
		ag = next
	}
	if l := c.spawnAgent(0, 0).Level; l >= HeldOutLevels {
		t.Fatalf("training level %d is in the held-out range", l)
	}
}

// TestGrooveResume interrupts a groove meta-training after generation 1 (the state of
// generation 1 kept, later rows written) and checks the resumed run ends as the
// uninterrupted one.
func TestGrooveResume(t *testing.T) {
	cfg := tinyGroove("ta-lpg")
	train := func(dir string, onGen func(Generation)) *MetaResult {
		run, err := logs.Create(dir, cfg, logs.Options{StepEvery: -1})
		if err != nil {
			t.Fatal(err)
		}
		res, err := MetaTrain(cfg, run, onGen)
		if err != nil {
			t.Fatal(err)
		}
		if err := run.Close(); err != nil {
			t.Fatal(err)
		}
		return res
	}
	full := train(filepath.Join(t.TempDir(), "a"), nil)
	b := filepath.Join(t.TempDir(), "b")
	var saved []byte
	train(b, func(g Generation) {
		if g.Index == 1 {
			saved, _ = os.ReadFile(filepath.Join(b, StateFile))
		}
	})
	if err := os.WriteFile(filepath.Join(b, StateFile), saved, 0o644); err != nil {
		t.Fatal(err)
	}
	st, err := ReadMetaState(b)
	if err != nil {
		t.Fatal(err)
	}
	if st.Generation() != 2 || len(st.Agents) != 2 {
		t.Fatalf("state after generation 1: %d generations, %d agents", st.Generation(), len(st.Agents))
	}
	run, err := logs.Resume(b, logs.Options{StepEvery: -1}, &st.Marks)
	if err != nil {
		t.Fatal(err)
	}
	res, err := MetaTrainFrom(cfg, run, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	run.Close()
	if len(res.Generations) != 2 || !reflect.DeepEqual(res.MeanRule.Vector(nil), full.MeanRule.Vector(nil)) {
		t.Fatal("the resumed groove run differs from the uninterrupted one")
	}
	for i := range res.Generations {
		if a, b := res.Generations[i], full.Generations[i+2]; a.FitnessMean != b.FitnessMean || a.EnvSteps != b.EnvSteps {
			t.Fatalf("generation %d: resumed %+v, uninterrupted %+v", i+2, a, b)
		}
	}
}

func TestStrategiesInMetaTraining(t *testing.T) {
	for _, s := range []string{"snes", "cmaes"} {
		cfg := tinyMeta("lpo", 2)
		cfg.Strategy, cfg.Hidden, cfg.Population, cfg.Generations = s, 4, 4, 2
		cfg = cfg.WithDefaults()
		res, err := MetaTrain(cfg, nil, nil)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		if len(res.Generations) != 2 || res.Mean == nil {
			t.Fatalf("%s: %d generations", s, len(res.Generations))
		}
	}
	cfg := tinyMeta("lpo", 2)
	cfg.ES, cfg.Strategy = &SNES{Population: 4, Sigma: 0.05}, ""
	cfg.Hidden, cfg.Generations = 4, 1
	cfg = cfg.WithDefaults()
	if cfg.Strategy != "snes" {
		t.Fatalf("a given strategy is recorded as %q", cfg.Strategy)
	}
	if _, err := MetaTrain(cfg, nil, nil); err != nil {
		t.Fatal(err)
	}
}

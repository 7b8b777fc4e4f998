package evolution

import (
	"encoding/json"
	"math"
	"path/filepath"
	"reflect"
	"testing"

	"gorl/agents"
	"gorl/agents/lpg"
	"gorl/logs"
)

func tinyLPGMeta(objective string, workers int) MetaConfig {
	return MetaConfig{
		Objective: objective, Hidden: 4, Generations: 2, Population: 4, Seed: 13, Workers: workers,
		Sigma: 0.1, SigmaDecay: 1, FitnessEpisodes: 1,
		Inner: agents.TrainConfig{Steps: 4 * 20 * 6, Envs: 4, RolloutSteps: 20},
	}.WithDefaults()
}

func TestMetaTrainLPGDeterministicAndLoadable(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	cfg := tinyLPGMeta("ta-lpg", 2)
	cfg.LifetimeMin, cfg.LifetimeMax, cfg.PairRank = 2, 9, true
	if cfg.LPG == nil || cfg.LPG.TargetCoef != 0.5 || cfg.Inner.RolloutSteps != 20 {
		t.Fatalf("lpg defaults not applied: %+v", cfg)
	}
	run, err := logs.Create(dir, cfg, logs.Options{EnvID: cfg.Inner.Env, StepEvery: -1})
	if err != nil {
		t.Fatal(err)
	}
	a, err := MetaTrain(cfg, run, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := run.Close(); err != nil {
		t.Fatal(err)
	}
	cfg.Workers = 1 // the number of workers does not change the result
	b, err := MetaTrain(cfg, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range a.Generations {
		ga, gb := a.Generations[i], b.Generations[i]
		ga.WallSeconds, gb.WallSeconds = 0, 0
		if ga != gb {
			t.Fatalf("generation %d: %+v vs %+v", i, ga, gb)
		}
	}
	if a.MeanRule == nil || a.Mean != nil || !reflect.DeepEqual(a.MeanRule.Vector(nil), b.MeanRule.Vector(nil)) {
		t.Fatal("final rules differ between identical runs (or no rule)")
	}
	// The search moved away from the initial rule.
	init, _ := cfg.InitialMean()
	if reflect.DeepEqual(init, a.MeanRule.Vector(nil)) {
		t.Fatal("the mean did not move")
	}
	for _, f := range []string{MeanRuleFile, BestRuleFile} {
		r, err := lpg.LoadRule(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if !r.Config.Temporal || r.Config.Hidden != 4 {
			t.Fatalf("%s: %+v", f, r.Config)
		}
	}
	if !reflect.DeepEqual(mustLoad(t, filepath.Join(dir, MeanRuleFile)).Vector(nil), a.MeanRule.Vector(nil)) {
		t.Fatal("mean.lpg is not the final mean")
	}
	// Lifetime-sampled members use fewer steps than the fixed budget here (at most 9
	// updates of 80 steps against 6 updates for the mean and the reference).
	if a.Generations[0].EnvSteps == 0 {
		t.Fatal("no env steps")
	}
}

func mustLoad(t *testing.T, path string) *lpg.Rule {
	t.Helper()
	r, err := lpg.LoadRule(path)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestLifetimesLogUniformPerPair(t *testing.T) {
	cfg := tinyLPGMeta("ta-lpg", 1)
	cfg.Population = 8
	if cfg.Lifetime(0, 0) != 0 {
		t.Fatal("a lifetime without lifetime sampling")
	}
	cfg.LifetimeMin, cfg.LifetimeMax = 10, 250
	below40, n := 0, 0
	seen := map[int]bool{}
	for gen := 0; gen < 200; gen++ {
		for m := 0; m < 4; m++ {
			l := cfg.Lifetime(gen, m)
			if l != cfg.Lifetime(gen, m+4) {
				t.Fatalf("generation %d: pair members %d and %d have lifetimes %d, %d", gen, m, m+4, l, cfg.Lifetime(gen, m+4))
			}
			if l < 10 || l > 250 {
				t.Fatalf("lifetime %d outside [10, 250]", l)
			}
			if l < 50 {
				below40++
			}
			n++
			seen[l] = true
		}
	}
	// Log-uniform: P(N < 50) = log(5)/log(25.1) = 0.50; uniform would give 0.17.
	if p := float64(below40) / float64(n); math.Abs(p-0.5) > 0.06 {
		t.Fatalf("P(lifetime < 50) = %.3f, want about 0.50 for log-uniform", p)
	}
	if len(seen) < 50 {
		t.Fatalf("only %d distinct lifetimes", len(seen))
	}
	if cfg.Lifetime(0, 8) != 0 || cfg.Lifetime(0, 9) != 0 {
		t.Fatal("the search mean and the reference got sampled lifetimes")
	}
}

func TestPairRanks(t *testing.T) {
	got := PairRanks(nil, []float64{3, 1, math.Inf(-1), 2, 5, 1})
	// Pairs (i, i+3): (3, 2) the first wins; (1, 5) and (-Inf, 1) the second.
	want := []float64{1, 0, 0, 0, 1, 1}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("PairRanks = %v, want %v", got, want)
	}
}

func TestMetaLPGJobSpecRoundTrip(t *testing.T) {
	cfg := tinyLPGMeta("lpg", 1)
	cfg.LifetimeMin, cfg.LifetimeMax = 3, 5
	spec, err := cfg.JobSpec("v1")
	if err != nil {
		t.Fatal(err)
	}
	var job MetaJob
	if err := json.Unmarshal(spec, &job); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(job.Meta, cfg) {
		t.Fatalf("decoded job %+v, want the config %+v", job.Meta, cfg)
	}
	f, err := MetaFitnessFromSpec(spec, "v1")
	if err != nil {
		t.Fatal(err)
	}
	x, _ := cfg.InitialMean()
	a, na, err := f(1, 2, x, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, nb, err := cfg.MemberFitness(1, 2, x, nil)
	if err != nil {
		t.Fatal(err)
	}
	wantSteps := int64(cfg.Lifetime(1, 2) * 4 * 20)
	if a != b || na != nb || na != wantSteps {
		t.Fatalf("fitness from the spec %v (%d steps), from the config %v (%d steps), want %d steps", a, na, b, nb, wantSteps)
	}
}

func TestMetaConfigValidateLPG(t *testing.T) {
	for _, c := range []func(*MetaConfig){
		func(c *MetaConfig) { c.LPG = nil },
		func(c *MetaConfig) { c.LPG.LR = -1 },
		func(c *MetaConfig) { c.LifetimeMin, c.LifetimeMax = 5, 2 },
		func(c *MetaConfig) { c.LifetimeMin = 3 },
		func(c *MetaConfig) { c.Objective = "lpo" }, // lpg settings on a drift objective
		func(c *MetaConfig) { c.FitnessPolicy = "greedy" },
	} {
		cfg := tinyLPGMeta("ta-lpg", 1)
		c(&cfg)
		if err := cfg.Validate(); err == nil {
			t.Fatalf("invalid config accepted: %+v", cfg)
		}
	}
	if err := tinyLPGMeta("ta-lpg", 1).Validate(); err != nil {
		t.Fatal(err)
	}
}

// LPG objectives evaluate with sampled actions by default (groove), drift objectives
// with the mode; the two give different fitness for the same trained agent.
func TestFitnessPolicy(t *testing.T) {
	cfg := tinyLPGMeta("lpg", 1)
	if cfg.FitnessPolicy != "sample" || tinyMeta("lpo", 1).FitnessPolicy != "" {
		t.Fatalf("fitness policies %q (lpg), %q (lpo)", cfg.FitnessPolicy, tinyMeta("lpo", 1).FitnessPolicy)
	}
	cfg.FitnessEpisodes = 5
	x, _ := cfg.InitialMean()
	sampled, _, err := cfg.MemberFitness(0, 0, x, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg.FitnessPolicy = "mode"
	mode, _, err := cfg.MemberFitness(0, 0, x, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sampled == mode {
		t.Fatalf("sampled and deterministic evaluation both gave %v", mode)
	}
}

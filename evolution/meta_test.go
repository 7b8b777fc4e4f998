package evolution

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"gorl/agents"
	"gorl/agents/ppo"
	_ "gorl/env/classic"
	"gorl/logs"
)

func tinyMeta(objective string, workers int) MetaConfig {
	return MetaConfig{
		Objective: objective, Hidden: 16, Generations: 2, Population: 4, Seed: 11, Workers: workers,
		Sigma: 0.5, FitnessEpisodes: 2,
		Inner: agents.TrainConfig{Steps: 1024, Envs: 2, RolloutSteps: 128},
	}.WithDefaults()
}

func TestMetaTrainDeterministicAndLoadable(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	cfg := tinyMeta("ta-lpo", 2)
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
	b, err := MetaTrain(tinyMeta("ta-lpo", 1), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a.Generations[0].FitnessMean, b.Generations[0].FitnessMean) ||
		!reflect.DeepEqual(a.Mean.W1.Data, b.Mean.W1.Data) || a.BestFitness != b.BestFitness {
		t.Fatalf("same seed, 2 vs 1 workers: fitness %v vs %v", a.Generations, b.Generations)
	}
	var nonzero bool
	for _, v := range a.Mean.W1.Data {
		nonzero = nonzero || v != 0
	}
	if !nonzero {
		t.Fatal("the mean drift did not move from zero")
	}
	rows, err := logs.ReadMetrics(dir)
	if err != nil {
		t.Fatal(err)
	}
	if rows.Len() != 2 {
		t.Fatalf("%d metrics rows, want 2 (one per generation)", rows.Len())
	}
	if fm, ok := rows.Column("fitness_mean"); !ok || fm[0] != a.Generations[0].FitnessMean {
		t.Fatalf("fitness_mean column %v, want generation 0's %v", fm, a.Generations[0].FitnessMean)
	}
	for _, f := range []string{MeanDriftFile, BestDriftFile} {
		l, err := ppo.LoadLPO(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if !l.Temporal || l.Hidden() != 16 || !l.PPOInit {
			t.Fatalf("%s: temporal %v hidden %d ppo-init %v", f, l.Temporal, l.Hidden(), l.PPOInit)
		}
	}
	got, _ := ppo.LoadLPO(filepath.Join(dir, MeanDriftFile))
	if !reflect.DeepEqual(got.W1.Data, a.Mean.W1.Data) || !reflect.DeepEqual(got.W2.Data, a.Mean.W2.Data) {
		t.Fatal("mean.drift does not hold the final mean")
	}
	if _, err := os.Stat(filepath.Join(dir, StateFile)); err != nil {
		t.Fatal(err)
	}
}

// LPO with zero weights and PPO init is PPO-clip up to the 1e-4 offset, so the
// zero-mean member's inner run reproduces PPO-clip's.
func TestZeroDriftIsClip(t *testing.T) {
	cfg := tinyMeta("lpo", 1)
	cfg.Inner.Steps = 4096
	cfg.FitnessEpisodes = 3
	zero, err := cfg.DriftFromVector(make([]float64, cfg.Dim()))
	if err != nil {
		t.Fatal(err)
	}
	fz, nz, err := cfg.InnerRun(zero, 5)
	if err != nil {
		t.Fatal(err)
	}
	fc, nc, err := cfg.InnerRun(ppo.Clip{Eps: float32(cfg.PPO.ClipEps)}, 5)
	if err != nil {
		t.Fatal(err)
	}
	if fz != fc || nz != nc {
		t.Fatalf("zero LPO: return %v after %d steps; PPO-clip: %v after %d", fz, nz, fc, nc)
	}
	t.Logf("zero LPO and PPO-clip: return %v after %d steps", fz, nz)
	// The comparison can fail: a random drift trains a different agent.
	x := make([]float64, cfg.Dim())
	for i := range x {
		x[i] = 3 * float64((i*7919)%13-6)
	}
	other, _ := cfg.DriftFromVector(x)
	if fo, _, err := cfg.InnerRun(other, 5); err != nil || fo == fc {
		t.Fatalf("a large drift gives return %v (err %v), the same as PPO-clip's %v", fo, err, fc)
	}
}

func TestMetaConfigValidate(t *testing.T) {
	c := tinyMeta("lpo", 1)
	c.Objective = "clip"
	if err := c.Validate(); err == nil {
		t.Fatal("objective clip accepted")
	}
	c = tinyMeta("lpo", 1)
	c.Population = 3
	if err := c.Validate(); err == nil {
		t.Fatal("odd population accepted")
	}
	if _, err := c.DriftFromVector([]float64{1}); err == nil {
		t.Fatal("short drift vector accepted")
	}
}

// A run resumed from the state of an earlier generation (as after a crash) ends as
// the uninterrupted run: same metrics rows, same mean drift.
func TestMetaTrainResume(t *testing.T) {
	cfg := tinyMeta("lpo", 2)
	cfg.Generations = 3
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
	a := filepath.Join(t.TempDir(), "a")
	full := train(a, nil)
	b := filepath.Join(t.TempDir(), "b")
	var saved []byte
	train(b, func(g Generation) {
		if g.Index == 0 {
			var err error
			if saved, err = os.ReadFile(filepath.Join(b, StateFile)); err != nil {
				t.Fatal(err)
			}
		}
	})
	// Crash after generation 0: the later rows exist, the state is generation 0's.
	if err := os.WriteFile(filepath.Join(b, StateFile), saved, 0o644); err != nil {
		t.Fatal(err)
	}
	st, err := ReadMetaState(b)
	if err != nil {
		t.Fatal(err)
	}
	run, err := logs.Resume(b, logs.Options{StepEvery: -1}, &st.Marks)
	if err != nil {
		t.Fatal(err)
	}
	res, err := MetaTrainFrom(cfg, run, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := run.Close(); err != nil {
		t.Fatal(err)
	}
	if len(res.Generations) != 2 || !reflect.DeepEqual(res.Mean.W1.Data, full.Mean.W1.Data) || res.BestFitness != full.BestFitness {
		t.Fatalf("resumed: %d generations, best %v; uninterrupted best %v", len(res.Generations), res.BestFitness, full.BestFitness)
	}
	ma, err := logs.ReadMetrics(a)
	if err != nil {
		t.Fatal(err)
	}
	mb, err := logs.ReadMetrics(b)
	if err != nil {
		t.Fatal(err)
	}
	for _, col := range []string{"fitness_mean", "fitness_max", "mean_fitness", "clip_fitness", "sigma"} {
		ca, _ := ma.Column(col)
		cb, _ := mb.Column(col)
		if !reflect.DeepEqual(ca, cb) {
			t.Fatalf("%s: uninterrupted %v, resumed %v", col, ca, cb)
		}
	}
}

// The job spec carries the whole effective config: decoded, it is the config again,
// and its fitness is MemberFitness's; another program version is refused.
func TestMetaJobSpecRoundTrip(t *testing.T) {
	cfg := tinyMeta("ta-lpo", 3)
	cfg.Inner.EnvOptions = map[string]string{"note": "kept"}
	spec, err := cfg.JobSpec("v1")
	if err != nil {
		t.Fatal(err)
	}
	var job MetaJob
	if err := json.Unmarshal(spec, &job); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(job.Meta, cfg) || job.Kind != MetaJobKind || job.Version != "v1" {
		t.Fatalf("decoded job %+v, want the config %+v", job, cfg)
	}
	if _, err := MetaFitnessFromSpec(spec, "v2"); err == nil || !strings.Contains(err.Error(), `"v1"`) {
		t.Fatalf("a job of another version: error %v", err)
	}
	if _, err := MetaFitnessFromSpec([]byte(`{"kind":"other"}`), "v1"); err == nil {
		t.Fatal("a job of another kind accepted")
	}
	bad := cfg
	bad.Population = 3
	badSpec, _ := bad.JobSpec("v1")
	if _, err := MetaFitnessFromSpec(badSpec, "v1"); err == nil {
		t.Fatal("an invalid config accepted")
	}
	cfg.Inner.EnvOptions = nil
	spec, _ = cfg.JobSpec("v1")
	f, err := MetaFitnessFromSpec(spec, "v1")
	if err != nil {
		t.Fatal(err)
	}
	x := make([]float64, cfg.Dim())
	for i := range x {
		x[i] = 0.3 * float64(i%7-3)
	}
	for _, member := range [][]float64{x, {}} { // a drift, and PPO-clip
		a, na, err := f(1, 0, member, nil)
		if err != nil {
			t.Fatal(err)
		}
		b, nb, err := cfg.MemberFitness(1, 5, member, nil)
		if err != nil {
			t.Fatal(err)
		}
		if a != b || na != nb || na == 0 {
			t.Fatalf("fitness from the spec %v (%d steps), from the config %v (%d steps)", a, na, b, nb)
		}
	}
}

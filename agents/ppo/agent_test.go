package ppo

import (
	"math"
	"reflect"
	"testing"

	"gorl/agents"
	"gorl/env"
)

// TestGaussianLogProb checks the continuous policy's sampled log-probabilities against
// the diagonal Gaussian density with the deterministic action as mean and the initial
// standard deviation 1.
func TestGaussianLogProb(t *testing.T) {
	obs, act := env.UniformBox(3, -1, 1), env.UniformBox(2, -2, 2)
	a, err := New(obs, act, Config{}, 7)
	if err != nil {
		t.Fatal(err)
	}
	o := [][]float64{{0.1, -0.5, 0.9}, {1, 0, -1}}
	mean, sample := [][]float64{{0, 0}, {0, 0}}, [][]float64{{0, 0}, {0, 0}}
	logp, value := make([]float64, 2), make([]float64, 2)
	a.Act(o, mean, true)
	a.Sample(o, sample, logp, value)
	for i := range o {
		want := 0.0
		for j := range sample[i] {
			d := sample[i][j] - mean[i][j]
			want += -0.5*d*d - 0.5*math.Log(2*math.Pi)
		}
		if math.Abs(logp[i]-want) > 1e-5 {
			t.Errorf("row %d: log-prob %v, want %v", i, logp[i], want)
		}
	}
	v2 := make([]float64, 2)
	a.Values(o, v2)
	if v2[0] != value[0] || v2[1] != value[1] {
		t.Errorf("Values %v differ from Sample's values %v", v2, value)
	}
}

// TestCategoricalLogProb checks the discrete policy's log-probabilities sum to one over
// the actions (exp) and match the logged action.
func TestCategoricalLogProb(t *testing.T) {
	a, err := New(env.UniformBox(4, -1, 1), env.NewDiscrete(3), Config{}, 3)
	if err != nil {
		t.Fatal(err)
	}
	o := [][]float64{{0.3, 0.1, -0.2, 0.5}}
	act := [][]float64{{0}}
	logp := make([]float64, 1)
	counts := make([]int, 3)
	p := make([]float64, 3)
	for k := 0; k < 3000; k++ {
		a.Sample(o, act, logp, nil)
		c := int(act[0][0])
		counts[c]++
		p[c] = math.Exp(logp[0])
	}
	sum := 0.0
	for c := range p {
		sum += p[c]
		if freq := float64(counts[c]) / 3000; math.Abs(freq-p[c]) > 0.04 {
			t.Errorf("action %d: frequency %.3f, probability %.3f", c, freq, p[c])
		}
	}
	if math.Abs(sum-1) > 1e-5 {
		t.Errorf("probabilities sum to %v", sum)
	}
}

// TestContinuousAndValueClipRun trains a few updates on Pendulum-v1 (Gaussian policy)
// with value clipping and two objectives, checking the metrics are finite and the
// entropy is the Gaussian's.
func TestContinuousAndValueClipRun(t *testing.T) {
	for _, obj := range []string{"clip", "dpo"} {
		tc := agents.TrainConfig{Env: "Pendulum-v1", Seed: 2, Steps: 3 * 512, Envs: 4, RolloutSteps: 128}
		l, err := agents.NewLoop(tc, nil, newAgentFunc(Config{ValueClip: true, Objective: obj}, 2))
		if err != nil {
			t.Fatal(err)
		}
		var last map[string]float64
		l.Hooks.OnUpdate = func(s agents.Status) { last = s.Metrics }
		s, err := l.Run()
		if err != nil {
			t.Fatal(err)
		}
		if s.Update != 3 || last == nil {
			t.Fatalf("%s: %d updates", obj, s.Update)
		}
		for _, k := range []string{"policy_loss", "value_loss", "entropy", "approx_kl"} {
			if v, ok := last[k]; !ok || math.IsNaN(v) || math.IsInf(v, 0) {
				t.Errorf("%s: metric %s = %v", obj, k, v)
			}
		}
		// Entropy of a 1-D Gaussian with log std near 0 is about 1.42.
		if e := last["entropy"]; math.Abs(e-1.42) > 0.1 {
			t.Errorf("%s: entropy %v, want about 1.42", obj, e)
		}
	}
}

// TestNormalizedDeterministicAcrossWorkers: each environment's normalisation statistics
// are its own, so one or two goroutines stepping four Pendulums train identically.
func TestNormalizedDeterministicAcrossWorkers(t *testing.T) {
	run := func(workers int) []float64 {
		var out []float64
		tc := agents.TrainConfig{Env: "Pendulum-v1", Seed: 8, Steps: 4 * 512, Envs: 4, RolloutSteps: 128, Workers: workers}
		l, err := agents.NewLoop(tc, nil, newAgentFunc(Config{Epochs: 2, Minibatches: 4}, tc.Seed))
		if err != nil {
			t.Fatal(err)
		}
		l.Hooks.OnUpdate = func(s agents.Status) { out = append(out, s.Metrics["value_loss"], s.Metrics["policy_loss"]) }
		if _, err := l.Run(); err != nil {
			t.Fatal(err)
		}
		if l.Config.Normalize != agents.NormalizeOn {
			t.Fatalf("normalize %q", l.Config.Normalize)
		}
		st := l.ObsStats()
		return append(out, st.Mean[2], st.Var[2], st.Count)
	}
	a, b := run(1), run(2)
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("1 worker %v, 2 workers %v", a, b)
	}
}

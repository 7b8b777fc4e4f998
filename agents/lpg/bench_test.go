package lpg

import (
	"testing"

	"gorl/agents"
	"gorl/agents/nn"
	"gorl/env"
	_ "gorl/env/minatar"
)

// benchTrain measures LPG training throughput (environment steps per second, rollout
// collection and updates together) with a random TA-LPG rule of GRU width hidden: each
// iteration is one update of envs x 20 steps.
func benchTrain(b *testing.B, id string, envs, hidden int) {
	rule, err := NewRule(env.NewRand(1), RuleConfig{Temporal: true, Hidden: hidden})
	if err != nil {
		b.Fatal(err)
	}
	tc := agents.TrainConfig{Env: id, Seed: 1, Envs: envs, RolloutSteps: 20, Steps: int64(b.N+1) * int64(envs*20), StepEvery: -1}
	l, err := agents.NewLoop(tc, nil, func(obs, act env.Space) (agents.Agent, error) {
		return New(obs, act, Config{}, 1, rule)
	})
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	b.ReportAllocs()
	b.ResetTimer()
	s, err := l.Run()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(s.EnvSteps)/b.Elapsed().Seconds(), "steps/s")
}

func BenchmarkTrainCartPole(b *testing.B)       { benchTrain(b, "CartPole-v1", 8, DefaultHidden) }
func BenchmarkTrainCartPoleGRU256(b *testing.B) { benchTrain(b, "CartPole-v1", 8, ReferenceHidden) }
func BenchmarkTrainCartPole64Envs(b *testing.B) { benchTrain(b, "CartPole-v1", 64, DefaultHidden) }
func BenchmarkTrainBreakout(b *testing.B)       { benchTrain(b, "MinAtar/Breakout-v1", 8, DefaultHidden) }
func BenchmarkTrainBreakoutGRU256(b *testing.B) {
	benchTrain(b, "MinAtar/Breakout-v1", 8, ReferenceHidden)
}

// BenchmarkRuleApply measures the update rule alone on one rollout of 8 x 20 steps.
func BenchmarkRuleApply(b *testing.B) {
	for _, h := range []int{DefaultHidden, ReferenceHidden} {
		b.Run(map[int]string{DefaultHidden: "gru32", ReferenceHidden: "gru256"}[h], func(b *testing.B) {
			r, err := NewRule(env.NewRand(1), RuleConfig{Temporal: true, Hidden: h})
			if err != nil {
				b.Fatal(err)
			}
			done := make([]bool, 160)
			in := testInputs(env.NewRand(2), r, 20, 8, done)
			tp := newNoGradTape()
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				tp.Reset()
				if _, _, err := r.Apply(tp, in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func newNoGradTape() *nn.Tape {
	t := nn.NewTape()
	t.NoGrad = true
	return t
}

package agents

import (
	"math"
	"strings"
	"testing"

	"gorl/env"
	_ "gorl/env/classic"
	"gorl/logs"
)

// obsAgent acts on its observations (so that normalisation changes what it does), with
// a discount of its own, and keeps copies of the rollouts it is given.
type obsAgent struct {
	gamma   float64
	rewards [][]float32
	obs     [][]float32
}

func (a *obsAgent) Act(obs, actions [][]float64, _ bool) {
	for i, o := range obs {
		actions[i][0] = 3 * math.Tanh(o[0]+0.5*o[2]) // beyond Pendulum's [-2, 2] at times
	}
}
func (a *obsAgent) Sample(obs, actions [][]float64, logProb, value []float64) {
	a.Act(obs, actions, false)
	for i := range obs {
		logProb[i], value[i] = 0, 0
	}
}
func (a *obsAgent) Values(obs [][]float64, value []float64) {
	for i := range obs {
		value[i] = 0
	}
}
func (a *obsAgent) Update(r *Rollout, _ Progress) (map[string]float64, error) {
	a.rewards = append(a.rewards, append([]float32(nil), r.Rewards...))
	a.obs = append(a.obs, append([]float32(nil), r.Obs...))
	return map[string]float64{}, nil
}
func (a *obsAgent) Discount() float64             { return a.gamma }
func (a *obsAgent) MarshalState() ([]byte, error) { return []byte{}, nil }
func (a *obsAgent) UnmarshalState(b []byte) error { return nil }
func (a *obsAgent) newAgent() NewAgentFunc {
	return func(_, _ env.Space) (Agent, error) { return a, nil }
}
func pendulumCost(obs, action []float64) float64 { // Gymnasium's Pendulum-v1 reward
	th := math.Atan2(obs[1], obs[0])
	u := math.Max(-2, math.Min(2, action[0]))
	return -(th*th + 0.1*obs[2]*obs[2] + 0.001*u*u)
}

// checkRawSteps checks that every logged step of run dir holds the raw observation and
// reward: the reward is Pendulum's cost of the logged observation and action, and each
// episode's return is the sum of its rewards. It returns the rewards per episode.
func checkRawSteps(t *testing.T, dir string) map[int64][]float64 {
	t.Helper()
	rewards := map[int64][]float64{}
	err := logs.ScanSteps(dir, func(s *logs.StepRow) error {
		if want := pendulumCost(s.Obs, s.Action); math.Abs(s.Reward-want) > 1e-9 {
			t.Fatalf("episode %d step %d: logged reward %v, Pendulum's reward of the logged obs %v and action %v is %v",
				s.Episode, s.Step, s.Reward, s.Obs, s.Action, want)
		}
		if int64(len(rewards[s.Episode])) != s.Step {
			t.Fatalf("episode %d: step %d out of order", s.Episode, s.Step)
		}
		rewards[s.Episode] = append(rewards[s.Episode], s.Reward)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	eps, err := logs.ReadEpisodes(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(eps) == 0 {
		t.Fatal("no episodes logged")
	}
	for _, e := range eps {
		sum := 0.0
		for _, r := range rewards[e.Episode] {
			sum += r
		}
		if int64(len(rewards[e.Episode])) != e.Length || math.Abs(sum-e.Return) > 1e-9*math.Abs(sum) {
			t.Fatalf("episode %d: return %v over %d steps, its step rows sum to %v over %d", e.Episode, e.Return, e.Length, sum, len(rewards[e.Episode]))
		}
	}
	return rewards
}

// TestNormalizedLoopLogsRawAndLearnsNormalized trains on Pendulum-v1 with normalisation
// (auto: on for its Box actions): the logs hold raw observations, rewards and returns,
// while the agent's rollouts hold the scaled rewards of Gymnasium's NormalizeReward with
// the agent's discount and clipped normalised observations; evaluation uses the pooled
// statistics frozen, in the loop as from the checkpoint.
func TestNormalizedLoopLogsRawAndLearnsNormalized(t *testing.T) {
	const n, steps, ep = 2, 300, 200 // Pendulum episodes last 200 steps
	a := &obsAgent{gamma: 0.9}
	dir := t.TempDir()
	tc := TrainConfig{Env: "Pendulum-v1", Seed: 4, Envs: n, RolloutSteps: steps, Steps: 2 * n * steps}
	run, err := logs.Create(dir, tc, logs.Options{EnvID: tc.Env})
	if err != nil {
		t.Fatal(err)
	}
	l, err := NewLoop(tc, run, a.newAgent())
	if err != nil {
		t.Fatal(err)
	}
	if l.Config.Normalize != NormalizeOn || l.Config.Envs != n || l.Config.RolloutSteps != steps {
		t.Fatalf("effective config %+v", l.Config)
	}
	if _, err := l.Run(); err != nil {
		t.Fatal(err)
	}
	raw := checkRawSteps(t, dir)

	// Rebuild each environment's reward sequence from the logs (the envs finish their
	// episodes together, so env i's j-th episode has id i + n*j) and scale it by hand:
	// G_t = gamma G_{t-1} + r_t (Pendulum never terminates), running variance of G from
	// count 1e-4, mean 0, variance 1, reward / sqrt(var + 1e-8), clipped to [-10, 10].
	for i := 0; i < n; i++ {
		g, count, mean, m2 := 0.0, 1e-4, 0.0, 1e-4 // m2 = count * var
		for k := 0; k < 2*steps; k++ {
			r := raw[int64(i+n*(k/ep))][k%ep]
			g = a.gamma*g + r
			count++
			delta := g - mean
			mean += delta / count
			m2 += delta * (g - mean)
			want := float32(math.Max(-10, math.Min(10, r/math.Sqrt(m2/count+1e-8))))
			if got := a.rewards[k/steps][(k%steps)*n+i]; math.Abs(float64(got-want)) > 1e-6*math.Abs(float64(want)) {
				t.Fatalf("env %d step %d: rollout reward %v, raw %v scaled by hand %v", i, k, got, r, want)
			}
		}
	}
	for u, obs := range a.obs {
		far := 0
		for _, x := range obs {
			if x < -10 || x > 10 {
				t.Fatalf("update %d: rollout observation %v outside [-10, 10]", u, x)
			}
			if math.Abs(float64(x)) > 1.01 {
				far++ // cos and sin lie in [-1, 1]; raw angular velocities reach 8
			}
		}
		if u == 1 && far == 0 {
			t.Errorf("update %d: no normalised observation beyond 1.01 in magnitude", u)
		}
	}

	// Pooled statistics: each env folded in its first observation, one per step and one
	// per reset after an episode's end.
	st := l.ObsStats()
	if want := n*(1+2*steps+2*steps/ep) + n*1e-4; math.Abs(st.Count-float64(want)) > 1e-9 {
		t.Fatalf("pooled count %v, want %v", st.Count, want)
	}
	ck, err := LatestCheckpoint(dir)
	if err != nil {
		t.Fatal(err)
	}
	if ck.ObsStats == nil || ck.ObsStats.Count != st.Count || ck.ObsStats.Mean[2] != st.Mean[2] || ck.ObsStats.Var[2] != st.Var[2] {
		t.Fatalf("checkpoint statistics %+v, loop's %+v", ck.ObsStats, st)
	}
	if len(ck.RawObs) != n {
		t.Fatalf("checkpoint holds %d raw observations", len(ck.RawObs))
	}

	// Evaluation: the loop's and the checkpoint's evaluation env agree, and differ from an
	// unnormalised env (the agent acts on what it observes).
	got, err := l.Evaluate(3, 77, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	ce, err := CheckpointEvalEnv(tc.Env, nil, ck)
	if err != nil {
		t.Fatal(err)
	}
	evalDir := t.TempDir()
	evalRun, err := logs.Create(evalDir, tc, logs.Options{EnvID: tc.Env})
	if err != nil {
		t.Fatal(err)
	}
	want, err := Evaluate(a, ce, 3, 77, evalRun, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := evalRun.Close(); err != nil {
		t.Fatal(err)
	}
	plain, _ := MakeEvalEnv(tc.Env, nil)
	unnorm, err := Evaluate(a, plain, 3, 77, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	for k := range got {
		if got[k].Return != want[k].Return {
			t.Fatalf("eval episode %d: loop return %v, checkpoint env %v", k, got[k].Return, want[k].Return)
		}
		if got[k].Return == unnorm[k].Return {
			t.Fatalf("eval episode %d: the same return %v with and without normalisation", k, got[k].Return)
		}
	}
	checkRawSteps(t, evalDir)
	// Evaluation leaves the training statistics alone.
	if after := l.ObsStats(); after.Count != st.Count || after.Mean[0] != st.Mean[0] {
		t.Fatal("evaluation changed the observation statistics")
	}
}

func TestNormalizeSetting(t *testing.T) {
	box, disc := env.UniformBox(1, -1, 1), env.NewDiscrete(2)
	for _, c := range []struct {
		set  string
		act  env.Space
		want string
	}{
		{"", box, NormalizeOn}, {"auto", box, NormalizeOn}, {"", disc, NormalizeOff}, {"auto", disc, NormalizeOff},
		{"off", box, NormalizeOff}, {"on", disc, NormalizeOn},
	} {
		got := TrainConfig{Env: "x", Normalize: c.set}.WithDefaultsFor(c.act)
		if got.Normalize != c.want {
			t.Errorf("normalize %q with %v: %q, want %q", c.set, c.act, got.Normalize, c.want)
		}
		if err := got.Validate(); err != nil {
			t.Errorf("normalize %q with %v: %v", c.set, c.act, err)
		}
	}
	// Continuous defaults are CleanRL's ppo_continuous_action.py, discrete ones ppo.py.
	if c := (TrainConfig{}).WithDefaultsFor(box); c.Envs != 1 || c.RolloutSteps != 2048 || c.Steps != 1000000 {
		t.Errorf("Box defaults %+v", c)
	}
	if c := (TrainConfig{}).WithDefaultsFor(disc); c.Envs != 4 || c.RolloutSteps != 128 || c.Steps != 500000 {
		t.Errorf("discrete defaults %+v", c)
	}
	if c := (TrainConfig{}).WithDefaults(); c.Normalize != NormalizeAuto {
		t.Errorf("WithDefaults: normalize %q", c.Normalize)
	}
	if err := (TrainConfig{Env: "x", Normalize: "yes"}).WithDefaults().Validate(); err == nil {
		t.Error("normalize \"yes\" accepted")
	}
	// A checkpoint written without normalisation cannot resume a run that normalises.
	dir := t.TempDir()
	tc := TrainConfig{Env: "Pendulum-v1", Seed: 1, Envs: 1, RolloutSteps: 64, Steps: 128, Normalize: NormalizeOff}
	run, err := logs.Create(dir, tc, logs.Options{EnvID: tc.Env})
	if err != nil {
		t.Fatal(err)
	}
	l, err := NewLoop(tc, run, (&obsAgent{gamma: 0.99}).newAgent())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Run(); err != nil {
		t.Fatal(err)
	}
	tc.Normalize = NormalizeOn
	tc.Steps = 128
	if _, err := Resume(dir, tc, logs.Options{EnvID: tc.Env}, (&obsAgent{}).newAgent()); err == nil || !strings.Contains(err.Error(), "normalisation") {
		t.Fatalf("a run without normalisation resumed with it: %v", err)
	}
}

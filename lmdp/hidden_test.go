package lmdp

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gorl/env/latent"
	"gorl/logs"
)

// The lower-bound family's V*, V_oracle and Var* against their closed forms:
// V* = V_oracle = (p+eps)(H-2)/H and Var* = (p+eps)(1-p-eps)((H-2)/H)^2.
func TestLowerBoundClosedForms(t *testing.T) {
	const p, eps, H = 0.3, 0.15, 7
	l, ref := mustInstance(t, "lowerbound", latent.Params{M: 3, S: 8, A: 2, H: H, Eps: eps, P: p, Seed: 4})
	q, scale := p+eps, float64(H-2)/H
	if math.Abs(ref.VStar-q*scale) > 1e-12 || math.Abs(ref.VOracle-q*scale) > 1e-12 {
		t.Errorf("V* %.12f, V_oracle %.12f, want (p+eps)(H-2)/H = %.12f", ref.VStar, ref.VOracle, q*scale)
	}
	if want := q * (1 - q) * scale * scale; math.Abs(ref.VarStar-want) > 1e-12 {
		t.Errorf("Var* %.12f, want %.12f", ref.VarStar, want)
	}
	if arms := latent.LowerBoundArms(l); arms != 3*2*2 {
		t.Errorf("%d arms, want M min(n,A) A = 12", arms)
	}
	if l.Gamma() != 2 {
		t.Errorf("Gamma %d, want 2", l.Gamma())
	}
}

// Var* is 0 on deterministic instances and equals the sampled return variance of the
// optimal policy (context by context) on a stochastic one.
func TestVarStarMatchesMonteCarlo(t *testing.T) {
	_, det := mustInstance(t, "shared", latent.Params{M: 2, S: 4, A: 2, H: 5, Gamma: 2, Noise: 0, Seed: 3})
	if math.Abs(det.VarStar) > 1e-12 {
		t.Errorf("deterministic shared instance: Var* %v, want 0", det.VarStar)
	}
	l, ref := mustInstance(t, "shared", latent.Params{M: 2, S: 4, A: 2, H: 5, Gamma: 3, Noise: 0.7, Seed: 3})
	md := ModelOf(l)
	pol, err := PBVI{}.Plan(md, Exact{md})
	if err != nil {
		t.Fatal(err)
	}
	e, _ := latent.NewEnv(l)
	e.Seed(7)
	tr := pol.NewTracker()
	const n = 200000
	rets := make([][]float64, l.M)
	for ep := 0; ep < n; ep++ {
		tr.Start(int(e.Reset()[0]))
		ret := 0.0
		for h := 0; h < l.H; h++ {
			a := tr.Action()
			st := e.Step([]float64{float64(a)})
			tr.Observe(a, st.Reward, int(st.Obs[0]))
			ret += st.Reward
		}
		rets[e.Context()] = append(rets[e.Context()], ret)
	}
	mc, se2 := 0.0, 0.0
	for m, rs := range rets {
		mean, _ := meanSD(rs)
		d2 := make([]float64, len(rs)) // squared deviations: their mean is the variance
		for i, r := range rs {
			d2[i] = (r - mean) * (r - mean)
		}
		v, vsd := meanSD(d2)
		mc += l.Weights[m] * v
		se2 += l.Weights[m] * l.Weights[m] * vsd * vsd / float64(len(rs))
	}
	if se := math.Sqrt(se2); math.Abs(mc-ref.VarStar) > 5*se || ref.VarStar <= 0 {
		t.Errorf("Var* %.6f, Monte Carlo %.6f (5 se = %.6f)", ref.VarStar, mc, 5*se)
	}
}

// The floor keeps a context whose counts have not seen the transition, with weight
// b_m n1/(N unseen) (Good-Turing) against b_k P_k; once every seen next state has been
// seen twice it is 0; the ablation rules the context out at once.
func TestBeliefFloor(t *testing.T) {
	c := NewCounts(2, 4, 1)
	// context 0 has seen (s=0,a=0) -> 1 three times and -> 3 once; context 1 -> 2 twice
	for _, s2 := range []int{1, 1, 1, 3} {
		_ = c.AddEpisode(0, []int{0, s2}, []int{0}, []float64{0})
	}
	for i := 0; i < 2; i++ {
		_ = c.AddEpisode(1, []int{0, 2}, []int{0}, []float64{0})
	}
	md := c.Estimate(1, []float64{0.5, 0.5})
	b, dst := []float64{0.5, 0.5}, make([]float64, 2)
	if md.Update(dst, b, 0, 0, 0, 2); dst[0] != 0 || dst[1] != 1 {
		t.Fatalf("without floor: belief %v, want [0 1]", dst)
	}
	md.Floor = c.BeliefFloor()
	i0 := md.sa(0, 0, 0)
	if f := md.Floor[i0]; math.Abs(f-1.0/4/2) > 1e-15 {
		t.Fatalf("floor %v, want n1/(N unseen) = 1/4/2", f)
	}
	if f := md.Floor[md.sa(1, 0, 0)]; f != 0 {
		t.Fatalf("floor of a pair whose one next state was seen twice: %v, want 0", f)
	}
	md.Update(dst, b, 0, 0, 0, 2)
	w0, w1 := 0.5*(1.0/8), 0.5*1.0
	if want := w0 / (w0 + w1); math.Abs(dst[0]-want) > 1e-15 {
		t.Errorf("with floor: belief %v, want context 0 at %v", dst, want)
	}
	// A state no context's counts have seen keeps the belief.
	if ok := md.Update(dst, b, 0, 0, 0, 0); ok || dst[0] != 0.5 {
		t.Errorf("unseen by every context: ok=%v belief %v, want the belief kept", ok, dst)
	}
}

// Rounding log-beliefs keeps a small belief positive and merges beliefs closer than
// the resolution; exact keys keep them apart.
func TestQuantizeLogBeliefs(t *testing.T) {
	k1, k2 := make([]int64, 3), make([]int64, 3)
	b1, b2 := []float64{1e-9, 1 - 1e-9}, []float64{1.01e-9, 1 - 1.01e-9}
	quantize(k1, b1, 4, 7)
	quantize(k2, b2, 4, 7)
	if k1[0] != 7 || k1[1] != k2[1] || k1[2] != k2[2] || !(b1[0] > 0) {
		t.Errorf("keys %v %v, belief %v: want one key and a positive small belief", k1, k2, b1)
	}
	if want := math.Exp(math.Round(4*math.Log(1e-9/(1-1e-9)))/4) / (1 + math.Exp(math.Round(4*math.Log(1e-9/(1-1e-9)))/4)); math.Abs(b1[0]-want) > 1e-15 {
		t.Errorf("rounded belief %v, want %v", b1[0], want)
	}
	beliefKey(k1, []float64{0.3, 0.7}, 0)
	beliefKey(k2, []float64{0.3 + 1e-9, 0.7 - 1e-9}, 0)
	if k1[1] == k2[1] {
		t.Error("exact keys merged beliefs 1e-9 apart")
	}
}

func TestMemoryGuard(t *testing.T) {
	err := CheckMemory(100000, 4, 2, 6, Config{K: 4}, 2, 0)
	if err == nil || !strings.Contains(err.Error(), "--M") || !strings.Contains(err.Error(), "TiB") {
		t.Errorf("M=100000: %v, want a refusal naming --M and the estimate", err)
	}
	if err := CheckMemory(3, 8, 3, 10, Config{K: 4096}, 2, 0); err != nil {
		t.Errorf("M=3 S=8 A=3 H=10: %v", err)
	}
	// The grid term is M^2 numbers: doubling M quadruples it.
	a := EstimateMemory(4000, 2, 2, 1, Config{K: 1, Planner: PBVI{MaxNodes: 1}, EvalStates: 1}, 1)
	b := EstimateMemory(8000, 2, 2, 1, Config{K: 1, Planner: PBVI{MaxNodes: 1}, EvalStates: 1}, 1)
	if r := b.Bytes / a.Bytes; r < 3.9 || r > 4.1 || !strings.Contains(a.Largest, "grid") {
		t.Errorf("estimate ratio %.2f (largest %q), want about 4 from the grid", r, a.Largest)
	}
}

// failingSink makes a directory where metrics.parquet goes, so the real writer's
// atomic rename fails when the tables are flushed (as on a full disk).
type failingSink struct{ *logs.Run }

func (f failingSink) Flush() error {
	if err := os.Mkdir(filepath.Join(f.Dir(), "metrics.parquet"), 0o755); err != nil {
		return err
	}
	return f.Run.Flush()
}

func TestFailedWriteMarksRunFailed(t *testing.T) {
	l, _ := mustInstance(t, "cue", latent.Params{M: 2, H: 3})
	dir := filepath.Join(t.TempDir(), "run")
	x := Experiment{Instance: l, Source: InstanceSource{Family: "cue", Params: &latent.Params{M: 2, H: 3}},
		Config: Config{K: 20}, Seeds: 1, Seed: 1, sink: func(r *logs.Run) runSink { return failingSink{r} }}
	if _, err := x.Run(dir, nil); err == nil {
		t.Fatal("no error from a failed table write")
	}
	data, err := os.ReadFile(filepath.Join(dir, "status.json"))
	if err != nil {
		t.Fatal(err)
	}
	var st logs.Status
	if err := json.Unmarshal(data, &st); err != nil || st.Status != "failed" {
		t.Errorf("status %q (%v), want failed", st.Status, err)
	}
}

func TestFitSlopeAndInterval(t *testing.T) {
	xs := []float64{0, 1, 2, 3}
	if s := fitSlope(xs, []float64{1, 1.5, 2, 2.5}); math.Abs(s-0.5) > 1e-15 {
		t.Errorf("slope %v, want 0.5", s)
	}
	if s := fitSlope(xs, []float64{0, math.Inf(-1), 1, 2}); !math.IsNaN(s) {
		t.Errorf("slope through log 0: %v, want NaN", s)
	}
	// mean 0.5, sd 0.1 over 4 values: half-width t(3) 0.1 / 2 = 3.182 * 0.05
	mean, lo, hi := tInterval([]float64{0.4, 0.5, 0.5, 0.6})
	sd := math.Sqrt(0.02 / 3)
	if math.Abs(mean-0.5) > 1e-12 || math.Abs(hi-mean-3.182*sd/2) > 1e-12 || math.Abs(mean-lo-(hi-mean)) > 1e-12 {
		t.Errorf("interval %v [%v, %v], want 0.5 ± 3.182 sd/2 (sd %v)", mean, lo, hi, sd)
	}
}

// The rate experiment reads its table off one run's prefixes and fits the exponent of
// the mean; the sweep over noise regenerates the instance (noise 0: Var* = 0).
func TestRateAndNoiseSweep(t *testing.T) {
	src := InstanceSource{Family: "shared", Params: &latent.Params{M: 2, S: 4, A: 2, H: 4, Gamma: 2, Noise: 0.5, Seed: 1}}
	l, err := BuildInstance(src, nil)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	res, err := Rate{Base: Experiment{Instance: l, Source: src, Config: Config{K: 1}, Seeds: 2, Seed: 1}, Ks: []int{64, 128, 256}}.Run("", &out, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, row := range res.Rows {
		want := (res.Summary.Results[0].CumRegret[row.K-1] + res.Summary.Results[1].CumRegret[row.K-1]) / 2
		if math.Abs(row.Mean-want) > 1e-12 || len(res.Summary.Mean) != 256 {
			t.Errorf("row %d: mean %v, want %v", i, row.Mean, want)
		}
	}
	if !strings.Contains(out.String(), "95% interval") {
		t.Errorf("rate output %q", out.String())
	}
	sw := Sweep{Base: Experiment{Source: src, Config: Config{K: 64}, Seeds: 1, Seed: 1}, Over: "noise", Values: []string{"0", "0.8"}}
	rows, err := sw.Run(&out, nil)
	if err != nil {
		t.Fatal(err)
	}
	if v0, v1 := rows[0].Summary.Reference.VarStar, rows[1].Summary.Reference.VarStar; math.Abs(v0) > 1e-12 || !(v1 > 1e-3) {
		t.Errorf("Var* at noise 0 and 0.8: %v, %v", v0, v1)
	}
	if _, err := (Sweep{Base: Experiment{Source: InstanceSource{Family: "random", Params: src.Params}, Config: Config{K: 4}, Seeds: 1},
		Over: "noise", Values: []string{"0"}}).Run(&out, nil); err == nil || !strings.Contains(err.Error(), "shared, noisy or spread") {
		t.Errorf("noise sweep of the random family: %v", err)
	}
}

// Over budget, PBVI keeps points at every step (the most probable beliefs), stays
// within the budget, and its V* is a lower bound of the exact one.
func TestPBVIOverBudgetKeepsEveryDepth(t *testing.T) {
	l, exact := mustInstance(t, "shared", latent.Params{M: 3, S: 5, A: 3, H: 8, Gamma: 2, Noise: 0.5, Seed: 1})
	md := ModelOf(l)
	for _, budget := range []int{40, 300} {
		pol, err := PBVI{MaxNodes: budget}.Plan(md, Exact{md})
		if err != nil {
			t.Fatal(err)
		}
		if pol.Complete || pol.Nodes > budget {
			t.Fatalf("budget %d: complete %v with %d nodes", budget, pol.Complete, pol.Nodes)
		}
		for h, L := range pol.levels {
			if L.n() == 0 {
				t.Errorf("budget %d: no point at step %d", budget, h)
			}
		}
		ref, err := ReferenceValues(l, PBVI{MaxNodes: budget})
		if err != nil {
			t.Fatal(err)
		}
		if pol.Root > exact.VStar+1e-12 || ref.VStar > exact.VStar+1e-12 || ref.VStar < pol.Root || ref.VStarExact {
			t.Errorf("budget %d: planned %.6f, reference %.6f (exact %v), exact V* %.6f", budget, pol.Root, ref.VStar, ref.VStarExact, exact.VStar)
		}
		t.Logf("budget %d: planned %.6f, lower bound %.6f, exact V* %.6f", budget, pol.Root, ref.VStar, exact.VStar)
	}
}

// On the spread family noise changes Var* and nothing the learner is scored on: V* and
// V_oracle are the same at every noise, and Var* = noise^2 (3/16)/(H-1) (each step after
// the first spreads a reward of mean mu by noise, mu (1 - mu) = 3/16 for both levels).
func TestSpreadReferenceValues(t *testing.T) {
	const H = 8
	_, base := mustInstance(t, "spread", latent.Params{M: 3, S: 5, A: 3, H: H, Noise: 0, Seed: 1})
	for _, noise := range []float64{0, 0.5, 1} {
		_, ref := mustInstance(t, "spread", latent.Params{M: 3, S: 5, A: 3, H: H, Noise: noise, Seed: 1})
		want := noise * noise * 3.0 / 16 / (H - 1)
		if math.Abs(ref.VStar-base.VStar) > 1e-12 || math.Abs(ref.VOracle-base.VOracle) > 1e-12 || math.Abs(ref.VarStar-want) > 1e-12 {
			t.Errorf("noise %v: V* %v (noise 0: %v), V_oracle %v (%v), Var* %v, want %v", noise, ref.VStar, base.VStar, ref.VOracle, base.VOracle, ref.VarStar, want)
		}
		if !ref.Latent(0.05) {
			t.Errorf("noise %v: not latent by 0.05: gaps %.4f, %.4f", noise, ref.OracleGap(), ref.MemoryGap())
		}
	}
}

// The lower-order term of the Bernstein bonus is scaled by the range of the next value
// over every state, not only the outcomes seen: a pair whose samples all reached one
// state (empirical variance 0) keeps a bonus, or an arm unlucky in its first samples
// would never be tried again.
func TestBernsteinSpanOverEveryState(t *testing.T) {
	md := &Model{M: 1, S: 3, A: 1, H: 2, W: []float64{1}, Nu: []float64{1, 0, 0},
		P: []float64{1, 0, 0, 0, 1, 0, 0, 0, 1}, R: []float64{0.1, 0, 0}}
	vo := &ValueOptimistic{Model: md, N: []float64{100, 1, 1}, NInit: []float64{1}, C1: 0.5, C2: 0.1, Iota: 4}
	x := []float64{0.2, 1, 0.6}           // every sample of (0, 0) reached state 0
	want := 0.1 + 0.2 + 0 + 0.1*0.8*4/100 // variance 0; the range of x is 0.8
	if got := vo.Value(0, 0, 0, x); math.Abs(got-want) > 1e-12 {
		t.Errorf("optimistic value %v, want %v", got, want)
	}
}

// On the spread family regret increases with Var* over the noise sweep, the
// deterministic instance lowest (K=4096, 4 seeds; about 3 s).
func TestNoiseSweepRegretIncreasesWithVarStar(t *testing.T) {
	src := InstanceSource{Family: "spread", Params: &latent.Params{M: 3, S: 5, A: 3, H: 8, Noise: 0, Seed: 1}}
	var out strings.Builder
	rows, err := Sweep{Base: Experiment{Source: src, Config: Config{K: 4096}, Seeds: 4, Seed: 1}, Over: "noise", Values: []string{"0", "0.5", "1"}}.Run(&out, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Log(out.String())
	if !IncreasingInVar(rows) || !(math.Abs(rows[0].Summary.Reference.VarStar) < 1e-12) {
		t.Errorf("regret is not increasing in Var* from the deterministic instance:\n%s", out.String())
	}
}

// The command options name the flags in their messages and vet every sweep point first.
func TestOptionsCheck(t *testing.T) {
	ok := Options{Family: "shared", Params: latent.Params{M: 2, S: 4, A: 2, H: 4, Gamma: 2, Noise: 0.5, Seed: 1},
		Config: Config{K: 8, Solver: SolverValueOptimistic, Bonus: BonusTuned, Delta: 0.1, EvalStates: 1 << 10, Planner: PBVI{MaxNodes: 1 << 10, GridPoints: 4}},
		Seeds:  1, MinGap: 0.05, MaxMemoryGiB: 1, Limits: FlagLimits{MaxH: 100, MaxSeeds: 16, MaxRows: 1 << 10}}
	if err := ok.Check(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		edit func(o *Options)
		want string
	}{
		{func(o *Options) { o.Params.H = 101 }, "--H must be at most 100"},
		{func(o *Options) { o.GammaGiven, o.Params.Gamma = true, 0 }, "--gamma must be >= 1"},
		{func(o *Options) { o.Seeds = 17 }, "--seeds must be in [1, 16]"},
		{func(o *Options) { o.Config.K = 2000 }, "--K x --seeds"},
		{func(o *Options) { o.Config.C2 = math.Inf(1) }, "--c1 and --c2 must be finite"},
		{func(o *Options) { o.Config.Bonus = "x" }, "--bonus must be tuned or theory"},
		{func(o *Options) { o.Config.Solver = "x" }, `unknown --solver "x"`},
		{func(o *Options) { o.MinGap = math.NaN() }, "--min-gap must be >= 0"},
	} {
		o := ok
		c.edit(&o)
		if err := o.Check(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("want %q, got %v", c.want, err)
		}
	}
	for _, c := range []struct{ over, values, want string }{
		{"H", "", "--values is required"},
		{"Q", "4", `--over must be H, K, solver, noise or p, got "Q"`},
		{"H", "4,x", `--values: "x" is not a positive integer`},
		{"K", "4,2000", "value 2000: --K x --seeds"},
	} {
		if _, err := ok.Sweep(c.over, c.values, "", ""); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("sweep over %s values %q: want %q, got %v", c.over, c.values, c.want, err)
		}
	}
}

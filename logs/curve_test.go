package logs

import (
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"
)

func TestMovingAverageAndInterpolate(t *testing.T) {
	got := MovingAverage([]float64{1, 2, 3, 4, 5}, 3)
	want := []float64{1, 1.5, 2, 3, 4}
	for i := range want {
		if !near(got[i], want[i]) {
			t.Fatalf("moving average %v, want %v", got, want)
		}
	}
	xs, ys := []float64{0, 10, 10, 20}, []float64{0, 1, 5, 7}
	for _, c := range []struct{ x, y float64 }{{-1, 0}, {0, 0}, {5, 0.5}, {10, 5}, {15, 6}, {20, 7}, {30, 7}} {
		if y := Interpolate(xs, ys, c.x); !near(y, c.y) {
			t.Fatalf("Interpolate(%v) = %v, want %v", c.x, y, c.y)
		}
	}
}

func TestAggregateMeanAndBand(t *testing.T) {
	// Three series y = x + k for k = 0, 2, 7, over different but overlapping x ranges.
	var series []Series
	for i, k := range []float64{0, 2, 7} {
		s := Series{Group: "g"}
		for x := float64(i); x <= 10+float64(i); x++ {
			s.X = append(s.X, x)
			s.Y = append(s.Y, x+k)
		}
		series = append(series, s)
	}
	series = append(series, Series{Group: "h", X: []float64{0, 1}, Y: []float64{4, 4}})
	curves := Aggregate{Points: 9, Level: 0.9, Band: "ci"}.Curves(series)
	if len(curves) != 2 || curves[0].Group != "g" || curves[0].N != 3 || curves[1].N != 1 {
		t.Fatalf("curves %+v", curves)
	}
	c := curves[0]
	// Common range: from the largest first x (2) to the smallest last x (10).
	if len(c.X) != 9 || c.X[0] != 2 || c.X[8] != 10 {
		t.Fatalf("grid %v", c.X)
	}
	sd := math.Sqrt(((0-3)*(0-3) + (2-3)*(2-3) + (7-3)*(7-3)) / 2.0) // offsets 0, 2, 7: mean 3
	half := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: 2}.Quantile(0.95) * sd / math.Sqrt(3)
	for i, x := range c.X {
		if !near(c.Mean[i], x+3) || !near(c.Lo[i], x+3-half) || !near(c.Hi[i], x+3+half) {
			t.Fatalf("at x=%v: mean %v band [%v, %v], want %v ± %v", x, c.Mean[i], c.Lo[i], c.Hi[i], x+3, half)
		}
	}
	if h := curves[1]; h.Lo[0] != 4 || h.Hi[0] != 4 || h.Banded {
		t.Fatalf("single series band %+v", h)
	}
	se := sd / math.Sqrt(3)
	for band, want := range map[string][2]float64{"se": {-se, se}, "sd": {-sd, sd}, "minmax": {-3, 4}, "none": {0, 0}} {
		c := Aggregate{Points: 9, Band: band}.Curves(series)[0]
		if !near(c.Lo[4]-c.Mean[4], want[0]) || !near(c.Hi[4]-c.Mean[4], want[1]) {
			t.Fatalf("band %s: [%v, %v] around %v, want offsets %v", band, c.Lo[4], c.Hi[4], c.Mean[4], want)
		}
	}
}

func TestLoadSeriesGroupsAndSeeds(t *testing.T) {
	root := t.TempDir()
	a := writeTestRun(t, root, testRun{name: "a", config: map[string]any{"algo": "ppo", "seed": 1, "objective": map[string]any{"name": "lpo"}},
		lengths: []int64{2, 3, 4}, seed: 1, fitness: []float64{1, 2}})
	b := writeTestRun(t, root, testRun{name: "b", config: map[string]any{"train": map[string]any{"algorithm": "td3"}, "seed": 2},
		lengths: []int64{5, 1}, seed: 2, fitness: []float64{3}})
	// A run holding three seeds in its metrics seed column (an ES run, say).
	c := filepath.Join(root, "c")
	r, err := Create(c, map[string]any{"algo": "es"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for it := int64(0); it < 4; it++ {
		for seed := int64(0); seed < 3; seed++ {
			if err := r.LogMetrics(MetricRow{Seed: seed, Iteration: it, EnvSteps: 10 * it, Values: map[string]float64{"fitness": float64(seed*100 + it)}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}

	s, err := LoadSeries([]string{a, b}, CurveSpec{By: "algo"})
	if err != nil {
		t.Fatal(err)
	}
	if len(s) != 2 || s[0].Group != "ppo" || s[1].Group != "td3" || len(s[0].Y) != 3 || s[0].Y[2] != episodeReturn(2, 4) || s[0].X[2] != 9 {
		t.Fatalf("series %+v", s)
	}
	s, err = LoadSeries([]string{a, b}, CurveSpec{By: "objective"})
	if err != nil || s[0].Group != "lpo" || s[1].Group != "no objective" {
		t.Fatalf("by objective: %+v %v", s, err)
	}
	s, err = LoadSeries([]string{c}, CurveSpec{Metric: "fitness", By: "seed"})
	if err != nil || len(s) != 3 || s[2].Group != "seed 2" || s[2].Y[3] != 203 || s[1].X[3] != 30 {
		t.Fatalf("several seeds: %+v %v", s, err)
	}
	_, err = LoadSeries([]string{a}, CurveSpec{Metric: "regret"})
	if err == nil || !strings.Contains(err.Error(), `unknown metric "regret" in metrics.parquet (columns: env_steps, fitness, iteration, loss, seed, wall_seconds`) {
		t.Fatalf("unknown metric: %v", err)
	}
	_, err = LoadSeries([]string{c}, CurveSpec{Metric: "return"})
	if err == nil || !strings.Contains(err.Error(), "has no episodes.parquet") {
		t.Fatalf("no episodes: %v", err)
	}
}

func TestCompareMatchesHandComputation(t *testing.T) {
	// Final value = mean of the last 2 values of each series.
	series := []Series{
		{Group: "b", Y: []float64{0, 1, 3}},     // 2
		{Group: "a", Y: []float64{5, 5, 6, 8}},  // 7
		{Group: "b", Y: []float64{9, 5}},        // 7
		{Group: "a", Y: []float64{1}},           // 1
		{Group: "b", Y: []float64{2, 4, 6, 10}}, // 8
	}
	cmp := Compare{Last: 2, Bootstrap: Bootstrap{Resamples: 4000, Seed: 3}}
	g := cmp.Groups(series)
	if len(g) != 2 || g[0].Group != "a" || g[1].Group != "b" {
		t.Fatalf("groups %+v", g)
	}
	// a: {7, 1}: mean 4, sd sqrt(18), se 3. b: {2, 7, 8}: mean 17/3.
	if g[0].N != 2 || g[0].Mean != 4 || !near(g[0].Std, math.Sqrt(18)) || !near(g[0].StdErr, 3) || g[0].Min != 1 || g[0].Max != 7 {
		t.Fatalf("a: %+v", g[0])
	}
	mb := 17.0 / 3
	sdb := math.Sqrt(((2-mb)*(2-mb) + (7-mb)*(7-mb) + (8-mb)*(8-mb)) / 2)
	if g[1].N != 3 || !near(g[1].Mean, mb) || !near(g[1].Std, sdb) || !near(g[1].StdErr, sdb/math.Sqrt(3)) {
		t.Fatalf("b: %+v", g[1])
	}
	// The bootstrap means of two values {1, 7} take the values 1, 4, 7 with probability
	// 1/4, 1/2, 1/4: the 2.5% and 97.5% quantiles are 1 and 7.
	if g[0].CILo != 1 || g[0].CIHi != 7 {
		t.Fatalf("a CI [%v, %v], want [1, 7]", g[0].CILo, g[0].CIHi)
	}
	again := cmp.Groups(series)
	if again[1].CILo != g[1].CILo || again[1].CIHi != g[1].CIHi {
		t.Fatal("bootstrap is not reproducible with the same seed")
	}
	if !(g[1].CILo >= 2 && g[1].CILo < mb && g[1].CIHi > mb && g[1].CIHi <= 8) {
		t.Fatalf("b CI [%v, %v] around %v", g[1].CILo, g[1].CIHi, mb)
	}
}

func TestBootstrapMatchesNormalTheory(t *testing.T) {
	// For 200 values the bootstrap interval of the mean is close to mean ± 1.96·σ̂/√n,
	// σ̂ the plug-in (1/n) standard deviation.
	rng := rand.New(rand.NewPCG(11, 1))
	x := make([]float64, 200)
	for i := range x {
		x[i] = rng.NormFloat64()*3 + 10
	}
	lo, hi := Bootstrap{Resamples: 20000, Seed: 5}.MeanCI(x)
	m := Mean(x)
	half := 1.959964 * StdDev(x) * math.Sqrt(float64(len(x)-1)/float64(len(x))) / math.Sqrt(float64(len(x)))
	if math.Abs((m-lo)-half) > 0.06*half || math.Abs((hi-m)-half) > 0.06*half {
		t.Fatalf("bootstrap [%v, %v] around %v, normal theory half width %v", lo, hi, m, half)
	}
}

func TestSortLabels(t *testing.T) {
	got := []string{"seed 10", "ppo-2", "seed 2", "ppo-10", "ppo-1", "b", "a", "x -3", "x 1"}
	SortLabels(got)
	want := "a b ppo-1 ppo-2 ppo-10 seed 2 seed 10 x -3 x 1"
	if strings.Join(got, " ") != want {
		t.Fatalf("sorted %q, want %q", strings.Join(got, " "), want)
	}
}

func TestBootstrapBandIsCompareInterval(t *testing.T) {
	// Five series, each constant at c_k: at every grid point the band must be the
	// interval Compare reports for the final values, the same bootstrap with the same seed.
	offsets := []float64{3, 10, 12, 40, 41}
	var series []Series
	for _, c := range offsets {
		series = append(series, Series{Group: "g", X: []float64{0, 50, 100}, Y: []float64{c, c, c}})
	}
	b := Bootstrap{Resamples: 4000, Seed: 9}
	curve := Aggregate{Points: 5, Bootstrap: b}.Curves(series)[0]
	g := Compare{Last: 1, Bootstrap: b}.Groups(series)[0]
	if !curve.Banded || curve.NoBand != "" {
		t.Fatalf("5 series: no band (%q)", curve.NoBand)
	}
	for i := range curve.X {
		if curve.Lo[i] != g.CILo || curve.Hi[i] != g.CIHi {
			t.Fatalf("band at x=%v is [%v, %v], Compare's interval [%v, %v]", curve.X[i], curve.Lo[i], curve.Hi[i], g.CILo, g.CIHi)
		}
	}
	// The percentile interval lies inside the data's range, unlike mean ± t·s/√n for few runs.
	if g.CILo < 3 || g.CIHi > 41 || g.CIHi-g.CILo < 10 {
		t.Fatalf("bootstrap interval [%v, %v] of %v", g.CILo, g.CIHi, offsets)
	}
	if got := (Aggregate{}).BandLabel(); got != "95% bootstrap CI of the mean" {
		t.Fatalf("band label %q", got)
	}
}

func TestBandNeedsThreeSeries(t *testing.T) {
	two := []Series{{Group: "g", X: []float64{0, 1}, Y: []float64{0, 500}}, {Group: "g", X: []float64{0, 1}, Y: []float64{500, 0}}}
	for _, band := range []string{"", "ci", "minmax"} {
		c := Aggregate{Points: 3, Band: band}.Curves(two)[0]
		if c.Banded || c.NoBand != "no band: n < 3" || c.Lo[1] != c.Mean[1] || c.Hi[1] != c.Mean[1] {
			t.Fatalf("band %q on 2 series: banded %v (%q), [%v, %v] around %v", band, c.Banded, c.NoBand, c.Lo[1], c.Hi[1], c.Mean[1])
		}
	}
	if c := (Aggregate{Points: 3, MinN: 2}).Curves(two)[0]; !c.Banded {
		t.Fatal("MinN 2: no band on 2 series")
	}
	if c := (Aggregate{Points: 3, Band: "none"}).Curves(two)[0]; c.Banded || c.NoBand != "" {
		t.Fatalf("band none: %+v", c)
	}
}

func TestMixedEnvs(t *testing.T) {
	s := []Series{{Run: "a", Env: "CartPole-v1"}, {Run: "a", Env: "CartPole-v1"}, {Run: "b", Env: "CartPole-v1"}, {Run: "c", Env: "Pendulum-v1"}}
	if err := MixedEnvs(s[:3]); err != nil {
		t.Fatalf("one env: %v", err)
	}
	err := MixedEnvs(s)
	want := "runs of 2 different envs on one axis: CartPole-v1 (2 runs), Pendulum-v1 (1 run)"
	if err == nil || err.Error() != want {
		t.Fatalf("got %v, want %q", err, want)
	}
}

func TestLogGrid(t *testing.T) {
	s := []Series{{Group: "g", X: []float64{0, 1, 10, 100, 1000}, Y: []float64{0, 1, 2, 3, 4}}}
	c := Aggregate{Points: 4, LogGrid: true}.Curves(s)[0]
	for i, want := range []float64{1, 10, 100, 1000} {
		if math.Abs(c.X[i]-want) > 1e-9*want || math.Abs(c.Mean[i]-float64(i+1)) > 1e-9 {
			t.Fatalf("log grid %v means %v, want x 1, 10, 100, 1000 and y 1..4", c.X, c.Mean)
		}
	}
}

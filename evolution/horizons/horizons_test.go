package horizons

import (
	"fmt"
	"math"
	"path/filepath"
	"testing"

	"gorl/agents/lpg"
	"gorl/env"
	_ "gorl/env/gridworld"
)

func TestCI95(t *testing.T) {
	// mean 2, s.e. = 1/sqrt(3); Student's t_{0.975} with 2 degrees of freedom = 4.302653.
	if got, want := CI95([]float64{1, 2, 3}), 4.302652729911275/math.Sqrt(3); math.Abs(got-want) > 1e-9 {
		t.Fatalf("CI95 = %v, want %v", got, want)
	}
	if !math.IsNaN(CI95([]float64{1})) {
		t.Fatal("CI95 of one value should be NaN")
	}
}

func writeRule(t *testing.T, dir string, temporal bool, seed uint64) RuleRef {
	t.Helper()
	r, err := lpg.NewRule(env.NewRand(seed), lpg.RuleConfig{Temporal: temporal, Hidden: 4})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "rule.lpg")
	if temporal {
		path = filepath.Join(dir, "ta.lpg")
	}
	if err := lpg.SaveRule(path, r); err != nil {
		t.Fatal(err)
	}
	ref, err := ReadRuleRef(path)
	if err != nil {
		t.Fatal(err)
	}
	return ref
}

// TestRulesDeterministic runs a tiny lifetime experiment with 1 and 2 workers: the
// same table, every method and lifetime present, levels from the held-out range.
func TestRulesDeterministic(t *testing.T) {
	dir := t.TempDir()
	ta, base := writeRule(t, dir, true, 1), writeRule(t, dir, false, 2)
	fixed := 0.5
	c := RulesConfig{Command: "test", Rule: ta, Baseline: &base, Env: "grid/dense", Lifetimes: []int{1, 2}, Seeds: 2,
		ShuffleProgress: true, FixedProgress: &fixed, A2C: true, EvalEpisodes: 1, Envs: 2, RolloutSteps: 5,
		LPG: lpg.Config{Hidden: []int{8}, LR: 1e-3}}.WithDefaults()
	var tables [][][]any
	for _, w := range []int{1, 2} {
		var steps int64
		tab, sum, err := RunRules(filepath.Join(dir, "w"+string(rune('0'+w))), c, w, func(n int64) { steps += n })
		if err != nil {
			t.Fatal(err)
		}
		if len(tab.Rows) != 2*5 || sum == "" {
			t.Fatalf("%d rows, summary %q", len(tab.Rows), sum)
		}
		// rule, baseline, shuffled, fixed, a2c: 5 methods x 2 seeds x (1 + 2) updates x 10 steps.
		if want := int64(5 * 2 * 3 * 10); steps != want {
			t.Fatalf("trained %d env steps, want %d", steps, want)
		}
		tables = append(tables, tab.Rows)
	}
	if fmt.Sprint(tables[0]) != fmt.Sprint(tables[1]) { // rows hold NaN, which DeepEqual never matches
		t.Fatal("1 and 2 workers give different tables")
	}
	if _, err := ParseLifetimes("10,2.5"); err == nil {
		t.Fatal("a fractional lifetime accepted")
	}
}

package locomotion

import (
	"math"
	"math/rand/v2"
	"testing"

	"gorl/env"
)

// The four terms of each finished episode add up to its return, and the recent window
// averages exactly the finished episodes, including across Multi's members.
func TestRewardTermsSumToReturn(t *testing.T) {
	for _, id := range []string{"sgrl/hopper-3", "sgrl/hopper++"} {
		e, err := env.Make(id, nil)
		if err != nil {
			t.Fatal(err)
		}
		rt, ok := env.As[interface {
			LastEpisodeTerms([]float64) bool
			RecentEpisodeTerms([]float64) int
		}](e)
		if !ok {
			t.Fatalf("%s: no reward terms", id)
		}
		e.Seed(5)
		e.Reset()
		rng := rand.New(rand.NewPCG(4, 4))
		act := make([]float64, e.ActionSpace().Dim())
		terms := make([]float64, NumRewardTerms)
		if rt.LastEpisodeTerms(terms) {
			t.Fatalf("%s: a finished episode before any step", id)
		}
		var ret, retSum, alive float64
		episodes := 0
		for episodes < 3 {
			randomAction(rng, act)
			tr := e.Step(act)
			ret += tr.Reward
			if !tr.Done() {
				continue
			}
			e.Reset()
			if !rt.LastEpisodeTerms(terms) {
				t.Fatalf("%s: no finished episode after a reset", id)
			}
			if got := terms[0] + terms[1] + terms[2] + terms[3]; math.Abs(got-ret) > 1e-9*math.Max(1, math.Abs(ret)) {
				t.Errorf("%s: terms %v sum to %v, return %v", id, terms, got, ret)
			}
			if terms[3] > 0 || terms[2] <= 0 {
				t.Errorf("%s: control %v must be <= 0 and alive %v > 0", id, terms[3], terms[2])
			}
			alive += terms[2]
			retSum += ret
			ret = 0
			episodes++
		}
		sum := make([]float64, NumRewardTerms)
		if n := rt.RecentEpisodeTerms(sum); n != 3 {
			t.Fatalf("%s: %d recent episodes, want 3", id, n)
		}
		if got := sum[0] + sum[1] + sum[2] + sum[3]; math.Abs(got-retSum) > 1e-9*math.Max(1, math.Abs(retSum)) || sum[2] != alive {
			t.Errorf("%s: recent sums %v, want total %v and alive %v", id, sum, retSum, alive)
		}
	}
}

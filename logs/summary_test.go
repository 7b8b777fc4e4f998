package logs

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

func TestSummarizeMatchesHandComputation(t *testing.T) {
	// 24 episodes: the final window is the last 20.
	lengths := []int64{3, 5, 2, 7, 4, 6, 1, 8, 3, 5, 9, 2, 4, 4, 6, 2, 7, 1, 3, 8, 5, 2, 6, 3}
	dir := writeTestRun(t, t.TempDir(), testRun{name: "r", config: map[string]any{"env": "Test-v0", "algorithm": "ppo", "seed": 7},
		lengths: lengths, seed: 7, fitness: []float64{1, 4, 2}})
	s, err := Summarize(dir)
	if err != nil {
		t.Fatal(err)
	}
	var rets []float64
	var stepRows, lenSum, envSteps int64
	var rewardSum float64
	for ep, l := range lengths {
		rets = append(rets, episodeReturn(int64(ep), l))
		stepRows += l
		lenSum += l
		envSteps += l
	}
	for ep, l := range lengths {
		for st := int64(0); st < l; st++ {
			rewardSum += stepReward(int64(ep), st)
		}
	}
	mean, minR, maxR := 0.0, math.Inf(1), math.Inf(-1)
	for _, r := range rets {
		mean += r
		minR, maxR = math.Min(minR, r), math.Max(maxR, r)
	}
	mean /= float64(len(rets))
	ss := 0.0
	for _, r := range rets {
		ss += (r - mean) * (r - mean)
	}
	std := math.Sqrt(ss / float64(len(rets)-1))
	final := 0.0
	for _, r := range rets[4:] {
		final += r
	}
	final /= 20
	if s.Episodes != 24 || !near(s.ReturnMean, mean) || !near(s.ReturnStd, std) || s.ReturnMin != minR || s.ReturnMax != maxR ||
		!near(s.FinalReturn, final) || !near(s.LengthMean, float64(lenSum)/24) || s.Terminated != 12 || s.Truncated != 12 {
		t.Fatalf("episode stats %+v; want mean %v std %v min %v max %v final %v", s, mean, std, minR, maxR, final)
	}
	if s.StepRows != stepRows || s.StepEpisodes != 24 || !near(s.StepReward, rewardSum) || s.StepMaxStep != 8 || s.StepParts != int((stepRows+15)/16) {
		t.Fatalf("step stats rows %d episodes %d reward %v max step %d parts %d; want %d, 24, %v, 8", s.StepRows, s.StepEpisodes, s.StepReward, s.StepMaxStep, s.StepParts, stepRows, rewardSum)
	}
	if s.EnvSteps != max(envSteps, 300) || s.WallSeconds != 6 || s.MetricRows != 3 || s.MetricLast["fitness"] != 2 || s.MetricLast["loss"] != 2 {
		t.Fatalf("env steps %d wall %v metric rows %d last %v", s.EnvSteps, s.WallSeconds, s.MetricRows, s.MetricLast)
	}
	if s.EnvID != "Test-v0" || s.Algo != "ppo" || s.Seed != "7" || s.Status != "finished" {
		t.Fatalf("info %+v", s.RunInfo)
	}

	// The JSON record carries the same numbers.
	var buf bytes.Buffer
	if err := SummaryTable([]*Summary{s}).Write(&buf, FormatJSON); err != nil {
		t.Fatal(err)
	}
	var recs []map[string]any
	if err := json.Unmarshal(buf.Bytes(), &recs); err != nil {
		t.Fatalf("%v: %s", err, buf.String())
	}
	if len(recs) != 1 || recs[0]["return_mean"].(float64) != s.ReturnMean || recs[0]["episodes"].(float64) != 24 || recs[0]["last_fitness"].(float64) != 2 {
		t.Fatalf("json %s", buf.String())
	}
}

func TestSummarizeSingleFiles(t *testing.T) {
	dir := writeTestRun(t, t.TempDir(), testRun{name: "r", config: map[string]any{}, lengths: []int64{2, 4}, fitness: []float64{3}})
	s, err := Summarize(filepath.Join(dir, "episodes.parquet"))
	if err != nil || s.Episodes != 2 || s.StepRows != 0 || s.ReturnMax != episodeReturn(1, 4) {
		t.Fatalf("episodes file: %+v %v", s, err)
	}
	s, err = Summarize(filepath.Join(dir, "steps", "part-00000.parquet"))
	if err != nil || s.Episodes != 0 || s.StepRows != 6 || !math.IsNaN(s.ReturnMean) {
		t.Fatalf("steps file: %+v %v", s, err)
	}
}

func TestSummarizeBadInput(t *testing.T) {
	root := t.TempDir()
	dir := writeTestRun(t, root, testRun{name: "r", config: map[string]any{}, lengths: []int64{2, 4}})
	if _, err := Summarize(filepath.Join(root, "nope")); err == nil || !strings.Contains(err.Error(), "no such run directory or file") {
		t.Fatalf("missing: %v", err)
	}
	bad := filepath.Join(dir, "episodes.parquet")
	if err := os.WriteFile(bad, []byte("PAR1 this is not parquet at all"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Summarize(dir); err == nil || !strings.Contains(err.Error(), "not a readable Parquet file") {
		t.Fatalf("corrupt: %v", err)
	}
	// A truncated part file: the footer is gone.
	part := filepath.Join(dir, "steps", "part-00000.parquet")
	data, _ := os.ReadFile(part)
	os.WriteFile(part, data[:len(data)/2], 0o644)
	if _, err := Summarize(part); err == nil || !strings.Contains(err.Error(), "part-00000.parquet") {
		t.Fatalf("truncated: %v", err)
	}
}

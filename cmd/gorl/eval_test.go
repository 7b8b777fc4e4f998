package main

import (
	"encoding/json"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"gorl/logs"
)

// gorl eval of a 3D run prints the per-episode progress beside the return, its --json
// summary carries every reward term, and the evaluation's episodes.parquet has the terms
// of each episode, which add up to its return. A task without reward terms (Pendulum)
// prints and logs none.
func TestEvalRewardTerms(t *testing.T) {
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "hpp")
	if out, stderr, code := gorl(t, tinyMultiArgs("mlp", dir, 300)...); code != 0 {
		t.Fatalf("train exit %d: %s%s", code, out, stderr)
	}
	// Training episodes carry their terms too.
	eps, err := logs.ReadEpisodes(dir)
	if err != nil || len(eps) == 0 {
		t.Fatalf("training episodes: %d, %v", len(eps), err)
	}
	checkTerms := func(what string, eps []logs.EpisodeRow) {
		t.Helper()
		for _, e := range eps {
			tr := e.Terms
			if tr == nil {
				t.Fatalf("%s: episode %d has no reward terms", what, e.Episode)
			}
			if sum := tr.Progress + tr.Heading + tr.Alive + tr.Control; math.Abs(sum-e.Return) > 1e-6*math.Max(1, math.Abs(e.Return)) {
				t.Fatalf("%s: episode %d terms %+v add up to %v, return %v", what, e.Episode, *tr, sum, e.Return)
			}
			if tr.Alive != float64(e.Length) { // hoppers: alive bonus 1 per step
				t.Fatalf("%s: episode %d alive %v over %d steps", what, e.Episode, tr.Alive, e.Length)
			}
		}
	}
	checkTerms("training", eps)

	evalDir := filepath.Join(tmp, "eval")
	out, stderr, code := gorl(t, "eval", dir, "--episodes", "3", "--step-every", "-1", "--out", evalDir)
	if code != 0 || !strings.Contains(out, "mean return") || !strings.Contains(out, "; progress ") || !strings.Contains(out, "alive bonus") {
		t.Fatalf("eval exit %d: %s%s", code, out, stderr)
	}
	evEps, err := logs.ReadEpisodes(evalDir)
	if err != nil || len(evEps) != 3 {
		t.Fatalf("eval episodes: %d, %v", len(evEps), err)
	}
	checkTerms("eval", evEps)
	tab, err := logs.EpisodesTable(evalDir)
	if err != nil || !strings.HasSuffix(strings.Join(tab.Columns, ","), ",progress,heading,alive,control") {
		t.Fatalf("episodes table columns %v, %v", tab.Columns, err)
	}

	out, stderr, code = gorl(t, "eval", dir, "--episodes", "3", "--step-every", "-1", "--out", filepath.Join(tmp, "eval-json"), "--json")
	var sum evalSummary
	if code != 0 || json.Unmarshal([]byte(out), &sum) != nil {
		t.Fatalf("eval --json exit %d: %q %s", code, out, stderr)
	}
	var progress, ret float64
	for _, e := range evEps { // same seed, same policy: the same episodes
		progress += e.Terms.Progress / 3
		ret += e.Return / 3
	}
	if sum.Episodes != 3 || len(sum.Terms) != 4 || math.Abs(sum.Terms["progress"].Mean-progress) > 1e-9 || math.Abs(sum.Return.Mean-ret) > 1e-9 ||
		math.Abs(sum.AliveShare-sum.Terms["alive"].Mean/ret) > 1e-9 {
		t.Fatalf("eval --json %+v; want progress %v, return %v from episodes.parquet", sum, progress, ret)
	}

	pdir := filepath.Join(tmp, "pendulum")
	if out, stderr, code := gorl(t, "train", "--algo", "td3", "--env", "Pendulum-v1", "--steps", "300", "--warm-up", "200", "--batch", "8",
		"--hidden", "8,8", "--run-dir", pdir, "--quiet"); code != 0 {
		t.Fatalf("pendulum train exit %d: %s%s", code, out, stderr)
	}
	out, stderr, code = gorl(t, "eval", pdir, "--episodes", "1", "--step-every", "-1", "--out", filepath.Join(tmp, "peval"))
	if code != 0 || strings.Contains(out, "progress") {
		t.Fatalf("pendulum eval exit %d: %s%s", code, out, stderr)
	}
	if pe, err := logs.ReadEpisodes(filepath.Join(tmp, "peval")); err != nil || len(pe) != 1 || pe[0].Terms != nil {
		t.Fatalf("pendulum eval episodes %+v, %v: want one without terms", pe, err)
	}
}

package logs

import (
	"math"
	"path/filepath"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	r, err := Create(dir, map[string]any{"seed": 3}, Options{EnvID: "Test-v0", PartRows: 7})
	if err != nil {
		t.Fatal(err)
	}
	var want []StepRow
	for ep := int64(0); ep < 3; ep++ {
		for s := int64(0); s < 5; s++ {
			row := StepRow{Episode: ep, Step: s, Obs: []float64{float64(ep), float64(s)}, Action: []float64{1},
				Reward: float64(s) / 2, Terminated: s == 4, Context: ep % 2, LogProb: math.NaN(), Value: -0.5}
			if ep == 1 {
				row.Context = NoContext
			}
			want = append(want, row)
			if err := r.LogStep(&row); err != nil {
				t.Fatal(err)
			}
		}
		if err := r.LogEpisode(EpisodeRow{Episode: ep, Return: 5, Length: 5, Terminated: true, EnvSteps: 5 * (ep + 1), Context: NoContext}); err != nil {
			t.Fatal(err)
		}
		if err := r.LogMetrics(MetricRow{Iteration: ep, Values: map[string]float64{"loss": float64(ep)}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.LogMetrics(MetricRow{Iteration: 3, Values: map[string]float64{"entropy": 0.25}}); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	parts, _ := StepParts(dir)
	if len(parts) != 3 { // 15 rows at 7 per part
		t.Fatalf("parts = %d, want 3", len(parts))
	}
	i := 0
	err = ScanSteps(dir, func(s *StepRow) error {
		w := want[i]
		if s.Episode != w.Episode || s.Step != w.Step || s.Obs[1] != w.Obs[1] || s.Reward != w.Reward ||
			s.Terminated != w.Terminated || s.Context != w.Context || !math.IsNaN(s.LogProb) || s.Value != -0.5 || s.EnvID != "Test-v0" {
			t.Fatalf("row %d = %+v, want %+v", i, *s, w)
		}
		i++
		return nil
	})
	if err != nil || i != len(want) {
		t.Fatalf("scanned %d rows, err %v", i, err)
	}
	eps, err := ReadEpisodes(dir)
	if err != nil || len(eps) != 3 || eps[2].EnvSteps != 15 || eps[0].Context != NoContext {
		t.Fatalf("episodes %+v err %v", eps, err)
	}
	m, err := ReadMetrics(dir)
	if err != nil {
		t.Fatal(err)
	}
	if m.Len() != 4 || len(m.Names) != 2 || m.Values["loss"][2] != 2 || !math.IsNaN(m.Values["loss"][3]) || m.Values["entropy"][3] != 0.25 {
		t.Fatalf("metrics %+v", m)
	}
}

func TestResumeCutsRowsPastCheckpoint(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	r, err := Create(dir, map[string]int{"seed": 1}, Options{PartRows: 4})
	if err != nil {
		t.Fatal(err)
	}
	logEpisode := func(r *Run, ep int64) {
		for s := int64(0); s < 3; s++ {
			if err := r.LogStep(&StepRow{Episode: ep, Step: s, Obs: []float64{float64(ep)}, Context: NoContext}); err != nil {
				t.Fatal(err)
			}
		}
		if err := r.LogEpisode(EpisodeRow{Episode: ep, Length: 3, Context: NoContext}); err != nil {
			t.Fatal(err)
		}
		if err := r.LogMetrics(MetricRow{Iteration: ep, Values: map[string]float64{"x": float64(ep)}}); err != nil {
			t.Fatal(err)
		}
	}
	for ep := int64(0); ep < 3; ep++ {
		logEpisode(r, ep)
	}
	marks, err := r.Checkpoint()
	if err != nil {
		t.Fatal(err)
	}
	if marks != (Marks{Steps: 9, Episodes: 3, Metrics: 3}) {
		t.Fatalf("marks = %+v", marks)
	}
	for ep := int64(3); ep < 6; ep++ { // written after the checkpoint, then "killed"
		logEpisode(r, ep)
	}
	if err := r.Flush(); err != nil {
		t.Fatal(err)
	}
	r2, err := Resume(dir, Options{PartRows: 4}, &marks)
	if err != nil {
		t.Fatal(err)
	}
	for ep := int64(3); ep < 5; ep++ {
		logEpisode(r2, ep)
	}
	if err := r2.Close(); err != nil {
		t.Fatal(err)
	}
	var keys []int64
	if err := ScanSteps(dir, func(s *StepRow) error { keys = append(keys, s.Episode*10+s.Step); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(keys) != 15 {
		t.Fatalf("got %d step rows, want 15: %v", len(keys), keys)
	}
	for i, k := range keys {
		if want := int64(i/3)*10 + int64(i%3); k != want {
			t.Fatalf("row %d key %d, want %d", i, k, want)
		}
	}
	eps, _ := ReadEpisodes(dir)
	m, _ := ReadMetrics(dir)
	if len(eps) != 5 || m.Len() != 5 || eps[4].Episode != 4 || m.Iteration[4] != 4 {
		t.Fatalf("episodes %d metrics %d", len(eps), m.Len())
	}
}

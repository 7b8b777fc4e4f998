package logs

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkLogStep writes CartPole-sized step rows (4 obs, 1 action, reward, flags,
// log_prob, value) through Run.LogStep with the default part size and zstd, including
// the part-file writes, and reports rows/s. With GORL_BENCH_RUN=DIR set the run is
// written under DIR/rows-<N> and kept (e.g. -benchtime=10000000x makes a 10M-row run in
// DIR/rows-10000000 for measuring `gorl logs summary`).
func BenchmarkLogStep(b *testing.B) {
	dir := filepath.Join(b.TempDir(), "run")
	if d := os.Getenv("GORL_BENCH_RUN"); d != "" {
		dir = filepath.Join(d, fmt.Sprintf("rows-%d", b.N)) // the benchmark runs once per b.N
	}
	r, err := Create(dir, map[string]any{"env_id": "CartPole-v1", "algo": "bench", "seed": 0}, Options{EnvID: "CartPole-v1"})
	if err != nil {
		b.Fatal(err)
	}
	row := StepRow{Obs: make([]float64, 4), Action: make([]float64, 1), Context: NoContext}
	var ep, step, envSteps int64
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		row.Episode, row.Step = ep, step
		x := float64(i)
		row.Obs[0], row.Obs[1], row.Obs[2], row.Obs[3] = x*1e-3, -x*1e-3, 0.5, 0.25
		row.Action[0] = float64(i & 1)
		row.Reward, row.LogProb, row.Value = 1, -0.69, x*1e-4
		row.Terminated = step == 199
		if err := r.LogStep(&row); err != nil {
			b.Fatal(err)
		}
		step++
		envSteps++
		if row.Terminated {
			if err := r.LogEpisode(EpisodeRow{Episode: ep, Return: 200, Length: 200, Terminated: true, EnvSteps: envSteps,
				WallSeconds: r.Elapsed(), Context: NoContext}); err != nil {
				b.Fatal(err)
			}
			ep, step = ep+1, 0
		}
	}
	if err := r.Close(); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// benchRun writes a run of n CartPole-sized step rows once per benchmark.
func benchRun(b *testing.B, n int) string {
	b.Helper()
	dir := filepath.Join(b.TempDir(), "run")
	r, err := Create(dir, map[string]any{}, Options{EnvID: "CartPole-v1"})
	if err != nil {
		b.Fatal(err)
	}
	row := StepRow{Obs: make([]float64, 4), Action: make([]float64, 1), Context: NoContext, LogProb: -0.69}
	var ep, envSteps int64
	for i := 0; i < n; i++ {
		row.Step = int64(i % 200)
		row.Episode = ep
		row.Obs[0], row.Obs[1], row.Value = float64(i)*1e-3, math.Sin(float64(i)), float64(i)*1e-4
		row.Reward = -math.Abs(math.Sin(float64(i) * 0.37)) // varied, so the column does not compress away
		row.Terminated = row.Step == 199
		if err := r.LogStep(&row); err != nil {
			b.Fatal(err)
		}
		envSteps++
		if row.Terminated {
			if err := r.LogEpisode(EpisodeRow{Episode: ep, Return: 200, Length: 200, Terminated: true, EnvSteps: envSteps, Context: NoContext}); err != nil {
				b.Fatal(err)
			}
			ep++
		}
	}
	if err := r.Close(); err != nil {
		b.Fatal(err)
	}
	return dir
}

// BenchmarkSummarize summarises a run of 2M CartPole-sized step rows (episodes, metrics
// and a streaming pass over the step and reward columns of every part) and reports step
// rows/s. GORL_BENCH_SUMMARIZE=DIR summarises an existing run instead (e.g. the 10M-row
// run BenchmarkLogStep leaves with GORL_BENCH_RUN).
func BenchmarkSummarize(b *testing.B) {
	n := int64(2_000_000)
	var dir string
	if d := os.Getenv("GORL_BENCH_SUMMARIZE"); d != "" {
		s, err := Summarize(d)
		if err != nil {
			b.Fatal(err)
		}
		dir, n = d, s.StepRows
	} else {
		dir = benchRun(b, int(n))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s, err := Summarize(dir)
		if err != nil {
			b.Fatal(err)
		}
		if s.StepRows != n {
			b.Fatalf("step rows %d", s.StepRows)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkScanStepsRows reads whole step rows (ScanSteps: every column, obs and action
// lists included) of a 500k-row CartPole-sized run, for comparison with Summarize's
// two-column pass.
func BenchmarkScanStepsRows(b *testing.B) {
	const n = 500_000
	dir := benchRun(b, n)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var sum float64
		if err := ScanSteps(dir, func(s *StepRow) error { sum += s.Reward; return nil }); err != nil {
			b.Fatal(err)
		}
		if sum >= 0 {
			b.Fatalf("sum %v", sum)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

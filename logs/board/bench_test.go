package board

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"gorl/logs"
)

// The responsiveness benchmarks run over 200 runs of 50000 step rows each (10^7 step
// rows), 500 episodes and 100 metrics rows a run, laid out as a sweep of 20 lrs x 10
// seeds. The fixture is written once per process into BOARD_BENCH_DIR (default: a
// temporary directory), and kept there when that is set, for the next run.

const (
	benchRuns     = 200
	benchStepRows = 50000 // per run
	benchEpisodes = 500   // per run: 100 steps each
)

var benchRoot string

func benchFixture(b *testing.B) string {
	b.Helper()
	if benchRoot != "" {
		return benchRoot
	}
	root := os.Getenv("BOARD_BENCH_DIR")
	if root == "" {
		var err error
		if root, err = os.MkdirTemp("", "board-bench-"); err != nil {
			b.Fatal(err)
		}
	}
	dir := filepath.Join(root, "sweep")
	if _, err := os.Stat(filepath.Join(dir, "sweep.json")); err == nil {
		benchRoot = root
		return root
	}
	b.Logf("writing the fixture (%d runs x %d step rows) under %s", benchRuns, benchStepRows, root)
	start := time.Now()
	var plan []string
	for i := range benchRuns {
		lr, seed := fmt.Sprintf("%g", 0.0001*float64(1+i/10)), i%10+1
		name := fmt.Sprintf("lr=%s_seed=%d", lr, seed)
		plan = append(plan, fmt.Sprintf(`{"name":%q,"params":{"lr":%q},"seed":%d}`, name, lr, seed))
		cfg := map[string]any{"command": "train", "algo": "ppo", "train": map[string]any{"env": "CartPole-v1", "seed": seed}, "ppo": map[string]any{"lr": lr}}
		w, err := logs.Create(filepath.Join(dir, name), cfg, logs.Options{EnvID: "CartPole-v1"})
		if err != nil {
			b.Fatal(err)
		}
		row := logs.StepRow{Obs: make([]float64, 4), Action: make([]float64, 1), Context: logs.NoContext}
		steps := int64(0)
		for ep := range benchEpisodes {
			length := int64(benchStepRows / benchEpisodes)
			for s := range length {
				row.Episode, row.Step, row.Reward = int64(ep), s, 1
				row.Obs[0], row.Action[0] = float64(s)/100, float64(s%2)
				row.Terminated = s == length-1
				if err := w.LogStep(&row); err != nil {
					b.Fatal(err)
				}
			}
			steps += length
			ret := float64(length) * (0.5 + 0.5*float64(ep)/benchEpisodes) * (1 + float64(i%10)/20)
			w.LogEpisode(logs.EpisodeRow{Episode: int64(ep), Seed: int64(seed), Return: ret, Length: length, Terminated: true, EnvSteps: steps, WallSeconds: float64(ep) / 10})
			if ep%5 == 4 {
				w.LogMetrics(logs.MetricRow{Seed: int64(seed), Iteration: int64(ep/5 + 1), EnvSteps: steps, WallSeconds: float64(ep) / 10, Values: map[string]float64{"loss": 1 / float64(ep+1)}})
			}
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
	}
	data := "{\"command\":\"sweep\",\"runs\":[" + strings.Join(plan, ",") + "]}"
	if err := os.WriteFile(filepath.Join(dir, "sweep.json"), []byte(data), 0o644); err != nil {
		b.Fatal(err)
	}
	b.Logf("fixture written in %v", time.Since(start))
	benchRoot = root
	return root
}

// benchGet times one request to a fresh server (cold: nothing cached) or to a server that
// answered it once already (warm: /api/curve answers from its cache of replies).
func benchGet(b *testing.B, path string, warm bool) {
	root := benchFixture(b)
	var srv *Server
	newServer := func() {
		var err error
		if srv, err = New([]string{root}); err != nil {
			b.Fatal(err)
		}
	}
	get := func() {
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Code != http.StatusOK {
			b.Fatalf("%s: %d %s", path, rec.Code, rec.Body.String())
		}
	}
	newServer()
	get()
	b.ResetTimer()
	for b.Loop() {
		if !warm {
			b.StopTimer()
			newServer()
			b.StartTimer()
		}
		get()
	}
}

func BenchmarkRunsCold(b *testing.B) { benchGet(b, "/api/runs", false) }
func BenchmarkRunsWarm(b *testing.B) { benchGet(b, "/api/runs", true) }
func BenchmarkCurveByLrCold(b *testing.B) {
	benchGet(b, "/api/curve?y=return&x=env_steps&by=lr", false)
}
func BenchmarkCurveByLrWarm(b *testing.B) { benchGet(b, "/api/curve?y=return&x=env_steps&by=lr", true) }

// BenchmarkCurveByLrNewQuery asks for a new smoothing window each time: the columns are
// cached, the aggregation (20 groups of 10 runs, bootstrap bands) is not.
func BenchmarkCurveByLrNewQuery(b *testing.B) {
	root := benchFixture(b)
	srv, err := New([]string{root})
	if err != nil {
		b.Fatal(err)
	}
	h := srv.Handler()
	i := 0
	for b.Loop() {
		i++
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/curve?y=return&x=env_steps&by=lr&smooth="+strconv.Itoa(i), nil))
		if rec.Code != http.StatusOK {
			b.Fatal(rec.Body.String())
		}
	}
}

// BenchmarkBrowserFirstPaint loads the runs page in headless chromium against a fresh
// server and reports the milliseconds until the runs table lists all 200 runs, until
// their 200 curves are drawn (the page's default grouping, by run) and until the curves
// grouped by lr (20 groups of 10 runs, with bands) are drawn.
func BenchmarkBrowserFirstPaint(b *testing.B) {
	root := benchFixture(b)
	d := startBrowser(b)
	for b.Loop() {
		s, err := New([]string{root})
		if err != nil {
			b.Fatal(err)
		}
		srv := httptest.NewServer(s.Handler())
		d.open("about:blank")
		start := time.Now()
		d.open(srv.URL + "/#/")
		d.waitFor("200 rows", `return document.querySelectorAll("#runs-table tbody tr").length === `+strconv.Itoa(benchRuns), 120*time.Second)
		table := time.Since(start)
		d.waitFor("200 curves", `return document.querySelectorAll("path.curve").length === `+strconv.Itoa(benchRuns), 120*time.Second)
		curves := time.Since(start)
		d.eval(`const s = document.querySelector("#by"); s.value = "lr"; s.dispatchEvent(new Event("change"))`)
		d.waitFor("20 curves", `return document.querySelectorAll("path.curve").length === 20`, 120*time.Second)
		curve := time.Since(start)
		srv.Close()
		b.ReportMetric(float64(table.Milliseconds()), "ms-to-table")
		b.ReportMetric(float64(curves.Milliseconds()), "ms-to-200-curves")
		b.ReportMetric(float64(curve.Milliseconds()), "ms-to-grouped-curve")
	}
}

package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"gorl/logs"
)

func TestLogsCompareCommand(t *testing.T) {
	root := t.TempDir()
	// Final value: mean return of the last 2 episodes. ppo: 15, 25, 50; dqn: 4, 8.
	writeLogsTestRun(t, filepath.Join(root, "p1"), map[string]any{"algo": "ppo", "seed": 1}, []float64{0, 10, 20}, nil)
	writeLogsTestRun(t, filepath.Join(root, "p2"), map[string]any{"algo": "ppo", "seed": 2}, []float64{20, 30}, nil)
	writeLogsTestRun(t, filepath.Join(root, "p3"), map[string]any{"algo": "ppo", "seed": 3}, []float64{99, 40, 60}, nil)
	writeLogsTestRun(t, filepath.Join(root, "d1"), map[string]any{"algorithm": "dqn", "seed": 1}, []float64{4}, nil)
	writeLogsTestRun(t, filepath.Join(root, "d2"), map[string]any{"algorithm": "dqn", "seed": 2}, []float64{7, 9}, nil)
	out, err := runLogsCmd(t, "logs", "compare", root, "--by", "algo", "--last", "2", "--format", "csv", "--seed", "4")
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || len(recs) != 3 {
		t.Fatalf("%v: %q", err, out)
	}
	num := func(r []string, i int) float64 {
		v, err := strconv.ParseFloat(r[i], 64)
		if err != nil {
			t.Fatalf("cell %q: %v", r[i], err)
		}
		return v
	}
	// columns: group n mean std stderr ci_lo ci_hi min max
	dqn, ppo := recs[1], recs[2]
	sdPPO := math.Sqrt(((15-30)*(15-30) + (25-30)*(25-30) + (50-30)*(50-30)) / 2.0)
	if dqn[0] != "dqn" || num(dqn, 1) != 2 || num(dqn, 2) != 6 || num(dqn, 3) != math.Sqrt(8) || num(dqn, 4) != 2 || num(dqn, 7) != 4 || num(dqn, 8) != 8 {
		t.Fatalf("dqn row %v", dqn)
	}
	if ppo[0] != "ppo" || num(ppo, 2) != 30 || math.Abs(num(ppo, 4)-sdPPO/math.Sqrt(3)) > 1e-12 {
		t.Fatalf("ppo row %v, want mean 30, stderr %v", ppo, sdPPO/math.Sqrt(3))
	}
	// {4, 8}: bootstrap means 4, 6, 8 with probabilities 1/4, 1/2, 1/4.
	if num(dqn, 5) != 4 || num(dqn, 6) != 8 || num(ppo, 5) < 15 || num(ppo, 6) > 50 || num(ppo, 5) >= 30 || num(ppo, 6) <= 30 {
		t.Fatalf("intervals dqn [%s, %s] ppo [%s, %s]", dqn[5], dqn[6], ppo[5], ppo[6])
	}
	again, _ := runLogsCmd(t, "logs", "compare", root, "--by", "algo", "--last", "2", "--format", "csv", "--seed", "4")
	if again != out {
		t.Fatalf("same seed, different output:\n%s\n%s", out, again)
	}
}

func TestLogsCurveCommand(t *testing.T) {
	root := t.TempDir()
	for i := 0; i < 3; i++ {
		var rets []float64
		for ep := 0; ep < 30; ep++ {
			rets = append(rets, float64(ep*(i+2))+float64((ep*7+i)%5))
		}
		writeLogsTestRun(t, filepath.Join(root, "run"+strconv.Itoa(i)), map[string]any{"algo": []string{"a", "b"}[i%2], "seed": i}, rets, []float64{1, 2, 3})
	}
	img := filepath.Join(root, "curve.png")
	out, err := runLogsCmd(t, "logs", "curve", root, "--by", "algo", "--smooth", "3", "--out", img)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "3 series in 2 groups (a n=2, b n=1)") {
		t.Fatalf("output %q", out)
	}
	f, err := os.Open(img)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if err != nil || cfg.Width < 600 {
		t.Fatalf("png %+v %v", cfg, err)
	}

	_, err = runLogsCmd(t, "logs", "curve", root, "--metric", "regret", "--out", img)
	wantLogsError(t, err, `unknown metric "regret" in metrics.parquet`)
	_, err = runLogsCmd(t, "logs", "curve", filepath.Join(root, "nope"), "--out", img)
	wantLogsError(t, err, "nope: no such directory")
	_, err = runLogsCmd(t, "logs", "curve", root)
	wantLogsError(t, err, "--out is required")
	_, err = runLogsCmd(t, "logs", "curve", root, "--x", "time", "--out", img)
	wantLogsError(t, err, `unknown --x "time"`)
	_, err = runLogsCmd(t, "logs", "curve", root, "--out", filepath.Join(root, "c.bmp"))
	wantLogsError(t, err, `unknown image format "bmp"`)
}

func TestLogsLsEpisodesMetricsExport(t *testing.T) {
	root := t.TempDir()
	a := writeLogsTestRun(t, filepath.Join(root, "a"), map[string]any{"env": map[string]any{"id": "Test-v0"}, "agent": "ppo", "seed": 5},
		[]float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, []float64{0.5, 0.25})
	b := writeLogsTestRun(t, filepath.Join(root, "b"), map[string]any{}, []float64{3}, nil)
	// b's writer "crashed": status.json says running, with a pid that cannot exist.
	if err := logs.WriteJSONAtomic(filepath.Join(b, "status.json"), logs.Status{Status: "running", PID: 1 << 30}); err != nil {
		t.Fatal(err)
	}
	out, err := runLogsCmd(t, "logs", "ls", root, "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	var ls []map[string]any
	if err := json.Unmarshal([]byte(out), &ls); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	// final return: mean of the last 20 (here all 12) of 1..12 = 6.5
	if len(ls) != 2 || ls[0]["env"] != "Test-v0" || ls[0]["algo"] != "ppo" || ls[0]["seed"] != "5" || ls[0]["final_return"].(float64) != 6.5 ||
		ls[0]["env_steps"].(float64) != 120 || ls[0]["status"] != "finished" || ls[1]["status"] != "interrupted" {
		t.Fatalf("ls %s", out)
	}

	out, err = runLogsCmd(t, "logs", "episodes", a, "--filter", "return>=4", "--filter", "episode<7", "--columns", "episode,return", "--format", "csv")
	if err != nil || out != "episode,return\n3,4\n4,5\n5,6\n6,7\n" {
		t.Fatalf("episodes %q %v", out, err)
	}
	out, err = runLogsCmd(t, "logs", "metrics", a, "--columns", "iteration,fitness", "--format", "jsonl")
	if err != nil || out != "{\"iteration\":0,\"fitness\":0.5}\n{\"iteration\":1,\"fitness\":0.25}\n" {
		t.Fatalf("metrics %q %v", out, err)
	}
	_, err = runLogsCmd(t, "logs", "metrics", a, "--columns", "iteration,regret")
	wantLogsError(t, err, `unknown column "regret"`)
	_, err = runLogsCmd(t, "logs", "episodes", a, "--filter", "return~3")
	wantLogsError(t, err, `filter "return~3"`)

	exp := filepath.Join(root, "steps.csv")
	if _, err := runLogsCmd(t, "logs", "export", a, "--table", "steps", "--format", "csv", "--out", exp); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(exp)
	rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil || len(rows) != 121 || strings.Join(rows[0], ",") != "env_id,episode,step,obs_0,obs_1,obs_2,obs_3,action_0,reward,terminated,truncated,context,log_prob,value" ||
		strings.Join(rows[120], ",") != "Test-v0,11,9,1,2,3,4,0,1.2,true,false,,0,0" {
		t.Fatalf("steps csv: %v, %d rows, first %v last %v", err, len(rows), rows[0], rows[len(rows)-1])
	}
	out, err = runLogsCmd(t, "logs", "export", a, "--table", "episodes", "--format", "jsonl")
	if err != nil || strings.Count(out, "\n") != 12 || !strings.HasPrefix(out, `{"run_id":"a","env_id":"Test-v0","episode":0,"seed":0,"return":1,"length":10,`) {
		t.Fatalf("episodes jsonl %q %v", out, err)
	}
	_, err = runLogsCmd(t, "logs", "export", a, "--table", "frames")
	wantLogsError(t, err, `unknown --table "frames"`)
}

func TestLogsLsListsUnreadableRuns(t *testing.T) {
	root := t.TempDir()
	writeLogsTestRun(t, filepath.Join(root, "good"), map[string]any{"seed": 1}, []float64{1, 2}, nil)
	bad := writeLogsTestRun(t, filepath.Join(root, "bad"), map[string]any{"seed": 2}, []float64{1, 2}, nil)
	if err := os.WriteFile(filepath.Join(bad, "episodes.parquet"), []byte("garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := runLogsCmd(t, "logs", "ls", root, "--format", "csv")
	wantLogsError(t, err, "1 of 2 runs could not be read; first: ")
	if !strings.Contains(out, "bad,,,,0,0,,unreadable") || !strings.Contains(out, "good,,,1,20,2,1.5,finished") {
		t.Fatalf("ls output %q", out)
	}
	_, err = runLogsCmd(t, "logs", "ls", filepath.Join(root, "none"))
	wantLogsError(t, err, "none: no such directory")
}

package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"gorl/agents/ppo"
	"gorl/evolution/horizons"
)

// driftFixtures writes drift files: zero-weight LPO and TA-LPO (PPO init: PPO-clip) and
// a random TA-LPO whose effective clip range moves with n/N.
type driftFixtures struct {
	dir, zeroLPO, zeroTA, randomTA, notDrift string
}

func newDriftFixtures(t *testing.T) driftFixtures {
	t.Helper()
	d := t.TempDir()
	f := driftFixtures{dir: d, zeroLPO: filepath.Join(d, "zero-lpo.drift"), zeroTA: filepath.Join(d, "zero-talpo.drift"),
		randomTA: filepath.Join(d, "random-talpo.drift"), notDrift: filepath.Join(d, "notes.txt")}
	random := ppo.NewLPO(true, true, 32)
	random.Randomize(rand.New(rand.NewPCG(3, 4)), 0.3)
	for path, l := range map[string]*ppo.LPO{f.zeroLPO: ppo.NewLPO(false, true, 16), f.zeroTA: ppo.NewLPO(true, true, 16), f.randomTA: random} {
		if err := ppo.SaveLPO(path, l); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(f.notDrift, []byte("not a drift network\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}

// readCSV parses CSV output into a header and rows.
func readCSV(t *testing.T, out string) ([]string, [][]string) {
	t.Helper()
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || len(recs) < 2 {
		t.Fatalf("bad CSV (%v):\n%s", err, out)
	}
	return recs[0], recs[1:]
}

// TestDriftClipPPO checks the effective clip table of PPO-clip and of zero-weight
// drifts with PPO init through the CLI: 1.2 for A > 0 and 0.8 for A < 0 at every n/N,
// within the grid step (and the 1e-4 offset's 1e-4/|A| for the drifts).
func TestDriftClipPPO(t *testing.T) {
	f := newDriftFixtures(t)
	for _, args := range [][]string{{"--objective", "clip"}, {f.zeroLPO}, {f.zeroTA, "--objective", "ta-lpo"}} {
		args = append([]string{"drift", "clip", "--format", "csv", "--points", "5"}, args...)
		out, stderr, code := gorl(t, args...)
		if code != 0 {
			t.Fatalf("gorl %v: exit %d: %s", args, code, stderr)
		}
		head, rows := readCSV(t, out)
		if strings.Join(head, ",") != "adv,progress,ratio,surrogate,at_edge" {
			t.Fatalf("header %v", head)
		}
		if len(rows) != 6*5 {
			t.Fatalf("gorl %v: %d rows, want 30", args, len(rows))
		}
		for _, r := range rows {
			a, _ := strconv.ParseFloat(r[0], 64)
			ratio, _ := strconv.ParseFloat(r[2], 64)
			want := 1.2
			if a < 0 {
				want = 0.8
			}
			if math.Abs(ratio-want) > 0.001+1e-4/math.Abs(a)+1e-9 || r[4] != "false" {
				t.Errorf("gorl %v: row %v: r* %v, want %v", args, r, ratio, want)
			}
		}
	}
}

// TestDriftClipPlot checks the text table, the spread line and the PNG of a drift whose
// effective clip range moves with n/N.
func TestDriftClipPlot(t *testing.T) {
	f := newDriftFixtures(t)
	img := filepath.Join(f.dir, "clip.png")
	out, stderr, code := gorl(t, "drift", "clip", f.randomTA, "--out", img, "--adv", "-1,1", "--points", "6")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	// title, header, 6 rows of n/N, spread, "wrote"
	if len(lines) != 10 || !strings.HasPrefix(lines[1], "n/N") || !strings.Contains(lines[8], "spread of r* over n/N") {
		t.Fatalf("unexpected output:\n%s", out)
	}
	// The random temporal drift's bounds move with n/N: some spread is well above 0.
	m := regexp.MustCompile(`A=-1 ([0-9.]+), A=1 ([0-9.]+) `).FindStringSubmatch(lines[8])
	if m == nil {
		t.Fatalf("spread line %q", lines[8])
	}
	s1, _ := strconv.ParseFloat(m[1], 64)
	s2, _ := strconv.ParseFloat(m[2], 64)
	if math.Max(s1, s2) < 0.01 {
		t.Fatalf("spread line %q: r* of a random TA-LPO does not move with n/N", lines[8])
	}
	file, err := os.Open(img)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	pic, err := png.Decode(file)
	if err != nil {
		t.Fatalf("decode %s: %v", img, err)
	}
	b := pic.Bounds()
	if b.Dx() < 300 || b.Dy() < 200 {
		t.Fatalf("image %v too small", b)
	}
	colours := map[[3]uint32]int{}
	nonWhite := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := pic.At(x, y).RGBA()
			colours[[3]uint32{r >> 8, g >> 8, bl >> 8}]++
			if r>>8 < 240 || g>>8 < 240 || bl>>8 < 240 {
				nonWhite++
			}
		}
	}
	// Two coloured lines with markers, grey references, axes and text.
	if len(colours) < 8 || nonWhite < b.Dx()*b.Dy()/100 {
		t.Fatalf("image looks empty: %d colours, %d non-white pixels of %d", len(colours), nonWhite, b.Dx()*b.Dy())
	}
}

// TestDriftHorizons runs a tiny horizon experiment twice (1 and 2 workers): the same
// seed gives the same table; every inner run has a run directory whose config.json
// records its method and horizon; the horizons follow --factors.
func TestDriftHorizons(t *testing.T) {
	f := newDriftFixtures(t)
	var tables []string
	for i, workers := range []string{"1", "2"} {
		dir := filepath.Join(f.dir, "h"+strconv.Itoa(i))
		args := []string{"drift", "horizons", f.randomTA, "--train-steps", "1024", "--factors", "0.5,1", "--seeds", "2",
			"--baseline", f.zeroLPO, "--shuffle-progress", "--eval-episodes", "2", "--workers", workers,
			"--run-dir", dir, "--format", "csv", "--quiet"}
		out, stderr, code := gorl(t, args...)
		if code != 0 {
			t.Fatalf("gorl %v: exit %d: %s", args, code, stderr)
		}
		tables = append(tables, out)
		head, rows := readCSV(t, out)
		if len(rows) != 2*4 || head[0] != "factor" || head[3] != "method" {
			t.Fatalf("table:\n%s", out)
		}
		wantMethods := []string{"clip", "drift", "baseline", "drift-shuffled"}
		for k, r := range rows {
			steps, updates := []string{"512", "1024"}[k/4], []string{"1", "2"}[k/4]
			if r[3] != wantMethods[k%4] || r[1] != steps || r[2] != updates || r[5]+r[10] == "" {
				t.Errorf("row %d: %v, want method %s, %s steps, %s updates", k, r, wantMethods[k%4], steps, updates)
			}
			if n, _ := strconv.Atoi(r[5]); n < 1 {
				t.Errorf("row %d: %v: no finished run", k, r)
			}
		}
		saved, err := os.ReadFile(filepath.Join(dir, "horizons.csv"))
		if err != nil || string(saved) != out {
			t.Fatalf("horizons.csv differs from the printed table (%v)", err)
		}
		var rc horizons.DriftRunConfig
		data, err := os.ReadFile(filepath.Join(dir, "f0.5-drift-shuffled-s1", "config.json"))
		if err != nil || json.Unmarshal(data, &rc) != nil {
			t.Fatalf("read inner run config: %v", err)
		}
		if rc.Method != "drift-shuffled" || rc.Factor != 0.5 || rc.Progress != "shuffled" || rc.Train.Steps != 512 ||
			rc.Train.Seed != 1 || rc.PPO.Objective != "ta-lpo" || rc.PPO.ObjectiveParams != f.randomTA || rc.DriftSHA256 == "" {
			t.Fatalf("inner run config %+v", rc)
		}
		if _, err := os.Stat(filepath.Join(dir, "drift-horizons.json")); err != nil {
			t.Fatal(err)
		}
	}
	if tables[0] != tables[1] {
		t.Fatalf("same seed, different tables with 1 and 2 workers:\n%s\n%s", tables[0], tables[1])
	}
	// The inner runs are ordinary run directories.
	if out, stderr, code := gorl(t, "logs", "compare", filepath.Join(f.dir, "h0"), "--metric", "eval_return", "--last", "1", "--by", "method"); code != 0 || !strings.Contains(out, "drift-shuffled") {
		t.Fatalf("logs compare: exit %d: %s%s", code, out, stderr)
	}
}

// TestDriftBadInput checks user mistakes: one line "gorl: ...", exit 1, no run
// directory created and no file changed.
func TestDriftBadInput(t *testing.T) {
	f := newDriftFixtures(t)
	fresh := filepath.Join(f.dir, "fresh")
	full := filepath.Join(f.dir, "full")
	if err := os.MkdirAll(full, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(full, "x"), []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	noSuch := filepath.Join(f.dir, "no-such.drift")
	png := filepath.Join(f.dir, "c.png")
	before := snapshot(t, f.dir)
	h := func(args ...string) []string {
		return append(append([]string{"drift", "horizons"}, args...), "--run-dir", fresh, "--quiet")
	}
	cases := []struct {
		want string
		args []string
	}{
		{`unknown command "nosuch" for gorl drift`, []string{"drift", "nosuch"}},
		// clip.
		{"want a drift file", []string{"drift", "clip"}},
		{"drift file " + noSuch + ": no such file", []string{"drift", "clip", noSuch}},
		{"drift file " + f.dir + " is a directory", []string{"drift", "clip", f.dir}},
		{"not a gorl drift network file", []string{"drift", "clip", f.notDrift}},
		{`unknown --objective "ppo"`, []string{"drift", "clip", "--objective", "ppo"}},
		{"holds a ta-lpo drift network, not lpo", []string{"drift", "clip", f.zeroTA, "--objective", "lpo"}},
		{"--objective clip takes no drift file", []string{"drift", "clip", f.zeroTA, "--objective", "clip"}},
		{"--objective ta-lpo needs a drift file", []string{"drift", "clip", "--objective", "ta-lpo"}},
		{"accepts at most 1 arg(s)", []string{"drift", "clip", f.zeroTA, f.zeroLPO}},
		{"--adv values must be finite", []string{"drift", "clip", f.zeroTA, "--adv", "1,NaN"}},
		{"--points must be in [2, 10001], got 1", []string{"drift", "clip", f.zeroTA, "--points", "1"}},
		{"--r-min must be in (0, 1), got 1", []string{"drift", "clip", f.zeroTA, "--r-min", "1"}},
		{"--r-max must be in (1, 1e6], got 0.9", []string{"drift", "clip", f.zeroTA, "--r-max", "0.9"}},
		{"--r-step must be a positive number", []string{"drift", "clip", f.zeroTA, "--r-step", "0"}},
		{"--r-step must be a positive number", []string{"drift", "clip", f.zeroTA, "--r-step", "1e-12"}},
		{"--clip-eps must be in (0, 1)", []string{"drift", "clip", "--objective", "clip", "--clip-eps", "NaN"}},
		{`unknown --format "x"`, []string{"drift", "clip", f.zeroTA, "--format", "x"}},
		{`unknown image format "txt"`, []string{"drift", "clip", f.zeroTA, "--out", filepath.Join(f.dir, "c.txt")}},
		{"--out /proc/x.png: cannot write in /proc", []string{"drift", "clip", f.zeroTA, "--out", "/proc/x.png"}},
		{"--width and --height must be in (0, 100] inches", []string{"drift", "clip", f.zeroTA, "--out", png, "--width", "0"}},
		// horizons.
		{"accepts 1 arg(s)", []string{"drift", "horizons"}},
		{"drift file " + noSuch + ": no such file", h(noSuch)},
		{"not a gorl drift network file", h(f.notDrift)},
		{"--baseline: drift file " + noSuch + ": no such file", h(f.zeroTA, "--baseline", noSuch)},
		{"--baseline: load drift network", h(f.zeroTA, "--baseline", f.notDrift)},
		{`--factors: "0" is not a positive number`, h(f.zeroTA, "--factors", "1,0")},
		{`--factors: "x" is not a positive number`, h(f.zeroTA, "--factors", "x")},
		{`--factors: "-1" is not a positive number`, h(f.zeroTA, "--factors", "-1")},
		{`--factors: "NaN" is not a positive number`, h(f.zeroTA, "--factors", "NaN")},
		{`--factors: "" is not a positive number`, h(f.zeroTA, "--factors", "1,,2")},
		{`--factors: "2" appears twice`, h(f.zeroTA, "--factors", "2,1,2")},
		{"--factors 0.01: 200 steps do not cover one rollout of envs x rollout steps = 512", h(f.zeroTA, "--train-steps", "20000", "--factors", "0.01,1")},
		{"--train-steps must be in [1, 1e10], got 0", h(f.zeroTA, "--train-steps", "0")},
		{"--seeds must be in [1, 1000], got 0", h(f.zeroTA, "--seeds", "0")},
		{"--eval-episodes must be in [1, 100000], got 0", h(f.zeroTA, "--eval-episodes", "0")},
		{"--workers must be >= 0", h(f.zeroTA, "--workers", "-1")},
		{"--fixed-progress must be in [0, 1], got 2", h(f.zeroTA, "--fixed-progress", "2")},
		{"--fixed-progress must be in [0, 1], got NaN", h(f.zeroTA, "--fixed-progress", "NaN")},
		{`unknown env "Nope-v0"`, h(f.zeroTA, "--env", "Nope-v0")},
		{`unknown --format "x"`, h(f.zeroTA, "--format", "x")},
		{"already exists and is not empty", []string{"drift", "horizons", f.zeroTA, "--train-steps", "512", "--factors", "1", "--seeds", "1", "--run-dir", full, "--quiet"}},
	}
	for _, c := range cases {
		wantOneLineError(t, c.want, c.args...)
		if _, err := os.Stat(fresh); err == nil {
			t.Fatalf("gorl %v left %s behind", c.args, fresh)
		}
	}
	after := snapshot(t, f.dir)
	for path, data := range before {
		if got, ok := after[path]; !ok || !bytes.Equal(got, data) {
			t.Errorf("%s was changed or removed", path)
		}
	}
	for path := range after {
		if _, ok := before[path]; !ok {
			t.Errorf("%s was created", path)
		}
	}
}

package logs

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/parquet-go/parquet-go"
)

// variedSteps are step records with every optional part present or absent, lists of
// varying length (including empty), several env ids.
func variedSteps(n int) []stepRecord {
	recs := make([]stepRecord, n)
	for i := range recs {
		x := float64(i)
		r := stepRecord{RunID: "r", EnvID: []string{"A-v0", "B-v1"}[i/7%2], Episode: int64(i / 13), Step: int64(i % 13),
			Obs: make([]float64, i%4), Action: []float64{x, -x}[:i%3%2+1], Reward: math.Sin(x), Terminated: i%13 == 12, Truncated: i%17 == 0}
		for k := range r.Obs {
			r.Obs[k] = x + float64(k)/10
		}
		if i%3 == 0 {
			c := int64(i % 5)
			r.Context = &c
		}
		if i%4 != 0 {
			lp := -x / 7
			r.LogProb = &lp
		}
		if i%5 != 0 {
			v := x * 2
			r.Value = &v
		}
		if i%6 == 0 {
			r.BodyPos = []float64{1, 2, 3, x, 5, 6}
			r.BodyQuat = []float64{1, 0, 0, 0}
		}
		recs[i] = r
	}
	return recs
}

func sameStep(a StepRow, b StepRow) bool {
	eqNaN := func(x, y float64) bool { return x == y || math.IsNaN(x) && math.IsNaN(y) }
	return a.EnvID == b.EnvID && a.Episode == b.Episode && a.Step == b.Step && slices.Equal(a.Obs, b.Obs) &&
		slices.Equal(a.Action, b.Action) && a.Reward == b.Reward && a.Terminated == b.Terminated && a.Truncated == b.Truncated &&
		a.Context == b.Context && eqNaN(a.LogProb, b.LogProb) && eqNaN(a.Value, b.Value) &&
		slices.Equal(a.BodyPos, b.BodyPos) && slices.Equal(a.BodyQuat, b.BodyQuat)
}

// TestScanStepsColumnarMatchesRowReader checks the column-wise step scan against
// parquet-go's row reader on a file with many row groups and small pages.
func TestScanStepsColumnarMatchesRowReader(t *testing.T) {
	path := filepath.Join(t.TempDir(), "part-00000.parquet")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	recs := variedSteps(5000)
	w := parquet.NewGenericWriter[stepRecord](f, parquet.Compression(&parquet.Zstd), parquet.MaxRowsPerRowGroup(1500), parquet.PageBufferSize(700))
	if _, err := w.Write(recs); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	want, err := readAll[stepRecord](path, "steps", stepColumnsRequired)
	if err != nil || len(want) != len(recs) {
		t.Fatalf("row reader: %d rows, %v", len(want), err)
	}
	i := 0
	err = ScanSteps(path, func(s *StepRow) error {
		if w := want[i].row(); !sameStep(*s, w) {
			t.Fatalf("row %d:\n got %+v\nwant %+v", i, *s, w)
		}
		i++
		return nil
	})
	if err != nil || i != len(recs) {
		t.Fatalf("scanned %d rows: %v", i, err)
	}
}

// TestScanStepsThroughWriter round-trips varied rows through Run.LogStep and part files.
func TestScanStepsThroughWriter(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	r, err := Create(dir, map[string]any{}, Options{EnvID: "Default-v0", PartRows: 333})
	if err != nil {
		t.Fatal(err)
	}
	recs := variedSteps(2000)
	var want []StepRow
	for i, rec := range recs {
		row := rec.row()
		if i%10 == 0 {
			row.EnvID = "" // the run's env id
		}
		if err := r.LogStep(&row); err != nil {
			t.Fatal(err)
		}
		if row.EnvID == "" {
			row.EnvID = "Default-v0"
		}
		want = append(want, row)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	i := 0
	err = ScanSteps(dir, func(s *StepRow) error {
		if !sameStep(*s, want[i]) {
			t.Fatalf("row %d:\n got %+v\nwant %+v", i, *s, want[i])
		}
		i++
		return nil
	})
	if err != nil || i != len(want) {
		t.Fatalf("scanned %d rows: %v", i, err)
	}
}

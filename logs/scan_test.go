package logs

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
)

// scanRecord exercises every read path of ScanColumns: required int64, double and
// boolean pages (typed fast paths), an optional double (nulls), a dictionary-encoded int64
// and a float32, across several row groups and many small pages.
type scanRecord struct {
	ID    int64    `parquet:"id"`
	X     float64  `parquet:"x"`
	Flag  bool     `parquet:"flag"`
	Maybe *float64 `parquet:"maybe,optional"`
	Dict  int64    `parquet:"dict,dict"`
	F32   float32  `parquet:"f32"`
	List  []int64  `parquet:"list,list"`
	Name  string   `parquet:"name"`
}

func TestScanColumnsAcrossRowGroupsAndPages(t *testing.T) {
	const n = 25000
	path := filepath.Join(t.TempDir(), "t.parquet")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := parquet.NewGenericWriter[scanRecord](f, parquet.Compression(&parquet.Zstd), parquet.MaxRowsPerRowGroup(7000), parquet.PageBufferSize(512))
	recs := make([]scanRecord, n)
	for i := range recs {
		recs[i] = scanRecord{ID: int64(i), X: float64(i) / 3, Flag: i%3 == 0, Dict: int64(i % 7), F32: float32(i) / 2, List: []int64{1, 2}, Name: "n"}
		if i%5 != 0 {
			v := float64(-i)
			recs[i].Maybe = &v
		}
	}
	if _, err := w.Write(recs); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	pf, ff, err := openParquet(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(pf.RowGroups()) < 4 {
		t.Fatalf("%d row groups, want several", len(pf.RowGroups()))
	}
	ff.Close()

	i, batches := 0, 0
	err = ScanColumns([]string{path, path}, []string{"id", "x", "flag", "maybe", "dict", "f32"}, func(c [][]float64) error {
		batches++
		for j := range c[0] {
			k := i % n
			wantMaybe := float64(-k)
			if k%5 == 0 {
				wantMaybe = math.NaN()
			}
			flag := 0.0
			if k%3 == 0 {
				flag = 1
			}
			if c[0][j] != float64(k) || c[1][j] != float64(k)/3 || c[2][j] != flag || c[4][j] != float64(k%7) || c[5][j] != float64(k)/2 ||
				!(c[3][j] == wantMaybe || math.IsNaN(c[3][j]) && math.IsNaN(wantMaybe)) {
				t.Fatalf("row %d: %v %v %v %v %v %v", i, c[0][j], c[1][j], c[2][j], c[3][j], c[4][j], c[5][j])
			}
			i++
		}
		return nil
	})
	if err != nil || i != 2*n || batches < 2*n/DefaultBatch {
		t.Fatalf("scanned %d rows in %d batches: %v", i, batches, err)
	}
	for col, want := range map[string]string{"list": "column list is a list", "nope": `no column "nope" (scalar columns: id, x, flag, maybe, dict, f32, name)`} {
		err := ScanColumns([]string{path}, []string{"id", col}, func([][]float64) error { return nil })
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("column %s: %v", col, err)
		}
	}
}

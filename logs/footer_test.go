package logs

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// A 16-byte file whose trailer claims a 1.7 GB footer is refused before parquet-go
// allocates the footer (it used to allocate it, then fail; found by FuzzReadTables).
func TestDamagedFooterLengthRefusedBeforeAllocating(t *testing.T) {
	path := filepath.Join(t.TempDir(), "episodes.parquet")
	if err := os.WriteFile(path, []byte("PAR1\x15\x04\x19\x8cH\x07mePAR1"), 0o644); err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := ReadEpisodes(path)
	runtime.ReadMemStats(&after)
	if err == nil || !strings.Contains(err.Error(), "footer of 1701644104 bytes in a file of 16") {
		t.Fatalf("error %v, want the footer length refused", err)
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > 1<<20 {
		t.Fatalf("reading a 16-byte file allocated %d bytes", got)
	}
}

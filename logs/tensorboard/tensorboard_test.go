package tensorboard

import (
	"encoding/binary"
	"hash/crc32"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"gorl/logs"
)

// scalar is one decoded scalar event.
type scalar struct {
	tag   string
	step  int64
	value float32
}

// readEvents decodes an event file: it checks every TFRecord's two CRCs and returns the
// file version and the scalars in file order. A decoder of its own keeps the test
// independent of the encoder; TensorBoard's reader checks the same files in python/tests.
func readEvents(t *testing.T, path string) (string, []scalar) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var version string
	var out []scalar
	for len(data) > 0 {
		if len(data) < 12 {
			t.Fatalf("truncated record header")
		}
		n := binary.LittleEndian.Uint64(data)
		if maskedCRC(data[:8]) != binary.LittleEndian.Uint32(data[8:]) {
			t.Fatalf("bad length CRC")
		}
		rec := data[12 : 12+n]
		if maskedCRC(rec) != binary.LittleEndian.Uint32(data[12+n:]) {
			t.Fatalf("bad data CRC")
		}
		data = data[16+n:]
		var s scalar
		hasSummary := false
		for f := range fields(t, rec) {
			switch f.num {
			case 2:
				s.step = int64(f.u)
			case 3:
				version = string(f.b)
			case 7: // SessionLog: reported as a scalar tagged sessionStart
				for x := range fields(t, f.b) {
					if x.num == 1 && x.u == 1 {
						s.tag, hasSummary = sessionStart, true
					}
				}
			case 5:
				hasSummary = true
				for v := range fields(t, f.b) { // Summary.value
					for x := range fields(t, v.b) {
						switch x.num {
						case 1:
							s.tag = string(x.b)
						case 2:
							s.value = math.Float32frombits(uint32(x.u))
						}
					}
				}
			}
		}
		if hasSummary {
			out = append(out, s)
		}
	}
	return version, out
}

// sessionStart tags the SessionLog START events readEvents returns among the scalars.
const sessionStart = "<session start>"

type field struct {
	num int
	u   uint64
	b   []byte
}

// fields iterates over the fields of an encoded protocol buffer message.
func fields(t *testing.T, b []byte) func(func(field) bool) {
	return func(yield func(field) bool) {
		for len(b) > 0 {
			key, k := binary.Uvarint(b)
			b = b[k:]
			f := field{num: int(key >> 3)}
			switch key & 7 {
			case wireVarint:
				f.u, k = binary.Uvarint(b)
				b = b[k:]
			case wireFixed64:
				f.u, b = binary.LittleEndian.Uint64(b), b[8:]
			case wireFixed32:
				f.u, b = uint64(binary.LittleEndian.Uint32(b)), b[4:]
			case wireBytes:
				n, k := binary.Uvarint(b)
				f.b, b = b[k:k+int(n)], b[k+int(n):]
			default:
				t.Fatalf("wire type %d", key&7)
			}
			if !yield(f) {
				return
			}
		}
	}
}

func TestMaskedCRC32C(t *testing.T) {
	// CRC32C("123456789") is 0xE3069283, the check value of the Castagnoli polynomial.
	if c := crc32.Checksum([]byte("123456789"), castagnoli); c != 0xE3069283 {
		t.Fatalf("crc32c = %#x", c)
	}
	c := uint32(0xE3069283)
	if got, want := maskedCRC([]byte("123456789")), (c>>15|c<<17)+0xa282ead8; got != want {
		t.Fatalf("masked = %#x, want %#x", got, want)
	}
}

// logRun writes a small run through logs.Run with a Writer as its mirror.
func logRun(t *testing.T, dir, tbDir string) {
	t.Helper()
	tb, err := Create(tbDir)
	if err != nil {
		t.Fatal(err)
	}
	run, err := logs.Create(dir, map[string]any{"env": "test"}, logs.Options{Mirror: tb})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if err := run.LogEpisode(logs.EpisodeRow{Episode: int64(i), Return: 10.123456789 * float64(i+1), Length: int64(20 + i),
			EnvSteps: int64(100 * (i + 1)), Context: logs.NoContext}); err != nil {
			t.Fatal(err)
		}
		vals := map[string]float64{"loss": 1 / float64(i+3), "kl": -2e-5 * float64(i)}
		if i == 2 {
			vals["rare"] = 7
		}
		if err := run.LogMetrics(logs.MetricRow{Iteration: int64(i), EnvSteps: int64(50 * i), Values: vals}); err != nil {
			t.Fatal(err)
		}
	}
	if err := run.Close(); err != nil {
		t.Fatal(err)
	}
}

// wantScalars are the scalars the rows of dir's Parquet tables should give, per tag.
func wantScalars(t *testing.T, dir string) map[string][]scalar {
	t.Helper()
	want := map[string][]scalar{}
	eps, err := logs.ReadEpisodes(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range eps {
		want["episode/return"] = append(want["episode/return"], scalar{"episode/return", e.EnvSteps, float32(e.Return)})
		want["episode/length"] = append(want["episode/length"], scalar{"episode/length", e.EnvSteps, float32(e.Length)})
	}
	mt, err := logs.ReadMetrics(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range mt.Rows() {
		for _, name := range mt.Names {
			if v, ok := m.Values[name]; ok {
				tag := "metrics/" + name
				want[tag] = append(want[tag], scalar{tag, m.EnvSteps, float32(v)})
			}
		}
	}
	return want
}

func checkFile(t *testing.T, path string, want map[string][]scalar) {
	t.Helper()
	version, got := readEvents(t, path)
	if version != "brain.Event:2" {
		t.Fatalf("file version %q", version)
	}
	byTag := map[string][]scalar{}
	for _, s := range got {
		byTag[s.tag] = append(byTag[s.tag], s)
	}
	if len(byTag) != len(want) {
		t.Fatalf("tags %v, want %v", byTag, want)
	}
	for tag, w := range want {
		g := byTag[tag]
		if len(g) != len(w) {
			t.Fatalf("%s: %d scalars, want %d", tag, len(g), len(w))
		}
		for i := range w {
			if g[i] != w[i] {
				t.Fatalf("%s[%d] = %+v, want %+v", tag, i, g[i], w[i])
			}
		}
	}
}

func eventFiles(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, FilePrefix+"*"))
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestMirrorAndExportMatchParquet(t *testing.T) {
	root := t.TempDir()
	dir, live, exported := filepath.Join(root, "run"), filepath.Join(root, "live"), filepath.Join(root, "export")
	logRun(t, dir, live)
	want := wantScalars(t, dir)
	if len(want["metrics/rare"]) != 1 || len(want["episode/return"]) != 5 {
		t.Fatalf("unexpected rows %v", want)
	}
	files := eventFiles(t, live)
	if len(files) != 1 {
		t.Fatalf("live event files %v", files)
	}
	checkFile(t, files[0], want)

	path, err := Export(dir, exported, ExportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	checkFile(t, path, want)
	if _, err := Export(dir, exported, ExportOptions{}); err == nil || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("second export without force: %v", err)
	}
	if _, err := Export(dir, exported, ExportOptions{Force: true}); err != nil {
		t.Fatal(err)
	}
	if files := eventFiles(t, exported); len(files) != 1 {
		t.Fatalf("after --force: %v", files)
	}
}

func TestExportTagsSeedsApart(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "run")
	run, err := logs.Create(dir, map[string]any{}, logs.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for seed := int64(1); seed <= 2; seed++ {
		if err := run.LogEpisode(logs.EpisodeRow{Episode: seed, Seed: seed, Return: float64(seed), EnvSteps: 6, Context: logs.NoContext}); err != nil {
			t.Fatal(err)
		}
	}
	if err := run.Close(); err != nil {
		t.Fatal(err)
	}
	path, err := Export(dir, filepath.Join(root, "tb"), ExportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, got := readEvents(t, path)
	tags := map[string]float32{}
	for _, s := range got {
		tags[s.tag] = s.value
	}
	if tags["seed_1/episode/return"] != 1 || tags["seed_2/episode/return"] != 2 || len(tags) != 4 {
		t.Fatalf("tags %v", tags)
	}
}

func TestExportRefusesAFileAsOutput(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "run")
	logRun(t, dir, filepath.Join(root, "live"))
	out := filepath.Join(root, "file")
	if err := os.WriteFile(out, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Export(dir, out, ExportOptions{Force: true}); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Fatalf("export to a file: %v", err)
	}
}

// tensorBoardView is what TensorBoard's EventAccumulator keeps of the event files of a
// directory, read in name order: a SessionLog START at step s drops every scalar read
// before it with a step >= s (its _Purge with purge_orphaned_data, the default).
func tensorBoardView(t *testing.T, dir string) map[string][]scalar {
	t.Helper()
	view := map[string][]scalar{}
	for _, path := range eventFiles(t, dir) {
		_, events := readEvents(t, path)
		for _, s := range events {
			if s.tag == sessionStart {
				for tag, ss := range view {
					kept := ss[:0]
					for _, x := range ss {
						if x.step < s.step {
							kept = append(kept, x)
						}
					}
					view[tag] = kept
				}
				continue
			}
			view[s.tag] = append(view[s.tag], s)
		}
	}
	return view
}

// A run killed after its checkpoint, with rows logged and flushed after it, and resumed:
// the resumed writer's Restart makes TensorBoard forget the rows logged again, so what
// it shows equals the tables.
//
// With GORL_TB_KEEP=DIR the run and its event files are left in DIR, where
// python/tests/test_tensorboard.py reads them with TensorBoard itself.
func TestResumedRunShowsEachRowOnce(t *testing.T) {
	root := t.TempDir()
	if keep := os.Getenv("GORL_TB_KEEP"); keep != "" {
		root = keep
	}
	dir, tbDir := filepath.Join(root, "run"), filepath.Join(root, "tb")
	episode := func(i int) logs.EpisodeRow {
		return logs.EpisodeRow{Episode: int64(i), Return: float64(i), Length: 1, EnvSteps: int64(10 * (i + 1)), Context: logs.NoContext}
	}
	metric := func(i int) logs.MetricRow {
		return logs.MetricRow{Iteration: int64(i), EnvSteps: int64(10 * (i + 1)), Values: map[string]float64{"loss": float64(i)}}
	}
	first, err := Create(tbDir)
	if err != nil {
		t.Fatal(err)
	}
	run, err := logs.Create(dir, map[string]any{}, logs.Options{Mirror: first})
	if err != nil {
		t.Fatal(err)
	}
	var marks logs.Marks
	for i := range 8 {
		if err := run.LogEpisode(episode(i)); err != nil {
			t.Fatal(err)
		}
		if err := run.LogMetrics(metric(i)); err != nil {
			t.Fatal(err)
		}
		if i == 4 {
			if marks, err = run.Checkpoint(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := run.Flush(); err != nil { // rows 5-7 reach both the tables and the event file
		t.Fatal(err)
	}
	// The process dies here; a new one resumes from the checkpoint, in a later second
	// (event files are named by the second they were created in).
	time.Sleep(1100 * time.Millisecond)
	second, err := Create(tbDir)
	if err != nil {
		t.Fatal(err)
	}
	run, err = logs.Resume(dir, logs.Options{Mirror: second}, &marks)
	if err != nil {
		t.Fatal(err)
	}
	for i := 5; i < 10; i++ {
		if err := run.LogEpisode(episode(i)); err != nil {
			t.Fatal(err)
		}
		if err := run.LogMetrics(metric(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := run.Close(); err != nil {
		t.Fatal(err)
	}
	want := wantScalars(t, dir)
	if len(want["episode/return"]) != 10 {
		t.Fatalf("tables hold %d episodes, want 10", len(want["episode/return"]))
	}
	got := tensorBoardView(t, tbDir)
	if len(got) != len(want) {
		t.Fatalf("tags %v, want %v", got, want)
	}
	for tag, w := range want {
		if !slices.Equal(got[tag], w) {
			t.Errorf("%s: TensorBoard shows %v, want %v", tag, got[tag], w)
		}
	}
}

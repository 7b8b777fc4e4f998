package logs

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/zstd"
)

// Options configure a run's writers. Zero values mean defaults.
type Options struct {
	RunID string // default: the run directory's base name
	EnvID string // env_id of rows that leave theirs empty
	// StepEvery logs the steps of every Nth episode (episode % N == 0): 0 or 1 logs all,
	// a negative value turns step logging off. Episodes and metrics are always logged.
	StepEvery int
	// PartRows is the number of step rows per part file (default 65536).
	PartRows int
	// FlushEvery bounds how long rows stay buffered (default 10 s): the writer flushes
	// when it is called after this much time has passed since the last flush.
	FlushEvery time.Duration
	// Mirror, when set, also receives every episode and metrics row as it is logged
	// (gorl train --tensorboard); the Run flushes it when it flushes and closes it at the end.
	Mirror Mirror
}

// Mirror receives a copy of every episode and metrics row a Run logs, such as a
// TensorBoard event-file writer (logs/tensorboard).
type Mirror interface {
	MirrorEpisode(e EpisodeRow) error
	MirrorMetrics(m MetricRow) error
	Flush() error
	Close() error
}

// Status is the content of status.json.
type Status struct {
	Status  string    `json:"status"` // running, finished or failed
	PID     int       `json:"pid"`
	Started time.Time `json:"started"`
	Updated time.Time `json:"updated"`
	Error   string    `json:"error,omitempty"`
}

// Run writes one run directory. It is not safe for concurrent use: log from the
// goroutine that drives the run.
type Run struct {
	dir, id, envID string
	opts           Options
	start          time.Time
	startedAt      time.Time
	lastFlush      time.Time
	calls          int

	// Step rows fill cur; a full batch is written as a part file by a goroutine while the
	// next one fills (inflight reports its result), so logging rarely waits for I/O.
	cur           *stepBatch
	spare         *stepBatch
	inflight      chan error
	inflightBatch *stepBatch
	nextPart      int
	// stepsWritten counts step rows in part files on disk.
	stepsWritten int64

	episodes      []episodeRecord
	episodesDirty bool

	metrics      []MetricRow
	metricNames  []string
	metricSeen   map[string]bool
	metricsDirty bool
	closed       bool
}

// Create makes a new run directory (which must not exist, or be empty), writes
// config.json from config (any JSON-encodable value) and starts the writers.
func Create(dir string, config any, opts Options) (*Run, error) {
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return nil, fmt.Errorf("run directory %s already exists and is not empty", dir)
	}
	if err := os.MkdirAll(filepath.Join(dir, "steps"), 0o755); err != nil {
		return nil, fmt.Errorf("create run directory: %w", err)
	}
	if err := WriteJSONAtomic(filepath.Join(dir, "config.json"), config); err != nil {
		return nil, err
	}
	r := newRun(dir, opts)
	if err := r.writeStatus("running", ""); err != nil {
		return nil, err
	}
	return r, nil
}

// Marks count the rows a run has made durable: step rows (over all part files in
// order), episode rows and metric rows. A training checkpoint stores the Marks returned by
// Run.Checkpoint, and Resume cuts the tables back to them, so a resumed run has neither
// duplicated nor missing rows.
type Marks struct {
	Steps    int64 `json:"steps"`
	Episodes int64 `json:"episodes"`
	Metrics  int64 `json:"metrics"`
}

// Checkpoint flushes every buffered row and returns the Marks of what is now on disk.
func (r *Run) Checkpoint() (Marks, error) {
	if err := r.Flush(); err != nil {
		return Marks{}, err
	}
	return Marks{Steps: r.stepsWritten, Episodes: int64(len(r.episodes)), Metrics: int64(len(r.metrics))}, nil
}

// Resume reopens an existing run directory for appending. With cut non-nil, rows past
// the marks (written after the checkpoint being resumed) are removed first: episodes and
// metrics are truncated and step part files are cut and rewritten atomically. With cut
// nil, everything already written is kept.
func Resume(dir string, opts Options, cut *Marks) (*Run, error) {
	if _, err := os.Stat(filepath.Join(dir, "config.json")); err != nil {
		return nil, fmt.Errorf("resume %s: not a run directory (no config.json)", dir)
	}
	r := newRun(dir, opts)
	eps, err := ReadEpisodes(dir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	mt, err := ReadMetrics(dir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	var metrics []MetricRow
	if mt != nil {
		metrics = mt.Rows()
		for _, name := range mt.Names {
			r.noteMetric(name)
		}
	}
	if cut != nil {
		if cut.Steps < 0 || cut.Episodes < 0 || cut.Metrics < 0 {
			return nil, fmt.Errorf("resume %s: negative marks %+v", dir, *cut)
		}
		if int64(len(eps)) < cut.Episodes || int64(len(metrics)) < cut.Metrics {
			return nil, fmt.Errorf("resume %s: the run has %d episodes and %d metric rows, fewer than its checkpoint (%d, %d): files were lost",
				dir, len(eps), len(metrics), cut.Episodes, cut.Metrics)
		}
		eps, metrics = eps[:cut.Episodes], metrics[:cut.Metrics]
		r.episodesDirty, r.metricsDirty = true, true
	}
	for _, e := range eps {
		r.episodes = append(r.episodes, r.episodeRecord(e))
	}
	r.metrics = metrics
	if err := r.cutSteps(cut); err != nil {
		return nil, err
	}
	if err := r.restartMirror(cut); err != nil {
		return nil, err
	}
	if err := r.Flush(); err != nil {
		return nil, err
	}
	return r, nil
}

// restartMirror tells a mirror that can forget (a TensorBoard writer: a SessionLog START)
// that rows past the kept ones are logged again: env_steps only grows within a run, so
// every row after the cut has env_steps above the largest kept one.
func (r *Run) restartMirror(cut *Marks) error {
	m, ok := r.opts.Mirror.(interface{ Restart(fromStep int64) error })
	if !ok || cut == nil {
		return nil
	}
	kept := int64(-1)
	for _, e := range r.episodes {
		kept = max(kept, e.EnvSteps)
	}
	for _, row := range r.metrics {
		kept = max(kept, row.EnvSteps)
	}
	return m.Restart(kept + 1)
}

// cutSteps keeps the first cut.Steps step rows (all with cut nil), sets stepsWritten and
// the next part number.
func (r *Run) cutSteps(cut *Marks) error {
	parts, err := StepParts(r.dir)
	if err != nil {
		return err
	}
	var kept int64
	for _, path := range parts {
		var idx int
		if _, err := fmt.Sscanf(filepath.Base(path), "part-%05d.parquet", &idx); err != nil {
			continue
		}
		if cut != nil && kept >= cut.Steps {
			if err := os.Remove(path); err != nil {
				return fmt.Errorf("resume: remove %s: %w", path, err)
			}
			continue
		}
		rows, err := readAll[stepRecord](path, "steps", stepColumnsRequired)
		if err != nil {
			return fmt.Errorf("resume: %w", err)
		}
		if cut != nil && kept+int64(len(rows)) > cut.Steps {
			rows = rows[:cut.Steps-kept]
			if err := writeParquet(path, rows, stepCompression); err != nil {
				return err
			}
		}
		kept += int64(len(rows))
		r.nextPart = idx + 1
	}
	if cut != nil && kept < cut.Steps {
		return fmt.Errorf("resume %s: %d step rows on disk, fewer than the checkpoint's %d: files were lost", r.dir, kept, cut.Steps)
	}
	r.stepsWritten = kept
	return nil
}

func newRun(dir string, opts Options) *Run {
	if opts.PartRows <= 0 {
		opts.PartRows = 65536
	}
	if opts.FlushEvery <= 0 {
		opts.FlushEvery = 10 * time.Second
	}
	if opts.StepEvery == 0 {
		opts.StepEvery = 1
	}
	id := opts.RunID
	if id == "" {
		id = filepath.Base(filepath.Clean(dir))
	}
	now := time.Now()
	return &Run{dir: dir, id: id, envID: opts.EnvID, opts: opts, start: now, startedAt: now, lastFlush: now,
		cur:        newStepBatch(opts.PartRows),
		metricSeen: map[string]bool{}}
}

// Dir is the run directory; ID the run id written in every row.
func (r *Run) Dir() string { return r.dir }
func (r *Run) ID() string  { return r.id }

// Elapsed is the wall time since the writer was created, in seconds.
func (r *Run) Elapsed() float64 { return time.Since(r.start).Seconds() }

// WantSteps reports whether steps of the given episode are logged.
func (r *Run) WantSteps(episode int64) bool {
	return r.opts.StepEvery > 0 && episode%int64(r.opts.StepEvery) == 0
}

// LogStep buffers one step row (dropped when step logging skips its episode). Slices are
// copied; the caller may reuse them.
func (r *Run) LogStep(s *StepRow) error {
	if r.closed {
		return errors.New("log step: run is closed")
	}
	if !r.WantSteps(s.Episode) {
		return r.tick()
	}
	rec := stepRecord{RunID: r.id, EnvID: r.envOf(s.EnvID), Episode: s.Episode, Step: s.Step, Reward: s.Reward,
		Terminated: s.Terminated, Truncated: s.Truncated}
	rec.Obs = r.copyFloats(s.Obs)
	rec.Action = r.copyFloats(s.Action)
	rec.BodyPos = r.copyFloats(s.BodyPos)
	rec.BodyQuat = r.copyFloats(s.BodyQuat)
	if s.Context != NoContext {
		b := r.cur
		b.ints = append(b.ints, s.Context) // capacity PartRows: never reallocated
		rec.Context = &b.ints[len(b.ints)-1]
	}
	if !math.IsNaN(s.LogProb) {
		rec.LogProb = r.floatRef(s.LogProb)
	}
	if !math.IsNaN(s.Value) {
		rec.Value = r.floatRef(s.Value)
	}
	r.cur.rows = append(r.cur.rows, rec)
	if len(r.cur.rows) >= r.opts.PartRows {
		if err := r.submitSteps(); err != nil {
			return err
		}
	}
	return r.tick()
}

// stepBatch holds the rows of one part file and the storage their slices and pointers
// refer to.
type stepBatch struct {
	rows   []stepRecord
	floats []float64
	ints   []int64
}

func newStepBatch(n int) *stepBatch {
	return &stepBatch{rows: make([]stepRecord, 0, n), ints: make([]int64, 0, n)}
}

func (b *stepBatch) reset() {
	clear(b.rows)
	b.rows, b.floats, b.ints = b.rows[:0], b.floats[:0], b.ints[:0]
}

// copyFloats appends v to the batch's slab. Rows keep pointing into older slab arrays
// when the slab grows, which keeps their data valid until the part is written.
func (r *Run) copyFloats(v []float64) []float64 {
	if v == nil {
		return nil
	}
	b := r.cur
	n := len(b.floats)
	b.floats = append(b.floats, v...)
	return b.floats[n : n+len(v) : n+len(v)]
}

func (r *Run) floatRef(v float64) *float64 {
	b := r.cur
	b.floats = append(b.floats, v)
	return &b.floats[len(b.floats)-1]
}

// LogEpisode records a finished episode.
func (r *Run) LogEpisode(e EpisodeRow) error {
	if r.closed {
		return errors.New("log episode: run is closed")
	}
	r.episodes = append(r.episodes, r.episodeRecord(e))
	r.episodesDirty = true
	if r.opts.Mirror != nil {
		if err := r.opts.Mirror.MirrorEpisode(e); err != nil {
			return err
		}
	}
	return r.tick()
}

func (r *Run) episodeRecord(e EpisodeRow) episodeRecord {
	rec := episodeRecord{RunID: r.id, EnvID: r.envOf(e.EnvID), Episode: e.Episode, Seed: e.Seed, Return: e.Return,
		Length: e.Length, Terminated: e.Terminated, Truncated: e.Truncated, EnvSteps: e.EnvSteps, WallSeconds: e.WallSeconds}
	if e.Context != NoContext {
		c := e.Context
		rec.Context = &c
	}
	rec.setTerms(e.Terms)
	return rec
}

// LogMetrics records one metrics row. Names seen for the first time become new columns.
func (r *Run) LogMetrics(m MetricRow) error {
	if r.closed {
		return errors.New("log metrics: run is closed")
	}
	vals := make(map[string]float64, len(m.Values))
	for k, v := range m.Values {
		if isFixedMetricColumn(k) {
			return fmt.Errorf("log metrics: %q is a reserved column name", k)
		}
		vals[k] = v
		r.noteMetric(k)
	}
	m.Values = vals
	r.metrics = append(r.metrics, m)
	r.metricsDirty = true
	if r.opts.Mirror != nil {
		if err := r.opts.Mirror.MirrorMetrics(m); err != nil {
			return err
		}
	}
	return r.tick()
}

func (r *Run) noteMetric(name string) {
	if !r.metricSeen[name] {
		r.metricSeen[name] = true
		r.metricNames = append(r.metricNames, name)
	}
}

func (r *Run) envOf(id string) string {
	if id == "" {
		return r.envID
	}
	return id
}

// tick flushes when FlushEvery has passed; the clock is read every 256 calls.
func (r *Run) tick() error {
	r.calls++
	if r.calls&255 != 0 {
		return nil
	}
	if time.Since(r.lastFlush) < r.opts.FlushEvery {
		return nil
	}
	return r.Flush()
}

// Flush writes buffered step rows as a new part file and rewrites episodes.parquet and
// metrics.parquet if they changed. Every file is replaced atomically.
func (r *Run) Flush() error {
	r.lastFlush = time.Now()
	if err := r.submitSteps(); err != nil {
		return err
	}
	if err := r.waitSteps(); err != nil {
		return err
	}
	if r.episodesDirty {
		if err := writeParquet(filepath.Join(r.dir, "episodes.parquet"), r.episodes, tableCompression); err != nil {
			return err
		}
		r.episodesDirty = false
	}
	if r.metricsDirty {
		if err := r.writeMetrics(); err != nil {
			return err
		}
		r.metricsDirty = false
	}
	if r.opts.Mirror != nil {
		if err := r.opts.Mirror.Flush(); err != nil {
			return err
		}
	}
	return r.writeStatus("running", "")
}

// submitSteps starts writing the current batch as the next part file in the background,
// after the previous write has finished.
func (r *Run) submitSteps() error {
	if err := r.waitSteps(); err != nil {
		return err
	}
	if len(r.cur.rows) == 0 {
		return nil
	}
	batch := r.cur
	path := filepath.Join(r.dir, "steps", fmt.Sprintf("part-%05d.parquet", r.nextPart))
	r.nextPart++
	done := make(chan error, 1)
	go func() { done <- writeParquet(path, batch.rows, stepCompression) }()
	r.inflight, r.inflightBatch = done, batch
	if r.spare != nil {
		r.cur, r.spare = r.spare, nil
	} else {
		r.cur = newStepBatch(r.opts.PartRows)
	}
	return nil
}

// waitSteps waits for the part file being written, if any.
func (r *Run) waitSteps() error {
	if r.inflight == nil {
		return nil
	}
	err := <-r.inflight
	batch := r.inflightBatch
	r.inflight, r.inflightBatch = nil, nil
	if err != nil {
		return err
	}
	r.stepsWritten += int64(len(batch.rows))
	batch.reset()
	r.spare = batch
	return nil
}

// Close flushes everything and marks the run finished.
func (r *Run) Close() error { return r.finish("finished", nil) }

// Fail flushes everything and marks the run failed with cause's message.
func (r *Run) Fail(cause error) error { return r.finish("failed", cause) }

func (r *Run) finish(status string, cause error) error {
	if r.closed {
		return nil
	}
	err := r.Flush()
	r.closed = true
	if r.opts.Mirror != nil {
		if merr := r.opts.Mirror.Close(); err == nil {
			err = merr
		}
	}
	if err != nil && cause == nil {
		// A run whose tables could not be written (a full disk) is not finished.
		status, cause = "failed", err
	}
	msg := ""
	if cause != nil {
		msg = cause.Error()
	}
	if serr := r.writeStatus(status, msg); err == nil {
		err = serr
	}
	return err
}

func (r *Run) writeStatus(status, msg string) error {
	return WriteJSONAtomic(filepath.Join(r.dir, "status.json"),
		Status{Status: status, PID: os.Getpid(), Started: r.startedAt, Updated: time.Now(), Error: msg})
}

// stepCompression is zstd at its fastest level: step parts are the bulk of a run's
// output and the fastest level costs about a quarter less CPU per row than the default.
var stepCompression = parquet.Compression(&zstd.Codec{Level: zstd.SpeedFastest})

// tableCompression is zstd at its default level, for the small episode and metric tables.
var tableCompression = parquet.Compression(&parquet.Zstd)

func writeParquet[T any](path string, rows []T, compression parquet.WriterOption) error {
	return WriteFileAtomic(path, func(f *os.File) error {
		w := parquet.NewGenericWriter[T](f, compression)
		if _, err := w.Write(rows); err != nil {
			return err
		}
		return w.Close()
	})
}

var fixedMetricColumns = []string{"run_id", "seed", "iteration", "env_steps", "wall_seconds"}

func isFixedMetricColumn(name string) bool {
	for _, c := range fixedMetricColumns {
		if c == name {
			return true
		}
	}
	return false
}

// writeMetrics writes the wide metrics table: fixed columns, then one nullable double
// column per metric name.
func (r *Run) writeMetrics() error {
	group := parquet.Group{
		"run_id":       parquet.String(),
		"seed":         parquet.Int(64),
		"iteration":    parquet.Int(64),
		"env_steps":    parquet.Int(64),
		"wall_seconds": parquet.Leaf(parquet.DoubleType),
	}
	for _, name := range r.metricNames {
		group[name] = parquet.Optional(parquet.Leaf(parquet.DoubleType))
	}
	schema := parquet.NewSchema("metrics", group)
	cols := schema.Columns()
	index := make(map[string]int, len(cols))
	for i, c := range cols {
		index[c[0]] = i
	}
	names := append([]string(nil), r.metricNames...)
	sort.Strings(names)
	return WriteFileAtomic(filepath.Join(r.dir, "metrics.parquet"), func(f *os.File) error {
		w := parquet.NewGenericWriter[any](f, schema, tableCompression)
		rows := make([]parquet.Row, 0, 1024)
		flush := func() error {
			_, err := w.WriteRows(rows)
			rows = rows[:0]
			return err
		}
		for _, m := range r.metrics {
			row := make(parquet.Row, len(cols))
			row[index["run_id"]] = parquet.ValueOf(r.id).Level(0, 0, index["run_id"])
			row[index["seed"]] = parquet.ValueOf(m.Seed).Level(0, 0, index["seed"])
			row[index["iteration"]] = parquet.ValueOf(m.Iteration).Level(0, 0, index["iteration"])
			row[index["env_steps"]] = parquet.ValueOf(m.EnvSteps).Level(0, 0, index["env_steps"])
			row[index["wall_seconds"]] = parquet.ValueOf(m.WallSeconds).Level(0, 0, index["wall_seconds"])
			for _, name := range names {
				i := index[name]
				if v, ok := m.Values[name]; ok {
					row[i] = parquet.ValueOf(v).Level(0, 1, i)
				} else {
					row[i] = parquet.NullValue().Level(0, 0, i)
				}
			}
			rows = append(rows, row)
			if len(rows) == cap(rows) {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		if err := flush(); err != nil {
			return err
		}
		return w.Close()
	})
}

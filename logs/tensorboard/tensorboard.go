// Package tensorboard writes TensorBoard event files: scalars of a gorl run's episodes and
// metrics, as gorl train --tensorboard DIR (while training) and gorl logs export --format
// tensorboard (afterwards) write them.
//
// An event file is a sequence of TFRecords (length, masked CRC32C of the length, an
// Event protocol buffer, masked CRC32C of the Event), the first Event naming the file
// version "brain.Event:2". Each scalar is an Event{wall_time, step, summary{value{tag,
// simple_value}}}. The few protocol buffer fields involved are encoded here by hand.
//
// Tags: episode/return and episode/length for every episode row, at step env_steps;
// metrics/<name> for every value of a metrics row, at step env_steps. TensorBoard's
// simple_value is a float32, so a scalar reads back as float32(the Parquet value).
package tensorboard

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math"
	"os"
	"path/filepath"
	"slices"
	"time"

	"gorl/logs"
)

// Writer appends scalars to one event file. It is not safe for concurrent use.
type Writer struct {
	path   string
	f      *os.File
	w      *bufio.Writer
	buf    []byte // the Event being encoded
	rec    []byte // its framing
	prefix string
}

// FilePrefix starts the name of every event file; TensorBoard finds files by "tfevents".
const FilePrefix = "events.out.tfevents."

// Create makes dir if needed and starts a new event file in it.
func Create(dir string) (*Writer, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("tensorboard: %w", err)
	}
	now := time.Now()
	path := filepath.Join(dir, fileName(now))
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, fmt.Errorf("tensorboard: %w", err)
	}
	w := &Writer{path: path, f: f, w: bufio.NewWriterSize(f, 64<<10)}
	if err := w.writeVersion(wallTime(now)); err != nil {
		f.Close()
		return nil, err
	}
	return w, nil
}

// fileName names an event file as TensorBoard's own writers do (time, host, pid), so
// the files of several runs written to one directory sit side by side.
func fileName(now time.Time) string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "localhost"
	}
	return fmt.Sprintf("%s%d.%s.%d.gorl", FilePrefix, now.Unix(), host, os.Getpid())
}

// Path is the event file's path.
func (w *Writer) Path() string { return w.path }

// SetPrefix puts prefix before every tag written afterwards (such as "seed_2/").
func (w *Writer) SetPrefix(prefix string) { w.prefix = prefix }

// Scalar writes one scalar value of tag at step, stamped with wall (Unix seconds).
func (w *Writer) Scalar(tag string, step int64, wall float64, value float64) error {
	return w.writeEvent(wall, step, func() {
		// Summary.value (field 1) holds Value{tag: 1, simple_value: 2}.
		n := len(w.prefix) + len(tag)
		valueLen := 1 + varintLen(uint64(n)) + n + 5
		w.buf = appendTag(w.buf, 5, wireBytes) // Event.summary
		w.buf = binary.AppendUvarint(w.buf, uint64(1+varintLen(uint64(valueLen))+valueLen))
		w.buf = appendTag(w.buf, 1, wireBytes) // Summary.value
		w.buf = binary.AppendUvarint(w.buf, uint64(valueLen))
		w.buf = appendTag(w.buf, 1, wireBytes) // Value.tag
		w.buf = binary.AppendUvarint(w.buf, uint64(n))
		w.buf = append(append(w.buf, w.prefix...), tag...)
		w.buf = appendTag(w.buf, 2, wireFixed32) // Value.simple_value
		w.buf = binary.LittleEndian.AppendUint32(w.buf, math.Float32bits(float32(value)))
	})
}

// Episode writes an episode row's return and length at its env_steps. wall is the Unix
// time of the row (0: now).
func (w *Writer) Episode(e logs.EpisodeRow, wall float64) error {
	if wall == 0 {
		wall = wallTime(time.Now())
	}
	if err := w.Scalar("episode/return", e.EnvSteps, wall, e.Return); err != nil {
		return err
	}
	return w.Scalar("episode/length", e.EnvSteps, wall, float64(e.Length))
}

// Metrics writes every value of a metrics row (NaN values, which the metrics table
// cannot tell from missing ones, are left out) at its env_steps, in name order.
func (w *Writer) Metrics(m logs.MetricRow, names []string, wall float64) error {
	if wall == 0 {
		wall = wallTime(time.Now())
	}
	for _, name := range names {
		v, ok := m.Values[name]
		if !ok || math.IsNaN(v) {
			continue
		}
		if err := w.Scalar("metrics/"+name, m.EnvSteps, wall, v); err != nil {
			return err
		}
	}
	return nil
}

// Restart writes a SessionLog START event at fromStep: TensorBoard then drops the events
// of earlier files with a step at or beyond it, as it does for a restarted job. A run
// resumed from a checkpoint calls it (logs.Resume) before logging again the rows that
// followed the checkpoint, so they are not shown twice.
func (w *Writer) Restart(fromStep int64) error {
	return w.writeEvent(wallTime(time.Now()), fromStep, func() {
		w.buf = appendTag(w.buf, 7, wireBytes) // Event.session_log
		w.buf = append(w.buf, 2)               // its length: one varint field
		w.buf = appendTag(w.buf, 1, wireVarint)
		w.buf = append(w.buf, 1) // SessionLog.status START
	})
}

// Flush hands buffered events to the operating system, so TensorBoard sees them.
func (w *Writer) Flush() error {
	if err := w.w.Flush(); err != nil {
		return fmt.Errorf("tensorboard: write %s: %w", w.path, err)
	}
	return nil
}

// Close flushes and closes the file.
func (w *Writer) Close() error {
	if w.f == nil {
		return nil
	}
	err := w.Flush()
	if cerr := w.f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("tensorboard: close %s: %w", w.path, cerr)
	}
	w.f = nil
	return err
}

// writeVersion writes the first event of a file: Event{wall_time, file_version: 3}.
func (w *Writer) writeVersion(wall float64) error {
	return w.writeEvent(wall, 0, func() { w.buf = appendBytes(w.buf, 3, []byte("brain.Event:2")) })
}

// writeEvent encodes Event{wall_time: 1, step: 2, ...body} and frames it as a TFRecord.
func (w *Writer) writeEvent(wall float64, step int64, body func()) error {
	if w.f == nil {
		return fmt.Errorf("tensorboard: write %s: closed", w.path)
	}
	w.buf = appendTag(w.buf[:0], 1, wireFixed64)
	w.buf = binary.LittleEndian.AppendUint64(w.buf, math.Float64bits(wall))
	if step != 0 {
		w.buf = appendTag(w.buf, 2, wireVarint)
		w.buf = binary.AppendUvarint(w.buf, uint64(step)) // int64: two's complement as uint64
	}
	body()
	w.rec = appendRecord(w.rec[:0], w.buf)
	if _, err := w.w.Write(w.rec); err != nil {
		return fmt.Errorf("tensorboard: write %s: %w", w.path, err)
	}
	return nil
}

func wallTime(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }

// TFRecord framing: uint64 length, masked CRC32C(length), data, masked CRC32C(data),
// all little-endian.
func appendRecord(dst, data []byte) []byte {
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(len(data)))
	dst = append(dst, n[:]...)
	dst = binary.LittleEndian.AppendUint32(dst, maskedCRC(n[:]))
	dst = append(dst, data...)
	return binary.LittleEndian.AppendUint32(dst, maskedCRC(data))
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// maskedCRC is TFRecord's mask of the CRC32C: rotate right by 15 bits, add 0xa282ead8.
func maskedCRC(b []byte) uint32 {
	c := crc32.Checksum(b, castagnoli)
	return (c>>15 | c<<17) + 0xa282ead8
}

// Protocol buffer wire types.
const (
	wireVarint  = 0
	wireFixed64 = 1
	wireBytes   = 2
	wireFixed32 = 5
)

func appendTag(b []byte, field, wire int) []byte {
	return binary.AppendUvarint(b, uint64(field<<3|wire))
}

func appendBytes(b []byte, field int, v []byte) []byte {
	b = appendTag(b, field, wireBytes)
	b = binary.AppendUvarint(b, uint64(len(v)))
	return append(b, v...)
}

func varintLen(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}

// MirrorEpisode and MirrorMetrics make a Writer a logs.Mirror: with logs.Options.Mirror
// set, a run's writer sends it every row as it logs it, stamped with the time it is
// logged.
func (w *Writer) MirrorEpisode(e logs.EpisodeRow) error { return w.Episode(e, 0) }

func (w *Writer) MirrorMetrics(m logs.MetricRow) error {
	names := make([]string, 0, len(m.Values))
	for name := range m.Values {
		names = append(names, name)
	}
	slices.Sort(names)
	return w.Metrics(m, names, 0)
}

var _ logs.Mirror = (*Writer)(nil)

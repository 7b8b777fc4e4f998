package agents

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"path/filepath"

	"gorl/logs"
)

// Every trainer's checkpoints are one container format:
//
//	magic "gorl-ckp" (8 bytes), format version (uint32, ContainerVersion)
//	sections, each: tag (4 bytes), payload length (uint64), payload, CRC-32C of the payload (uint32)
//	  ALGO  the name of the algorithm that wrote it (first)
//	  ...   the algorithm's own sections
//	  END.  empty (last)
//
// All integers are little-endian. A truncated or damaged file is refused with a line
// that says which. Versions 1 and 2 are td3's earlier files of the same framing (magic
// "gorl-td3", no ALGO section), which are still read.
const (
	ContainerVersion = 3
	containerMagic   = "gorl-ckp"
	legacyTD3Magic   = "gorl-td3"
)

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// CheckpointWriter writes a checkpoint container, checksumming each section.
type CheckpointWriter struct {
	w       *bufio.Writer
	crc     uint32
	scratch []byte
	err     error
}

// NewCheckpointWriter writes the container's header and ALGO section to w.
func NewCheckpointWriter(w io.Writer, algo string) *CheckpointWriter {
	c := &CheckpointWriter{w: bufio.NewWriterSize(w, 1<<20), scratch: make([]byte, 1<<16)}
	c.raw([]byte(containerMagic))
	c.raw(binary.LittleEndian.AppendUint32(nil, ContainerVersion))
	c.Section("ALGO", []byte(algo))
	return c
}

func (c *CheckpointWriter) raw(p []byte) {
	if c.err == nil {
		_, c.err = c.w.Write(p)
	}
}

// Begin starts a section of n payload bytes, which Write and Float32s then supply.
func (c *CheckpointWriter) Begin(tag string, n uint64) {
	if len(tag) != 4 && c.err == nil {
		c.err = fmt.Errorf("checkpoint section tag %q: want 4 bytes", tag)
	}
	c.raw([]byte(tag))
	c.raw(binary.LittleEndian.AppendUint64(nil, n))
	c.crc = 0
}

// Write adds payload bytes to the section begun last.
func (c *CheckpointWriter) Write(p []byte) {
	c.crc = crc32.Update(c.crc, crcTable, p)
	c.raw(p)
}

// Float32s adds v as little-endian float32 to the section begun last.
func (c *CheckpointWriter) Float32s(v []float32) {
	for len(v) > 0 && c.err == nil {
		k := min(len(v), len(c.scratch)/4)
		for i, x := range v[:k] {
			binary.LittleEndian.PutUint32(c.scratch[4*i:], math.Float32bits(x))
		}
		c.Write(c.scratch[:4*k])
		v = v[k:]
	}
}

// End closes the section begun last with its checksum.
func (c *CheckpointWriter) End() { c.raw(binary.LittleEndian.AppendUint32(nil, c.crc)) }

// Section writes a whole section.
func (c *CheckpointWriter) Section(tag string, payload []byte) {
	c.Begin(tag, uint64(len(payload)))
	c.Write(payload)
	c.End()
}

// Close writes the END. section and flushes; it returns the first error of any write.
func (c *CheckpointWriter) Close() error {
	c.Section("END.", nil)
	if c.err != nil {
		return c.err
	}
	return c.w.Flush()
}

// WriteCheckpointFile writes a container of algorithm algo to path atomically
// (temporary file, fsync, rename), creating its directory.
func WriteCheckpointFile(path, algo string, write func(*CheckpointWriter) error) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("write checkpoint: %w", err)
	}
	return logs.WriteFileAtomic(path, func(f *os.File) error {
		c := NewCheckpointWriter(f, algo)
		if err := write(c); err != nil {
			return err
		}
		return c.Close()
	})
}

// CheckpointReader reads a container's sections in order, checking their lengths
// against the file and their checksums.
type CheckpointReader struct {
	r       *bufio.Reader
	f       *os.File
	path    string
	left    int64 // bytes not yet read
	crc     uint32
	scratch []byte
	version uint32
	algo    string
}

// OpenCheckpoint opens a container and reads its header.
func OpenCheckpoint(path string) (*CheckpointReader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read checkpoint: %w", err)
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("read checkpoint: %w", err)
	}
	c := &CheckpointReader{r: bufio.NewReaderSize(f, 1<<20), f: f, path: path, left: info.Size(), scratch: make([]byte, 1<<16)}
	head := make([]byte, len(containerMagic)+4)
	if err := c.raw(head); err != nil {
		f.Close()
		return nil, err
	}
	magic := string(head[:len(containerMagic)])
	c.version = binary.LittleEndian.Uint32(head[len(containerMagic):])
	switch {
	case magic == legacyTD3Magic && (c.version == 1 || c.version == 2):
		c.algo = "td3"
	case magic == legacyTD3Magic || magic == containerMagic && c.version != ContainerVersion:
		f.Close()
		return nil, c.Errorf("format version %d, this gorl reads versions 1 to %d", c.version, ContainerVersion)
	case magic != containerMagic:
		f.Close()
		return nil, c.Errorf("not a gorl checkpoint")
	default:
		algo, err := c.Section("ALGO")
		if err != nil {
			f.Close()
			return nil, err
		}
		c.algo = string(algo)
	}
	return c, nil
}

// Algo is the name of the algorithm that wrote the checkpoint; Version its format.
func (c *CheckpointReader) Algo() string    { return c.algo }
func (c *CheckpointReader) Version() uint32 { return c.version }

// Close closes the file.
func (c *CheckpointReader) Close() error { return c.f.Close() }

// Errorf is an error about this checkpoint, naming its file.
func (c *CheckpointReader) Errorf(format string, args ...any) error {
	return fmt.Errorf("read checkpoint %s: %s", c.path, fmt.Sprintf(format, args...))
}

func (c *CheckpointReader) truncated() error {
	return c.Errorf("truncated (the file ends early; was it copied or written incompletely?)")
}

func (c *CheckpointReader) raw(p []byte) error {
	if int64(len(p)) > c.left {
		return c.truncated()
	}
	if _, err := io.ReadFull(c.r, p); err != nil {
		return c.truncated()
	}
	c.left -= int64(len(p))
	return nil
}

// Begin reads a section header, which must carry tag, and returns the payload length.
func (c *CheckpointReader) Begin(tag string) (int64, error) {
	var h [12]byte
	if err := c.raw(h[:]); err != nil {
		return 0, err
	}
	if string(h[:4]) != tag {
		return 0, c.Errorf("corrupted: section %q where %q belongs", h[:4], tag)
	}
	n := binary.LittleEndian.Uint64(h[4:])
	if n > uint64(c.left) {
		return 0, c.truncated()
	}
	c.crc = 0
	return int64(n), nil
}

// Read fills p from the section begun last.
func (c *CheckpointReader) Read(p []byte) error {
	if err := c.raw(p); err != nil {
		return err
	}
	c.crc = crc32.Update(c.crc, crcTable, p)
	return nil
}

// Float32s fills v from little-endian float32 of the section begun last.
func (c *CheckpointReader) Float32s(v []float32) error {
	for len(v) > 0 {
		k := min(len(v), len(c.scratch)/4)
		if err := c.Read(c.scratch[:4*k]); err != nil {
			return err
		}
		for i := range v[:k] {
			v[i] = math.Float32frombits(binary.LittleEndian.Uint32(c.scratch[4*i:]))
		}
		v = v[k:]
	}
	return nil
}

// End reads the checksum of the section begun last (tag) and checks it.
func (c *CheckpointReader) End(tag string) error {
	var s [4]byte
	if err := c.raw(s[:]); err != nil {
		return err
	}
	if binary.LittleEndian.Uint32(s[:]) != c.crc {
		return c.Errorf("corrupted: the checksum of section %s does not match", tag)
	}
	return nil
}

// Section reads a whole section that must carry tag.
func (c *CheckpointReader) Section(tag string) ([]byte, error) {
	n, err := c.Begin(tag)
	if err != nil {
		return nil, err
	}
	p := make([]byte, n)
	if err := c.Read(p); err != nil {
		return nil, err
	}
	return p, c.End(tag)
}

// Finish reads the END. section and refuses bytes after it.
func (c *CheckpointReader) Finish() error {
	if _, err := c.Section("END."); err != nil {
		return err
	}
	if c.left != 0 {
		return c.Errorf("corrupted: %d bytes after the last section", c.left)
	}
	return nil
}

// LatestReadable returns the newest of paths (ordered oldest first) that read accepts,
// and the errors of the newer ones it refused: a damaged newest checkpoint falls back to
// the newest readable one. With none readable it returns the newest's error.
func LatestReadable(paths []string, read func(path string) error) (string, []error, error) {
	var skipped []error
	for i := len(paths) - 1; i >= 0; i-- {
		err := read(paths[i])
		if err == nil {
			return paths[i], skipped, nil
		}
		skipped = append(skipped, err)
	}
	if len(skipped) == 0 {
		return "", nil, ErrNoCheckpoint
	}
	return "", nil, skipped[0]
}

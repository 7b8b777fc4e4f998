package logs

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"

	"github.com/parquet-go/parquet-go"
)

// DefaultBatch is the number of rows ScanColumns hands to its callback at a time.
const DefaultBatch = 8192

// ScanColumns streams the named scalar columns of one or more Parquet files, in file
// order, as batches of float64 values: fn receives one slice per name, all of the same
// length (at most DefaultBatch). Integers and booleans (0 or 1) are converted; nulls
// are NaN. Only the named column chunks are read and decompressed, page by page, so
// memory stays bounded by one page per column whatever the size of the files, and the
// list columns (obs, action, ...) cost nothing. The slices are reused between calls:
// copy what must be kept.
func ScanColumns(files []string, names []string, fn func(cols [][]float64) error) error {
	if len(names) == 0 {
		return errors.New("scan columns: no column named")
	}
	bufs := make([][]float64, len(names))
	for i := range bufs {
		bufs[i] = make([]float64, DefaultBatch)
	}
	out := make([][]float64, len(names))
	for _, path := range files {
		if err := scanColumnsFile(path, names, bufs, out, fn); err != nil {
			return err
		}
	}
	return nil
}

func scanColumnsFile(path string, names []string, bufs, out [][]float64, fn func([][]float64) error) (err error) {
	pf, f, err := openParquet(path)
	if err != nil {
		return err
	}
	defer f.Close()
	// parquet-go may panic on some corrupt pages; report it as a read error.
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%s is corrupt: %v", path, p)
		}
	}()
	readers := make([]*columnReader, len(names))
	for i, name := range names {
		idx, err := leafIndex(pf, name)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		readers[i] = &columnReader{file: pf, leaf: idx}
	}
	defer func() {
		for _, r := range readers {
			r.close()
		}
	}()
	remaining := pf.NumRows()
	for remaining > 0 {
		want := int(min(remaining, int64(len(bufs[0]))))
		for i, r := range readers {
			n, err := r.read(bufs[i][:want])
			if err != nil {
				return fmt.Errorf("read %s column %s: %w", path, names[i], err)
			}
			if n != want {
				return fmt.Errorf("read %s column %s: %d values where the file declares %d more rows", path, names[i], n, remaining)
			}
			out[i] = bufs[i][:want]
		}
		if err := fn(out); err != nil {
			return err
		}
		remaining -= int64(want)
	}
	return nil
}

// leafIndex finds a top-level scalar column by name.
func leafIndex(pf *parquet.File, name string) (int, error) {
	var names []string
	for i, path := range pf.Schema().Columns() {
		if path[0] == name {
			if len(path) != 1 {
				return 0, fmt.Errorf("column %s is a list, not a scalar column", name)
			}
			return i, nil
		}
		if len(path) == 1 {
			names = append(names, path[0])
		}
	}
	return 0, fmt.Errorf("no column %q (scalar columns: %s)", name, strings.Join(names, ", "))
}

// HasColumn reports whether the Parquet file at path has a top-level column name.
func HasColumn(path, name string) (bool, error) {
	pf, f, err := openParquet(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	for _, p := range pf.Schema().Columns() {
		if p[0] == name {
			return true, nil
		}
	}
	return false, nil
}

// columnReader reads one leaf column across the row groups of a file, page by page.
type columnReader struct {
	file    *parquet.File
	leaf    int
	group   int
	pages   parquet.Pages
	page    parquet.Page
	values  parquet.ValueReader
	ints    []int64
	bools   []bool
	generic []parquet.Value
}

// read fills dst with the next values of the column; it returns fewer only at the end.
func (c *columnReader) read(dst []float64) (int, error) {
	n := 0
	for n < len(dst) {
		if c.values == nil {
			ok, err := c.nextPage()
			if err != nil {
				return n, err
			}
			if !ok {
				return n, nil
			}
		}
		k, err := c.readPage(dst[n:])
		n += k
		if errors.Is(err, io.EOF) || (err == nil && k == 0) {
			c.releasePage()
			continue
		}
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// readPage converts values of the current page into dst, with typed fast paths for
// required double, int64 and boolean pages.
func (c *columnReader) readPage(dst []float64) (int, error) {
	switch v := c.values.(type) {
	case parquet.DoubleReader:
		return v.ReadDoubles(dst)
	case parquet.Int64Reader:
		c.ints = grow(c.ints, len(dst))
		n, err := v.ReadInt64s(c.ints[:len(dst)])
		for i, x := range c.ints[:n] {
			dst[i] = float64(x)
		}
		return n, err
	case parquet.BooleanReader:
		c.bools = grow(c.bools, len(dst))
		n, err := v.ReadBooleans(c.bools[:len(dst)])
		for i, x := range c.bools[:n] {
			dst[i] = 0
			if x {
				dst[i] = 1
			}
		}
		return n, err
	}
	c.generic = grow(c.generic, min(len(dst), 1024))
	n, err := c.values.ReadValues(c.generic[:min(len(dst), 1024)])
	for i, v := range c.generic[:n] {
		dst[i] = valueFloat(v)
	}
	return n, err
}

func valueFloat(v parquet.Value) float64 {
	switch v.Kind() {
	case parquet.Boolean:
		if v.Boolean() {
			return 1
		}
		return 0
	case parquet.Int32:
		return float64(v.Int32())
	case parquet.Int64:
		return float64(v.Int64())
	case parquet.Float:
		return float64(v.Float())
	case parquet.Double:
		return v.Double()
	}
	return math.NaN() // nulls and non-numeric values
}

func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// nextPage moves to the next page of the column, crossing row groups; false at the end.
func (c *columnReader) nextPage() (bool, error) {
	for {
		if c.pages == nil {
			groups := c.file.RowGroups()
			if c.group >= len(groups) {
				return false, nil
			}
			c.pages = groups[c.group].ColumnChunks()[c.leaf].Pages()
			c.group++
		}
		p, err := c.pages.ReadPage()
		if errors.Is(err, io.EOF) {
			c.pages.Close()
			c.pages = nil
			continue
		}
		if err != nil {
			return false, err
		}
		c.page, c.values = p, p.Values()
		return true, nil
	}
}

func (c *columnReader) releasePage() {
	if c.page != nil {
		parquet.Release(c.page)
	}
	c.page, c.values = nil, nil
}

func (c *columnReader) close() {
	c.releasePage()
	if c.pages != nil {
		c.pages.Close()
		c.pages = nil
	}
}

// fileExists reports whether path exists (errors other than not-exist count as existing,
// so that opening it reports them).
func fileExists(path string) bool {
	_, err := os.Stat(path)
	return !errors.Is(err, os.ErrNotExist)
}

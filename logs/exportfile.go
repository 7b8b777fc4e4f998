package logs

import (
	"fmt"
	"io"
	"os"
)

// Export writes one table of a run (episodes, metrics or steps) in format (csv or
// jsonl) to out, or to stdout when out is "". An existing regular out file is replaced
// only with force, through a temporary file and a rename, so that a failed export
// leaves it as it was; a device or pipe (/dev/stdout, a FIFO) is written in place.
// Steps stream: any run size works in bounded memory.
func Export(run, table, format, out string, force bool, stdout io.Writer) error {
	if format != FormatCSV && format != FormatJSONL {
		return fmt.Errorf("unknown --format %q (want csv, jsonl or tensorboard)", format)
	}
	if err := CheckRunArg(run); err != nil {
		return err
	}
	if out != "" {
		if err := CheckOutputFile("out", out, nil); err != nil {
			return err
		}
		if st, err := os.Stat(out); err == nil && st.Mode().IsRegular() && !force {
			return fmt.Errorf("--out %s already exists: pass --force to replace it", out)
		}
	}
	var t *Table
	var err error
	switch table {
	case "episodes":
		t, err = EpisodesTable(run)
	case "metrics":
		t, err = MetricsTableOf(run)
	case "steps":
	default:
		return fmt.Errorf("unknown --table %q (want episodes, metrics or steps)", table)
	}
	if err != nil {
		return err
	}
	write := func(w io.Writer) error {
		if t != nil {
			return t.Write(w, format)
		}
		return ExportSteps(run, w, format)
	}
	if out == "" {
		return write(stdout)
	}
	if st, err := os.Stat(out); err == nil && !st.Mode().IsRegular() {
		// Renaming a temporary file over a device or pipe would replace it.
		f, err := os.OpenFile(out, os.O_WRONLY, 0)
		if err != nil {
			return fmt.Errorf("export to %s: %w", out, err)
		}
		if err := write(f); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	}
	return WriteFileAtomic(out, func(f *os.File) error {
		if err := f.Chmod(0o644); err != nil { // as os.Create would make it
			return err
		}
		return write(f)
	})
}

package logs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Checks, before any work, that the files a command reads exist and the files it
// writes can be written without destroying a run directory's own files. Errors are
// one line naming the flag.

// FileProblem says what keeps path from being read as a regular file ("" when
// nothing), worded to follow the path.
func FileProblem(path string) string {
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return ": no such file"
	case err != nil:
		return ": " + err.Error()
	case st.IsDir():
		return " is a directory, want a file"
	case !st.Mode().IsRegular():
		return " is not a regular file"
	}
	return ""
}

// CheckInputFile checks that the file given to flag exists and is a regular file.
func CheckInputFile(flag, path string) error {
	if problem := FileProblem(path); problem != "" {
		return fmt.Errorf("--%s %s%s", flag, path, problem)
	}
	return nil
}

// CheckInputDir checks that the directory given to flag exists.
func CheckInputDir(flag, path string) error {
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("--%s %s: no such directory", flag, path)
	case err != nil:
		return fmt.Errorf("--%s %s: %w", flag, path, err)
	case !st.IsDir():
		return fmt.Errorf("--%s %s is not a directory", flag, path)
	}
	return nil
}

// CheckRunArg checks that a RUN argument is a run directory or one of its files.
func CheckRunArg(path string) error {
	st, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("%s: no such run directory or file", path)
	}
	if st.IsDir() {
		if _, err := os.Stat(filepath.Join(path, "config.json")); err != nil {
			return fmt.Errorf("%s is not a run directory (no config.json)", path)
		}
	}
	return nil
}

// ImageExts are the image formats gonum/plot writes.
var ImageExts = []string{"png", "svg", "pdf", "jpg", "jpeg", "eps", "tif", "tiff"}

// CheckOutputFile checks, before any work, that the file given to flag can be written:
// it is not a directory, not a file gorl wrote in a run directory (which would be
// lost), its directory exists and accepts new files, and (when exts is not empty) its
// extension is one of exts. An existing device or pipe passes (it is written in
// place). It leaves nothing behind.
func CheckOutputFile(flag, path string, exts []string) error {
	if len(exts) > 0 {
		ext := strings.ToLower(strings.TrimPrefix(filepath.Ext(path), "."))
		if !slices.Contains(exts, ext) {
			return fmt.Errorf("--%s %s: unknown image format %q (want %s)", flag, path, ext, strings.Join(exts, ", "))
		}
	}
	if st, err := os.Stat(path); err == nil {
		if st.IsDir() {
			return fmt.Errorf("--%s %s is a directory, want a file", flag, path)
		}
		if !st.Mode().IsRegular() {
			return nil // a device or pipe such as /dev/stdout: written in place
		}
		if run, ok := RunFile(path); ok {
			return fmt.Errorf("--%s %s: refusing to overwrite a file of run directory %s", flag, path, run)
		}
	}
	dir := filepath.Dir(path)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return fmt.Errorf("--%s %s: directory %s does not exist", flag, path, dir)
	}
	probe, err := os.CreateTemp(dir, ".gorl-probe-*")
	if err != nil {
		return fmt.Errorf("--%s %s: cannot write in %s", flag, path, dir)
	}
	probe.Close()
	os.Remove(probe.Name())
	return nil
}

// RunFile reports whether path is one of the files gorl writes in a run directory
// (config.json, status.json, Parquet tables, step parts, checkpoints) and which run.
func RunFile(path string) (string, bool) {
	isRun := func(dir string) bool {
		_, err := os.Stat(filepath.Join(dir, "config.json"))
		return err == nil
	}
	dir, base := filepath.Dir(path), filepath.Base(path)
	if sub := filepath.Base(dir); (sub == "steps" || sub == "checkpoints") && isRun(filepath.Dir(dir)) {
		return filepath.Dir(dir), true
	}
	if (base == "config.json" || base == "status.json" || strings.HasSuffix(base, ".parquet")) && isRun(dir) {
		return dir, true
	}
	return "", false
}

// RegularOrAbsent refuses an existing path that is not a regular file, for outputs
// written through a temporary file and a rename (which would replace a device such
// as /dev/null with a plain file).
func RegularOrAbsent(flag, path string) error {
	if st, err := os.Stat(path); err == nil && !st.Mode().IsRegular() {
		return fmt.Errorf("--%s %s is not a regular file", flag, path)
	}
	return nil
}

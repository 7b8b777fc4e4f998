package gym

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// FindPython picks the interpreter that runs workers: explicit (the env option python)
// if given, else $GORL_PYTHON, else the .venv/bin/python that `make deps` creates, looked
// for in the working directory and its parents and beside the gorl executable's
// directory (bin/gorl -> .venv), else python3 on PATH.
func FindPython(explicit string) (string, error) {
	for _, p := range []string{explicit, os.Getenv("GORL_PYTHON")} {
		if p == "" {
			continue
		}
		path, err := exec.LookPath(p)
		if err != nil {
			return "", fmt.Errorf("python %q not found", p)
		}
		return path, nil
	}
	var dirs []string
	if wd, err := os.Getwd(); err == nil {
		for d := wd; ; d = filepath.Dir(d) {
			dirs = append(dirs, d)
			if filepath.Dir(d) == d {
				break
			}
		}
	}
	if exe, err := os.Executable(); err == nil {
		dirs = append(dirs, filepath.Dir(filepath.Dir(exe)))
	}
	for _, d := range dirs {
		p := filepath.Join(d, ".venv", "bin", "python")
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
	}
	if p, err := exec.LookPath("python3"); err == nil {
		return p, nil
	}
	return "", errors.New("no Python found: make deps creates .venv with Gymnasium when python3 is installed; or set GORL_PYTHON")
}

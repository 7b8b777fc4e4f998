package main

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"gorl/agents"
)

// Limits on sizes that would otherwise exhaust memory or run for ever before any
// result (a typing slip such as --envs 100000000 must fail at once, not after the
// machine starts swapping). They are far above any setting the experiments use.
const (
	maxEnvs        = agents.MaxEnvs  // environments stepped in lock step
	maxBatch       = agents.MaxBatch // train: envs x rollout steps held in one rollout buffer
	maxSeeds       = 1 << 16         // seeds of one lmdp or glow experiment
	maxRows        = 1 << 24         // lmdp: K x seeds episodes kept in memory; glow data: episodes x H steps
	maxHorizon     = 100000          // lmdp and glow horizons (the lock's own limit)
	maxActions     = 1 << 16         // lock actions
	maxGlowEpisode = 1 << 24         // glow online episodes per seed
	maxPoints      = 1 << 20         // logs curve grid points
	maxResamples   = 10000000        // logs compare bootstrap resamples
	maxInches      = 100             // logs curve figure size
	maxFlushSec    = 1e6             // rollout --flush-every
	maxPartRows    = 1 << 22         // rollout --part-rows (the writer reserves a part's rows up front)
)

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// checkInputFile checks that the file given to flag exists and is a regular file.
func checkInputFile(flag, path string) error {
	if problem := fileProblem(path); problem != "" {
		return fmt.Errorf("--%s %s%s", flag, path, problem)
	}
	return nil
}

// fileProblem says what keeps path from being read as a regular file ("" when nothing),
// worded to follow the path.
func fileProblem(path string) string {
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

// checkInputDir checks that the directory given to flag exists.
func checkInputDir(flag, path string) error {
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

// checkRunArg checks that a RUN argument is a run directory or one of its files.
func checkRunArg(path string) error {
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

// imageExts are the image formats gonum/plot writes.
var imageExts = []string{"png", "svg", "pdf", "jpg", "jpeg", "eps", "tif", "tiff"}

// checkOutputFile checks, before any work, that the file given to flag can be written:
// it is not a directory, not a file gorl wrote in a run directory (which would be lost), its
// directory exists and accepts new files, and (when exts is not empty) its extension
// is one of exts. An existing device or pipe passes (it is written in place). It
// leaves nothing behind.
func checkOutputFile(flag, path string, exts []string) error {
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
		if run, ok := runFile(path); ok {
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

// runFile reports whether path is one of the files gorl writes in a run directory
// (config.json, status.json, Parquet tables, step parts, checkpoints) and which run.
func runFile(path string) (string, bool) {
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

// regularOrAbsent refuses an existing path that is not a regular file, for outputs
// written through a temporary file and a rename (which would replace a device such
// as /dev/null with a plain file).
func regularOrAbsent(flag, path string) error {
	if st, err := os.Stat(path); err == nil && !st.Mode().IsRegular() {
		return fmt.Errorf("--%s %s is not a regular file", flag, path)
	}
	return nil
}

// noSubcommand makes a command group fail on an unknown subcommand (cobra would print
// the help and exit 0).
func noSubcommand(cmd *cobra.Command) {
	cmd.Args = cobra.ArbitraryArgs
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if len(args) > 0 {
			var names []string
			for _, c := range cmd.Commands() {
				if c.IsAvailableCommand() {
					names = append(names, c.Name())
				}
			}
			return fmt.Errorf("unknown command %q for gorl %s (want %s)", args[0], cmd.Name(), strings.Join(names, ", "))
		}
		return cmd.Help()
	}
}

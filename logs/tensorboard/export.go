package tensorboard

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"gorl/logs"
)

// ExportOptions configure Export.
type ExportOptions struct {
	// Force replaces the event files already in the output directory; without it an
	// output directory holding event files is refused.
	Force bool
}

// Export writes the episodes and metrics of runDir as one event file in outDir. Wall
// times are the run's start (status.json) plus each row's wall_seconds. A run with rows
// of several seeds (gorl lmdp run --seeds N) gets tags per seed: seed_<s>/episode/return.
// The file is written under a temporary name and renamed, so a failed export leaves no
// partial file. It returns the event file's path.
func Export(runDir, outDir string, opts ExportOptions) (string, error) {
	eps, err := logs.ReadEpisodes(runDir)
	if err != nil {
		return "", err
	}
	mt, err := logs.ReadMetrics(runDir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	var metrics []logs.MetricRow
	var names []string
	if mt != nil {
		metrics, names = mt.Rows(), mt.Names
	}
	if err := clearOutput(outDir, opts.Force); err != nil {
		return "", err
	}
	start := runStart(runDir)
	perSeed := manySeeds(eps, metrics)
	prefix := func(seed int64) string {
		if perSeed {
			return fmt.Sprintf("seed_%d/", seed)
		}
		return ""
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return "", fmt.Errorf("tensorboard: %w", err)
	}
	path := filepath.Join(outDir, fileName(time.Now()))
	w := &Writer{path: path}
	err = logs.WriteFileAtomic(path, func(f *os.File) error {
		if err := f.Chmod(0o644); err != nil {
			return err
		}
		w.f, w.w = f, bufio.NewWriterSize(f, 64<<10)
		if err := w.writeVersion(start); err != nil {
			return err
		}
		for _, e := range eps {
			w.SetPrefix(prefix(e.Seed))
			if err := w.Episode(e, start+e.WallSeconds); err != nil {
				return err
			}
		}
		for _, m := range metrics {
			w.SetPrefix(prefix(m.Seed))
			if err := w.Metrics(m, names, start+m.WallSeconds); err != nil {
				return err
			}
		}
		return w.Flush()
	})
	w.f = nil
	if err != nil {
		return "", err
	}
	return path, nil
}

// clearOutput refuses an output directory with event files in it, or removes them with force.
func clearOutput(dir string, force bool) error {
	if st, err := os.Stat(dir); err == nil && !st.IsDir() {
		return fmt.Errorf("--out %s: not a directory (TensorBoard export writes a directory of event files)", dir)
	}
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("--out %s: %w", dir, err)
	}
	var old []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), FilePrefix) {
			old = append(old, e.Name())
		}
	}
	if len(old) == 0 {
		return nil
	}
	if !force {
		return fmt.Errorf("--out %s already holds event files (%s): pass --force to replace them", dir, old[0])
	}
	for _, name := range old {
		if err := os.Remove(filepath.Join(dir, name)); err != nil {
			return fmt.Errorf("--out %s: %w", dir, err)
		}
	}
	return nil
}

// runStart is the run's start time from status.json, or config.json's modification time.
func runStart(dir string) float64 {
	if data, err := os.ReadFile(filepath.Join(dir, "status.json")); err == nil {
		var s logs.Status
		if json.Unmarshal(data, &s) == nil && !s.Started.IsZero() {
			return wallTime(s.Started)
		}
	}
	if st, err := os.Stat(filepath.Join(dir, "config.json")); err == nil {
		return wallTime(st.ModTime())
	}
	return wallTime(time.Now())
}

func manySeeds(eps []logs.EpisodeRow, metrics []logs.MetricRow) bool {
	var seeds []int64
	for _, e := range eps {
		seeds = append(seeds, e.Seed)
	}
	for _, m := range metrics {
		seeds = append(seeds, m.Seed)
	}
	slices.Sort(seeds)
	return len(slices.Compact(seeds)) > 1
}

package logs

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// RunInfo describes a run directory from its config.json and status.json.
type RunInfo struct {
	Dir    string
	Config map[string]any // config.json as decoded (nil when it is not a JSON object)
	EnvID  string         // config key env_id, env or environment (any nesting); "" when absent
	Algo   string         // config key algo, algorithm, agent, method or policy; "" when absent
	Seed   string         // config key seed or seeds, as written (a list is joined with ","); "" when absent
	// Status is finished, failed, running (the writer's process is alive), interrupted
	// (status.json says running but its process is gone) or unknown (no status.json).
	Status string
	PID    int
}

// Config key aliases read by ReadRunInfo, most specific first.
var (
	envKeys  = []string{"env_id", "envid", "env", "environment"}
	algoKeys = []string{"algo", "algorithm", "agent", "method", "policy"}
	seedKeys = []string{"seed", "seeds"}
)

// ReadRunInfo reads config.json and status.json of a run directory. config.json is
// free-form: the env, algorithm and seed are looked up by the usual key names (case
// insensitive, at the top level first, then in nested objects).
func ReadRunInfo(dir string) (RunInfo, error) {
	info := RunInfo{Dir: dir, Status: "unknown"}
	st, err := os.Stat(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return info, fmt.Errorf("run %s: no such directory", dir)
		}
		return info, fmt.Errorf("run %s: %w", dir, err)
	}
	if !st.IsDir() {
		return info, fmt.Errorf("run %s: not a directory", dir)
	}
	data, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return info, fmt.Errorf("run %s: not a run directory (no config.json)", dir)
		}
		return info, fmt.Errorf("run %s: %w", dir, err)
	}
	var cfg any
	if err := json.Unmarshal(data, &cfg); err != nil {
		return info, fmt.Errorf("run %s: config.json is not valid JSON: %v", dir, err)
	}
	if m, ok := cfg.(map[string]any); ok {
		info.Config = m
		info.EnvID = ConfigString(m, envKeys...)
		info.Algo = ConfigString(m, algoKeys...)
		info.Seed = ConfigString(m, seedKeys...)
	}
	if data, err := os.ReadFile(filepath.Join(dir, "status.json")); err == nil {
		var s Status
		if err := json.Unmarshal(data, &s); err != nil {
			return info, fmt.Errorf("run %s: status.json is not valid JSON: %v", dir, err)
		}
		info.Status, info.PID = s.Status, s.PID
		if s.Status == "running" && !processAlive(s.PID) {
			info.Status = "interrupted"
		}
	}
	return info, nil
}

// ConfigString finds the first of keys in a decoded config (case insensitive; the top
// level first, then nested objects breadth first) and formats its value: strings as is,
// numbers without exponent where integral, lists joined with ",". "" when absent.
func ConfigString(cfg map[string]any, keys ...string) string {
	level := []map[string]any{cfg}
	for len(level) > 0 {
		for _, key := range keys {
			for _, m := range level {
				for _, k := range sortedKeys(m) {
					if strings.EqualFold(k, key) {
						if s, ok := formatConfigValue(m[k]); ok {
							return s
						}
					}
				}
			}
		}
		var next []map[string]any
		for _, m := range level {
			for _, k := range sortedKeys(m) {
				if sub, ok := m[k].(map[string]any); ok {
					next = append(next, sub)
				}
			}
		}
		level = next
	}
	return ""
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// formatConfigValue formats scalars and lists of scalars; an object is looked into for
// an "id" or "name" (e.g. "env": {"id": "CartPole-v1"}).
func formatConfigValue(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case bool:
		return strconv.FormatBool(x), true
	case []any:
		parts := make([]string, 0, len(x))
		for _, e := range x {
			s, ok := formatConfigValue(e)
			if !ok {
				return "", false
			}
			parts = append(parts, s)
		}
		return strings.Join(parts, ","), len(parts) > 0
	case map[string]any:
		for _, k := range []string{"id", "name"} {
			if s, ok := x[k].(string); ok {
				return s, true
			}
		}
	}
	return "", false
}

// FindRuns lists the run directories (those holding a config.json) under root: root
// itself if it is one, else its sub-directories at any depth, sorted by path.
func FindRuns(root string) ([]string, error) {
	st, err := os.Stat(root)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%s: no such directory", root)
		}
		return nil, err
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("%s: not a directory", root)
	}
	var runs []string
	err = filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		if fileExists(filepath.Join(path, "config.json")) {
			runs = append(runs, path)
			return filepath.SkipDir // a run's sub-directories (steps, checkpoints) are not runs
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list runs under %s: %w", root, err)
	}
	sort.Strings(runs)
	return runs, nil
}

// ExpandRuns replaces each path that is not itself a run directory by the runs found
// under it (FindRuns); a path with none is an error.
func ExpandRuns(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		if fileExists(filepath.Join(p, "config.json")) {
			out = append(out, p)
			continue
		}
		runs, err := FindRuns(p)
		if err != nil {
			return nil, err
		}
		if len(runs) == 0 {
			return nil, fmt.Errorf("%s: not a run directory and no run directories under it", p)
		}
		out = append(out, runs...)
	}
	return out, nil
}

// Package sweep runs a grid of gorl train settings times a list of seeds as ordinary run
// directories under one sweep directory, described by its sweep.json. A sweep is
// resumable: a rerun skips finished runs, continues interrupted ones from their latest
// checkpoint (gorl train --resume) and starts the rest, so that a sweep killed at any
// point and rerun ends with the runs an uninterrupted sweep writes.
package sweep

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gorl/logs"
)

// FileName is the sweep's description in its directory.
const FileName = "sweep.json"

// Axis is one dimension of the grid: a gorl train flag and the values it takes.
type Axis struct {
	Flag   string   `json:"flag"`
	Values []string `json:"values"`
}

// Run is one combination of grid values with one seed.
type Run struct {
	Name   string            `json:"name"` // its directory under the sweep directory
	Params map[string]string `json:"params"`
	Seed   uint64            `json:"seed"`
}

// Plan is sweep.json: everything needed to rerun the sweep.
type Plan struct {
	Command string   `json:"command"` // "sweep"
	Version string   `json:"gorl_version"`
	Args    []string `json:"args"` // gorl train flags common to every run
	Grid    []Axis   `json:"grid"`
	Seeds   []uint64 `json:"seeds"`
	Runs    []Run    `json:"runs"` // grid combinations in order (last axis fastest), then seeds
}

// NewPlan lays out every combination of grid values times seeds.
func NewPlan(version string, args []string, grid []Axis, seeds []uint64) (Plan, error) {
	if len(seeds) == 0 {
		return Plan{}, errors.New("sweep: no seeds")
	}
	seen := map[string]bool{}
	for _, a := range grid {
		if seen[a.Flag] {
			return Plan{}, fmt.Errorf("sweep: --grid %s given twice", a.Flag)
		}
		seen[a.Flag] = true
		if len(a.Values) == 0 {
			return Plan{}, fmt.Errorf("sweep: --grid %s has no values", a.Flag)
		}
	}
	p := Plan{Command: "sweep", Version: version, Args: slices.Clone(args), Grid: grid, Seeds: seeds}
	combos := []map[string]string{{}}
	for _, a := range grid {
		var next []map[string]string
		for _, c := range combos {
			for _, v := range a.Values {
				m := map[string]string{a.Flag: v}
				for k, x := range c {
					m[k] = x
				}
				next = append(next, m)
			}
		}
		combos = next
	}
	names := map[string]bool{}
	for _, c := range combos {
		for _, seed := range seeds {
			var parts []string
			for _, a := range grid {
				parts = append(parts, a.Flag+"="+c[a.Flag])
			}
			parts = append(parts, "seed="+strconv.FormatUint(seed, 10))
			name := safeName(strings.Join(parts, "_"))
			for base, i := name, 2; names[name]; i++ {
				name = fmt.Sprintf("%s-%d", base, i)
			}
			names[name] = true
			p.Runs = append(p.Runs, Run{Name: name, Params: c, Seed: seed})
		}
	}
	return p, nil
}

var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9._=+-]+`)

// safeName makes a directory name of a run's parameters (an env id like sgrl/hopper-3
// holds a slash).
func safeName(s string) string { return unsafeChars.ReplaceAllString(s, "-") }

// TrainArgs are the gorl arguments that start run r in the sweep directory dir.
func (p Plan) TrainArgs(r Run, dir string) []string {
	args := append([]string{"train"}, p.Args...)
	for _, a := range p.Grid {
		args = append(args, "--"+a.Flag+"="+r.Params[a.Flag])
	}
	return append(args, "--seed="+strconv.FormatUint(r.Seed, 10), "--run-dir="+filepath.Join(dir, r.Name))
}

// ParseGrid reads a --grid value: flag=v1,v2,...
func ParseGrid(s string) (Axis, error) {
	flag, vals, ok := strings.Cut(s, "=")
	flag = strings.TrimPrefix(strings.TrimSpace(flag), "--")
	if !ok || flag == "" || vals == "" {
		return Axis{}, fmt.Errorf("--grid %q: want flag=value1,value2 (e.g. lr=0.0001,0.0003)", s)
	}
	a := Axis{Flag: flag}
	for _, v := range strings.Split(vals, ",") {
		v = strings.TrimSpace(v)
		if v == "" {
			return Axis{}, fmt.Errorf("--grid %q: empty value", s)
		}
		if slices.Contains(a.Values, v) {
			return Axis{}, fmt.Errorf("--grid %q: value %q twice", s, v)
		}
		a.Values = append(a.Values, v)
	}
	return a, nil
}

// ParseSeeds reads a --seeds value: a list of seeds and inclusive ranges, "1-5" or
// "1,2,7" or "1-3,10".
func ParseSeeds(s string) ([]uint64, error) {
	var out []uint64
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		lo, hi, isRange := strings.Cut(part, "-")
		a, err1 := strconv.ParseUint(lo, 10, 64)
		b, err2 := a, error(nil)
		if isRange {
			b, err2 = strconv.ParseUint(hi, 10, 64)
		}
		if err1 != nil || err2 != nil || b < a || b-a >= 100000 {
			return nil, fmt.Errorf("--seeds %q: want seeds and ranges like 1-5 or 1,2,7", s)
		}
		for v := a; v <= b; v++ {
			if slices.Contains(out, v) {
				return nil, fmt.Errorf("--seeds %q: seed %d twice", s, v)
			}
			out = append(out, v)
		}
	}
	return out, nil
}

// ReadPlan reads dir's sweep.json.
func ReadPlan(dir string) (Plan, error) {
	var p Plan
	data, err := os.ReadFile(filepath.Join(dir, FileName))
	if err != nil {
		return p, err
	}
	if err := json.Unmarshal(data, &p); err != nil {
		return p, fmt.Errorf("%s: %v", filepath.Join(dir, FileName), err)
	}
	if err := p.check(); err != nil {
		return Plan{}, fmt.Errorf("%s: %v", filepath.Join(dir, FileName), err)
	}
	return p, nil
}

// check refuses a sweep.json that is not a sweep's, or whose run names are not plain,
// distinct directory names under the sweep directory (a hand-edited "../x" would put
// a run outside it).
func (p Plan) check() error {
	if p.Command != "sweep" {
		return fmt.Errorf("not a sweep plan (command %q)", p.Command)
	}
	seen := map[string]bool{}
	for _, r := range p.Runs {
		if r.Name == "" || r.Name == "." || r.Name == ".." || safeName(r.Name) != r.Name {
			return fmt.Errorf("run name %q is not a plain directory name", r.Name)
		}
		if seen[r.Name] {
			return fmt.Errorf("run name %q appears twice", r.Name)
		}
		seen[r.Name] = true
	}
	return nil
}

// Prepare writes p as dir's sweep.json, or checks that the sweep.json already there
// describes the same sweep (the gorl version may differ), so that a rerun continues it.
func Prepare(dir string, p Plan) error {
	old, err := ReadPlan(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("sweep %s: %w", dir, err)
		}
		return logs.WriteJSONAtomic(filepath.Join(dir, FileName), p)
	case err != nil:
		return fmt.Errorf("sweep %s: %w", dir, err)
	}
	old.Version, p.Version = "", ""
	a, _ := json.Marshal(old)
	b, _ := json.Marshal(p)
	if string(a) != string(b) {
		return fmt.Errorf("sweep %s: its %s describes another sweep (other flags, grid or seeds); use another --run-dir", dir, FileName)
	}
	return nil
}

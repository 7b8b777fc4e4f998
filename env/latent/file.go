package latent

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// FileVersion is the version written by Save and the only one Load accepts.
const FileVersion = 1

// fileFormat is the JSON layout of an instance file. Nested arrays keep files readable:
// init[m][s], transitions[m][s][a][s'], rewards[m][s][a].
type fileFormat struct {
	Format      string          `json:"format"`
	Version     int             `json:"version"`
	Name        string          `json:"name,omitempty"`
	M           int             `json:"M"`
	S           int             `json:"S"`
	A           int             `json:"A"`
	H           int             `json:"H"`
	Weights     []float64       `json:"weights"`
	Init        [][]float64     `json:"init"`
	Transitions [][][][]float64 `json:"transitions"`
	Rewards     [][][]float64   `json:"rewards"`
}

const fileFormatName = "gorl-lmdp"

// MarshalJSON encodes the instance in the versioned file layout.
func (l *LMDP) MarshalJSON() ([]byte, error) {
	f := fileFormat{Format: fileFormatName, Version: FileVersion, Name: l.Name, M: l.M, S: l.S, A: l.A, H: l.H,
		Weights: l.Weights, Init: make([][]float64, l.M), Transitions: make([][][][]float64, l.M), Rewards: make([][][]float64, l.M)}
	for m := 0; m < l.M; m++ {
		f.Init[m] = l.InitDist(m)
		f.Transitions[m] = make([][][]float64, l.S)
		f.Rewards[m] = make([][]float64, l.S)
		for s := 0; s < l.S; s++ {
			f.Transitions[m][s] = make([][]float64, l.A)
			f.Rewards[m][s] = make([]float64, l.A)
			for a := 0; a < l.A; a++ {
				f.Transitions[m][s][a] = l.Next(m, s, a)
				f.Rewards[m][s][a] = l.Reward(m, s, a)
			}
		}
	}
	return json.Marshal(f)
}

// UnmarshalJSON decodes and validates an instance.
func (l *LMDP) UnmarshalJSON(data []byte) error {
	var f fileFormat
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return fmt.Errorf("decode LMDP: %w", err)
	}
	if f.Format != fileFormatName {
		return fmt.Errorf("not an LMDP instance: format %q, want %q", f.Format, fileFormatName)
	}
	if f.Version != FileVersion {
		return fmt.Errorf("LMDP file version %d not supported (this build reads version %d)", f.Version, FileVersion)
	}
	if err := checkSizes("file", f.M, f.S, f.A, f.H); err != nil {
		return err
	}
	out := alloc(f.Name, f.M, f.S, f.A, f.H)
	if len(f.Weights) != f.M {
		return fmt.Errorf("LMDP: %d weights for M=%d", len(f.Weights), f.M)
	}
	copy(out.Weights, f.Weights)
	if len(f.Init) != f.M {
		return fmt.Errorf("LMDP: init has %d rows, want M=%d", len(f.Init), f.M)
	}
	if len(f.Transitions) != f.M || len(f.Rewards) != f.M {
		return fmt.Errorf("LMDP: transitions/rewards have %d/%d contexts, want M=%d", len(f.Transitions), len(f.Rewards), f.M)
	}
	for m := 0; m < f.M; m++ {
		if len(f.Init[m]) != f.S {
			return fmt.Errorf("LMDP: init[%d] has %d entries, want S=%d", m, len(f.Init[m]), f.S)
		}
		copy(out.InitDist(m), f.Init[m])
		if len(f.Transitions[m]) != f.S || len(f.Rewards[m]) != f.S {
			return fmt.Errorf("LMDP: transitions[%d]/rewards[%d] have %d/%d states, want S=%d", m, m, len(f.Transitions[m]), len(f.Rewards[m]), f.S)
		}
		for s := 0; s < f.S; s++ {
			if len(f.Transitions[m][s]) != f.A || len(f.Rewards[m][s]) != f.A {
				return fmt.Errorf("LMDP: transitions[%d][%d]/rewards[%d][%d] have %d/%d actions, want A=%d", m, s, m, s, len(f.Transitions[m][s]), len(f.Rewards[m][s]), f.A)
			}
			for a := 0; a < f.A; a++ {
				if len(f.Transitions[m][s][a]) != f.S {
					return fmt.Errorf("LMDP: transitions[%d][%d][%d] has %d entries, want S=%d", m, s, a, len(f.Transitions[m][s][a]), f.S)
				}
				copy(out.Next(m, s, a), f.Transitions[m][s][a])
				out.R[out.SA(m, s, a)] = f.Rewards[m][s][a]
			}
		}
	}
	if err := out.Validate(); err != nil {
		return err
	}
	*l = *out
	return nil
}

// Save writes the instance as JSON to path (through a temporary file and a rename).
func (l *LMDP) Save(path string) error {
	if l == nil {
		return errNil
	}
	if err := l.Validate(); err != nil {
		return fmt.Errorf("save LMDP %q: %w", path, err)
	}
	data, err := json.MarshalIndent(l, "", " ")
	if err != nil {
		return fmt.Errorf("save LMDP %q: %w", path, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".lmdp-*.json")
	if err != nil {
		return fmt.Errorf("save LMDP %q: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("save LMDP %q: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("save LMDP %q: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("save LMDP %q: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("save LMDP %q: %w", path, err)
	}
	return nil
}

// Load reads and validates an instance file written by Save (or by hand).
func Load(path string) (*LMDP, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load LMDP %q: %w", path, err)
	}
	var l LMDP
	if err := json.Unmarshal(data, &l); err != nil {
		return nil, fmt.Errorf("load LMDP %q: %w", path, err)
	}
	return &l, nil
}

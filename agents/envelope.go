package agents

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"gorl/env"
	"gorl/logs"
)

// RunFormat is the format version of a training run's config.json. Format 2 holds the
// envelope at the top level (RunConfig); format 1, written before the envelope existed
// and recognised by its missing "format" key, kept env, env_options and seed inside the
// algorithm's section and counted PPO's checkpoint_every in updates. Both are read.
const RunFormat = 2

// RunConfig is config.json of a training run: the envelope at the top level (the
// command, format, gorl version, run id, algorithm, environment and seed) and the
// fields of the algorithm's Settings beside it, enough to rerun or resume the run.
// Every reader of a training run (eval, render, logs ls, --resume) reads the envelope.
type RunConfig struct {
	Command    string      `json:"command,omitempty"`
	Format     int         `json:"format"`
	Version    string      `json:"gorl_version,omitempty"`
	RunID      string      `json:"run_id,omitempty"`
	Algo       string      `json:"algo"`
	Env        string      `json:"env"`
	EnvOptions env.Options `json:"env_options,omitempty"`
	Seed       uint64      `json:"seed"`
	// EnvSoftware is what the environment runs on outside gorl, as it describes itself
	// (env.Describer; for gym: the Python, Gymnasium and protocol versions): recorded for
	// a rerun, absent for gorl's own environments (DescribeEnv fills it).
	EnvSoftware map[string]string `json:"env_software,omitempty"`
	// Settings are the algorithm's; their env and seed follow the envelope's.
	Settings Settings `json:"-"`
}

// envelopeKeys are the top-level keys of the envelope.
var envelopeKeys = []string{"command", "format", "gorl_version", "run_id", "algo", "env", "env_options", "seed", "env_software"}

// NewRunConfig returns the envelope of settings s of algorithm algo, with the
// environment and seed read from s.
func NewRunConfig(command, version, algo string, s Settings) *RunConfig {
	c := &RunConfig{Command: command, Format: RunFormat, Version: version, Algo: algo, Settings: s}
	cm := s.Common()
	c.Env, c.EnvOptions, c.Seed = *cm.Env, *cm.EnvOptions, *cm.Seed
	return c
}

// DescribeEnv makes one instance of the run's environment to record its description in
// EnvSoftware (nil for environments that do not describe themselves) and closes it. Call
// it before config.json is written; it returns the error of an environment that cannot
// be made. A gym: environment costs a Python worker start.
func (c *RunConfig) DescribeEnv() error {
	e, err := env.Make(c.Env, c.EnvOptions)
	if err != nil {
		return err
	}
	c.EnvSoftware = env.Describe(e)
	if cl, ok := e.(io.Closer); ok {
		cl.Close()
	}
	return nil
}

// Sync copies the envelope's environment and seed into the settings.
func (c *RunConfig) Sync() {
	cm := c.Settings.Common()
	*cm.Env, *cm.EnvOptions, *cm.Seed = c.Env, c.EnvOptions, c.Seed
}

// MarshalJSON writes the envelope's keys first, then the settings' fields, without the
// environment and seed that the envelope holds.
func (c *RunConfig) MarshalJSON() ([]byte, error) {
	type envelope RunConfig
	head, err := json.Marshal((*envelope)(c))
	if err != nil || c.Settings == nil {
		return head, err
	}
	cm := c.Settings.Common()
	id, opts, seed := *cm.Env, *cm.EnvOptions, *cm.Seed
	*cm.Env, *cm.EnvOptions, *cm.Seed = "", nil, 0
	body, err := json.Marshal(c.Settings)
	*cm.Env, *cm.EnvOptions, *cm.Seed = id, opts, seed
	if err != nil {
		return nil, err
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		return nil, err
	}
	for _, k := range envelopeKeys {
		if _, clash := fields[k]; clash {
			return nil, fmt.Errorf("settings of %s have a field %q that the envelope holds", c.Algo, k)
		}
	}
	if len(fields) == 0 {
		return head, nil
	}
	out := append(head[:len(head)-1:len(head)-1], ',')
	return append(out, body[1:]...), nil
}

// DecodeRunConfig decodes a training run's config.json, or a hand-written subset of one
// (a --config file), for the algorithms of reg. algo names the algorithm when data has
// no "algo" key (a format-1 file of a PPO run had one; a --config file may not).
// Unknown keys are refused. Errors name the key but not the file.
func DecodeRunConfig(data []byte, reg *Registry, algo string) (*RunConfig, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, errors.New("is empty")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	var fields map[string]json.RawMessage
	if err := dec.Decode(&fields); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field == "" {
			return nil, fmt.Errorf("want a JSON object, got %s", te.Value)
		}
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("unexpected data after the JSON object")
	}
	c := &RunConfig{Format: 1, Algo: algo}
	present := map[string]bool{}
	for k, dst := range map[string]any{"command": &c.Command, "format": &c.Format, "gorl_version": &c.Version,
		"run_id": &c.RunID, "algo": &c.Algo, "env": &c.Env, "env_options": &c.EnvOptions, "seed": &c.Seed,
		"env_software": &c.EnvSoftware} {
		if v, ok := fields[k]; ok {
			if err := json.Unmarshal(v, dst); err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			delete(fields, k)
			present[k] = true
		}
	}
	if c.Format < 1 || c.Format > RunFormat {
		return nil, fmt.Errorf("format %d; this gorl reads formats 1 to %d (a newer gorl wrote it?)", c.Format, RunFormat)
	}
	if c.Algo == "" {
		c.Algo = "ppo"
	}
	a, err := reg.Lookup(c.Algo)
	if err != nil {
		return nil, err
	}
	c.Settings = a.NewSettings()
	body, _ := json.Marshal(fields)
	if err := strictDecode(body, c.Settings); err != nil {
		return nil, err
	}
	if err := checkMinimums(c.Settings, body); err != nil {
		return nil, err
	}
	// The envelope's keys win; a file without them (format 1, or a subset) keeps the
	// section's.
	cm := c.Settings.Common()
	if !present["env"] {
		c.Env = *cm.Env
	}
	if !present["env_options"] {
		c.EnvOptions = *cm.EnvOptions
	}
	if !present["seed"] {
		c.Seed = *cm.Seed
	}
	c.Sync()
	// A run's config.json of format 1 counted checkpoint_every in updates; a
	// hand-written file (no command) is read in today's units.
	if c.Format == 1 && c.Command == "train" {
		if u, ok := c.Settings.(interface{ UpgradeFormat1() }); ok {
			u.UpgradeFormat1()
		}
	}
	c.Format = RunFormat
	return c, nil
}

func strictDecode(data []byte, into any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	return dec.Decode(into)
}

// ReadRun reads the config.json of a training run directory, saying in one line when
// dir is no run directory, the run of another command, or a config that does not
// decode (naming the file).
func ReadRun(dir string, reg *Registry) (*RunConfig, error) {
	if st, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("%s: no such run directory", dir)
	} else if !st.IsDir() {
		return nil, fmt.Errorf("%s is not a run directory (not a directory)", dir)
	}
	path := filepath.Join(dir, "config.json")
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s is not a run directory (no config.json)", dir)
	}
	var head struct {
		Command string `json:"command"`
	}
	if json.Unmarshal(data, &head) == nil && head.Command != "" && head.Command != "train" {
		return nil, fmt.Errorf("%s is not a training run (it was written by gorl %s)", dir, head.Command)
	}
	c, err := DecodeRunConfig(data, reg, "")
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	// A hand-edited config.json must fail here, naming the file, not deep in a trainer.
	if err := c.Settings.Resolve(); err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	if c.RunID == "" { // format 1: the run id its rows carry, else the directory's name
		c.RunID = filepath.Base(filepath.Clean(dir))
		if t, err := logs.EpisodesTable(dir); err == nil && len(t.Rows) > 0 {
			if id, ok := t.Rows[0][0].(string); ok && id != "" {
				c.RunID = id
			}
		}
	}
	return c, nil
}

package lpg

import (
	"bufio"
	"fmt"
	"io"
	"os"

	"gorl/agents/nn"
	"gorl/env"
	"gorl/logs"
)

// The update rule file holds an LPG or TA-LPG rule, as the evolution code writes it and
// `gorl train --algo lpg --update-rule FILE` reads it:
//
//	line 1: "gorl-lpg v1"
//	line 2: a JSON header {"objective": "lpg"|"ta-lpg", "inputs": 5|7, "bins": B,
//	        "embed": E, "hidden": H}
//	rest:   the weights in agents/nn's parameter format (nn.Params.WriteTo): embed.0.w/b,
//	        embed.1.w/b, gru.wi/wh/bi/bh, pi_hat.w/b, y_hat.w/b
const ruleMagic = "gorl-lpg v1"

// RuleHeader is the JSON header of an update rule file.
type RuleHeader struct {
	Objective string `json:"objective"`
	Inputs    int    `json:"inputs"`
	Bins      int    `json:"bins"`
	Embed     int    `json:"embed"`
	Hidden    int    `json:"hidden"`
}

// WriteTo writes the rule in the update rule file format.
func (r *Rule) WriteTo(w io.Writer) (int64, error) {
	c := r.Config
	h := RuleHeader{Objective: c.Name(), Inputs: c.Inputs(), Bins: c.Bins, Embed: c.Embed, Hidden: c.Hidden}
	return nn.WriteHeadered(w, ruleMagic, h, r.params)
}

// SaveRule writes an update rule file atomically.
func SaveRule(path string, r *Rule) error {
	return logs.WriteFileAtomic(path, func(f *os.File) error {
		_, err := r.WriteTo(f)
		return err
	})
}

// ReadRule reads an update rule file.
func ReadRule(rd io.Reader) (*Rule, error) {
	br := bufio.NewReader(rd)
	var h RuleHeader
	if err := nn.ReadHeader(br, ruleMagic, "LPG update rule", &h); err != nil {
		return nil, err
	}
	cfg := RuleConfig{Bins: h.Bins, Embed: h.Embed, Hidden: h.Hidden}
	switch h.Objective {
	case "lpg":
	case "ta-lpg":
		cfg.Temporal = true
	default:
		return nil, fmt.Errorf("update rule header: unknown objective %q (want lpg or ta-lpg)", h.Objective)
	}
	if h.Bins == 0 || h.Embed == 0 || h.Hidden == 0 {
		return nil, fmt.Errorf("update rule header: bins, embed and hidden must be set, got %d, %d, %d", h.Bins, h.Embed, h.Hidden)
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("update rule header: %w", err)
	}
	if h.Inputs != cfg.Inputs() {
		return nil, fmt.Errorf("update rule header: %s takes %d inputs, header says %d", h.Objective, cfg.Inputs(), h.Inputs)
	}
	r, err := NewRule(env.NewRand(0), cfg) // the weights are overwritten below
	if err != nil {
		return nil, err
	}
	if _, err := r.params.ReadFrom(br); err != nil {
		return nil, fmt.Errorf("update rule weights: %w", err)
	}
	return r, nil
}

// LoadRule reads an update rule file from path.
func LoadRule(path string) (*Rule, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("load update rule: %w", err)
	}
	defer f.Close()
	r, err := ReadRule(f)
	if err != nil {
		return nil, fmt.Errorf("load update rule %q: %w", path, err)
	}
	return r, nil
}

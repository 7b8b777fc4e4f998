package ppo

import (
	"bufio"
	"fmt"
	"io"
	"os"

	"gorl/agents/nn"
	"gorl/logs"
)

// The drift network file holds a learned objective (LPO or TA-LPO), as the evolution
// code writes it and `gorl train --objective lpo|ta-lpo --objective-params FILE` reads it:
//
//	line 1: "gorl-drift v1"
//	line 2: a JSON header {"objective": "lpo"|"ta-lpo", "inputs": 8|16, "hidden": H,
//	        "ppo_init": bool, "clip_eps": float}
//	rest:   the weights in agents/nn's parameter format (nn.Params.WriteTo), two tensors:
//	        "drift.w1" [inputs, H] and "drift.w2" [H, 1]
const driftMagic = "gorl-drift v1"

// DriftHeader is the JSON header of a drift network file.
type DriftHeader struct {
	Objective string  `json:"objective"`
	Inputs    int     `json:"inputs"`
	Hidden    int     `json:"hidden"`
	PPOInit   bool    `json:"ppo_init"`
	ClipEps   float32 `json:"clip_eps"`
}

func (l *LPO) params() *nn.Params {
	ps := &nn.Params{}
	ps.Add("drift.w1", l.W1)
	ps.Add("drift.w2", l.W2)
	return ps
}

// WriteTo writes the drift network in the drift file format.
func (l *LPO) WriteTo(w io.Writer) (int64, error) {
	if err := l.check(); err != nil {
		return 0, err
	}
	h := DriftHeader{Objective: l.Name(), Inputs: l.Inputs(), Hidden: l.Hidden(), PPOInit: l.PPOInit, ClipEps: l.ClipEps}
	g1, g2 := l.W1.Grad, l.W2.Grad
	n, err := nn.WriteHeadered(w, driftMagic, h, l.params())
	l.W1.Grad, l.W2.Grad = g1, g2 // the weights are constants of the objective
	return n, err
}

// SaveLPO writes a drift network file atomically.
func SaveLPO(path string, l *LPO) error {
	return logs.WriteFileAtomic(path, func(f *os.File) error {
		_, err := l.WriteTo(f)
		return err
	})
}

// ReadLPO reads a drift network file.
func ReadLPO(r io.Reader) (*LPO, error) {
	br := bufio.NewReader(r)
	var h DriftHeader
	if err := nn.ReadHeader(br, driftMagic, "drift network", &h); err != nil {
		return nil, err
	}
	var temporal bool
	switch h.Objective {
	case "lpo":
	case "ta-lpo":
		temporal = true
	default:
		return nil, fmt.Errorf("drift network header: unknown objective %q", h.Objective)
	}
	if h.Hidden < 1 || h.Hidden > 1<<16 {
		return nil, fmt.Errorf("drift network header: bad hidden width %d", h.Hidden)
	}
	l := NewLPO(temporal, h.PPOInit, h.Hidden)
	l.ClipEps = h.ClipEps
	if h.Inputs != l.Inputs() {
		return nil, fmt.Errorf("drift network header: %s takes %d inputs, header says %d", h.Objective, l.Inputs(), h.Inputs)
	}
	if _, err := l.params().ReadFrom(br); err != nil {
		return nil, fmt.Errorf("drift network weights: %w", err)
	}
	l.W1.Grad, l.W2.Grad = nil, nil
	return l, nil
}

// LoadLPO reads a drift network file from path.
func LoadLPO(path string) (*LPO, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("load drift network: %w", err)
	}
	defer f.Close()
	l, err := ReadLPO(f)
	if err != nil {
		return nil, fmt.Errorf("load drift network %q: %w", path, err)
	}
	return l, nil
}

// NewObjective builds the objective a Config names.
func NewObjective(c Config) (Objective, error) {
	c = c.WithDefaults()
	switch c.Objective {
	case "clip":
		return Clip{Eps: float32(c.ClipEps)}, nil
	case "dpo":
		return &DPO{}, nil
	case "lpo", "ta-lpo":
		if c.ObjectiveParams == "" {
			return nil, fmt.Errorf("objective %s needs a drift network file (--objective-params)", c.Objective)
		}
		l, err := LoadLPO(c.ObjectiveParams)
		if err != nil {
			return nil, err
		}
		if l.Name() != c.Objective {
			return nil, fmt.Errorf("objective %s: %s holds a %s drift network", c.Objective, c.ObjectiveParams, l.Name())
		}
		return l, nil
	}
	return nil, fmt.Errorf("unknown objective %q (known: clip, dpo, lpo, ta-lpo)", c.Objective)
}

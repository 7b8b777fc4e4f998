package sweep

import (
	"bytes"
	"context"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// TestCommandRun: every combination times every seed is executed once, the counts are
// reported, and bad flags fail before anything runs.
func TestCommandRun(t *testing.T) {
	var calls atomic.Int32
	var out bytes.Buffer
	c := Command{Dir: filepath.Join(t.TempDir(), "sw"), Grids: []string{"lr=0.1,0.2"}, Seeds: "1-2", Workers: 2,
		Args: []string{"--steps=10"}, Version: "test", Out: &out,
		Exec: func(ctx context.Context, args []string, log io.Writer) error { calls.Add(1); return nil }}
	if err := c.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 4 || !strings.Contains(out.String(), "4 runs (2 combinations x 2 seeds)") || !strings.Contains(out.String(), "4 started, 0 resumed") {
		t.Fatalf("%d runs executed; output %q", calls.Load(), out.String())
	}
	refuse := errors.New("not a flag the sweep can vary")
	for want, change := range map[string]func(*Command){
		"--run-dir DIR is required": func(c *Command) { c.Dir = "" },
		"--workers must be":         func(c *Command) { c.Workers = 0 },
		"--seeds":                   func(c *Command) { c.Seeds = "x" },
		refuse.Error():              func(c *Command) { c.CheckFlag = func(string) error { return refuse } },
	} {
		bad := c
		bad.Dir = filepath.Join(t.TempDir(), "bad")
		change(&bad)
		calls.Store(0)
		if err := bad.Run(context.Background()); err == nil || !strings.Contains(err.Error(), want) || calls.Load() != 0 {
			t.Errorf("%s: %v (%d runs executed)", want, err, calls.Load())
		}
	}
}

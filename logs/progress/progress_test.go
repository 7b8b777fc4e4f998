package progress

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// TestLines: off a terminal, Add prints a line once the interval has passed, Finish a
// final one, and End after a failure none; quiet prints nothing.
func TestLines(t *testing.T) {
	var buf bytes.Buffer
	p := New(10, "train", false)
	p.bar, p.out, p.interval = nil, &buf, 0
	p.Describe("return 3.5")
	p.Add(4)
	p.End(nil)
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "train 4/10 ") || !strings.HasSuffix(lines[1], "return 3.5") {
		t.Fatalf("lines %q", lines)
	}
	buf.Reset()
	p.End(errors.New("failed"))
	if buf.Len() != 0 {
		t.Fatalf("End after a failure printed %q", buf.String())
	}
	q := New(10, "train", true)
	q.Add(10)
	q.Finish()
	if q.bar != nil {
		t.Fatal("a quiet report has a bar")
	}
}

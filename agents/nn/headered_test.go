package nn

import (
	"bufio"
	"bytes"
	"strings"
	"testing"
)

// A headered file round-trips its header and parameters, and a wrong magic line or a
// broken header gives an error naming the file kind.
func TestHeaderedRoundTrip(t *testing.T) {
	type header struct {
		Kind  string `json:"kind"`
		Width int    `json:"width"`
	}
	w := NewParam(3)
	copy(w.Data, []float32{1, -2, 3.5})
	p := &Params{}
	p.Add("w", w)
	var buf bytes.Buffer
	if _, err := WriteHeadered(&buf, "gorl-test v1", header{"x", 3}, p); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(buf.String(), "gorl-test v1\n{\"kind\":\"x\",\"width\":3}\n") {
		t.Fatalf("file starts %q", buf.String()[:40])
	}
	br := bufio.NewReader(bytes.NewReader(buf.Bytes()))
	var h header
	if err := ReadHeader(br, "gorl-test v1", "test network", &h); err != nil || h != (header{"x", 3}) {
		t.Fatalf("header %+v, %v", h, err)
	}
	got := NewParam(3)
	q := &Params{}
	q.Add("w", got)
	if _, err := q.ReadFrom(br); err != nil {
		t.Fatal(err)
	}
	for i, v := range []float32{1, -2, 3.5} {
		if got.Data[i] != v {
			t.Fatalf("parameter %d = %g, want %g", i, got.Data[i], v)
		}
	}
	for _, c := range []struct{ file, want string }{
		{"gorl-other v1\n{}\n", "not a gorl test network file"},
		{"gorl-test v1\n{not json\n", "test network header"},
		{"gorl-test v1\n", "test network header"},
	} {
		err := ReadHeader(bufio.NewReader(strings.NewReader(c.file)), "gorl-test v1", "test network", &h)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want %q", c.file, err, c.want)
		}
	}
}

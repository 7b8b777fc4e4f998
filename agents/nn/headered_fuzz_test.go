package nn

import (
	"bufio"
	"bytes"
	"testing"
)

// A headered file's magic line and JSON header parse or fail, never panic.
func FuzzReadHeader(f *testing.F) {
	f.Add([]byte("gorl-test v1\n{\"hidden\":4}\n"))
	f.Add([]byte("gorl-test v1\n{\"hidden\":"))
	f.Add([]byte("not a header"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var h struct {
			Hidden int `json:"hidden"`
		}
		_ = ReadHeader(bufio.NewReader(bytes.NewReader(data)), "gorl-test v1", "test", &h)
	})
}

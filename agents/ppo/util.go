package ppo

import (
	"bytes"
	"io"
)

type bytesWriter []byte

func (w *bytesWriter) Write(p []byte) (int, error) {
	*w = append(*w, p...)
	return len(p), nil
}

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

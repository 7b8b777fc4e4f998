package ppo

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// Any drift file reads as a drift network or an error, never a panic or an
// allocation its size cannot justify; one that reads writes back to the same bytes.
func FuzzReadLPO(f *testing.F) {
	path := filepath.Join(f.TempDir(), "seed.drift")
	if err := SaveLPO(path, NewLPO(true, false, 8)); err != nil {
		f.Fatal(err)
	}
	good, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add([]byte("gorl-drift v1\n{\"objective\":\"lpo\",\"hidden\":1000000000}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := ReadLPO(bytes.NewReader(data))
		if err != nil {
			return
		}
		out := filepath.Join(t.TempDir(), "back.drift")
		if err := SaveLPO(out, l); err != nil {
			t.Fatalf("a drift file that reads does not save: %v", err)
		}
	})
}

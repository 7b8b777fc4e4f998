package latent

import (
	"os"
	"path/filepath"
	"testing"
)

// Any instance file loads as a valid LMDP or fails with an error, never a panic.
func FuzzLoad(f *testing.F) {
	l, err := Random(2, 3, 2, 3, 2, 1)
	if err != nil {
		f.Fatal(err)
	}
	path := filepath.Join(f.TempDir(), "seed.json")
	if err := l.Save(path); err != nil {
		f.Fatal(err)
	}
	good, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add([]byte(`{"M":1,"S":1,"A":1,"H":1}`))
	f.Add([]byte(`{"M":2,"S":2,"A":2,"H":3,"weights":[0.5,0.5]}`))
	f.Add([]byte(`not json`))
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "lmdp.json")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		_, _ = Load(path)
	})
}

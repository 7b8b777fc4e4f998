package lpg

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// Any update-rule file reads as a rule or an error, never a panic; one that reads
// saves again.
func FuzzReadRule(f *testing.F) {
	r, err := NewRule(rand.New(rand.NewPCG(1, 2)), RuleConfig{Temporal: true, Hidden: 4, Embed: 4})
	if err != nil {
		f.Fatal(err)
	}
	path := filepath.Join(f.TempDir(), "seed.rule")
	if err := SaveRule(path, r); err != nil {
		f.Fatal(err)
	}
	good, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add(bytes.Replace(good, []byte(`"hidden":4`), []byte(`"hidden":400000000`), 1))
	f.Fuzz(func(t *testing.T, data []byte) {
		rule, err := ReadRule(bytes.NewReader(data))
		if err != nil {
			return
		}
		if err := SaveRule(filepath.Join(t.TempDir(), "back.rule"), rule); err != nil {
			t.Fatalf("a rule file that reads does not save: %v", err)
		}
	})
}

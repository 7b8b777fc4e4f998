package sweep

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// Any sweep.json reads as a plan whose runs all live directly under the sweep
// directory, or fails with an error.
func FuzzReadPlan(f *testing.F) {
	p, err := NewPlan("dev", []string{"--env", "CartPole-v1"}, []Axis{{Flag: "lr", Values: []string{"0.0001", "0.0003"}}}, []uint64{1, 2})
	if err != nil {
		f.Fatal(err)
	}
	good, err := json.Marshal(p)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add([]byte(`{"command":"sweep","runs":[{"name":"../escape","seed":1}]}`))
	f.Add([]byte(`{"command":"sweep","runs":[{"name":"a"},{"name":"a"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, FileName), data, 0o644); err != nil {
			t.Fatal(err)
		}
		p, err := ReadPlan(dir)
		if err != nil {
			return
		}
		for _, r := range p.Runs {
			if filepath.Dir(filepath.Join(dir, r.Name)) != dir {
				t.Fatalf("run %q of a plan that read lies outside the sweep directory", r.Name)
			}
		}
	})
}

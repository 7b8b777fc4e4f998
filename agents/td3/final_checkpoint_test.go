package td3

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gorl/agents/nn"
	"gorl/env"
)

// A final checkpoint is a checkpoint container like every other trainer's: magic,
// checksummed sections. A damaged byte is refused, and a final checkpoint of an older
// gorl (length-prefixed sections, no container) still loads.
func TestFinalCheckpointIsAContainer(t *testing.T) {
	a, _ := New(nil, 3, 2, Config{Hidden: []int{8}, Batch: 16}, env.NewRand(1, 0))
	for range 2 {
		if _, err := a.Update(randomBatch(a, 3)); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "final.ckpt")
	if err := a.SaveCheckpoint(path); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(data, []byte("gorl-ckp")) || !bytes.Contains(data[:64], []byte(finalAlgo)) {
		t.Fatalf("final checkpoint starts %q, want the container's magic and ALGO %s", data[:24], finalAlgo)
	}
	damaged := slices.Clone(data)
	damaged[len(damaged)/2] ^= 0x40
	bad := filepath.Join(dir, "damaged.ckpt")
	if err := os.WriteFile(bad, damaged, 0o644); err != nil {
		t.Fatal(err)
	}
	b, _ := New(nil, 3, 2, Config{Hidden: []int{8}, Batch: 16}, env.NewRand(2, 0))
	if err := b.LoadCheckpoint(bad); err == nil || !strings.Contains(err.Error(), "checksum") {
		t.Fatalf("damaged final checkpoint: err %v, want a checksum error", err)
	}

	// The format before the container, written here independently of SaveCheckpoint.
	var legacy bytes.Buffer
	section := func(p []byte) {
		binary.Write(&legacy, binary.LittleEndian, uint64(len(p)))
		legacy.Write(p)
	}
	for _, ps := range []*nn.Params{a.ActorParams, a.ActorTargetParams, a.CriticParams, a.CriticTargetParams} {
		var w bytes.Buffer
		if _, err := ps.WriteTo(&w); err != nil {
			t.Fatal(err)
		}
		section(w.Bytes())
	}
	for _, o := range []*nn.Adam{a.ActorOpt, a.CriticOpt} {
		p, err := o.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		section(p)
	}
	old := filepath.Join(dir, "td3-final.ckpt")
	if err := os.WriteFile(old, legacy.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, old} {
		c, _ := New(nil, 3, 2, Config{Hidden: []int{8}, Batch: 16}, env.NewRand(3, 0))
		if err := c.LoadCheckpoint(p); err != nil {
			t.Fatalf("%s: %v", filepath.Base(p), err)
		}
		if !slices.Equal(a.ActorParams.Flatten(nil), c.ActorParams.Flatten(nil)) || !slices.Equal(a.CriticTargetParams.Flatten(nil), c.CriticTargetParams.Flatten(nil)) || c.CriticOpt.Steps() != 2 {
			t.Fatalf("%s: loaded networks or optimiser differ", filepath.Base(p))
		}
	}
}

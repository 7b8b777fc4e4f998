package agents

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gorl/env"
	"gorl/logs"
)

// TestContainerLayout pins the container's bytes against an independent encoding of
// the documented layout: magic, version, then tag, length, payload, CRC-32C per section.
func TestContainerLayout(t *testing.T) {
	var got bytes.Buffer
	w := NewCheckpointWriter(&got, "xyz")
	w.Section("DATA", []byte("hello"))
	w.Begin("FLTS", 8)
	w.Float32s([]float32{1, -2.5})
	w.End()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	want.WriteString("gorl-ckp")
	binary.Write(&want, binary.LittleEndian, uint32(3))
	sec := func(tag string, p []byte) {
		want.WriteString(tag)
		binary.Write(&want, binary.LittleEndian, uint64(len(p)))
		want.Write(p)
		binary.Write(&want, binary.LittleEndian, crc32.Checksum(p, crc32.MakeTable(crc32.Castagnoli)))
	}
	sec("ALGO", []byte("xyz"))
	sec("DATA", []byte("hello"))
	sec("FLTS", []byte{0, 0, 0x80, 0x3f, 0, 0, 0x20, 0xc0})
	sec("END.", nil)
	if !bytes.Equal(got.Bytes(), want.Bytes()) {
		t.Fatalf("container bytes\n%x\nwant\n%x", got.Bytes(), want.Bytes())
	}
	path := filepath.Join(t.TempDir(), "c.ckpt")
	os.WriteFile(path, got.Bytes(), 0o644)
	r, err := OpenCheckpoint(path)
	if err != nil || r.Algo() != "xyz" {
		t.Fatalf("open: %v (algo %q)", err, r.Algo())
	}
	defer r.Close()
	if p, err := r.Section("DATA"); err != nil || string(p) != "hello" {
		t.Fatalf("DATA %q, %v", p, err)
	}
	if _, err := r.Section("NOPE"); err == nil || !strings.Contains(err.Error(), `section "FLTS" where "NOPE" belongs`) {
		t.Fatalf("wrong tag: %v", err)
	}
}

// TestLatestCheckpointFallsBack: a damaged newest checkpoint is skipped for the newest
// readable one, and Resume says so.
func TestLatestCheckpointFallsBack(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	run, err := logs.Create(dir, "test", logs.Options{EnvID: "test/Counter-v0"})
	if err != nil {
		t.Fatal(err)
	}
	tc := TrainConfig{Env: "test/Counter-v0", Steps: 4 * 3 * 7, Envs: 3, RolloutSteps: 7, CheckpointEvery: 1, KeepCheckpoints: 3}
	newAgent := func(env.Space, env.Space) (Agent, error) { return &valueAgent{t: t}, nil }
	l, err := NewLoop(tc, run, newAgent)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Run(); err != nil {
		t.Fatal(err)
	}
	paths, _ := CheckpointPaths(dir)
	if len(paths) != 3 || filepath.Base(paths[2]) != "steps-000000000084.ckpt" { // update 4 of 3 x 7 steps
		t.Fatalf("checkpoints %v", paths)
	}
	data, _ := os.ReadFile(paths[2])
	data[len(data)/2] ^= 0xff
	os.WriteFile(paths[2], data, 0o644)
	ck, skipped, err := LatestCheckpointSkipping(dir)
	if err != nil || ck.Update != 3 || len(skipped) != 1 || !strings.Contains(skipped[0].Error(), "steps-000000000084.ckpt") {
		t.Fatalf("latest readable: %+v, skipped %v, %v; want update 3 with update 4 skipped", ck, skipped, err)
	}
	for _, p := range paths {
		os.WriteFile(p, []byte("junk"), 0o644)
	}
	if _, err := LatestCheckpoint(dir); err == nil || !strings.Contains(err.Error(), "steps-000000000084.ckpt: truncated") {
		t.Fatalf("all damaged: %v", err)
	}
}

// TestRunConfigEnvelope: config.json holds the envelope at the top level and the
// settings beside it, without their env and seed; a format-1 file (env and seed in the
// section, checkpoint_every in updates) decodes to the same run.
func TestRunConfigEnvelope(t *testing.T) {
	reg := NewRegistry(testAlgo{})
	s := &testSettings{Train: TrainConfig{Env: "test/Counter-v0", Seed: 7, Steps: 84, Envs: 3, RolloutSteps: 7}}
	data, err := json.Marshal(NewRunConfig("train", "v1", "test", s))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"command":"train","format":2,"gorl_version":"v1","algo":"test","env":"test/Counter-v0","seed":7,"train":{"steps":84,"envs":3,"rollout_steps":7,`
	if !strings.HasPrefix(string(data), want) || s.Train.Env != "test/Counter-v0" {
		t.Fatalf("config.json %s\nwant prefix %s", data, want)
	}
	old := `{"command":"train","algo":"test","train":{"env":"test/Counter-v0","seed":7,"steps":84,"envs":3,"rollout_steps":7,"checkpoint_every":2}}`
	rc, err := DecodeRunConfig([]byte(old), reg, "")
	if err != nil {
		t.Fatal(err)
	}
	got := rc.Settings.(*testSettings).Train
	if rc.Env != "test/Counter-v0" || rc.Seed != 7 || got.Seed != 7 || got.CheckpointEvery != 2*3*7 || rc.Format != RunFormat {
		t.Fatalf("format 1 decoded to %+v, settings %+v", rc, got)
	}
	if _, err := DecodeRunConfig([]byte(`{"format":3,"algo":"test"}`), reg, ""); err == nil || !strings.Contains(err.Error(), "format 3") {
		t.Fatalf("format 3: %v", err)
	}
	if _, err := DecodeRunConfig([]byte(`{"algo":"test","train":{"stepz":1}}`), reg, ""); err == nil || !strings.Contains(err.Error(), "stepz") {
		t.Fatalf("unknown key: %v", err)
	}
}

// TestFieldsSetNestedAndPointers: flags reach nested sections and allocate pointers.
func TestFieldsSetNestedAndPointers(t *testing.T) {
	s := &testSettings{}
	fields := map[string]Field{}
	for _, f := range Fields(s) {
		fields[f.Flag] = f
	}
	if _, ok := fields["env"]; ok {
		t.Fatal("env is set by the environment flags, not a settings flag")
	}
	for flag, text := range map[string]string{"steps": "99", "stop-at-return": "4.5", "extra-size": "3", "hidden": "4, 5"} {
		f, ok := fields[flag]
		if !ok {
			t.Fatalf("no field for --%s in %v", flag, fields)
		}
		if err := f.Set(text); err != nil {
			t.Fatal(err)
		}
	}
	if s.Train.Steps != 99 || s.Train.StopAtReturn == nil || *s.Train.StopAtReturn != 4.5 || s.Extra == nil || s.Extra.Size != 3 || len(s.Hidden) != 2 || s.Hidden[1] != 5 {
		t.Fatalf("settings after Set: %+v, extra %+v", s, s.Extra)
	}
	if got := fields["stop-at-return"].String(); got != "4.5" {
		t.Fatalf("String of --stop-at-return: %q", got)
	}
	if err := fields["steps"].Set("many"); err == nil || !strings.Contains(err.Error(), `invalid argument "many" for --steps`) {
		t.Fatalf("bad int: %v", err)
	}
	if mean, std, lo, hi := ReturnStats([]logs.EpisodeRow{{Return: 1}, {Return: 3}}); mean != 2 || std != 1 || lo != 1 || hi != 3 {
		t.Fatalf("ReturnStats: %v %v %v %v, want 2 1 1 3", mean, std, lo, hi)
	}
}

type testAlgo struct{}

func (testAlgo) Name() string          { return "test" }
func (testAlgo) NewSettings() Settings { return &testSettings{} }

type testSettings struct {
	Train  TrainConfig `json:"train"`
	Hidden []int       `json:"hidden,omitempty"`
	Extra  *struct {
		Size int `json:"size"`
	} `json:"extra,omitempty" flag:"extra-"`
}

func (s *testSettings) Common() Common                               { return LoopCommon(&s.Train) }
func (s *testSettings) UpgradeFormat1()                              { s.Train.UpgradeFormat1() }
func (s *testSettings) Resolve() error                               { return nil }
func (s *testSettings) NewTrainer(*logs.Run) (Trainer, error)        { return nil, nil }
func (s *testSettings) Resume(string, logs.Options) (Trainer, error) { return nil, nil }
func (s *testSettings) Policy(string, string, env.Options) (Policy, env.Env, string, error) {
	return nil, nil, "", nil
}

// TestMemberReturns averages the last window of each member's episodes (by context).
func TestMemberReturns(t *testing.T) {
	eps := []logs.EpisodeRow{{Context: 0, Return: 1}, {Context: 1, Return: 10}, {Context: 0, Return: 3}, {Context: 0, Return: 5}, {Context: 7, Return: 99}}
	got := MemberReturns([]string{"a", "b", "c"}, eps, 2)
	if got[0].Recent != 4 || got[0].Last != 2 || got[0].Episodes != 3 || got[1].Recent != 10 || got[2].Last != 0 || got[2].Recent == got[2].Recent {
		t.Fatalf("member returns %+v; want a: 4 over the last 2 of 3, b: 10, c: none (NaN)", got)
	}
}

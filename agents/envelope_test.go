package agents

import (
	"encoding/json"
	"maps"
	"strings"
	"testing"

	"gorl/env"
)

// described is a counter that says what it runs on, as a gym: environment does.
type described struct{ counter }

func (described) Describe() map[string]string { return map[string]string{"engine": "9.1"} }

func init() {
	env.Register(env.Spec{ID: "test/Described-v0", MaxEpisodeSteps: 5,
		New: func(env.Options) (env.Env, error) { return &described{}, nil }})
}

// TestEnvSoftware: DescribeEnv records what an env.Describer reports in the envelope,
// config.json carries it and decodes it back; an environment that does not describe
// itself leaves no key, so config.json of gorl's own environments is unchanged.
func TestEnvSoftware(t *testing.T) {
	reg := NewRegistry(testAlgo{})
	s := &testSettings{Train: TrainConfig{Env: "test/Described-v0", Seed: 7, Steps: 84, Envs: 3, RolloutSteps: 7}}
	rc := NewRunConfig("train", "v1", "test", s)
	if err := rc.DescribeEnv(); err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(rc)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `"seed":7,"env_software":{"engine":"9.1"},"train":{`) {
		t.Fatalf("config.json %s", data)
	}
	back, err := DecodeRunConfig([]byte(`{"command":"train","format":2,"algo":"test","env":"test/Described-v0","seed":7,"env_software":{"engine":"9.1"}}`), reg, "")
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(back.EnvSoftware, map[string]string{"engine": "9.1"}) {
		t.Fatalf("decoded env_software %v", back.EnvSoftware)
	}

	plain := NewRunConfig("train", "v1", "test", &testSettings{Train: TrainConfig{Env: "test/Counter-v0", Seed: 7}})
	if err := plain.DescribeEnv(); err != nil {
		t.Fatal(err)
	}
	if data, _ := json.Marshal(plain); strings.Contains(string(data), "env_software") {
		t.Fatalf("an environment without a description: %s", data)
	}
	bad := NewRunConfig("train", "v1", "test", &testSettings{Train: TrainConfig{Env: "test/NoSuch-v0"}})
	if err := bad.DescribeEnv(); err == nil {
		t.Fatal("an unknown env id described")
	}
}

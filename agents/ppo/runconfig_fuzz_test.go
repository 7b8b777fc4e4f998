package ppo

import (
	"testing"

	"gorl/agents"
)

// Any config.json (or --config file) of a PPO run decodes to settings that resolve,
// or fails with an error; never a panic.
func FuzzDecodeRunConfig(f *testing.F) {
	reg := agents.NewRegistry(Algorithm{})
	f.Add([]byte(`{"format":2,"command":"train","algo":"ppo","env":"CartPole-v1","env_options":{},"seed":1,"train":{"steps":2048,"envs":4},"ppo":{"lr":0.00025}}`))
	f.Add([]byte(`{"train":{"env":"Pendulum-v1","steps":-1}}`))
	f.Add([]byte(`{"format":1,"command":"train","train":{"checkpoint_every":3},"ppo":{"objective":"lpo"}}`))
	f.Add([]byte(`[1,2]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := agents.DecodeRunConfig(data, reg, "")
		if err != nil {
			return
		}
		_ = c.Settings.Resolve()
	})
}

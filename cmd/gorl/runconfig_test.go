package main

import (
	"os"

	"gorl/agents"
	"gorl/agents/lpg"
	"gorl/agents/ppo"
	setnet "gorl/agents/set"
	"gorl/agents/td3"
)

// trainConfig is a test's view of a training run's config.json: the envelope and the
// sections of whichever algorithm wrote it.
type trainConfig struct {
	agents.RunConfig
	Train agents.TrainConfig
	PPO   ppo.Config
	TD3   *td3.TrainConfig
	Arch  string
	SET   *setnet.Sizes
	SWAT  *setnet.SWATSizes
}

type (
	setSizes  = setnet.Sizes
	trainJSON = agents.SummaryJSON
)

var defaultSET = setnet.DefaultSizes

// readTrainConfig decodes config.json at path as gorl reads it.
func readTrainConfig(path string, into *trainConfig) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	rc, err := agents.DecodeRunConfig(data, algorithms, "")
	if err != nil {
		return err
	}
	into.RunConfig = *rc
	switch s := rc.Settings.(type) {
	case *ppo.Settings:
		into.Train, into.PPO = s.Train, s.PPO
	case *lpg.Settings:
		into.Train = s.Train
	case *td3.Settings:
		into.TD3, into.Arch, into.SET, into.SWAT = &s.TD3, s.Arch, s.SET, s.SWAT
	}
	return nil
}

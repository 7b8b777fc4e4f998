package agents

// The random-stream ids of a training run: every random draw of a run comes from
// env.NewRand(seed, id, ...) or env.DeriveSeed(seed, id, ...) with one of these ids
// directly under the run's seed, so that no two components share a stream and adding
// one changes no other's numbers. This table is the one place they are assigned.
const (
	// StreamEnvs seeds the training environments (sub-environment i: DeriveSeed(., i)).
	StreamEnvs = 1
	// StreamEval seeds evaluation episodes (then the update index during training).
	StreamEval = 2
	// StreamAgent is the agent's: ppo and lpg derive their streams below it
	// (StreamAgentInit, StreamAgentSample, StreamAgentShuffle); td3 initialises its
	// networks from it.
	StreamAgent = 3
	// StreamExplore is td3's warm-up actions and exploration noise.
	StreamExplore = 4
	// StreamReplay is td3's minibatch sampling.
	StreamReplay = 5
	// StreamTarget is td3's target policy smoothing noise.
	StreamTarget = 6
)

// StreamRolloutActions is the stream of gorl rollout's uniform actions (slot i:
// NewRand(seed, StreamRolloutActions, i)); a rollout seeds its environments with the seed
// itself, not with StreamEnvs.
const StreamRolloutActions = 1

// Streams below StreamAgent (env.NewRand(seed, StreamAgent, id)).
const (
	StreamAgentInit    = 0 // network initialisation
	StreamAgentSample  = 1 // action sampling
	StreamAgentShuffle = 2 // minibatch order
)

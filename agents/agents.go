// Package agents holds what every gorl learning agent shares: the Policy and Agent
// contracts, the Trainer contract every algorithm trains through, the run envelope of
// config.json, the checkpoint container, the rollout buffer with generalised advantage
// estimation, the on-policy training loop (logging to a run directory, progress,
// periodic evaluation, checkpoints) and Resume, which continues a run from its latest
// checkpoint exactly as an uninterrupted run with the same seed would.
//
// # One trainer contract
//
// An algorithm is a package that implements Algorithm (its name and NewSettings) and
// Settings (its part of config.json: Common points at the env, seed, budget and
// checkpoint cadence; Resolve fills defaults and validates; NewTrainer, Resume and
// Policy build a fresh run, continue one and load its policy for evaluation). The
// Trainer it returns trains until the budget is spent, writes checkpoints, stops
// cleanly with a checkpoint when its context is cancelled (the run is then marked
// interrupted) and reports one Summary to one Hooks type. ppo and lpg train on the Loop
// (which is a Trainer); td3 has its own off-policy trainer. A Registry of algorithms
// is all gorl train, gorl eval and --resume need: adding an algorithm is one package
// plus one registration (cmd/gorl/trainflags.go). Fields turns every setting into a
// command-line flag named after its config key.
//
// # Run envelope and checkpoints
//
// config.json of a training run (RunConfig, format RunFormat) holds at its top level
// command, format, gorl_version, run_id, algo, env, env_options and seed, and beside
// them the algorithm's settings; format-1 files (env and seed inside the section) are
// still read. Every checkpoint is a container (container.go: magic, version, named
// sections with CRC-32C checksums); LatestCheckpoint and LatestReadable fall back to the
// newest readable checkpoint when the newest is damaged. Random streams are assigned
// in one table (streams.go).
//
// The loop drives an env.Vector in same-step autoreset mode. Each update collects
// RolloutSteps steps from every sub-environment into a Rollout, hands it to the agent's
// Update and logs one metrics row. Checkpoints are written at the start and between
// updates, when no rollout is in flight, so a checkpoint needs no partial rollout.
//
// With TrainConfig.Normalize on (the default for Box action spaces) every
// sub-environment is wrapped as in CleanRL's ppo_continuous_action.py, each with its own
// running statistics as Gymnasium's per-environment wrappers keep them: observations
// standardised and clipped to [-10, 10], rewards divided by the running standard
// deviation of their discounted return (the agent's discount) and clipped to [-10, 10].
// The agent sees and learns from the normalised values; the logs keep the environment's
// own: the step table's obs and reward columns and the episodes' returns are raw.
// Evaluation normalises observations with the statistics of all sub-environments
// pooled, frozen (Loop.Evaluate, CheckpointEvalEnv), and reports raw returns. The
// statistics are part of the environments' snapshots, so Resume stays exact.
package agents

import (
	"math/rand/v2"

	"gorl/env"
)

// Policy chooses actions for a batch of observations.
type Policy interface {
	// Act writes an action for each row of obs into the matching row of actions (the
	// action space's Dim values; a discrete action is its index). Deterministic picks
	// the most likely action (the mode) instead of sampling.
	Act(obs, actions [][]float64, deterministic bool)
}

// Agent is an on-policy learner driven by Train.
type Agent interface {
	Policy
	// Sample draws an action for each observation from the current policy and writes
	// its log-probability and the value estimate of the observation.
	Sample(obs, actions [][]float64, logProb, value []float64)
	// Values writes the value estimate of each observation (used to bootstrap truncated
	// episodes and the step after the rollout).
	Values(obs [][]float64, value []float64)
	// Update learns from a complete rollout (LastValues filled; the agent computes its
	// advantages, e.g. with Rollout.GAE). It returns the update's metrics (loss terms,
	// statistics), named as metrics columns; a non-finite value stops training.
	Update(r *Rollout, p Progress) (map[string]float64, error)
	// MarshalState saves everything that changes during training (parameters,
	// optimiser state, random streams); UnmarshalState restores it into an agent
	// built with the same settings.
	MarshalState() ([]byte, error)
	UnmarshalState(state []byte) error
}

// Progress locates an update within training: update Update of Updates (from 0).
// Learned objectives that are temporally aware receive Fraction() = n/N.
type Progress struct {
	Update, Updates int
}

// Fraction is n/N, the share of training already done before this update, in [0, 1).
func (p Progress) Fraction() float64 {
	if p.Updates <= 0 {
		return 0
	}
	return float64(p.Update) / float64(p.Updates)
}

// Stream is a random stream whose state can be saved in a checkpoint: env.NewRand's
// stream with its source kept, so it draws the same numbers.
type Stream struct {
	*rand.Rand
	src *rand.PCG
}

// NewStream returns the stream of seed and path (see env.NewRand).
func NewStream(seed uint64, path ...uint64) *Stream {
	src := env.NewPCG(seed, path...)
	return &Stream{Rand: rand.New(src), src: src}
}

// MarshalBinary saves the stream's state.
func (s *Stream) MarshalBinary() ([]byte, error) { return s.src.MarshalBinary() }

// UnmarshalBinary restores a state saved by MarshalBinary.
func (s *Stream) UnmarshalBinary(b []byte) error { return s.src.UnmarshalBinary(b) }

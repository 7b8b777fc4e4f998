// Package td3 implements TD3, Twin Delayed Deep Deterministic policy gradients
// (Fujimoto, van Hoof & Meger 2018), with pluggable actor and critic architectures.
//
// # Architectures
//
// An Actor maps a batch of observations [B, obsDim] to actions [B, actDim] in [-1, 1]
// on a tape; a Critic returns the twin estimates Q1, Q2 [B, 1] for observations and
// actions. Arch builds fresh, independently initialised instances of both; the agent
// builds each twice (online and target network) and copies the online parameters into
// the targets. MLPArch is the paper's 256-256 ReLU baseline.
//
// A morphology-aware network (for example a SubEquivariant Transformer) plugs in by
// implementing the same two interfaces: it reads the flat observation row of each
// sample, splits it into per-node (per-limb) features itself, and writes one action
// per actuated node back into the flat action row. For a multi-task set of
// morphologies with different node counts, the observation and action rows are padded
// to the largest morphology: the network ignores padded nodes and writes 0 into padded
// action slots; the critic ignores padded action slots. SETArch (the SubEquivariant
// Transformer of agents/set) and SWATArch (its SWAT-style Transformer baseline) do this
// for a list of morphology graphs and implement Morphologies, so that
// Agent.UseMorphology(k) selects the graph of member k. MLPArch reads the padded rows as
// they are (a fixed input width: no transfer to other morphologies).
//
// # Multi-task sets
//
// On an environment that implements MultiTask (env/locomotion's sgrl/hopper++ ...: a
// member drawn per episode), the trainer keeps one replay buffer per member, each of
// capacity BufferSize, stores every transition in its member's buffer, and after each
// environment step takes one update on that step's member: a batch drawn from the
// member's buffer, the networks set to the member's graph. Each morphology thus gets
// updates in proportion to the transitions it produced, one morphology per update, as in
// the paper's code. Episode and step rows carry the member index as their context.
//
// # Actions
//
// The networks and the replay buffer work in normalised actions a ∈ [-1, 1]^A; the
// loop maps them to the environment's Box bounds, a_env = low + (a+1)/2·(high−low).
// Exploration noise (default std 0.1) and target smoothing noise (0.2, clipped to
// 0.5) are therefore fractions of half the action range, as the paper's noise scaled
// by max_action.
//
// # Training and checkpoints
//
// Train (or a Trainer from NewTrainer) steps an env.Vector (same-step autoreset), stores
// every transition, and after WarmUp uniformly random environment steps does one
// gradient update per environment step. Only terminated cuts the bootstrap; truncated
// episodes bootstrap from the final observation. Episodes, steps (thinned by StepEvery)
// and a metrics row every MetricsEvery env steps (critic_loss, actor_loss, q_mean,
// steps_per_second, recent_return, buffer_size, critic_updates) go to the run directory.
//
// A run with a run directory writes resumable checkpoints: one at the start, then every
// CheckpointEvery env steps or CheckpointSeconds of wall time, keeping only the newest
// (agents.CheckpointPath: checkpoints/steps-N.ckpt; td3-steps-N.ckpt in older runs, still read). Each holds everything the run depends on: the online
// and target networks, both Adam states, the replay buffer (its float32 rows, insertion
// index and size), the exploration, minibatch and target-smoothing streams, the
// environments' snapshots (env.Snapshotter) and current observations, episode and step
// counters, the metrics accumulators and the logs.Marks of the rows made durable with
// it, as sections of agents' checkpoint container (ALGO "td3"; td3's own earlier format,
// magic "gorl-td3", is still read). A new checkpoint replaces the previous one only once
// it is complete (temporary file, fsync, rename), so a run briefly needs disk room for two. Sections are CRC-32C
// checked, so a truncated or damaged file is refused. A multi-task run's checkpoint holds
// one replay section per member. Resume
// reopens the run directory, cuts the logs back to the marks and continues bit for bit:
// a run killed and resumed ends with the same tables and networks as an uninterrupted
// one. An environment that cannot save its state gets no resumable checkpoints. At the
// end the networks and optimiser states go to checkpoints/final.ckpt (Agent.SaveCheckpoint:
// the same container, ALGO "td3-networks"; td3-final.ckpt in older runs); Policy acts with the actor (gorl eval uses it).
//
// # The trainer contract
//
// Algorithm and Settings (trainer.go) register TD3 with agents: config.json's "td3",
// "arch" and "set"/"swat" sections, the architecture's sizes resolved and checked
// (agents/set.Sizes), and an agents.Trainer that closes the run's log, stops with a
// checkpoint when its context is cancelled and reports agents.Summary (with the recent
// return of every member of a multi-task set). Hooks is agents.Hooks.
package td3

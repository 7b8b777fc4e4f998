// Package evolution holds evolution strategies in the ask/tell manner of evosax behind
// one Strategy interface (OpenES, SNES and CMA-ES, each with explicit state that
// SaveState/LoadState carry across interruptions), fitness shaping (Shape: centred
// ranks, z-scores, pair ranks), a deterministic parallel evaluation pool (an Evaluator;
// the sub-package evolution/distributed is another, with workers over NATS), and the
// meta-training of learned PPO objectives (LPO, TA-LPO; Lu et al. 2022, Jackson et al.
// 2024) and of LPG update rules (LPG, TA-LPG; Oh et al. 2020, Jackson et al. 2024) by
// any Strategy (MetaTrainOn; MetaJob is the wire form of its fitness function). LPG
// rules meta-train either with fresh agents for a whole lifetime or with groove's
// protocol of persistent agents (groove.go). The sub-package evolution/horizons holds
// the experiments that test learned objectives across training horizons.
//
// All strategies maximise fitness; their random draws come from env.NewRand streams
// keyed by the strategy's seed and the generation, so a strategy restored from its
// state continues exactly as an uninterrupted one would.
package evolution

// Package evolution holds evolution strategies in the ask/tell manner of evosax
// (OpenES, SNES; CMA-ES through gonum's optimize.CmaEsChol), fitness shaping, a
// deterministic parallel evaluation pool (an Evaluator; the sub-package
// evolution/distributed is another, with workers over NATS), and the meta-training by
// OpenES of learned PPO objectives (LPO, TA-LPO; Lu et al. 2022, Jackson et al. 2024)
// and of LPG update rules (LPG, TA-LPG; Oh et al. 2020, Jackson et al. 2024), on
// either (MetaTrainOn; MetaJob is the wire form of its fitness function).
//
// OpenES and SNES maximise fitness; their random draws come from env.NewRand streams
// keyed by the strategy's seed and the generation, so a strategy restored from its
// State continues exactly as an uninterrupted one would. CMAES minimises (gonum's
// convention) and runs a whole optimisation per call.
package evolution

// Package evolution holds evolution strategies in the ask/tell manner of evosax
// (OpenES, SNES; CMA-ES through gonum's optimize.CmaEsChol), fitness shaping, a
// deterministic parallel evaluation pool, and the meta-training of learned PPO
// objectives (LPO, TA-LPO; Lu et al. 2022, Jackson et al. 2024) by OpenES.
//
// Every strategy maximises fitness. Its random draws come from env.NewRand streams
// keyed by the strategy's seed and the generation, so a strategy restored from its
// State continues exactly as an uninterrupted one would.
package evolution

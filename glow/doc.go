// Package glow makes the algorithms of "Harnessing Density Ratios for Online
// Reinforcement Learning" (Amortila, Foster, Jiang, Sekhari, Xie, ICLR 2024) runnable,
// next to the baselines they are compared with.
//
// Pieces:
//   - Value classes F: Finite (a product of per-layer candidate tables over tabular
//     states; ModelClass and LockFamily build classes that contain Q*), Tabular (all
//     tables in [0, 1]) and Linear (theta_{h,a} . [x, 1] over observation features).
//   - Weight classes W: Box (all non-negative, or signed, tabular weights; closed-form
//     inner sup) and Enumerated (a finite list of weight tables; enumeration).
//   - The clipped, penalised weighted Bellman residual: Clip, Residual,
//     Data.Residuals and WeightClass.Sup.
//   - GLOW (Algorithm 1) with the paper's schedules gamma_t, alpha_t, beta_t; GOLF as
//     its signed, unclipped special case.
//   - H2O (Algorithm 2) with pluggable offline learners: MABO (MABO.CR, which makes
//     H2O into HyGLOW, Algorithm 3) and FQI (which makes it Hy-Q).
//   - QLearning: epsilon-greedy tabular Q-learning.
//   - Run / RunSeeds / Summarise / FitExponent: experiments on a Problem (the latent
//     or rich combination lock of gorl/env/lock, or a random tabular MDP), one metrics
//     row per evaluated iteration, seeds over a worker pool with per-seed streams.
//
// Exact and tractable: GLOW and MABO.CR over a Finite class are computed exactly
// (dynamic programming over layers; every objective couples only neighbouring
// layers). Everything else that departs from the analysed algorithm for tractability
// is listed by Config.Departures and written into run configs:
//   - GLOW/GOLF with a Tabular class optimise over a subset of the confidence set (the
//     per-layer budget split evenly over visited cells);
//   - MABO.CR with a Tabular class returns the empirical Bellman backup, which is an
//     exact minimiser (the objective is >= 0 and is 0 there), with 0 on unvisited cells;
//     clipping and the penalty cannot change it;
//   - HyGLOW with a Linear class is the efficient variant of the paper's Appendix F.1.2
//     (no clipping, no absolute value, W spanned by the features), whose minimiser is
//     the per-layer least-squares fit, i.e. the same policy as linear FQI;
//   - log |W| for the infinite Box class is a nominal H*S*A*log 2.
//
// Constants: beta_t carries the paper's worst-case constants (36, 8, log(6|F||W|TH/delta)).
// With them the confidence set is provably all of F for the first GLOW.VacuousUntil
// iterations whatever the data (the penalised objective cannot exceed gamma_t/8 while
// beta_t is about 36 gamma log(...)): about 4.6 * 10^5 iterations for the tabular class
// on a lock with H = 10 and 10 actions, 176 to 350 for GOLF. Config.BetaScale
// multiplies beta_t; every run records the scale it used and where its beta_t stops
// being vacuous.
//
// Baselines on the lock: the latent lock of gorl/env/lock is Hy-Q's by default; its
// StepPenalty option makes it HOMER's diabolical lock. On Hy-Q's lock epsilon-greedy
// Q-learning opens the combination (see gorl/env/lock for why); on the diabolical lock
// it does not.
package glow

// Package glow makes the algorithms of "Harnessing Density Ratios for Online
// Reinforcement Learning" (Amortila, Foster, Jiang, Sekhari, Xie, ICLR 2024) runnable,
// next to the baselines they are compared with.
//
// Pieces:
//   - Value classes F: Finite (a product of per-layer candidate tables over tabular
//     states, or with Joint a class of whole functions; ModelClass, LockFamily and
//     IncompleteClass build classes that contain Q*), Tabular (all tables in [0, 1]),
//     Linear (theta_{h,a} . [x, 1] over observation features) and Neural (Hy-Q's
//     per-layer networks, fitted by FQI for Hy-Q and by gradient descent-ascent on the
//     efficient variant for HyGLOW, which is not the analysed algorithm).
//   - Weight classes W: Ratios (Tier A: the density ratios d^{pi,M}_h / mu_h of a finite
//     model class and the class's greedy policies, enumerated by ModelRatios, in closed
//     form for the lock family by LockRatios), Box (all non-negative, or signed, tabular
//     weights; closed-form inner sup) and Enumerated (a finite list of weight tables).
//   - The clipped, penalised weighted Bellman residual: Clip, Residual,
//     Data.Residuals and WeightClass.Sup.
//   - GLOW (Algorithm 1) with the paper's schedules gamma_t, alpha_t, beta_t; GOLF as
//     its signed, unclipped special case.
//   - H2O (Algorithm 2) with pluggable offline learners: MABO (MABO.CR, which makes
//     H2O into HyGLOW, Algorithm 3) and FQI (which makes it Hy-Q); the offline-only
//     baseline runs MABO.CR on the offline data alone.
//   - QLearning: epsilon-greedy tabular Q-learning.
//   - Run / RunSeeds / Summarise / FitExponent / Sweep: experiments on a Problem (the
//     latent or rich combination lock of gorl/env/lock, lock/incomplete, or a random
//     tabular MDP), one metrics row per evaluated iteration, seeds over
//     gorl/internal/workpool with per-seed streams. The output of every algorithm is the
//     uniform mixture of its iterates (mixture_success); the last iterate is reported
//     beside it.
//
// The incomplete family (lock/incomplete, IncompleteClass). The lock's dynamics, with
// final reward R = 0.9, and a joint class of A+1 whole Q-functions: Q* of the lock, Q_b
// of the broken lock (correct actions before the last step drop into the dead state)
// and Q_e of the escape locks (in the dead state at the last step, action e = 1..A-1
// pays R). Q* is in F, and W (the ratios of the A+1 models and their greedy policies)
// holds the true ratios. F is not Bellman complete: T Q_b has value max_a Q_b = 0.05
// (the expected anti-reward) on the correct cells, which no member has.
//
// Why FQI (Hy-Q) fails: FQI over F is f^(k+1) = argmin_{f in F} sum_h ||f_h - T^ f^(k)_{h+1}||^2
// on the data, from f^(0) = 0. The first target is the reward alone, which Q_b fits
// exactly (it pays nothing before the last step) while Q* misses by R on every logged
// correct cell. From Q_b the target on the correct cells is 0.05 before layer H-2 and R
// at H-2: Q_b misses only at layer H-2, by R, Q* misses at every earlier layer by
// R - 0.05; since the mixed design logs the correct cells of every layer (more at early
// layers), Q_b is the projection of T Q_b for H >= 4 and FQI stays there: its policy
// takes a wrong action at once and never opens the lock. Completeness would have put
// T Q_b in F and moved FQI on towards Q*. Online data cannot help: Q_b's policy only
// visits cells where Q_b and Q* agree.
//
// Why MABO.CR (HyGLOW) succeeds: it tests f against its own next layer, not a frozen
// target. Q_b has residual -R at the correct cells of layer H-2 and -0.05 before, which
// pi*'s ratio weight exposes once alpha_t stops drowning it (about t > 8H/gamma for the
// rarest of those cells); Q* has residual 0 in expectation. An escape lock fits every
// logged tuple exactly as well as Q* (it differs only on (dead, e) at the last step,
// which neither offline design logs: the behaviour policy plays action 0 in the dead
// state), so MABO.CR's choice among Q* and the escape locks falls to the class order
// until the escape lock's own policy is run: one online episode reaches (dead, e) and
// pays 0, and a few such episodes outweigh the penalty. The offline-only baseline never
// sees those tuples: it returns Q* only when Q* precedes every escape lock in the
// (per-seed) class order. GLOW (online, optimistic) tries the escape locks first (they
// promise 0.95 > R) and refutes them online one by one.
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

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
// Why the offline data alone cannot identify the optimal policy (mixed design). The
// mixed data logs states of d^{pi*} with uniform actions: never the dead state, so
// never (dead, e) at the last step, the one cell where escape lock e differs from the
// lock. The lock and its A-1 escape models induce the same distribution of offline
// data, while their optimal policies differ (pi* opens the lock; the escape policy
// drops into the dead state at once and opens nothing in the true lock). So Q* and
// the A-1 escape locks have the same MABO.CR objective on every mixed sample, at every
// layer (TestOfflineDataCannotTellQStarFromEscapes): the argmin is a set of A members
// of which one is right, and more offline data does not shrink it. MABO.CR's offline
// guarantee needs the data to cover the greedy policies of every function it cannot
// reject (all-policy concentrability); the mixed design covers pi* (C* = A: d^{pi*}_h / nu_h
// is A on pi*'s cells) but not the escape policies. Over a joint class the learner draws
// uniformly among its tied minimisers at every fit, so the offline-only baseline's
// output mixture succeeds 1/A of the time (0.1 with 10 actions) at every H and seed.
// (A pessimistic offline learner, taking the least valuable of the tied functions,
// would return Q* here, since every escape promises 0.95 > R; MABO.CR is not
// pessimistic, and neither is its analysis.) The epsilon design does log (dead, e):
// its random actions continue in the dead state, so there the offline baseline
// eventually rejects the escapes too.
//
// Why MABO.CR (HyGLOW) succeeds: it tests f against its own next layer, not a frozen
// target. Q_b has residual -R at the correct cells of layer H-2 and -0.05 before, which
// pi*'s ratio weight exposes once alpha_t stops drowning it (about t > 8H/gamma for the
// rarest of those cells); Q* has residual 0 in expectation. The escape locks are
// rejected by online data: when H2O draws escape lock e, its policy reaches (dead, e)
// and pays 0; with k such tuples among t the ratio weight d^{pi_e}/mu = t/k on that
// cell gives the last layer the objective 0.9 - alpha_t t/k = 0.9 - 8/(gamma k), which
// is positive once k >= 9 (gamma = 1), while Q*'s stays near 0. Every escape has to be
// drawn about 9 times: about 170 of HyGLOW's iterations fail (almost independently of
// H), so its mixture passes 0.9 near T = 2000. GLOW (online, optimistic) tries the
// escape locks first (they promise 0.95 > R) and must refute them one by one with its
// one-sided, unscaled test: with the paper's constants beta_t stays near
// 36 gamma log(6|F||W|TH/delta) for all t, above any ratio-weighted objective
// (at most about R), so its confidence set never shrinks on this family; with beta_t
// scaled by 10^-4 and gamma = 1 it solves (median 450, 900 and 1980 online samples at
// H = 5, 10, 20, output mixture 0.95).
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

// Package lmdp plans and learns in latent MDPs (env/latent): Bayesian beliefs over the
// hidden context, planners over beliefs, optimistic model-based learners, baselines,
// exact policy evaluation and regret experiments.
//
// Setting (Zhou, Wang, Du, ICML 2023; Kwon et al., NeurIPS 2021): M MDPs share states,
// actions and horizon H; each episode draws a context m ~ w, hidden while acting and
// revealed when the episode ends. Optimal policies depend on the history, which enters
// only through the belief b over contexts:
//
//	b'_m ∝ b_m P_m(s'|s,a) 1[r = R_m(s,a)]        (rewards carry context information too)
//
// Planning. Values are alpha vectors over contexts, alpha_m = expected return of a plan
// under context m, V(b) = max_alpha b·alpha. PBVI backs up alpha vectors at belief points:
// the beliefs reachable from the start under the planning model (merged when they agree to
// 2^-40), which makes it exact when they all fit in MaxNodes, plus a simplex grid used for
// beliefs off that set. Acting at a belief that is not a stored point uses a one-step
// lookahead at the exact belief. TreeSearch enumerates histories (test oracle, small H).
//
// Learning. Counts of the contexts revealed in hindsight give an estimated model (the
// context weights w are given unless Config.EstimateWeights); the policy is re-planned
// only when some N_m(s,a) (or a context count) doubles, with the counts frozen in between
// (acting with live counts would make the bonuses disagree with the stored alpha
// vectors). The optimistic backups, applied at every step and, with n the episodes of
// context m, to the initial distribution nu^_m, are
//
//	value-optimistic (Bernstein, MVP-style):
//	  a~_m(s,a) = min{1, R_m(s,a) + P^_m(s,a)·x + c1 sqrt(V(P^_m(s,a), x) iota/n) + c2 span(x) iota/n}
//	Hoeffding ablation: min{1, R + P^·x + (c1/2) sqrt(iota/n) + c2 iota/n}
//	model-optimistic: min{1, R_m(s,a) + max_{P~ in CI} P~·x}, per-entry Bernstein CI
//	  |P~(s') - P^(s')| <= c1 sqrt(P^(s')(1-P^(s')) iota/n) + c2 iota/n
//
// The lower-order term of the variance bonus is scaled by span(x) = max x - min x, the
// range of the next value over every state, as in the empirical Bernstein inequality
// (|(P^-P)·x| does not change when a constant is added to x; the range must hold a priori
// for every outcome the true P_m(s,a) may have, not only the ones seen); the Hoeffding
// ablation uses no data-dependent scale: the standard deviation is replaced by its worst
// case 1/2 for values in [0,1] and the span by the range 1. Without the span factor, the
// c2 term alone made the measured regret grow about 2x from H=4 to H=32 (random M=2, S=4,
// A=2, K=4096). Taken over the seen outcomes only, a pair whose samples all reached one
// state would get no bonus at all: on the lowerbound family (M=2 S=7 A=3 p=0.4) that made
// regret linear in K on 3 of 4 seeds. A state never reached keeps its optimistic value 1
// and the span near 1, which is why the spread family reaches every state at every noise.
//
// Here iota = 2 ln(2 M S A H K / delta) and x holds the next-step alpha values of the
// chosen plan. The constants are named in config.json (bonus_constants): "tuned", c1 =
// 0.5 and c2 = 0.1 (the default, tuned on random instances, not the theory's), or
// "theory", c1 = 1 and c2 = 7/6, the empirical Bernstein inequality's (Maurer and Pontil
// 2009) with this iota. By default an unseen transition rules a context out of the
// belief; Config.BeliefFloor gives it a Good-Turing floor instead (Counts.BeliefFloor).
//
// Latency and variance. Reference carries V*, V_WSU, V_oracle and Var* [impl]: sum_m w_m
// Var(return | m) under the optimal policy, computed exactly (the total variance of its
// alpha vectors). An instance is latent by a margin when V_oracle - V* and V* - V_WSU
// both reach it (the shared, noisy and spread families of env/latent are checked at
// generation).
// Sweep runs experiments over H, K, the solver, the noise of those families (on spread,
// noise raises Var* with the means, gaps and V* fixed) or the lowerbound family's p; Rate fits the K-exponent of regret against sqrt(K) and the
// bound's scale sqrt(Var* M Gamma S A K). The model-optimistic solver is a relaxation: it maximises over the confidence set
// independently at every (node, context, action), as extended value iteration does in
// UCRL2, not jointly over history-dependent policies (which is intractable).
//
// Ties between actions (typically optimistic values clipped at 1) go to the action with
// the fewest belief-weighted visits.
//
// Regret. Regret(K) = sum_k (V* - V^{pi_k}) where V* and V^{pi_k} are computed exactly
// with the true model (exact policy evaluation over the policy's belief states), not from
// sampled returns. V* is exact when the reachable beliefs fit in the planner's node
// budget (Result.VStarExact).
//
// Baselines: Pooled (one optimistic MDP, the context ignored), WSU with the true model
// (Weight-Select-Update: a Markov policy maximising the weight-averaged Q-values) and
// Oracle (knows the context: sum_m w_m V*_m).
package lmdp

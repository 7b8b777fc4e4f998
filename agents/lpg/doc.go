// Package lpg implements the Learned Policy Gradient agent (Oh et al. 2020, "Discovering
// Reinforcement Learning Algorithms") in the simplified form of Jackson et al. 2024
// ("Discovering Temporally-Aware Reinforcement Learning Algorithms", code
// EmptyJackson/groove), and its temporally-aware variant TA-LPG.
//
// The agent has two networks: a policy pi(a|s) and a prediction y(s), a categorical
// vector over a few bins (8) whose meaning is not fixed: the update rule decides it. The
// update rule (Rule) is a meta-network that reads, for every step of a rollout,
//
//	x_t = [r_t, d_t, pi(a_t|s_t), e(y(s_t)), e(y(s_{t+1})) (0 where d_t)]  (+ [n/N, log N] for TA-LPG)
//
// with e a shared embedding MLP [16, 1], runs a GRU backwards in time over the rollout
// (its state reset to zero at every step that ends an episode) and outputs a scalar
// pi_hat_t and a categorical target y_hat_t = softmax(Dense(bins)). The agent then takes
// one gradient step on
//
//	L = mean_t log pi(a_t|s_t) pi_hat_t + alpha_y mean_t KL(y(s_t) || y_hat_t)   (alpha_y = 0.5)
//
// with the rule's outputs held constant. The rule's parameters are not learned by the
// agent: evolution meta-trains them (evolution.MetaTrain with objective lpg or ta-lpg)
// and rule files (SaveRule, LoadRule) carry them.
//
// The agent implements agents.Agent, so agents.Loop trains it like PPO; Values report 0
// (LPG has no value function; y is uninterpreted) and the loop's last Values call of a
// rollout supplies the observations s_T that y(s_{t+1}) needs for the rollout's final step.
package lpg

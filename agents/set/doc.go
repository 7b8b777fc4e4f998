// Package set implements the SubEquivariant Transformer (SET) actor and critic of 3D-SGRL
// (Chen et al., "Subequivariant Graph Reinforcement Learning in 3D Environments", ICML 2023)
// on agents/nn, a SWAT-style Transformer baseline (swat.go: limb tokens with traversal
// positional embeddings and a graph attention bias, no equivariance) and an MLP baseline
// with the same per-node inputs and outputs.
//
// Inputs are the per-node observations of env/locomotion, [B, N, 41] with the layout of
// physics3d/morph: eight world-frame 3D vectors (position relative to the torso, gravity g,
// target direction d, linear and angular velocity, the three joint axes) and 17 scalars.
// The networks are plain forward functions on an nn.Tape:
//
//	actor:  Net.Act(tape, obs, st)     -> torques [B, N, 3] in (−1, 1)
//	critic: Net.Q(tape, obs, act, st)  -> per-node Q [B, N] and the mean over real nodes [B]
//
// where st (a Structure) carries each sample's morphology graph padded to N nodes: the
// traversal positions for the positional embeddings, the relation features for the attention
// bias and the padding mask. Samples of different morphologies may share one batch; padded
// nodes are masked out of every attention and do not change the outputs of real nodes.
//
// FlatActor and FlatCritic (a twin of critics: Forward gives each Q as the mean of the
// per-node values, NodeForward the per-node values of SGRL's per-node TD loss) run
// a NodeActor or NodeCritic (SET or SWAT) on flat rows, observations [B, N·41] and actions
// [B, N·3] as the locomotion environments give them, for one morphology at a time (the
// paper samples one morphology per update; UseMorphology picks one of a multi-task set's
// graphs); wider rows are padding, cut off, with zero actions. Their methods Register and
// Forward have the shapes of agents/td3's Actor and Critic.
//
// # Architecture (the equations are named in set.go)
//
// Per node, X ∈ R^{3×8} holds the vectors as columns, G = [g, d] ∈ R^{3×2} and s the 17
// scalars (20 for the critic, with the node's three actions). Invariants are formed from
// U = [Z W, G] ∈ R^{3×C} as S = UᵀU with n = ‖S‖_F + 1; vector channels Z ∈ R^{3×C} are only
// ever multiplied on the right, by weights or by invariant matrices, and G is appended, so
// Z(RX) = R·Z(X) for every orthogonal R applied to all eight vectors, and S, h, the Q values
// and the torques tanh(⟨joint axis, u⟩) are unchanged. Rotations about gravity and
// reflections through vertical planes (O_g(3)) are the physical symmetry; positions are
// relative to the torso, so translations never reach the network.
//
// Choices where the description leaves room (documented so that they can be revisited):
//   - U = [Z W, G] has C columns in all: W maps C vector channels to C−2 and G adds two, so
//     S is C×C (32×32 at the default C = 32, as stated).
//   - Z has C channels throughout; the attention scales scores by 1/√E (as written, not
//     1/√(E/heads)); the vector values [Z Wvg, G] are shared by the heads and the per-head
//     results are concatenated and mixed by Wgo.
//   - The feed-forward uses two MLPs on m' = [φ'; h]: one producing the C×C mixing matrix M,
//     one producing the scalar update; every MLP has one hidden layer of width FF with ReLU.
//   - Head features c = [vec S_c; s; h^L] with S_c from U_c = [[X, Z^L] Wgp, G]. Actor:
//     u = (U_c reshape_{C×C}(MLP(c)) / n_c) w. Critic: Q = (w·MLP(c) + b) / n_c, the MLP
//     (c → FF → FF, ReLU) giving the critic the hidden layer that a linear read-out of c lacks.
//   - n = √(‖S‖²_F + 1e-12) + 1, the 1e-12 keeping the gradient finite when S = 0 (padding).
//   - Positional tables have Config.MaxNodes rows (32); PPR damping is 0.9.
//
// # Size
//
// At the default settings (E = 128, 2 heads, FF 256, 3 layers, C = 32, 32-row positional
// tables) the actor has 4,001,368 parameters and the critic 3,805,369 (the paper quotes about
// 4.5M per network; its exact head and feed-forward shapes are not given, see above).
// TestDefaultParameterCount checks these counts against an independent formula.
//
// agents/td3 trains them end to end (SETArch, SWATArch), on one morphology or a multi-task
// set with one replay buffer per morphology.
package set

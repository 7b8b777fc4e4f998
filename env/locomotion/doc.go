// Package locomotion implements the 3D-SGRL locomotion tasks (Chen et al., "Subequivariant
// Graph Reinforcement Learning in 3D Environments", ICML 2023) on the MuJoCo binding in
// physics3d: an agent made of limbs (hopper, walker, humanoid or cheetah morphologies)
// must move towards a target direction on a plane, starting from a random heading.
//
// # Ids
//
//	sgrl/<model>        one built-in morphology, e.g. sgrl/walker-5-left-knee (physics3d/morph.Names)
//	sgrl/<family>-<n>   short form where n limbs name one model, e.g. sgrl/hopper-3, sgrl/cheetah-14
//	sgrl/hopper++ ...   the multi-task training sets hopper++, walker++, humanoid++, cheetah++,
//	                    whh++ (walkers, humanoids, hoppers) and cwhh++ (all 23); see Members
//	sgrl/custom         a user's MJCF file: options model=FILE.xml and family=hopper|walker|humanoid|cheetah
//	sgrl/random         a random morphology (physics3d/morph.Random): options family and morph_seed
//
// Every id has a 1000-step time limit (truncation). Options: target=v1 (default: a fixed
// far target in a random direction) or v2 (waypoints 10-20 m away, renewed within 1 m);
// frame_skip; min_z and max_z (healthy torso heights, for custom models); member (for a
// multi-task id, see below).
//
// A multi-task id is one env.Env in two ways. With member=<index or model name> it is that
// member alone. Without it, each episode runs a member drawn uniformly from the
// environment's random stream; observations and actions are padded with zeros to the
// largest member (as the paper's code pads them), and NumNodes and Graph describe the
// current episode's morphology (read them after Reset). Trainers that keep one replay
// buffer per morphology, as the paper does, file each transition under MemberIndex (the
// running episode's member) and build their networks from Graphs (agents/td3 does both).
//
// # Observation
//
// NumNodes() x NodeFeatures (41) values, one row per body in pre-order (torso first), all
// in the world frame:
//
//	[0:3]   body origin minus torso origin        [3:6]   gravity (0, 0, -9.81)
//	[6:9]   unit direction from the torso's xy position to the target (z = 0)
//	[9:12]  linear velocity of the body origin, each component clipped to [-10, 10]
//	[12:15] angular velocity                      [15:24] world axes of hinges x, y, z
//	[24:27] hinge angles (rad)
//	[27:36] per hinge: (deg - lo)/(hi - lo), (180 + lo)/360, (180 + hi)/360 (range in degrees)
//	[36:40] one-hot limb type by name: torso, "thigh", "shin", "foot" (others: zeros)
//	[40]    height of the body origin
//
// The torso row has zero axes and angles and 0.5 for the nine normalised values. The first
// VectorFeatures (24) values of a row are 8 three-dimensional vectors that rotate with the
// world; the remaining 17 are scalars. Graph returns the morphology graph (parents,
// traversals, PageRank, Laplacian, hop distances) for graph-based agents.
//
// # Action, reward, termination
//
// NumNodes() x NodeActions (3) values in [-1, 1]: the torques of hinges x, y, z of each body;
// the torso's row is ignored. With p the torso's xy position, T the target, psi the torso's
// yaw before the step and dt the control step:
//
//	r = (|T - p_t| - |T - p_t+1|)/dt + H (p_t+1 - p_t).(cos psi, sin psi)/dt + A - 0.001 |a|^2
//
// H = 1 except for hoppers (0), A = 1 except for cheetahs (0). Episodes terminate when the
// state after the step leaves the family's healthy set (z is the torso's height, pitch and
// roll its ZYX Euler angles, tilt the angle between its z axis and the vertical; MinZ and
// MaxZ come with each built-in model, from the paper's code):
//
//	hopper:   finite state, |qpos[3:]| and |qvel| < 100, z > MinZ, tilt < 1
//	walker:   MinZ < z < MaxZ, |pitch| < 1, |roll| < 1
//	humanoid: MinZ < z < MaxZ, |pitch| < 1, |roll| < 1 (0.8346 < z < 1.8346)
//	cheetah:  min(z, heights of the front thighs) > MinZ (0.26), |pitch|, |roll| < 1.35,
//	          sum of qvel^2 > 1
//
// Reset turns the default pose to a yaw drawn from U(-pi, pi) and adds noise U(+-0.005)
// to every qpos and qvel value (cheetahs: U(+-0.1) and N(0, 0.1^2)); the torso starts
// above the origin.
//
// # Differences from the paper's code
//
// All are deliberate and small: (1) observations, rewards and terminations use the state
// after the step (MuJoCo's body positions are recomputed), where the reference reads body
// positions from before the last physics substep and checks walker, humanoid and cheetah
// tilt on the orientation before the step; (2) a new waypoint is chosen before the
// observation is built, so the observation shows the target the next reward uses; (3) the
// free joint's quaternion is normalised after the reset noise; (4) actions are clipped to
// [-1, 1] and the control cost uses the clipped values (identical for in-range actions).
package locomotion

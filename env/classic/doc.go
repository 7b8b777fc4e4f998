// Package classic provides the classic-control environments of Gymnasium with the same
// dynamics, bounds, rewards, termination rules, reset distributions and time limits, so
// that returns are comparable with published Gymnasium figures:
//
//	CartPole-v1                 Discrete(2)    4-d observation   500 steps
//	Acrobot-v1                  Discrete(3)    6-d observation   500 steps
//	Pendulum-v1                 Box(-2, 2)     3-d observation   200 steps
//	MountainCar-v0              Discrete(3)    2-d observation   200 steps
//	MountainCarContinuous-v0    Box(-1, 1)     2-d observation   999 steps
//
// Importing the package registers these ids with env.Register; env.Make wraps each in an
// env.TimeLimit with the step limit above (Options["max_episode_steps"] overrides it).
//
// Differences from Gymnasium, all deliberate:
//
//   - Observations are returned in float64; Gymnasium rounds them to float32 on return
//     (its internal state is float64 too, apart from the float32 roundings of Acrobot's
//     reset and MountainCarContinuous's state, which are reproduced here).
//   - Gymnasium asserts that an action lies in the action space. Here a discrete action is
//     rounded to the nearest integer (halves up) and clamped into [0, N); NaN, and an
//     empty action slice, count as action 0. Continuous actions are clipped to the bounds
//     (Gymnasium clips them too); NaN counts as 0.
//   - Randomness comes from the environment's own PCG stream: Seed(s) makes it the stream
//     env.NewRand(s), and every Reset draws from it. A new environment starts on the
//     stream of seed 0, so unseeded runs are reproducible too.
//
// Step and Reset allocate nothing: the returned observation slice belongs to the
// environment and is overwritten by its next Step or Reset. Every environment implements
// env.Snapshotter (physical state and random stream), so a restored copy continues
// exactly as the original.
package classic

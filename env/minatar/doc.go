// Package minatar provides the five MinAtar games of Young & Tian (2019, "MinAtar: An
// Atari-Inspired Testbed for Thorough and Reproducible Reinforcement Learning
// Experiments"; MinAtar v1.0.15): small Atari analogues on a 10×10 grid, used
// here as the inner tasks of learned-objective meta-training (TA-LPO runs PPO on
// SpaceInvaders). The rules, rewards, termination conditions, difficulty ramps, sticky
// actions and action sets follow MinAtar's Python implementation frame by frame; only
// the random numbers differ (see below).
//
//	id                         channels  actions (minimal set)     time limit
//	MinAtar/Asterix-v1         4         n l u r d                 10000
//	MinAtar/Breakout-v1        4         n l r                     10000
//	MinAtar/Freeway-v1         7         n u d                     none (ends after 2500 frames)
//	MinAtar/Seaquest-v1        10        n l u r d f               10000
//	MinAtar/SpaceInvaders-v1   6         n l r f                   10000
//
// Importing the package registers these ids with env.Register; New builds a game by
// name (Games lists them). Action letters: n no-op, l left, u up, r right, d down,
// f fire. The ids are MinAtar's Gymnasium ids (minimal action sets); the option
// action_set=full exposes the full six-action set of MinAtar's -v0 ids, in the order
// n l u r d f.
//
// Observation: the 10×10×C boolean state (0 or 1) flattened row-major with the channel
// last, as NumPy flattens MinAtar's state array: cell (row y, column x, channel c) is
// obs[(y*10+x)*C+c], row 0 at the top of the screen. Channels, in MinAtar's order:
//
//	Asterix        player, enemy, trail, gold
//	Breakout       paddle, ball, trail, brick
//	Freeway        chicken, car, speed1, speed2, speed3, speed4, speed5
//	Seaquest       sub_front, sub_back, friendly_bullet, trail, enemy_bullet,
//	               enemy_fish, enemy_sub, oxygen_guage, diver_guage, diver
//	SpaceInvaders  cannon, alien, alien_left, alien_right, friendly_bullet, enemy_bullet
//
// Env.Channels names them at run time. The games' rules are described on their types
// (asterix.go, breakout.go, freeway.go, seaquest.go, spaceinvaders.go).
//
// Options (env.Options, e.g. gorl train --env-opt key=value):
//
//	sticky_action_prob  probability of repeating the previous action (default 0.1, MinAtar's)
//	ramping             difficulty ramping, true (default) or false (Breakout and Freeway have none)
//	action_set          minimal (default) or full
//	max_episode_steps   time limit as truncation (defaults above; 0: none)
//
// Sticky actions work as in MinAtar's Environment.act: every Step draws u ~ U[0, 1)
// (MinAtar draws it even when the probability is 0; this package then skips the draw);
// if u < sticky_action_prob the previous action (of the full set) is taken instead of
// the chosen one, and the action taken becomes the previous one. The previous action
// starts as no-op when the environment is made and, as in MinAtar, is not reset between
// episodes. A terminated game ignores further Steps (reward 0, Terminated) until Reset.
//
// Randomness: Seed(s) makes the environment's stream env.NewRand(s); resets, spawns and
// sticky actions all draw from it, as MinAtar draws them all from one NumPy
// RandomState. A new environment starts on the stream of seed 0. The draws have
// MinAtar's distributions, in MinAtar's order within a frame, but the numbers are not
// NumPy's, so trajectories match MinAtar's in law, not number for number. Step and
// Reset allocate nothing, and Env implements env.Snapshotter (the state, the previous
// action and the stream), so a restored copy continues bit for bit.
//
// Where this package departs from MinAtar or had to choose:
//
//   - Time limits: MinAtar's Gymnasium ids have none. A policy that never loses would
//     run forever, so env.Make truncates at 10000 steps (Freeway ends itself). gymnax and
//     PureJaxRL, which TA-LPO's meta-training setup follows, end MinAtar episodes after
//     1000 steps (as termination there); use max_episode_steps=1000 to match their
//     horizon, here as truncation.
//   - Seaquest: surfacing with six divers sets the count to 0, pays the bonus and then
//     takes the usual one diver, leaving -1 (MinAtar's _surface does exactly this). The
//     diver bar then shows none, the next diver picked up brings the count to 0, and
//     surfacing with it ends the episode. Kept as MinAtar has it.
//   - Seaquest: the oxygen rules are those of the newest seaquest.py revision we could
//     read (the episode ends on the frame after oxygen reaches 0, checked as oxygen <= 0;
//     the bar never flashes full), which we take to be the v1.0.11 fix the README
//     describes. An older revision checks oxygen < 0 (one frame later) and shows a full
//     bar on that last frame.
//   - Seaquest: a sub removed on a frame (shot, or off the edge) still fires if its
//     shot timer is due that frame, as MinAtar's loop lets it; pgx's port drops such
//     shots, this package keeps MinAtar's.
//   - Seaquest: MinAtar removes entities from its lists with list.remove, which deletes
//     the first entry equal in every field rather than the entry at hand. The two
//     differ only when two entities agree in position, direction and all timers; this
//     package removes the entry at hand.
//   - Freeway: a car with speed s moves every s+1 frames (MinAtar's code; its text says
//     every s frames), and the episode ends on frame 2501 (terminate_timer < 0), as
//     termination, not truncation.
//   - Actions outside the action space are rounded to the nearest index and clamped
//     (MinAtar would raise an error); NaN counts as no-op.
//
// Quirks of MinAtar's rules kept as they are: in Breakout, after breaking a brick the
// ball passes into bricks in its way without breaking them until a frame in which it
// meets none (the strike flag), and new bricks appear only when the ball next comes
// down to the paddle's row;
// in Space Invaders the alien block moves by rolling the grid, so a row pushed off the
// bottom reappears on top (the episode has ended by then), the move timer is not reset
// when a new wave appears, and an alien shot starts in the shooting alien's cell.
package minatar

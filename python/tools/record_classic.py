"""Record classic-control trajectories from installed Gymnasium for env/classic's tests.

For each of CartPole-v1, Acrobot-v1, Pendulum-v1, MountainCar-v0 and
MountainCarContinuous-v0 it sets the unwrapped environment's state by hand (states from
resets and states near the edges: termination thresholds, walls, fast spins), applies a
seeded random action sequence with Gymnasium's own step, and records after every step the
internal state, the observation, the reward and the termination flag, plus the spaces.
The Go test (env/classic/gymnasium_test.go) replays the same states and actions.

    .venv/bin/python python/tools/record_classic.py > env/classic/testdata/gymnasium.json

python/tests/test_classic_fixture.py re-records in memory and checks that the committed
file is what the pinned Gymnasium produces.
"""

import json
import math
import sys

import gymnasium as gym
import numpy as np

STEPS = 60  # per trajectory; chaotic systems (Acrobot) amplify last-bit differences
SEED = 20240601


def num(v):
    v = float(v)
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return v


def space(s):
    if isinstance(s, gym.spaces.Discrete):
        return {"kind": "discrete", "n": int(s.n)}
    return {"kind": "box", "low": [num(v) for v in s.low.ravel()], "high": [num(v) for v in s.high.ravel()]}


def edge_states(env_id, rng):
    """Hand-picked states beyond what resets give: near terminations, walls and limits."""
    return {
        "CartPole-v1": [[0.0, 0.0, 0.2, 0.5], [2.35, 1.0, 0.0, 0.0], [-2.3, -1.5, -0.15, -1.0], [0.01, -0.02, 0.03, 0.04]],
        "Acrobot-v1": [[3.0, 0.0, 0.0, 0.0], [3.1, -3.1, 12.5, -28.0], [0.05, -0.03, 0.02, -0.01], [-2.0, 1.0, -4.0, 9.0]],
        "Pendulum-v1": [[2.5, -0.5], [13.0, 7.9], [-4.0, -1.0], [math.pi, 0.0]],
        "MountainCar-v0": [[-0.5, 0.0], [0.49, 0.02], [-1.19, -0.03], [0.3, 0.069]],
        "MountainCarContinuous-v0": [[-0.5, 0.0], [0.44, 0.02], [-1.19, -0.03], [0.2, 0.06]],
    }[env_id]


def action(env_id, rng, state):
    if env_id == "CartPole-v1":
        # Mostly a balancing push (random actions end episodes within ~20 steps).
        if rng.random() < 0.8:
            return int(state[2] + 0.5 * state[3] > 0)
        return int(rng.integers(2))
    if env_id in ("Acrobot-v1", "MountainCar-v0"):
        return int(rng.integers(3))
    if env_id == "Pendulum-v1":
        # Beyond ±2 too: Gymnasium clips. Values are float32-representable, so both action
        # dtypes apply the same torque.
        return [float(np.float32(rng.uniform(-2.5, 2.5)))]
    return [float(np.float32(rng.uniform(-1.5, 1.5)))]


def state_of(u):
    return [float(v) for v in np.asarray(u.state, dtype=np.float64).ravel()]


def record(env_id):
    rng = np.random.default_rng(SEED)
    env = gym.make(env_id)
    u = env.unwrapped
    starts = []
    for seed in range(3):
        env.reset(seed=seed)
        starts.append(state_of(u))
    starts += edge_states(env_id, rng)
    trajectories = []
    # Continuous actions are applied twice: as float64 arrays, where Gymnasium's step
    # evaluates its formulas in float64 as gorl does, and as float32 arrays (the dtype of
    # the action space, what agents usually pass), where NumPy 2's promotion rules make
    # the terms involving the action float32 arithmetic.
    dtypes = ["float64", "float32"] if env_id in ("Pendulum-v1", "MountainCarContinuous-v0") else ["int"]
    for start, adtype in [(s, d) for d in dtypes for s in starts]:
        env.reset(seed=0)
        dtype = np.float32 if env_id == "MountainCarContinuous-v0" else np.float64
        u.state = np.array(start, dtype=dtype)
        if env_id == "CartPole-v1":
            u.steps_beyond_terminated = None
        steps = []
        for _ in range(STEPS):
            a = action(env_id, rng, state_of(u))
            obs, r, term, trunc, _ = u.step(np.array(a, adtype) if isinstance(a, list) else a)
            steps.append({"action": a if isinstance(a, list) else [a], "state": state_of(u),
                          "obs": [float(v) for v in np.asarray(obs).ravel()], "reward": float(r),
                          "terminated": bool(term)})
            if term:
                break
        trajectories.append({"start": [float(v) for v in start], "action_dtype": adtype, "steps": steps})
    return {"observation_space": space(env.observation_space), "action_space": space(env.action_space),
            "trajectories": trajectories}


def main():
    out = {"gymnasium": gym.__version__, "numpy": np.__version__, "steps": STEPS,
           "envs": {e: record(e) for e in ["CartPole-v1", "Acrobot-v1", "Pendulum-v1", "MountainCar-v0",
                                            "MountainCarContinuous-v0"]}}
    json.dump(out, sys.stdout, indent=None, separators=(",", ":"))
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()

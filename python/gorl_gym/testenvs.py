"""Small environments for gorl's bridge tests, registered on import: gym.make accepts
"gorl_gym.testenvs:<id>" and imports this module first.

GorlEcho-v0: MultiDiscrete([3, 4]) actions (start [1, 0]), observation = the action as
floats; reward = the step count; terminates after `length` steps.
GorlRaise-v0: Discrete(2); step number `at` raises ValueError("boom at step N").
GorlDict-v0: a Dict observation space, which gorl refuses.
"""

import gymnasium as gym
import numpy as np
from gymnasium import spaces


class Echo(gym.Env):
    def __init__(self, length=3):
        self.action_space = spaces.MultiDiscrete([3, 4], start=[1, 0])
        self.observation_space = spaces.Box(0, 10, (2,), np.float64)
        self.length, self.t = length, 0

    def reset(self, seed=None, options=None):
        super().reset(seed=seed)
        self.t = 0
        return np.array([float(self.np_random.integers(100)), 0.0]), {}

    def step(self, action):
        self.t += 1
        return np.asarray(action, np.float64), float(self.t), self.t >= self.length, False, {}


class Raise(gym.Env):
    def __init__(self, at=2):
        self.action_space, self.observation_space = spaces.Discrete(2), spaces.Box(-1, 1, (1,))
        self.at, self.t = at, 0

    def reset(self, seed=None, options=None):
        super().reset(seed=seed)
        self.t = 0
        return np.zeros(1, np.float32), {}

    def step(self, action):
        self.t += 1
        if self.t >= self.at:
            raise ValueError(f"boom at step {self.t}")
        return np.zeros(1, np.float32), 0.0, False, False, {}


class DictObs(gym.Env):
    def __init__(self):
        self.action_space = spaces.Discrete(2)
        self.observation_space = spaces.Dict({"a": spaces.Discrete(2)})


gym.register("GorlEcho-v0", entry_point=Echo)
gym.register("GorlRaise-v0", entry_point=Raise)
gym.register("GorlDict-v0", entry_point=DictObs)

"""A worker process: it hosts `num` instances of one Gymnasium environment and steps
them all for each step message (see protocol.py)."""

import json
import sys

import numpy as np

from . import protocol


class Unsupported(Exception):
    pass


def describe(space):
    """A JSON description of a Gymnasium space: Box, Discrete or MultiDiscrete."""
    import gymnasium.spaces as sp

    def bounds(a):
        return [("inf" if v > 0 else "-inf") if np.isinf(v) else float(v) for v in np.asarray(a, np.float64).ravel()]

    if isinstance(space, sp.Box):
        return {"kind": "box", "low": bounds(space.low), "high": bounds(space.high)}
    if isinstance(space, sp.Discrete):
        return {"kind": "discrete", "n": int(space.n)}
    if isinstance(space, sp.MultiDiscrete):
        return {"kind": "multidiscrete", "nvec": [int(v) for v in np.asarray(space.nvec).ravel()]}
    raise Unsupported(f"space {space} is not supported (gorl takes Box, Discrete and MultiDiscrete)")


class Codec:
    """Turns gorl's flat float64 values into a space's values and back."""

    def __init__(self, space):
        import gymnasium.spaces as sp
        self.space = space
        self.kind = type(space)
        if isinstance(space, sp.Box):
            self.shape, self.dim = space.shape, int(np.prod(space.shape))
        elif isinstance(space, sp.Discrete):
            self.start, self.dim = int(space.start), 1
        else:
            self.start, self.nvec = np.asarray(space.start).ravel(), np.asarray(space.nvec).ravel()
            self.shape, self.dim = space.nvec.shape, self.nvec.size

    def encode(self, value, out):
        import gymnasium.spaces as sp
        if self.kind is sp.Discrete:
            out[0] = int(value) - self.start
        elif self.kind is sp.MultiDiscrete:
            out[:] = np.asarray(value).ravel() - self.start
        else:
            out[:] = np.asarray(value, np.float64).ravel()

    def decode(self, flat):
        import gymnasium.spaces as sp
        if self.kind is sp.Discrete:
            return np.int64(int(flat[0]) + self.start)
        if self.kind is sp.MultiDiscrete:
            v = np.clip(np.rint(flat).astype(np.int64), 0, self.nvec - 1) + self.start
            return v.reshape(self.shape)
        return np.asarray(flat, self.space.dtype).reshape(self.shape)


class Worker:
    def __init__(self, spec):
        import gymnasium as gym
        self.num = int(spec["num"])
        self.autoreset = bool(spec.get("autoreset", False))
        kwargs = spec.get("kwargs") or {}
        self.envs = [gym.make(spec["id"], **kwargs) for _ in range(self.num)]
        e = self.envs[0]
        self.info = {"obs": describe(e.observation_space), "act": describe(e.action_space),
                     "max_episode_steps": e.spec.max_episode_steps if e.spec else None}
        self.obs_codec, self.act_codec = Codec(e.observation_space), Codec(e.action_space)
        od, n = self.obs_codec.dim, self.num
        self.obs = np.zeros((n, od))
        self.rewards = np.zeros(n)
        self.term = np.zeros(n, np.uint8)
        self.trunc = np.zeros(n, np.uint8)

    def reset(self, payload):
        for i, e in enumerate(self.envs):
            seeded, seed = payload[9 * i], int.from_bytes(payload[9 * i + 1:9 * i + 9], "little")
            obs, _ = e.reset(seed=seed if seeded else None)
            self.obs_codec.encode(obs, self.obs[i])
        return self.obs.tobytes()

    def step(self, payload):
        actions = np.frombuffer(payload, np.float64).reshape(self.num, self.act_codec.dim)
        final = []
        for i, e in enumerate(self.envs):
            obs, r, term, trunc, _ = e.step(self.act_codec.decode(actions[i]))
            self.rewards[i], self.term[i], self.trunc[i] = float(r), bool(term), bool(trunc)
            self.obs_codec.encode(obs, self.obs[i])
            if self.autoreset and (term or trunc):
                final.append(self.obs[i].tobytes())
                obs, _ = e.reset()
                self.obs_codec.encode(obs, self.obs[i])
        return b"".join([self.obs.tobytes(), self.rewards.tobytes(), self.term.tobytes(), self.trunc.tobytes(), *final])

    def close(self):
        for e in self.envs:
            e.close()


def one_line(exc):
    msg = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {msg}" if msg else type(exc).__name__


def serve(stdin, stdout):
    worker = None
    while True:
        try:
            op, payload = protocol.read_request(stdin)
        except EOFError:
            break
        if op == "Q":
            break
        try:
            if op == "I":
                worker = Worker(json.loads(payload))
                out = json.dumps(worker.info).encode()
            elif worker is None:
                raise RuntimeError(f"request {op!r} before init")
            elif op == "R":
                out = worker.reset(payload)
            elif op == "S":
                out = worker.step(payload)
            else:
                raise RuntimeError(f"unknown request {op!r}")
        except Exception as exc:  # every failure goes back to gorl as one line
            protocol.write_reply(stdout, protocol.ERROR, one_line(exc).encode())
            continue
        protocol.write_reply(stdout, protocol.OK, out)
    if worker is not None:
        worker.close()


def main():
    # The protocol owns stdout: anything an environment prints goes to stderr instead.
    out = sys.stdout.buffer
    sys.stdout = sys.stderr
    serve(sys.stdin.buffer, out)

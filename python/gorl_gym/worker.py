"""A worker process: it hosts `num` instances of one Gymnasium environment and steps
them all for each step message (see protocol.py)."""

import importlib
import json
import os
import platform
import struct
import sys

import numpy as np

from . import protocol

STEP_HEAD = struct.Struct("<IIB7x")
# Simulators whose versions a run records when the environment loaded them.
SIMULATORS = ("mujoco", "ale_py", "box2d", "pygame")


class Unsupported(Exception):
    pass


class PackageMissing(Exception):
    pass


# Gymnasium namespaces whose environments a package registers once imported (Gymnasium 1.x
# no longer imports it itself): namespace -> (module, PyPI name).
NAMESPACES = {"ALE": ("ale_py", "ale-py")}


def register_namespace(env_id):
    """Imports and registers the package of env_id's namespace (ALE/Pong-v5: ale_py), if
    it has one; an id with a module prefix (module:Env-v0) imports its own."""
    if ":" in env_id or "/" not in env_id:
        return
    ns = env_id.split("/", 1)[0]
    if ns not in NAMESPACES:
        return
    module, dist = NAMESPACES[ns]
    try:
        mod = importlib.import_module(module)
    except ImportError:
        raise PackageMissing(f"{env_id} needs the Python package {dist}, not installed in {sys.executable} "
                             f"(make deps installs it from python/requirements.txt)") from None
    import gymnasium as gym
    gym.register_envs(mod)


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
    """Turns gorl's flat float64 values into a space's values and back. decode and encode
    are picked once per space: they run for every environment on every step. decode takes
    a float for one-value spaces, a row of floats for the others; encode_rows encodes a
    list of values into the rows of out."""

    def __init__(self, space):
        import gymnasium.spaces as sp
        if isinstance(space, sp.Box):
            self.dim, shape, dtype = int(np.prod(space.shape)), space.shape, space.dtype
            if self.dim == 1:
                self.decode = lambda x: np.full(shape, x, dtype)
            else:
                self.decode = lambda flat: np.asarray(flat, dtype).reshape(shape)
            if len(shape) == 1:
                def encode(value, out):
                    out[:] = value

                def encode_rows(values, out):
                    out[:] = values  # one NumPy call for all rows
                self.encode_rows = encode_rows
            else:
                def encode(value, out):
                    out[:] = np.asarray(value).ravel()
            self.encode = encode
        elif isinstance(space, sp.Discrete):
            start, n = int(space.start), int(space.n)
            self.dim = 1
            # The space's own scalars (what its sample() returns): Gymnasium checks a
            # NumPy integer faster than a Python int. Out-of-range values go through as
            # ints, for the environment to refuse.
            values = [space.dtype.type(start + k) for k in range(n)] if n <= 1 << 16 else None

            def decode(x):
                k = int(x)
                return values[k] if values is not None and 0 <= k < n else k + start
            self.decode = decode

            def encode(value, out):
                out[0] = int(value) - start
            self.encode = encode
        else:
            start, nvec = np.asarray(space.start).ravel(), np.asarray(space.nvec).ravel()
            shape, self.dim = space.nvec.shape, nvec.size
            self.decode = lambda flat: (np.clip(np.rint(np.atleast_1d(flat)).astype(np.int64), 0, nvec - 1)
                                        + start).reshape(shape)

            def encode(value, out):
                out[:] = np.asarray(value).ravel() - start
            self.encode = encode

    def encode_rows(self, values, out):
        for i, v in enumerate(values):
            self.encode(v, out[i])


class Worker:
    def __init__(self, spec):
        import gymnasium as gym
        register_namespace(spec["id"])
        self.make = lambda: gym.make(spec["id"], **(spec.get("kwargs") or {}))
        self.envs = [self.make() for _ in range(int(spec["num"]))]
        e = self.envs[0]
        versions = {"protocol": str(protocol.VERSION), "python": platform.python_version(),
                    "gymnasium": gym.__version__, "numpy": np.__version__}
        for name in SIMULATORS:
            mod = sys.modules.get(name)
            if mod is not None and getattr(mod, "__version__", None):
                versions[name] = str(mod.__version__)
        self.info = {"obs": describe(e.observation_space), "act": describe(e.action_space),
                     "max_episode_steps": e.spec.max_episode_steps if e.spec else None,
                     "versions": versions}
        self.obs_codec, self.act_codec = Codec(e.observation_space), Codec(e.action_space)
        self.obs = np.zeros((len(self.envs), self.obs_codec.dim))

    def add(self, payload):
        k = int.from_bytes(payload[:4], "little")
        self.envs += [self.make() for _ in range(k)]
        self.obs = np.zeros((len(self.envs), self.obs_codec.dim))
        return b""

    def reset(self, payload):
        first = int.from_bytes(payload[:4], "little")
        k = (len(payload) - 4) // 9
        for j in range(k):
            at = 4 + 9 * j
            seeded, seed = payload[at], int.from_bytes(payload[at + 1:at + 9], "little")
            obs, _ = self.envs[first + j].reset(seed=seed if seeded else None)
            self.obs_codec.encode(obs, self.obs[first + j])
        return self.obs[first:first + k].tobytes()

    def step(self, payload):
        first, num, autoreset = STEP_HEAD.unpack_from(payload)
        flat = np.frombuffer(payload, np.float64, offset=STEP_HEAD.size)
        ad = self.act_codec.dim
        # Plain Python floats for one-value actions: indexing them is cheaper than
        # indexing NumPy rows.
        actions = flat.tolist() if ad == 1 else flat.reshape(num, ad)
        decode = self.act_codec.decode
        obs_rows = self.obs[first:first + num]
        rewards, terms, truncs = [0.0] * num, bytearray(num), bytearray(num)
        values, final = [None] * num, []
        for i, e in enumerate(self.envs[first:first + num]):
            obs, r, term, trunc, _ = e.step(decode(actions[i]))
            rewards[i], terms[i], truncs[i] = r, term, trunc
            if autoreset and (term or trunc):
                final.append(obs)
                obs, _ = e.reset()
            values[i] = obs
        self.obs_codec.encode_rows(values, obs_rows)
        if final:
            rows = np.zeros((len(final), self.obs_codec.dim))
            self.obs_codec.encode_rows(final, rows)
            final = [rows.tobytes()]
        return b"".join([obs_rows.tobytes(), np.array(rewards, np.float64).tobytes(), bytes(terms), bytes(truncs), *final])

    def close(self):
        for e in self.envs:
            e.close()


def one_line(exc):
    msg = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {msg}" if msg else type(exc).__name__


def serve(stdin, stdout):
    """Answers requests from stdin on stdout (raw binary streams) until quit or EOF."""
    reader, worker = protocol.Reader(stdin), None
    while True:
        try:
            op, payload = reader.read()
        except EOFError:
            break
        if op == "Q":
            break
        try:
            if op == "I":
                worker = Worker(json.loads(bytes(payload)))
                out = json.dumps(worker.info).encode()
            elif worker is None:
                raise RuntimeError(f"request {op!r} before init")
            elif op == "A":
                out = worker.add(bytes(payload))
            elif op == "R":
                out = worker.reset(bytes(payload))
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
    # The protocol owns stdout: anything an environment prints goes to stderr instead,
    # from Python (sys.stdout) or from a simulator's C code (file descriptor 1), and the
    # replies go to a duplicate of the original descriptor. Raw streams, for one
    # syscall a message.
    sys.stdout.flush()
    out = os.fdopen(os.dup(1), "wb", buffering=0)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    serve(getattr(sys.stdin.buffer, "raw", sys.stdin.buffer), out)

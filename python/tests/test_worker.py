"""The bridge's Python side on its own: the protocol over in-memory streams."""

import io
import json
import struct

import numpy as np

from gorl_gym import protocol, worker


def request(op, payload=b""):
    return struct.pack("<BI", ord(op), len(payload)) + payload


def replies(data):
    out = []
    while data:
        status, n = struct.unpack("<BI", data[:5])
        out.append((status, data[5:5 + n]))
        data = data[5 + n:]
    return out


def serve(*reqs):
    stdin, stdout = io.BytesIO(b"".join(reqs)), io.BytesIO()
    worker.serve(stdin, stdout)
    return replies(stdout.getvalue())


def seeds(first, *ss):
    return struct.pack("<I", first) + b"".join(struct.pack("<BQ", 1, s) for s in ss)


def step(first, actions, autoreset=True):
    return request("S", worker.STEP_HEAD.pack(first, len(actions), autoreset) + np.array(actions, np.float64).tobytes())


def test_init_reset_step_with_autoreset():
    import gymnasium as gym
    init = json.dumps({"id": "CartPole-v1", "num": 2, "kwargs": {"max_episode_steps": 3}})
    out = serve(request("I", init.encode()), request("R", seeds(0, 7, 8)), *[step(0, [1.0, 0.0])] * 3, request("Q"))
    assert [s for s, _ in out] == [protocol.OK] * 5
    info = json.loads(out[0][1])
    assert info["act"] == {"kind": "discrete", "n": 2} and info["obs"]["high"][1] == "inf"
    assert info["max_episode_steps"] == 3
    assert info["versions"]["protocol"] == "2" and info["versions"]["gymnasium"] == gym.__version__
    obs0 = np.frombuffer(out[1][1])
    ref = gym.make("CartPole-v1")
    np.testing.assert_array_equal(obs0[:4], ref.reset(seed=7)[0].astype(np.float64))
    last = out[4][1]
    n, od = 2, 4
    term = np.frombuffer(last[8 * n * od + 8 * n:][:n], np.uint8)
    trunc = np.frombuffer(last[8 * n * od + 9 * n:][:n], np.uint8)
    assert not term.any() and trunc.all()  # both cut by the time limit of 3
    assert len(last) == 8 * n * od + 8 * n + 2 * n + 8 * od * 2  # final observations follow


def test_add_and_address_a_run_of_instances():
    """Instances added later are made alike; reset and step address any run of them, and
    a step without autoreset leaves an ended episode for gorl to reset."""
    import gymnasium as gym
    init = json.dumps({"id": "CartPole-v1", "num": 1, "kwargs": {"max_episode_steps": 2}})
    out = serve(request("I", init.encode()), request("A", struct.pack("<I", 2)), request("R", seeds(1, 5, 6)),
                step(2, [1.0], False), step(2, [1.0], False), step(1, [0.0, 0.0]))
    assert [s for s, _ in out] == [protocol.OK] * 6 and out[1][1] == b""
    ref = gym.make("CartPole-v1")
    np.testing.assert_array_equal(np.frombuffer(out[2][1])[4:], ref.reset(seed=6)[0].astype(np.float64))
    ref.step(1)
    obs, _, _, _, _ = ref.step(1)
    second = out[4][1]
    assert len(second) == 4 * 8 + 8 + 2  # one instance, no final observation without autoreset
    np.testing.assert_array_equal(np.frombuffer(second[:32]), obs.astype(np.float64))
    assert second[-1] == 1  # truncated at the limit of 2


def test_errors_are_one_line_replies_and_the_worker_goes_on():
    bad = json.dumps({"id": "NoSuchEnv-v0", "num": 1}).encode()
    out = serve(request("S", b""), request("I", bad), request("X"))
    assert [s for s, _ in out] == [protocol.ERROR] * 3
    assert out[0][1] == b"RuntimeError: request 'S' before init"
    assert out[1][1].startswith(b"NameNotFound: ") and b"\n" not in out[1][1]


def test_codecs():
    from gymnasium import spaces
    md = worker.Codec(spaces.MultiDiscrete([3, 4], start=[1, -1]))
    assert md.dim == 2 and list(md.decode(np.array([5.0, -2.0]))) == [3, -1]  # clipped, offset
    row = np.zeros(2)
    md.encode(np.array([2, 0]), row)
    assert list(row) == [1, 1]
    d = worker.Codec(spaces.Discrete(3, start=-1))
    assert d.decode(2.0) == 1
    box = worker.Codec(spaces.Box(-1, 1, (2, 3), np.float32))
    v = box.decode(np.arange(6.0))
    assert v.shape == (2, 3) and v.dtype == np.float32
    out = np.zeros(6)
    box.encode(v, out)
    assert list(out) == list(np.arange(6.0))


def test_ale_namespace_without_ale_py_is_one_line(monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "ale_py", None)  # import ale_py now fails
    out = serve(request("I", json.dumps({"id": "ALE/Pong-v5", "num": 1}).encode()))
    assert out[0][0] == protocol.ERROR and b"\n" not in out[0][1]
    assert out[0][1].startswith(b"PackageMissing: ALE/Pong-v5 needs the Python package ale-py, not installed in ")


def test_ale_image_space_translates():
    pytest = __import__("pytest")
    pytest.importorskip("ale_py")
    init = json.dumps({"id": "ALE/Pong-v5", "num": 1, "kwargs": {"frameskip": 1}})
    out = serve(request("I", init.encode()), request("R", seeds(0, 3)), step(0, [1.0]))
    assert [s for s, _ in out] == [protocol.OK] * 3
    info = json.loads(out[0][1])
    d = 210 * 160 * 3
    assert info["act"] == {"kind": "discrete", "n": 6} and len(info["obs"]["low"]) == d
    assert set(info["obs"]["low"]) == {0.0} and set(info["obs"]["high"]) == {255.0}
    assert "ale_py" in info["versions"]
    import ale_py  # noqa: F401
    import gymnasium as gym
    ref = gym.make("ALE/Pong-v5", frameskip=1)
    first, _ = ref.reset(seed=3)
    np.testing.assert_array_equal(np.frombuffer(out[1][1]), first.ravel().astype(np.float64))
    after, *_ = ref.step(1)
    np.testing.assert_array_equal(np.frombuffer(out[2][1][:8 * d]), after.ravel().astype(np.float64))


def test_reader_reassembles_requests_from_any_pieces():
    """The reader takes whatever each read call returns: requests split across reads,
    several in one read, and payloads larger than its buffer come out whole."""
    rng = np.random.default_rng(0)

    class Pieces(io.RawIOBase):
        def __init__(self, data):
            self.data, self.pos = data, 0

        def readinto(self, b):
            k = min(len(b), int(rng.integers(1, 7000)), len(self.data) - self.pos)
            b[:k] = self.data[self.pos:self.pos + k]
            self.pos += k
            return k

    msgs = [(op, rng.bytes(int(n))) for op, n in zip("SRAS" * 50, rng.choice([0, 3, 100, 70000, 200000], 200))]
    reader = protocol.Reader(Pieces(b"".join(request(op, p) for op, p in msgs)))
    for op, p in msgs:
        got_op, got = reader.read()
        assert got_op == op and bytes(got) == p
    with __import__("pytest").raises(EOFError):
        reader.read()

"""The binary protocol between gorl (Go) and a worker process.

Every request is an opcode byte, a little-endian uint32 payload length and the payload.
Every reply is a status byte (0: ok, 1: error), a uint32 length and the payload; an error
payload is one UTF-8 line, "ExceptionType: message". Numbers are little-endian; arrays
are float64 unless said otherwise.

  I (init)   payload JSON {"id", "num", "kwargs"}: num instances of gymnasium.make(id,
             **kwargs), numbered from 0; reply JSON {"obs": space, "act": space,
             "max_episode_steps", "versions": {"protocol", "python", "gymnasium",
             "numpy", and "mujoco", "ale_py", ... where loaded}} (values strings); a space
             is {"kind": "box", "low", "high"} (flattened, inf as the strings "inf",
             "-inf"), {"kind": "discrete", "n"} or {"kind": "multidiscrete", "nvec"}.
  A (add)    payload uint32 k: k more instances, made as the first ones; empty reply.
  R (reset)  payload uint32 first, then k x (uint8 seeded, uint64 seed) for instances
             first to first+k-1; reply k x obs.
  S (step)   payload uint32 first, uint32 k, uint8 autoreset, 7 zero bytes, then k x
             action (flattened) for instances first to first+k-1; reply k x obs, k
             rewards, k uint8 terminated, k uint8 truncated, then, with autoreset, the
             final observation of every instance whose episode ended, in index order
             (obs then already holds the first observation of its next episode).
  Q (quit)   no reply; the worker exits.

One message carries any run of the worker's environments: a vector step costs one round
trip per worker, whatever the number of environments in it.
"""

import struct

VERSION = 2

HEADER = struct.Struct("<BI")
OK, ERROR = 0, 1


class Reader:
    """Reads requests from a raw (unbuffered) binary stream into one reused buffer. Each
    read call takes whatever the pipe holds, so a request that gorl wrote with one write
    (as it does) costs one read call; the payload is a view into the buffer, valid until
    the next read."""

    def __init__(self, raw):
        self.raw = raw
        self.buf = bytearray(1 << 16)
        self.start = self.end = 0  # buffered bytes not yet returned

    def _have(self, n):
        """Reads until at least n bytes are buffered from start on."""
        if self.start + n > len(self.buf):
            if n > len(self.buf):
                grown = bytearray(max(n, 2 * len(self.buf)))
                grown[:self.end - self.start] = self.buf[self.start:self.end]
                self.buf = grown
            else:
                self.buf[:self.end - self.start] = self.buf[self.start:self.end]
            self.start, self.end = 0, self.end - self.start
        view = memoryview(self.buf)
        while self.end - self.start < n:
            k = self.raw.readinto(view[self.end:])
            if not k:
                raise EOFError("gorl closed the pipe")
            self.end += k

    def read(self):
        if self.start == self.end:
            self.start = self.end = 0
        self._have(HEADER.size)
        op, n = HEADER.unpack_from(self.buf, self.start)
        self.start += HEADER.size
        self._have(n)
        at = self.start
        self.start += n
        return chr(op), memoryview(self.buf)[at:at + n]


def write_reply(raw, status, payload):
    """Writes a reply with one write call (payload is bytes)."""
    data = HEADER.pack(status, len(payload)) + payload
    view, sent = memoryview(data), 0
    while sent < len(data):
        sent += raw.write(view[sent:])

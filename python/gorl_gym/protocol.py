"""The binary protocol between gorl (Go) and a worker process.

Every request is an opcode byte, a little-endian uint32 payload length and the payload.
Every reply is a status byte (0: ok, 1: error), a uint32 length and the payload; an error
payload is one UTF-8 line, "ExceptionType: message". Numbers are little-endian; arrays
are float64 unless said otherwise.

  I (init)   payload JSON {"id", "num", "kwargs", "autoreset"}; reply JSON
             {"obs": space, "act": space, "max_episode_steps"}; a space is
             {"kind": "box", "low", "high"} (flattened, inf as the strings "inf", "-inf"),
             {"kind": "discrete", "n"} or {"kind": "multidiscrete", "nvec"}.
  R (reset)  payload num x (uint8 seeded, uint64 seed); reply num x obs.
  S (step)   payload num x action (flattened); reply num x obs, num rewards, num uint8
             terminated, num uint8 truncated, then, with autoreset on, the final
             observation of every environment whose episode ended, in index order (obs
             then already holds the first observation of its next episode).
  Q (quit)   no reply; the worker exits.

One message carries all the worker's environments: a vector step costs one round trip
per worker, whatever the number of environments in it.
"""

import struct

HEADER = struct.Struct("<BI")
OK, ERROR = 0, 1


def read_exact(stream, n):
    buf = bytearray()
    while len(buf) < n:
        chunk = stream.read(n - len(buf))
        if not chunk:
            raise EOFError("gorl closed the pipe")
        buf += chunk
    return bytes(buf)


def read_request(stream):
    op, n = HEADER.unpack(read_exact(stream, HEADER.size))
    return chr(op), read_exact(stream, n) if n else b""


def write_reply(stream, status, payload):
    stream.write(HEADER.pack(status, len(payload)))
    stream.write(payload)
    stream.flush()

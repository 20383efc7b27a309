"""A remote_write body costs its decompressed size once, not twice (no copy of the output).

Measured in a fresh interpreter: the growth of its peak RSS (VmHWM) while decoding a
body that declares 120 MiB. With a second copy of the decompressed bytes the growth
was about twice that, and 8 concurrent bombs doubled the memory the budget allows for.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cramjam

DECLARED = 120 * 1024 * 1024

_PROBE = """
import json, sys
from pathlib import Path
from vigil.core.remote_write import DecodeLimits, RemoteWriteError, decode_body

def status(field):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024

body = Path(sys.argv[1]).read_bytes()
before, rss_before = status("VmHWM"), status("VmRSS")
kept = []
try:
    decode_body(body, DecodeLimits(max_decompressed_bytes=2**30))
    outcome = "decoded"
except RemoteWriteError as exc:
    outcome = exc.reason
    kept.append(exc)  # a handler (or a reference cycle) that keeps the error alive
print(json.dumps({"growth": status("VmHWM") - before, "outcome": outcome,
                  "held_while_error_kept": status("VmRSS") - rss_before}))
"""


def test_decoding_a_body_costs_its_declared_size_once(tmp_path: Path) -> None:
    body = tmp_path / "bomb.snappy"
    body.write_bytes(bytes(cramjam.snappy.compress_raw(b"\x00" * DECLARED)))
    probe = subprocess.run([sys.executable, "-c", _PROBE, str(body)], capture_output=True,
                           text=True, check=True)
    result = json.loads(probe.stdout)
    assert "field number 0" in result["outcome"]  # zeros are no WriteRequest: refused
    assert DECLARED * 0.9 < result["growth"] < DECLARED * 1.4, result


def test_a_kept_decode_error_does_not_keep_the_decompressed_buffer(tmp_path: Path) -> None:
    """The budget is given back when decoding ends; an error object that outlives that
    (logged, chained into the 400, caught in a reference cycle until a GC) must not keep
    the buffer alive through its traceback's frames: 8 concurrent bombs reached 790 MiB."""
    body = tmp_path / "bomb.snappy"
    body.write_bytes(bytes(cramjam.snappy.compress_raw(b"\x00" * DECLARED)))
    probe = subprocess.run([sys.executable, "-c", _PROBE, str(body)], capture_output=True,
                           text=True, check=True)
    result = json.loads(probe.stdout)
    assert result["held_while_error_kept"] < DECLARED * 0.2, result


def test_a_kept_snappy_error_does_not_keep_the_output_buffer(tmp_path: Path) -> None:
    """A body whose snappy stream breaks after a large declared length fails in
    decompression, after the buffer was allocated: the error must not hold it either."""
    whole = bytes(cramjam.snappy.compress_raw(b"\x00" * DECLARED))
    body = tmp_path / "broken.snappy"
    body.write_bytes(whole[: len(whole) // 2])  # the declared length stays, the data stops
    probe = subprocess.run([sys.executable, "-c", _PROBE, str(body)], capture_output=True,
                           text=True, check=True)
    result = json.loads(probe.stdout)
    assert "not a valid snappy block" in result["outcome"], result
    assert result["held_while_error_kept"] < DECLARED * 0.2, result

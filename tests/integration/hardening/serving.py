"""A real `vigil serve` for the hardening tests, with extra VIGIL_* settings."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.support import free_port

VIGIL = [sys.executable, "-m", "vigil.cli.main"]


@contextmanager
def serve(tmp_path: Path, **env_extra: str) -> Iterator[tuple[int, str]]:
    """Run `vigil serve` with extra VIGIL_* settings; yield (port, admin key)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")}
    env.update({"VIGIL_DATA_DIR": str(tmp_path / "data"), "VIGIL_SCHEDULER_ENABLED": "false",
                **env_extra})
    port = free_port()
    log = tmp_path / f"serve-{port}.log"
    with log.open("w") as sink:
        proc = subprocess.Popen([*VIGIL, "serve", "--port", str(port)], env=env, cwd=tmp_path,
                                stdout=sink, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 180  # a loaded CI machine starts slowly
        while True:
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        yield port, (tmp_path / "data" / "admin.key").read_text().strip()
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)

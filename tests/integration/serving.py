"""A real `vigil serve` subprocess for integration tests, with extra VIGIL_* settings."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.support import free_port

VIGIL = [sys.executable, "-m", "vigil.cli.main"]


@dataclass
class Served:
    """A running `vigil serve`: its process, port, base URL, admin key ("" if another
    server of the same database created it) and log file."""

    proc: subprocess.Popen[str]
    port: int
    key: str
    log: Path

    @property
    def url(self) -> str:
        """The base URL."""
        return f"http://127.0.0.1:{self.port}"


@contextmanager
def serve_process(tmp_path: Path, **env_extra: str) -> Iterator[Served]:
    """Run `vigil serve` with extra VIGIL_* settings (data under `tmp_path`); stop it after."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")}
    env.update({"VIGIL_DATA_DIR": str(tmp_path / "data"), "VIGIL_SCHEDULER_ENABLED": "false",
                **env_extra})
    tmp_path.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = tmp_path / f"serve-{port}.log"
    with log.open("w") as sink:
        proc = subprocess.Popen([*VIGIL, "serve", "--port", str(port)], env=env, cwd=tmp_path,
                                stdout=sink, stderr=subprocess.STDOUT, text=True)
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
        key_file = tmp_path / "data" / "admin.key"
        yield Served(proc, port, key_file.read_text().strip() if key_file.exists() else "", log)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


@contextmanager
def serve(tmp_path: Path, **env_extra: str) -> Iterator[tuple[int, str]]:
    """Run `vigil serve` with extra VIGIL_* settings; yield (port, admin key)."""
    with serve_process(tmp_path, **env_extra) as served:
        yield served.port, served.key

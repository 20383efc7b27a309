"""A real `vigil serve` (SQLite, own data dir) for the operations tests: type and fixture."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.support import free_port


@dataclass
class RunningVigil:
    """A started `vigil serve`: base URL and its first admin key."""

    url: str
    key: str
    data_dir: Path


@pytest.fixture(scope="module")
def vigil_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningVigil]:
    """Start `vigil serve` on a free port and stop it after the module's tests."""
    root = tmp_path_factory.mktemp("vigil-serve")
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")}
    env["VIGIL_DATA_DIR"] = str(root / "data")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = root / "serve.log"
    with log.open("w") as sink:
        proc = subprocess.Popen([sys.executable, "-m", "vigil.cli.main", "serve", "--port",
                                 str(port)], env=env, cwd=root, stdout=sink,
                                stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise AssertionError(f"vigil serve exited: {log.read_text()}")
            try:
                if httpx.get(url + "/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"vigil serve did not start: {log.read_text()}")
            time.sleep(0.2)
        key = (root / "data" / "admin.key").read_text().strip()
        yield RunningVigil(url, key, root / "data")
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()

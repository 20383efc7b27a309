"""`vigil serve --workers N`: several processes behind one port, on PostgreSQL only."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.support import free_port

VIGIL = [sys.executable, "-m", "vigil.cli.main"]


def _env(tmp_path: Path, database_url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")}
    env["VIGIL_DATA_DIR"] = str(tmp_path / "data")
    if database_url:
        env["VIGIL_DATABASE_URL"] = database_url
    return env


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


@pytest.mark.postgres
def test_two_workers_serve_one_port_on_postgresql(tmp_path: Path, pg_database: str) -> None:
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("w") as sink:
        proc = subprocess.Popen([*VIGIL, "serve", "--port", str(port), "--workers", "2"],
                                env=_env(tmp_path, pg_database), stdout=sink,
                                stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            try:
                if httpx.get(url + "/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        workers = [c for c in _children(proc.pid)
                   if "spawn_main" in Path(f"/proc/{c}/cmdline").read_text()]
        assert len(workers) == 2, log.read_text()
        key = (tmp_path / "data" / "admin.key").read_text().strip()
        headers = {"Authorization": f"Bearer {key}"}
        now = int(time.time())
        for i in range(6):  # spread over the workers by the kernel; every one must store
            body = {"series": [{"name": "m", "labels": {"i": str(i)}, "points": [[now, 1.0]]}]}
            assert httpx.post(url + "/api/v1/ingest", json=body, headers=headers,
                              timeout=30).json()["accepted"] == 1
        series = httpx.get(url + "/api/v1/series?name=m", headers=headers, timeout=30).json()
        assert len(series["items"]) == 6
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)


def test_workers_need_postgresql(tmp_path: Path) -> None:
    result = subprocess.run([*VIGIL, "serve", "--port", str(free_port()), "--workers", "2"],
                            env=_env(tmp_path, None), capture_output=True, text=True)
    assert result.returncode == 2 and "PostgreSQL" in result.stderr

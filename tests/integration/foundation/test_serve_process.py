"""A real `vigil serve` process over HTTP: first start, ingest, restart, data still there."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support import free_port

VIGIL = [sys.executable, "-m", "vigil.cli.main"]


class Server:
    """One `vigil serve` subprocess on a free port."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = cwd / f"serve-{self.port}.log"
        with self.log.open("w") as sink:
            self.proc = subprocess.Popen([*VIGIL, "serve", "--port", str(self.port)], env=env,
                                         cwd=cwd, stdout=sink, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"vigil serve exited: {self.log.read_text()}")
            try:
                if httpx.get(self.url + "/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise AssertionError(f"vigil serve did not start: {self.log.read_text()}")

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=20)


def _env(tmp_path: Path, database_url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")}
    env["VIGIL_DATA_DIR"] = str(tmp_path / "vigil-data")
    if database_url:
        env["VIGIL_DATABASE_URL"] = database_url
    return env


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> Iterator[str | None]:
    if request.param == "sqlite":
        yield None
    else:
        yield request.getfixturevalue("pg_database")


def test_start_ingest_restart_keeps_data(tmp_path: Path, database_url: str | None) -> None:
    env = _env(tmp_path, database_url)
    server = Server(env, tmp_path)
    try:
        key_file = tmp_path / "vigil-data" / "admin.key"
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
        key = key_file.read_text().strip()
        log = server.log.read_text()
        # stderr is a file here, not a terminal: the log says where the key is, never the key
        assert key not in log and str(key_file) in log
        headers = {"Authorization": f"Bearer {key}"}
        now = int(time.time())
        body = {"series": [{"name": "cpu_usage_percent", "labels": {"host": "a"},
                            "points": [[now - 1, 41.0], [now, 42.0]]}]}
        accepted = httpx.post(server.url + "/api/v1/ingest", json=body, headers=headers)
        assert accepted.json()["accepted"] == 2
        assert httpx.get(server.url + "/ready").status_code == 200
    finally:
        server.stop()
    again = Server(env, tmp_path)
    try:
        assert key not in again.log.read_text()  # not printed again
        series = httpx.get(again.url + "/api/v1/series", headers=headers).json()["items"]
        points = httpx.get(f"{again.url}/api/v1/series/{series[0]['id']}/points",
                           headers=headers).json()["points"]
        assert [v for _, v in points] == [41.0, 42.0]
        assert "vigil_http_requests_total" in httpx.get(again.url + "/metrics").text
    finally:
        again.stop()


def test_serve_refuses_an_invalid_config(tmp_path: Path) -> None:
    env = _env(tmp_path, None)
    bad = tmp_path / "vigil.yaml"
    bad.write_text("nonsense_section: 1\n")
    env["VIGIL_CONFIG"] = str(bad)
    result = subprocess.run([*VIGIL, "serve", "--port", str(free_port())], env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "vigil.yaml:1" in result.stderr and "nonsense_section" in result.stderr

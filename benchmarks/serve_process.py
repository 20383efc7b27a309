"""Start a real `vigil serve` subprocess for a benchmark, wait until it answers, stop it.

Shared by benchmarks/hardening.py, ingest.py and soak.py: a clean `VIGIL_*`
environment (nothing leaks in from the caller's shell), a free port, the log in the
work directory, the first admin key read from the data directory, and a stop that
sends SIGTERM and waits (SIGKILL only if the process does not leave in time).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

VIGIL = [sys.executable, "-m", "vigil.cli.main"]


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class ServeProcess:
    """A running `vigil serve`: its process, base URL, admin key and log file."""

    proc: subprocess.Popen[bytes]
    url: str
    key: str
    log: Path

    @property
    def pid(self) -> int:
        """The server's process id (for RSS sampling)."""
        return self.proc.pid

    def stop(self, timeout: float = 60.0) -> None:
        """SIGTERM, then wait; SIGKILL if it is still there after `timeout` seconds."""
        if self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def start_serve(workdir: Path, env_extra: dict[str, str] | None = None,
                database_url: str | None = None, wait_seconds: float = 120.0,
                args: tuple[str, ...] = ()) -> ServeProcess:
    """Start `vigil serve` with its data under `workdir`; return once `/health` answers 200.

    `env_extra` adds or overrides `VIGIL_*` settings (defaults: WARNING logs, no
    scheduler). Exits with the server's log if it dies or does not answer in time.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")}
    env.update({"VIGIL_DATA_DIR": str(workdir / "vigil-data"), "VIGIL_LOG_LEVEL": "WARNING",
                "VIGIL_SCHEDULER_ENABLED": "false"})
    if database_url:
        env["VIGIL_DATABASE_URL"] = database_url
    env.update(env_extra or {})
    port = free_port()
    log = workdir / f"serve-{port}.log"
    with log.open("wb") as sink:
        proc = subprocess.Popen([*VIGIL, "serve", "--port", str(port), *args], env=env,
                                stdout=sink, stderr=subprocess.STDOUT)
    server = ServeProcess(proc, f"http://127.0.0.1:{port}", "", log)
    deadline = time.monotonic() + wait_seconds
    while True:
        if proc.poll() is not None:
            raise SystemExit(f"vigil serve exited with {proc.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(server.url + "/health", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            server.stop()
            raise SystemExit(f"vigil serve did not answer in {wait_seconds} s:\n"
                             f"{log.read_text()}")
        time.sleep(0.2)
    server.key = (workdir / "vigil-data" / "admin.key").read_text().strip()
    return server

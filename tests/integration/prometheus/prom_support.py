"""Real processes for the Prometheus integration tests: vigil serve, Prometheus, Alertmanager.

Prometheus and Alertmanager come from the Debian packages `prometheus` and
`prometheus-alertmanager` (scripts/install-system-deps.sh). When a binary is missing
the tests that need it are skipped loudly, except under CI=true, where they fail.
Every process listens on 127.0.0.1 on a free port and is stopped after its test.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Thread
from typing import Any, TypeVar

import httpx
import pytest
import yaml

from tests.support import IN_CI, free_port

T = TypeVar("T")


def binary(name: str) -> str:
    """Path of a system binary; skip loudly (fail under CI=true) when it is missing."""
    path = shutil.which(name)
    if path is None:
        message = (f"{name} is not installed (run scripts/install-system-deps.sh); "
                   "tests that need it are SKIPPED")
        if IN_CI:
            pytest.fail(f"{name} is required under CI=true")
        warnings.warn(message, stacklevel=2)
        pytest.skip(message)
    return path


def wait_for(check: Callable[[], T | None], timeout: float, what: str,
             proc: subprocess.Popen[bytes] | None = None, log: Path | None = None) -> T:
    """Poll `check` until it returns a truthy value; fail with the process log on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = check()
        except httpx.HTTPError:
            result = None
        if result:
            return result
        if proc is not None and proc.poll() is not None:
            pytest.fail(f"{what}: process exited with {proc.returncode}\n{_tail(log)}")
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f}s waiting for {what}\n{_tail(log)}")
        time.sleep(0.25)


def _tail(log: Path | None, lines: int = 40) -> str:
    if log is None or not log.exists():
        return ""
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


@contextmanager
def process(args: list[str], log: Path, env: dict[str, str] | None = None,
            cwd: Path | None = None) -> Iterator[subprocess.Popen[bytes]]:
    """Run a process with output to `log`; terminate (then kill) it on exit."""
    with log.open("wb") as out:
        proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=cwd)
        try:
            yield proc
        finally:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=5)


def vigil_command() -> list[str]:
    """How to run the `vigil` CLI of this environment."""
    script = Path(sys.executable).parent / "vigil"
    return [str(script)] if script.exists() else [sys.executable, "-m", "vigil.cli.main"]


@dataclass
class VigilServer:
    """A running `vigil serve` and an operator key for it."""

    url: str
    operator_key: str
    data_dir: Path
    log: Path

    def get(self, path: str, **params: Any) -> Any:
        """GET an API path with the operator key and return the JSON body."""
        response = httpx.get(self.url + path, params=params, timeout=10,
                             headers={"Authorization": f"Bearer {self.operator_key}"})
        response.raise_for_status()
        return response.json()

    def series(self, name: str | None = None) -> list[dict[str, Any]]:
        """Every stored series (optionally of one name), following the cursor."""
        items: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            params: dict[str, Any] = {"limit": 1000}
            if name:
                params["name"] = name
            if cursor:
                params["cursor"] = cursor
            page = self.get("/api/v1/series", **params)
            items.extend(page["items"])
            cursor = page.get("next_cursor")
            if not cursor:
                return items


@contextmanager
def vigil_serve(tmp: Path, database_url: str = "", operator_config: str | None = None,
                operator_key: str | None = None) -> Iterator[VigilServer]:
    """Create an operator key with `vigil keys create` (unless `operator_key` is one the
    database already has: a restart), then run `vigil serve` on a free port."""
    data_dir = tmp / "vigil-data"
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")}
    env.update({"VIGIL_DATA_DIR": str(data_dir), "VIGIL_DATABASE_URL": database_url,
                "VIGIL_SCHEDULER_ENABLED": "false"})
    if operator_config is not None:
        config = tmp / "vigil.yml"
        config.write_text(operator_config, encoding="utf-8")
        env["VIGIL_CONFIG"] = str(config)
    key = operator_key
    if key is None:
        created = subprocess.run(
            [*vigil_command(), "keys", "create", "--role", "operator", "--name", "prom"],
            env=env, capture_output=True, text=True, timeout=120, check=False)
        assert created.returncode == 0, created.stderr
        key = created.stdout.strip().splitlines()[-1]
    port = free_port()
    log = tmp / "vigil.log"
    with process([*vigil_command(), "serve", "--host", "127.0.0.1", "--port", str(port)],
                 log, env=env) as proc:
        url = f"http://127.0.0.1:{port}"
        wait_for(lambda: httpx.get(url + "/health", timeout=2).status_code == 200, 60,
                 "vigil serve to answer /health", proc, log)
        yield VigilServer(url, key, data_dir, log)


@dataclass
class Webhook:
    """A webhook receiver (http.server in a thread) recording Alertmanager's JSON posts."""

    url: str = ""
    posts: list[dict[str, Any]] = field(default_factory=list)

    def alerts(self) -> list[dict[str, Any]]:
        """Every alert of every post received so far, in order."""
        return [alert for post in list(self.posts) for alert in post.get("alerts", [])]


@contextmanager
def webhook_receiver() -> Iterator[Webhook]:
    """Serve a webhook on a free port for the duration of the block."""
    hook = Webhook()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            hook.posts.append(json.loads(body or b"{}"))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    hook.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield hook
    finally:
        server.shutdown()
        server.server_close()


EXAMPLE_CONFIG = Path(__file__).parents[3] / "deploy" / "alertmanager" / "alertmanager.yml"


@contextmanager
def alertmanager(tmp: Path, config: dict[str, Any]) -> Iterator[str]:
    """Run prometheus-alertmanager on a free port (no clustering) and yield its URL."""
    am = binary("prometheus-alertmanager")
    path = tmp / "alertmanager.yml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    port = free_port()
    log = tmp / "alertmanager.log"
    args = [am, f"--config.file={path}", f"--storage.path={tmp / 'am-data'}",
            f"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address="]
    with process(args, log) as proc:
        url = f"http://127.0.0.1:{port}"
        wait_for(lambda: httpx.get(url + "/-/ready", timeout=2).status_code == 200, 60,
                 "alertmanager to be ready", proc, log)
        yield url


def fired(hook: Webhook, alertname: str, status: str) -> list[dict[str, Any]]:
    """Alerts of that name and status the webhook has received."""
    return [a for a in hook.alerts()
            if a["labels"].get("alertname") == alertname and a["status"] == status]


def example_alertmanager_config(hook: Webhook) -> dict[str, Any]:
    """deploy/alertmanager/alertmanager.yml with every receiver pointed at the webhook
    (path = receiver name) and waits shortened to a second."""
    config: dict[str, Any] = yaml.safe_load(EXAMPLE_CONFIG.read_text(encoding="utf-8"))
    base = hook.url.rsplit("/", 1)[0]
    for receiver in config["receivers"]:
        for webhook in receiver.get("webhook_configs", []):
            webhook["url"] = f"{base}/{receiver['name']}"
            webhook["send_resolved"] = True
    routes = [config["route"], *config["route"].get("routes", [])]
    for route in routes:
        route["group_wait"] = "1s"
        route["group_interval"] = "1s"
    return config

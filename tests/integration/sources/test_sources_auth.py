"""Source and write-back auth over real HTTP: bearer (inline and file), basic, extra
headers; an unreadable token file is a failed poll, not a crash."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from vigil.services.sources.client import PrometheusClient
from vigil.services.sources.poller import SourcePoller
from vigil.services.sources.writeback import RemoteWritePusher
from vigil.sources.config import RemoteWriteTarget, SourceConfig
from vigil.sources.timing import TimeRange
from vigil.sources.writeback import ScoredPoints
from vigil.storage.database import Database

MATRIX = {"status": "success", "data": {"resultType": "matrix", "result": [
    {"metric": {"job": "x"}, "values": [[60, "1"], [120, "2"]]}]}}


@pytest.fixture
def recorder() -> Iterator[tuple[str, list[dict[str, str]]]]:
    """An HTTP server that records each request's headers and answers a small matrix."""
    seen: list[dict[str, str]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            seen.append(dict(self.headers.items()))
            body = json.dumps(MATRIX).encode()
            self.send_response(200 if self.path.endswith("query_range") else 204)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.path.endswith("query_range"):
                self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


def test_bearer_basic_and_headers_are_sent(recorder: tuple[str, list[dict[str, str]]],
                                           tmp_path: Path) -> None:
    url, seen = recorder
    token = tmp_path / "token"
    token.write_text("from-a-file\n")
    source = SourceConfig(name="a", url=url, queries={"q": "up"}, auth={
        "bearer_token_file": token, "headers": {"X-Scope-OrgID": "tenant-1"}})
    client = PrometheusClient(source)
    fetched = client.query_range("up", TimeRange(60, 120, 60))
    client.close()
    assert [s.values.tolist() for s in fetched.series] == [[1.0, 2.0]]
    assert seen[-1]["Authorization"] == "Bearer from-a-file"
    assert seen[-1]["X-Scope-OrgID"] == "tenant-1"

    pusher = RemoteWritePusher(RemoteWriteTarget(url=url + "/api/v1/write",
                                                 auth={"username": "u", "password": "p"}))
    sent, refused = pusher.push([ScoredPoints({"job": "x"}, "q", np.array([60.0]),
                                              np.array([0.2]), np.array([1.0]),
                                              np.array([2.0]), np.array([False]))])
    pusher.close()
    assert (sent, refused) == (4, [])
    assert seen[-1]["Authorization"] == "Basic " + base64.b64encode(b"u:p").decode()
    assert seen[-1]["Content-Encoding"] == "snappy"
    assert seen[-1]["X-Prometheus-Remote-Write-Version"] == "0.1.0"


def test_an_unreadable_token_file_is_a_failed_poll(db: Database, tmp_path: Path,
                                                   recorder: tuple[str, list[dict[str, str]]]
                                                   ) -> None:
    url, _seen = recorder
    source = SourceConfig(name="tokenless", url=url, queries={"q": "up"},
                          auth={"bearer_token_file": tmp_path / "missing"})
    poller = SourcePoller(db, [source], 4, clock=lambda: 180.0)
    try:
        (outcome,) = poller.run_once()
    finally:
        poller.stop()
    assert outcome.error is not None and "bearer_token_file" in outcome.error
    assert poller.health["tokenless"].healthy is False

"""A real local HTTP receiver (http.server on 127.0.0.1:0 in a thread) for notifier tests."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


@dataclass
class Receiver:
    """Records every request; answers the queued statuses first, then 200."""

    url: str
    requests: list[tuple[str, Any]] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    attempts: int = 0


@contextmanager
def http_receiver(statuses: list[int] | None = None) -> Iterator[Receiver]:
    """Start a receiver on a free port; yields it and shuts it down afterwards."""
    state = Receiver(url="", statuses=list(statuses or []))

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            state.attempts += 1
            status = state.statuses.pop(0) if state.statuses else 200
            if status < 300:
                state.requests.append((self.path, json.loads(body or b"null")))
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def receiver_factory() -> Any:
    """The `http_receiver` context manager, for tests that need a real HTTP endpoint."""
    return http_receiver

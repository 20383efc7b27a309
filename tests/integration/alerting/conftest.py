"""Fixtures of the alerting integration tests: real databases and real local receivers.

- `db` (from tests/conftest.py): a migrated SQLite file or a throw-away PostgreSQL database.
- `receiver_factory`: http.server on 127.0.0.1:0 in a thread, recording requests and
  answering queued statuses (e.g. 500s to exercise retries).
- `smtp_server`: a tiny SMTP server (socketserver) that records delivered messages.
"""

from __future__ import annotations

import json
import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

# --- HTTP receiver -----------------------------------------------------------------------


@dataclass
class Receiver:
    """Records every accepted request; answers the queued statuses first, then 200."""

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


# --- SMTP server -------------------------------------------------------------------------


@dataclass
class SmtpServer:
    """Where the test SMTP server listens and what it received."""

    host: str
    port: int
    messages: list[tuple[str, list[str], Message]] = field(default_factory=list)


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A minimal SMTP server (HELO/EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT) in a thread."""
    state = SmtpServer("127.0.0.1", 0)

    class Handler(socketserver.StreamRequestHandler):
        def reply(self, line: str) -> None:
            self.wfile.write((line + "\r\n").encode())

        def handle(self) -> None:
            self.reply("220 test ESMTP")
            sender, rcpts = "", []
            while True:
                raw = self.rfile.readline()
                if not raw:
                    return
                cmd = raw.decode().strip()
                verb = cmd[:4].upper()
                if verb in ("HELO", "EHLO"):
                    self.reply("250 test")
                elif verb == "MAIL":
                    sender, rcpts = cmd.split(":", 1)[1].strip(" <>"), []
                    self.reply("250 OK")
                elif verb == "RCPT":
                    rcpts.append(cmd.split(":", 1)[1].strip(" <>"))
                    self.reply("250 OK")
                elif verb == "DATA":
                    self.reply("354 end with .")
                    lines = []
                    while (line := self.rfile.readline()) not in (b".\r\n", b".\n", b""):
                        lines.append(line[1:] if line.startswith(b"..") else line)
                    state.messages.append((sender, rcpts, message_from_bytes(b"".join(lines))))
                    self.reply("250 queued")
                elif verb == "QUIT":
                    self.reply("221 bye")
                    return
                else:
                    self.reply("250 OK")

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


# Databases: the `db_url` and `db` fixtures of tests/conftest.py (SQLite and PostgreSQL).

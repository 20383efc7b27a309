"""Slow clients against a real `vigil serve`: header and body timeouts, connection cap."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import httpx

from tests.integration.serving import serve


def _read_all(sock: socket.socket) -> bytes:
    sock.settimeout(30)  # far beyond the configured timeouts: a hang fails the test
    data = b""
    while chunk := sock.recv(4096):
        data += chunk
    return data


def test_trickled_headers_and_bodies_time_out_with_408(tmp_path: Path) -> None:
    with serve(tmp_path, VIGIL_HEADER_TIMEOUT_SECONDS="1",
               VIGIL_BODY_TIMEOUT_SECONDS="1") as (port, key):
        headers_only = socket.create_connection(("127.0.0.1", port))
        headers_only.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")  # never finished
        body_only = socket.create_connection(("127.0.0.1", port))
        body_only.sendall(b"POST /api/v1/ingest HTTP/1.1\r\nHost: x\r\n"
                          b"Authorization: Bearer " + key.encode() + b"\r\n"
                          b"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
                          b'{"series": [')  # the rest never comes
        first = _read_all(headers_only)
        second = _read_all(body_only)
        assert first.startswith(b"HTTP/1.1 408")
        assert second.startswith(b"HTTP/1.1 408") and b"application/problem+json" in second
        # a well-behaved client on a kept-alive connection is not affected
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
            assert client.get("/health").status_code == 200
            assert client.get("/health").status_code == 200


def test_connections_beyond_the_cap_get_503(tmp_path: Path) -> None:
    with serve(tmp_path, VIGIL_MAX_CONNECTIONS="3", VIGIL_HEADER_TIMEOUT_SECONDS="30") as (port,
                                                                                          _key):
        idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(3)]
        try:
            for sock in idle:
                sock.sendall(b"GET /health HTTP/1.1\r\n")
            time.sleep(0.5)  # let the server accept them (not a timing assertion)
            refused = httpx.get(f"http://127.0.0.1:{port}/health", timeout=10)
            assert refused.status_code == 503
        finally:
            for sock in idle:
                sock.close()
        deadline = time.monotonic() + 60
        while httpx.get(f"http://127.0.0.1:{port}/health", timeout=10).status_code != 200:
            assert time.monotonic() < deadline
            time.sleep(0.2)

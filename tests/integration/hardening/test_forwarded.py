"""Lockouts behind a reverse proxy: forwarding headers count only from trusted proxies."""

from __future__ import annotations

import io
import json
from pathlib import Path

import httpx
from fastapi.testclient import TestClient

from tests.integration.serving import serve
from tests.support import auth
from vigil.api.app import create_app
from vigil.config import OperatorConfig, Settings
from vigil.storage.database import Database
from vigil.telemetry.logging import configure_logging

LIMIT = 3


def _client(settings: Settings, db: Database, peer: str, **update: object) -> TestClient:
    limited = settings.model_copy(update={"auth_failure_limit": LIMIT, **update})
    app = create_app(limited, db=db, config=OperatorConfig(), background=False)
    return TestClient(app, raise_server_exceptions=False, client=(peer, 40000))


def _wrong_key(client: TestClient, forwarded_for: str) -> int:
    return client.get("/api/v1/series", headers={**auth("vgl_wrong"),
                                                 "X-Forwarded-For": forwarded_for}).status_code


def test_a_spoofed_forwarded_for_from_an_untrusted_peer_is_ignored(
        settings: Settings, db: Database) -> None:
    with _client(settings, db, "203.0.113.50") as client:
        statuses = [_wrong_key(client, f"198.51.100.{i}") for i in range(LIMIT + 2)]
    assert statuses == [401] * LIMIT + [429] * 2  # one address: the peer's


def test_through_a_trusted_proxy_two_clients_are_limited_separately(
        settings: Settings, db: Database, keys: dict[str, str]) -> None:
    stream = io.StringIO()
    configure_logging("INFO", stream)
    try:
        with _client(settings, db, "10.0.0.2", trusted_proxies="10.0.0.0/8") as proxy:
            attacker = [_wrong_key(proxy, f"1.2.3.{i}, 198.51.100.66")  # rotates its own XFF
                        for i in range(LIMIT + 2)]
            other = [_wrong_key(proxy, "198.51.100.77") for _ in range(LIMIT)]
            valid = proxy.get("/api/v1/series", headers={**auth(keys["viewer"]),
                                                         "X-Forwarded-For": "198.51.100.66"})
    finally:
        configure_logging("INFO")
    assert attacker == [401] * LIMIT + [429] * 2  # its spoofed left-hand hops do not help
    assert other == [401] * LIMIT  # the other client behind the same proxy is not locked out
    assert valid.status_code == 200  # a valid key always passes
    logged = {json.loads(line)["client_ip"] for line in stream.getvalue().splitlines()
              if '"AUTH_FAILED"' in line}
    assert logged == {"198.51.100.66", "198.51.100.77"}


def test_a_real_server_ignores_forwarded_for_from_localhost_by_default(tmp_path: Path) -> None:
    # uvicorn on its own trusts X-Forwarded-For from 127.0.0.1: a local client could
    # then rotate addresses past the lockout; `vigil serve` turns that off
    with serve(tmp_path, VIGIL_AUTH_FAILURE_LIMIT=str(LIMIT)) as (port, _key):
        url = f"http://127.0.0.1:{port}/api/v1/series"
        statuses = [httpx.get(url, headers={**auth("vgl_wrong"),
                                            "X-Forwarded-For": f"198.51.100.{i}"},
                              timeout=30).status_code for i in range(LIMIT + 1)]
    assert statuses == [401] * LIMIT + [429]


def test_a_real_server_behind_a_trusted_proxy_limits_each_forwarded_client(
        tmp_path: Path) -> None:
    with serve(tmp_path, VIGIL_AUTH_FAILURE_LIMIT=str(LIMIT),
               VIGIL_TRUSTED_PROXIES="127.0.0.1", VIGIL_FORWARDED_HEADER="forwarded") as (
            port, _key):
        url = f"http://127.0.0.1:{port}/api/v1/series"

        def wrong(forwarded: str) -> int:
            return httpx.get(url, headers={**auth("vgl_wrong"), "Forwarded": forwarded},
                             timeout=30).status_code

        first = [wrong('for="[2001:db8::1]:5000"') for _ in range(LIMIT + 1)]
        second = wrong("for=198.51.100.9")
    assert first == [401] * LIMIT + [429]
    assert second == 401

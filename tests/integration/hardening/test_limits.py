"""Brute-force lockouts, per-key rate limits (Redis and in-process), last admin key."""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from fastapi.testclient import TestClient

from tests.support import auth
from vigil.api.app import create_app
from vigil.config import OperatorConfig, Settings
from vigil.core.types import Role
from vigil.services.keys import create_key, list_keys
from vigil.services.limits import Limiter, LimitPolicy
from vigil.storage.database import Database, open_database
from vigil.storage.migrate import upgrade

NOW = int(time.time())


def _app(settings: Settings, db: Database) -> TestClient:
    return TestClient(create_app(settings, db=db, config=OperatorConfig(), background=False),
                      raise_server_exceptions=False)


_ADDRESSES: list[str] = []
"""Addresses `_address()` handed out to the running test; `flushed_redis` lifts them after."""


@pytest.fixture
def flushed_redis(redis_url: str) -> Iterator[str]:
    """Redis database 14 (other suites flush limits in 15); our addresses' keys lifted after.

    Only the keys of the addresses this test used: another test run on the same Redis
    (a developer's `make test` beside CI) keeps its own lockouts.
    """
    url = redis_url.rsplit("/", 1)[0] + "/14"
    yield url
    client = redis.Redis.from_url(url)
    for address in _ADDRESSES:
        for name in client.scan_iter(match=f"vigil:limits:*:auth:{address}"):
            client.delete(name)
    _ADDRESSES.clear()
    client.close()


def _address() -> str:
    """An address no other test run on this Redis uses (198.18.0.0/15 is for testing)."""
    address = f"198.18.{secrets.randbelow(256)}.{secrets.randbelow(254) + 1}"
    _ADDRESSES.append(address)
    return address


def test_failed_auth_locks_the_address_out_with_retry_after(
        settings: Settings, db: Database, keys: dict[str, str]) -> None:
    limited = settings.model_copy(update={"auth_failure_limit": 5})
    with _app(limited, db) as client:
        statuses = [client.get("/api/v1/series", headers=auth(f"vgl_wrong{i}")).status_code
                    for i in range(8)]
        assert statuses == [401] * 5 + [429] * 3
        locked = client.get("/api/v1/series")
        assert locked.status_code == 429
        assert locked.headers["content-type"].startswith("application/problem+json")
        assert 1 <= int(locked.headers["retry-after"]) <= limited.auth_lockout_seconds
        # a valid key from the same address (NAT, proxy) keeps working during the lockout
        assert client.get("/api/v1/series", headers=auth(keys["viewer"])).status_code == 200
        # an admin lists and lifts the lockout
        listed = client.get("/api/v1/limits", headers=auth(keys["admin"])).json()
        assert [lock["key"] for lock in listed["locks"]] == ["auth:testclient"]
        cleared = client.delete("/api/v1/limits", params={"key": "auth:testclient"},
                                headers=auth(keys["admin"]))
        assert cleared.json() == {"cleared": 1}
        assert client.get("/api/v1/series", headers=auth("vgl_wrong")).status_code == 401
        assert client.get("/api/v1/limits", headers=auth(keys["admin"])).json() == {
            "backend": "memory", "locks": []}


def test_lockouts_expire() -> None:
    now = [1000.0]
    limiter = Limiter(LimitPolicy(auth_failures=2, lockout_seconds=30.0), clock=lambda: now[0])
    limiter.auth_failed("198.51.100.7")
    assert limiter.auth_failed("198.51.100.7") == 30.0
    now[0] += 29.0
    assert limiter.auth_locked("198.51.100.7") == pytest.approx(1.0)
    now[0] += 1.5
    assert limiter.auth_locked("198.51.100.7") is None
    assert limiter.locks() == []


def test_expensive_routes_are_rate_limited_per_key(
        settings: Settings, db: Database, keys: dict[str, str]) -> None:
    limited = settings.model_copy(update={"detect_rate_per_minute": 3})
    body = json.dumps({"points": [[NOW - i, 1.0] for i in range(5)]})
    with _app(limited, db) as client:
        statuses = [client.post("/api/v1/detect", headers=auth(keys["viewer"]),
                                content=body).status_code for _ in range(5)]
        assert statuses == [200, 200, 200, 429, 429]
        refused = client.post("/api/v1/detect", headers=auth(keys["viewer"]), content=body)
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        # another key has its own budget; cheap routes are not limited
        assert client.post("/api/v1/detect", headers=auth(keys["operator"]),
                           content=body).status_code == 200
        assert client.get("/api/v1/series", headers=auth(keys["viewer"])).status_code == 200


@pytest.mark.xdist_group("redis-limits")  # they share (and flush) vigil:limits:* in Redis
def test_redis_limits_hold_across_replicas(tmp_path: Path, flushed_redis: str) -> None:
    url = f"sqlite:///{tmp_path / 'v.db'}"
    upgrade(url)
    settings = Settings(database_url=url, redis_url=flushed_redis, auth_failure_limit=4,
                        scheduler_enabled=False)
    db = open_database(settings)
    try:
        address = _address()
        app_one = create_app(settings, db=db, config=OperatorConfig(), background=False)
        app_two = create_app(settings, db=db, config=OperatorConfig(), background=False)
        with TestClient(app_one, client=(address, 1000)) as one, \
                TestClient(app_two, client=(address, 1001)) as two:
            for client in (one, two, one, two):
                assert client.get("/api/v1/series", headers=auth("vgl_x")).status_code == 401
            assert one.get("/api/v1/series").status_code == 429
            assert two.get("/api/v1/series").status_code == 429
            assert one.app.state.limiter.backend == "redis"  # type: ignore[attr-defined]
    finally:
        db.dispose()


@pytest.mark.xdist_group("redis-limits")
def test_cli_lists_and_clears_redis_lockouts(tmp_path: Path, flushed_redis: str) -> None:
    address = _address()
    limiter = Limiter(LimitPolicy(auth_failures=1), flushed_redis)
    limiter.auth_failed(address)
    assert limiter.backend == "redis"
    limiter.close()
    from typer.testing import CliRunner

    from vigil.cli.main import app as cli

    runner = CliRunner()
    env = {"VIGIL_REDIS_URL": flushed_redis, "VIGIL_DATA_DIR": str(tmp_path)}
    listed = runner.invoke(cli, ["limits", "list", "--format", "json"], env=env)
    assert listed.exit_code == 0, listed.output
    assert f"auth:{address}" in [lock["key"] for lock in json.loads(listed.stdout)]
    table = runner.invoke(cli, ["limits", "list"], env={**env, "COLUMNS": "200"})
    assert f"auth:{address}" in table.stdout
    assert runner.invoke(cli, ["limits", "clear"], env=env).exit_code == 2
    cleared = runner.invoke(cli, ["limits", "clear", f"auth:{address}"], env=env)
    assert cleared.exit_code == 0 and "cleared 1" in cleared.stdout
    again = runner.invoke(cli, ["limits", "list", "--format", "json"], env=env)
    assert f"auth:{address}" not in [lock["key"] for lock in json.loads(again.stdout)]


def test_redis_down_keeps_writes_working_and_ready_degraded(
        tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'v.db'}"
    upgrade(url)
    settings = Settings(database_url=url, redis_url="redis://127.0.0.1:1/0",
                        auth_failure_limit=3, scheduler_enabled=False)
    db = open_database(settings)
    key = create_key(db, "op", Role.OPERATOR, actor="test").secret
    try:
        with _app(settings, db) as client:
            body = {"series": [{"name": "m", "points": [[NOW, 1.0]]}]}
            stored = client.post("/api/v1/ingest", headers=auth(key), json=body)
            assert stored.status_code == 200 and stored.json()["accepted"] == 1
            ready = client.get("/ready")
            assert ready.status_code == 200 and ready.json()["status"] == "degraded"
            # the local limiter still locks brute force out
            statuses = [client.get("/api/v1/series", headers=auth("vgl_x")).status_code
                        for _ in range(4)]
            assert statuses == [401, 401, 401, 429]
            assert client.app.state.limiter.backend == "degraded"  # type: ignore[attr-defined]
    finally:
        db.dispose()


def test_the_last_active_admin_key_cannot_be_revoked(
        client: TestClient, db: Database, keys: dict[str, str], tmp_path: Path,
        settings: Settings) -> None:
    admin_id = next(r.id for r in list_keys(db) if r.role == "admin")
    refused = client.delete(f"/api/v1/keys/{admin_id}", headers=auth(keys["admin"]))
    assert refused.status_code == 409, refused.text
    assert refused.json()["type"].endswith("/last-admin-key")
    assert client.get("/api/v1/keys", headers=auth(keys["admin"])).status_code == 200
    env = {"PATH": "/usr/bin:/bin", "VIGIL_DATABASE_URL": settings.effective_database_url(),
           "VIGIL_DATA_DIR": str(tmp_path)}
    cli = subprocess.run([sys.executable, "-m", "vigil.cli.main", "keys", "revoke",
                          str(admin_id)], env=env, capture_output=True, text=True)
    assert cli.returncode == 2 and "last active admin" in cli.stderr
    # with a second admin, the first can go
    second = create_key(db, "second-admin", Role.ADMIN, actor="test")
    assert client.delete(f"/api/v1/keys/{admin_id}",
                         headers=auth(second.secret)).status_code == 200


def _start_redis(port: int, workdir: Path) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                             "--save", "", "--appendonly", "no", "--dir", str(workdir)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = redis.Redis(port=port, socket_connect_timeout=1)
    deadline = time.monotonic() + 30
    while True:
        try:
            client.ping()
            break
        except redis.RedisError:
            assert proc.poll() is None and time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.1)
    client.close()
    return proc


def test_redis_lost_mid_run_falls_back_and_comes_back(tmp_path: Path) -> None:
    """Redis dies under a running server (SIGKILL) and returns: writes never stop, limits
    hold locally meanwhile, and the shared store is used again after the retry delay."""
    from tests.support import free_port
    from vigil.services.limits import REDIS_RETRY_SECONDS

    port = free_port()
    redis_proc = _start_redis(port, tmp_path)
    url = f"sqlite:///{tmp_path / 'v.db'}"
    upgrade(url)
    settings = Settings(database_url=url, redis_url=f"redis://127.0.0.1:{port}/0",
                        auth_failure_limit=3, scheduler_enabled=False)
    db = open_database(settings)
    key = create_key(db, "op", Role.OPERATOR, actor="test").secret
    body = {"series": [{"name": "m", "points": [[NOW, 1.0]]}]}
    try:
        with _app(settings, db) as client:
            limiter = client.app.state.limiter  # type: ignore[attr-defined]
            assert [client.get("/api/v1/series", headers=auth("vgl_x")).status_code
                    for _ in range(4)] == [401, 401, 401, 429]
            assert limiter.backend == "redis"
            assert redis.Redis(port=port).keys("vigil:limits:*")  # the lockout is in Redis
            redis_proc.kill()
            redis_proc.wait(timeout=10)
            stored = client.post("/api/v1/ingest", headers=auth(key), json=body)
            assert stored.status_code == 200 and stored.json()["accepted"] == 1
            ready = client.get("/ready")
            assert ready.status_code == 200 and ready.json()["status"] == "degraded"
            # the Redis lockout is out of reach: the local store counts from zero, and holds
            assert [client.get("/api/v1/series", headers=auth("vgl_x")).status_code
                    for _ in range(4)] == [401, 401, 401, 429]
            assert limiter.backend == "degraded"
            redis_proc = _start_redis(port, tmp_path)  # back, empty
            time.sleep(REDIS_RETRY_SECONDS + 0.5)
            assert client.get("/api/v1/series", headers=auth("vgl_y")).status_code == 401
            assert limiter.backend == "redis"
            ready = client.get("/ready")
            assert ready.status_code == 200 and ready.json()["status"] == "ok"
            assert redis.Redis(port=port).keys("vigil:limits:*")  # counted in Redis again
    finally:
        redis_proc.kill()
        redis_proc.wait(timeout=10)
        db.dispose()

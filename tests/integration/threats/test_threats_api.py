"""Threat detection through the HTTP API and storage, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
from pathlib import Path

from fastapi.testclient import TestClient

from tests.support import auth
from vigil.config import Settings
from vigil.core.types import Role
from vigil.security.threats import ThreatsConfig
from vigil.services import keys as key_service
from vigil.services import threats as service
from vigil.storage import keys_repo, threats_repo
from vigil.storage.database import Database, open_database
from vigil.telemetry.logging import configure_logging

FIXTURES = Path(__file__).parents[2] / "fixtures" / "threats"


def test_posting_lines_stores_and_lists_threats(client: TestClient, keys: dict[str, str]) -> None:
    lines = (FIXTURES / "access.log").read_text().splitlines()
    viewer = client.post("/api/v1/security/logs", headers=auth(keys["viewer"]),
                         json={"lines": lines})
    assert viewer.status_code == 403
    stream = io.StringIO()
    configure_logging("INFO", stream)
    try:
        response = client.post("/api/v1/security/logs", headers=auth(keys["operator"]),
                               json={"lines": lines})
    finally:
        configure_logging("INFO", None)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["stats"]["unparseable"] == 1
    assert body["stored"]["inserted"] == len(body["threats"]) >= 6
    logged = [json.loads(x) for x in stream.getvalue().splitlines() if "THREAT_DETECTED" in x]
    assert len(logged) == len(body["threats"])
    assert all(e["level"] == "WARNING" for e in logged)

    again = client.post("/api/v1/security/logs", headers=auth(keys["operator"]),
                        json={"lines": lines})
    assert again.json()["stored"] == {"inserted": 0, "updated": len(body["threats"])}

    listed = client.get("/api/v1/security/threats", headers=auth(keys["viewer"]),
                        params={"limit": 2})
    assert listed.status_code == 200
    page = listed.json()
    assert len(page["items"]) == 2 and page["next_cursor"]
    rest = client.get("/api/v1/security/threats", headers=auth(keys["viewer"]),
                      params={"limit": 100, "cursor": page["next_cursor"]}).json()
    ids = [i["id"] for i in page["items"] + rest["items"]]
    assert len(ids) == len(set(ids)) == len(body["threats"])
    only = client.get("/api/v1/security/threats", headers=auth(keys["viewer"]),
                      params={"source_ip": "192.0.2.30"}).json()["items"]
    assert [i["type"] for i in only] == ["http_credential_stuffing"]


def test_plain_text_and_json_events(client: TestClient, keys: dict[str, str]) -> None:
    text = (FIXTURES / "vigil_auth.jsonl").read_text()
    response = client.post("/api/v1/security/logs", headers={
        **auth(keys["operator"]), "Content-Type": "text/plain"}, content=text)
    assert response.status_code == 200
    assert [t["type"] for t in response.json()["threats"]] == ["api_key_brute_force"]
    events = [{"time": f"2026-01-01T00:00:{i:02d}Z", "source_ip": "192.0.2.99",
               "user": f"u{i}", "outcome": "failure"} for i in range(6)] + [{"nope": 1}]
    response = client.post("/api/v1/security/logs", headers=auth(keys["operator"]),
                           json={"events": events})
    body = response.json()
    assert response.status_code == 200
    assert {t["type"] for t in body["threats"]} >= {"auth_brute_force"}
    assert body["rejected_events"] == [
        {"index": 6, "reason": "not a recognised auth or HTTP event"}]
    bad = client.post("/api/v1/security/logs", headers=auth(keys["operator"]),
                      json={"lines": "not a list"})
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")


def test_far_future_events_are_a_422_and_the_good_events_are_kept(
        client: TestClient, keys: dict[str, str]) -> None:
    good = [{"time": f"2026-01-01T00:00:{i:02d}Z", "source_ip": "192.0.2.77", "user": "root",
             "outcome": "failure"} for i in range(6)]
    bad = {"time": "9999-12-31T23:59:59Z", "source_ip": "192.0.2.78", "user": "root",
           "outcome": "failure"}
    response = client.post("/api/v1/security/logs", headers=auth(keys["operator"]),
                           json={"events": [*good, bad]})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert [e["path"] for e in body["errors"]] == ["events.6"]
    assert {t["source_ip"] for t in body["threats"]} == {"192.0.2.77"}
    listed = client.get("/api/v1/security/threats", headers=auth(keys["viewer"])).json()
    assert {t["source_ip"] for t in listed["items"]} == {"192.0.2.77"}


def test_auth_failure_monitor_flags_api_key_brute_force(db: Database) -> None:
    monitor = service.AuthFailureMonitor(db, ThreatsConfig.model_validate(
        {"api_key_bruteforce": {"threshold": 5, "window": 60}}))
    results = [monitor({"client_ip": "203.0.113.50", "reason": "invalid",
                        "key_prefix": "vgl_abcd"}) for _ in range(7)]
    assert [r is not None for r in results] == [False] * 4 + [True] + [False] * 2
    with db.session() as session:
        stored = threats_repo.list_threats(session)
    assert [(s.data["type"], s.data["source_ip"], s.source) for s in stored] == [
        ("api_key_brute_force", "203.0.113.50", "api-auth")]


def test_the_stored_api_key_threat_is_built_from_each_failure_and_grows(db: Database) -> None:
    monitor = service.AuthFailureMonitor(db, ThreatsConfig.model_validate(
        {"api_key_bruteforce": {"threshold": 10, "window": 60}}))
    for i in range(14):
        monitor({"client_ip": "203.0.113.51", "reason": "invalid", "key_prefix": f"vgl_{i:04d}",
                 "ts": f"2026-01-01T00:00:{i:02d}+00:00"})
        if i == 9:
            with db.session() as session:
                [first] = threats_repo.list_threats(session)
            assert first.data["count"] == 10
            assert first.data["details"]["distinct_key_prefixes"] == 10
            assert len(set(first.data["evidence"])) == 10  # one line per failure, not a copy
    with db.session() as session:
        [stored] = threats_repo.list_threats(session)
    assert stored.data["count"] == 14  # the attack went on: the stored threat follows it
    assert stored.data["details"]["distinct_key_prefixes"] == 14
    assert stored.data["targets"][:2] == ["vgl_0000", "vgl_0001"]


def test_bootstrap_key_state_for_the_config_audit(db: Database) -> None:
    with db.session() as session:
        assert keys_repo.bootstrap_key_state(session) == keys_repo.BootstrapKeyState(
            False, False, 0)
    boot = key_service.create_key(db, "bootstrap-admin", Role.ADMIN, actor="t", bootstrap=True)
    with db.session() as session:
        state = keys_repo.bootstrap_key_state(session)
    assert (state.bootstrap_exists, state.bootstrap_revoked) == (True, False)
    key_service.create_key(db, "alice", Role.ADMIN, actor="t")
    key_service.revoke_key(db, boot.record.id, actor="t")
    with db.session() as session:
        assert keys_repo.bootstrap_key_state(session) == keys_repo.BootstrapKeyState(
            True, True, 1)


def test_auth_failure_monitor_ignores_clients_without_a_key_or_the_role(db: Database) -> None:
    monitor = service.AuthFailureMonitor(db, ThreatsConfig.model_validate(
        {"api_key_bruteforce": {"threshold": 3, "window": 60}}))
    for reason in ("missing", "forbidden"):
        assert [monitor({"client_ip": "203.0.113.60", "reason": reason})
                for _ in range(10)] == [None] * 10
    with db.session() as session:
        assert threats_repo.list_threats(session) == []


def test_auth_failure_monitor_survives_a_database_that_cannot_store(tmp_path: Path) -> None:
    """A store that fails (here: no schema) is logged; the API still answers 401, not 500."""
    empty = open_database(Settings(data_dir=tmp_path,
                                   database_url=f"sqlite:///{tmp_path / 'no-schema.db'}",
                                   scheduler_enabled=False))
    try:
        monitor = service.AuthFailureMonitor(empty, ThreatsConfig.model_validate(
            {"api_key_bruteforce": {"threshold": 2, "window": 60}}))
        results = [monitor({"client_ip": "203.0.113.61", "reason": "invalid"})
                   for _ in range(2)]
    finally:
        empty.dispose()
    assert results[0] is None and results[1] is not None
    assert results[1].type == "api_key_brute_force"


def test_long_sigma_titles_and_source_fields_are_stored(db: Database) -> None:
    """A Sigma title may be 256 characters and a JSON event's source any string: storing
    them must not fail on the column sizes (PostgreSQL enforces them)."""
    from datetime import UTC, datetime

    from vigil.core.types import Priority
    from vigil.security.threats import Threat

    now = datetime(2025, 1, 1, tzinfo=UTC)
    threat = Threat("sigma:" + "T" * 256, "h" * 300, now, now, 3, "T" * 40, Priority.P2,
                    "sigma-correlation:" + "T" * 256)
    assert service.store_threats(db, [threat, threat], "api") == (1, 1)
    with db.session() as session:
        [stored] = threats_repo.list_threats(session)
    assert stored.data["type"].startswith("sigma:TTT") and len(stored.data["source_ip"]) == 255

"""Found in review: NUL characters, short invalid keys in logs, bad settings."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from typer.testing import CliRunner

from tests.support import auth
from vigil.cli.main import app
from vigil.config import Settings
from vigil.telemetry.logging import configure_logging


def test_a_nul_in_the_series_name_filter_matches_nothing(
        client: TestClient, keys: dict[str, str]) -> None:
    response = client.get("/api/v1/series", params={"name": "cpu\x00x"},
                          headers=auth(keys["viewer"]))
    assert response.status_code == 200 and response.json()["items"] == []


def test_a_key_name_with_control_characters_is_a_422(
        client: TestClient, keys: dict[str, str]) -> None:
    response = client.post("/api/v1/keys", headers=auth(keys["admin"]),
                           json={"name": "a\x00b", "role": "viewer"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["path"] == "name"


def test_a_short_invalid_key_is_not_logged_whole(client: TestClient) -> None:
    stream = io.StringIO()
    configure_logging("INFO", stream)
    try:
        assert client.get("/api/v1/series", headers=auth("vgl_s3cr")).status_code == 401
    finally:
        configure_logging("INFO", None)
    events = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [e["reason"] for e in events if e["event"] == "AUTH_FAILED"] == ["invalid"]
    assert "vgl_s3cr" not in stream.getvalue()


@pytest.mark.parametrize("env", [{"VIGIL_PORT": "99999"}, {"VIGIL_DATABASE_URL": "garbage"},
                                 {"VIGIL_DATABASE_URL": "mysql://u@h/db"},
                                 {"VIGIL_REDIS_URL": "127.0.0.1:6379"}])
def test_bad_settings_exit_2_naming_the_variable(
        env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIGIL_DATA_DIR", str(tmp_path / "data"))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(app, ["db", "check"])
    assert result.exit_code == 2, result.output
    assert next(iter(env)) in result.output


def test_a_plain_postgresql_url_uses_psycopg() -> None:
    url = Settings(database_url="postgresql://u@h:5432/db").effective_database_url()
    assert url == "postgresql+psycopg://u@h:5432/db"
    with pytest.raises(ValidationError):
        Settings(database_url="sqlite+pysqlcipher:///x")


def test_a_data_dir_that_cannot_be_created_is_a_one_line_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("VIGIL_DATA_DIR", str(blocker / "data"))
    monkeypatch.delenv("VIGIL_DATABASE_URL", raising=False)
    result = CliRunner().invoke(app, ["db", "upgrade"])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "data" in result.output and "Traceback" not in result.output


def test_db_check_and_the_runbook_checks_report_an_unusable_data_dir(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from vigil.storage.database import DatabaseUnavailable, health_check, test_connection

    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("VIGIL_DATA_DIR", str(blocker / "data"))
    monkeypatch.delenv("VIGIL_DATABASE_URL", raising=False)
    result = CliRunner().invoke(app, ["db", "check"])
    assert result.exit_code == 1 and "cannot create the data directory" in result.output
    settings = Settings()
    assert health_check(settings)["status"] == "down"
    with pytest.raises(DatabaseUnavailable, match="data directory"):
        test_connection(settings)


def test_the_first_admin_key_is_handed_out_even_when_its_file_cannot_be_written(
        tmp_path: Path) -> None:
    from vigil.services.keys import authenticate, ensure_bootstrap_admin
    from vigil.storage.database import open_database
    from vigil.storage.migrate import upgrade

    blocker = tmp_path / "file"
    blocker.write_text("")
    settings = Settings(data_dir=blocker / "data",
                        database_url=f"sqlite:///{(tmp_path / 'v.db').as_posix()}")
    upgrade(settings.effective_database_url())
    db = open_database(settings)
    try:
        secret = ensure_bootstrap_admin(db, settings)
        assert secret is not None and authenticate(db, secret).role.value == "admin"
    finally:
        db.dispose()


@pytest.mark.postgres
def test_on_postgres_replicas_run_a_due_job_once_per_interval(pg_database: str) -> None:
    from vigil.services.scheduler import Scheduler
    from vigil.storage.database import open_database
    from vigil.storage.migrate import upgrade

    upgrade(pg_database)
    replicas = [open_database(Settings(database_url=pg_database)) for _ in range(2)]
    calls: list[str] = []
    try:
        schedulers = [Scheduler(db) for db in replicas]
        for number, scheduler in enumerate(schedulers):
            scheduler.register("hourly", 3600, lambda now, n=number: calls.append(f"r{n}"))
        assert schedulers[0].run_due("hourly") == "ok"
        assert schedulers[1].run_due("hourly") == "skipped"
        assert calls == ["r0"]
        assert schedulers[1].run_now("hourly") == "ok"  # an explicit run is never skipped
    finally:
        for db in replicas:
            db.dispose()


def test_a_retention_longer_than_the_calendar_deletes_nothing_and_does_not_fail(
        db: object) -> None:
    from datetime import UTC, datetime

    from vigil.services.retention import apply_retention
    from vigil.storage.database import Database

    assert isinstance(db, Database)
    assert apply_retention(db, 1_000_000, 100, datetime.now(UTC)) == 0
    assert apply_retention(db, 10**12, 100, datetime.now(UTC)) == 0


def test_an_all_rejected_ingest_is_a_complete_problem(
        client: TestClient, keys: dict[str, str]) -> None:
    response = client.post("/api/v1/ingest", headers=auth(keys["operator"]),
                           json={"series": [{"name": "x", "points": [[1, "NaN"]]}]})
    assert response.status_code == 422
    problem = response.json()
    assert problem["instance"] == "/api/v1/ingest" and problem["rejected_count"] == 1


@pytest.mark.parametrize("command", [["db", "upgrade"], ["keys", "list"]])
def test_an_unreachable_database_is_a_one_line_reason(
        command: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIGIL_DATABASE_URL", "postgresql+psycopg://vigil@127.0.0.1:1/none")
    result = CliRunner().invoke(app, command)
    assert result.exit_code == 1
    assert len(result.output.strip().splitlines()) == 1, result.output
    assert "database" in result.output


def test_serve_on_a_busy_port_exits_2_in_one_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    monkeypatch.setenv("VIGIL_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("VIGIL_DATABASE_URL", raising=False)
    monkeypatch.delenv("VIGIL_CONFIG", raising=False)
    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1]
        result = CliRunner().invoke(app, ["serve", "--port", str(port)])
    assert result.exit_code == 2, result.output
    assert f"cannot listen on 127.0.0.1:{port}" in result.output
    assert not (tmp_path / "data" / "admin.key").exists()  # nothing was set up


def test_series_ids_are_cached_only_once_committed(db: object) -> None:
    from vigil.storage.database import Database
    from vigil.storage.series_repo import SeriesIdCache, resolve_series_ids

    assert isinstance(db, Database)
    cache = SeriesIdCache()
    with pytest.raises(RuntimeError), db.session() as session:
        resolve_series_ids(session, [("rolled_back", "{}", {})], cache)
        raise RuntimeError("the request fails after resolving its series")
    assert cache.get("rolled_back", "{}") is None
    with db.session() as session:
        [sid] = resolve_series_ids(session, [("kept", "{}", {})], cache)
        assert cache.get("kept", "{}") is None  # not visible to other transactions yet
    assert cache.get("kept", "{}") == sid

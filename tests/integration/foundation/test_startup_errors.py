"""Start-up and CLI errors: bad settings, unusable data dirs, unreachable databases, busy
ports: one line naming the cause, the right exit code, and nothing half set up."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from vigil.cli.main import app
from vigil.config import Settings


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

"""The CLI: db upgrade/check, keys create/list/revoke, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from vigil.config import Settings
from vigil.services.keys import authenticate
from vigil.storage.database import open_database

VIGIL = [sys.executable, "-m", "vigil.cli.main"]


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*VIGIL, *args], env=env, capture_output=True, text=True, timeout=60)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")}
    base["VIGIL_DATA_DIR"] = str(tmp_path / "data")
    return base


def test_db_check_fails_before_upgrade_and_passes_after(env: dict[str, str]) -> None:
    before = run(env, "db", "check")
    assert before.returncode == 1 and "vigil db upgrade" in before.stderr
    assert run(env, "db", "upgrade").returncode == 0
    after = run(env, "db", "check")
    assert after.returncode == 0 and after.stdout.startswith("ok: sqlite")


def test_db_check_on_an_unreachable_database(env: dict[str, str]) -> None:
    env["VIGIL_DATABASE_URL"] = "postgresql+psycopg://postgres@127.0.0.1:1/none"
    result = run(env, "db", "check")
    assert result.returncode == 1 and result.stderr.startswith("database unreachable")
    assert len(result.stderr.strip().splitlines()) == 1


def test_keys_create_list_revoke(env: dict[str, str], tmp_path: Path) -> None:
    created = run(env, "keys", "create", "--role", "operator", "--name", "ingest-bot")
    assert created.returncode == 0
    secret = created.stdout.strip()
    assert secret.startswith("vgl_") and "shown only now" in created.stderr
    db = open_database(Settings(data_dir=tmp_path / "data"))
    try:
        assert authenticate(db, secret).name == "ingest-bot"
        listed = json.loads(run(env, "keys", "list", "--format", "json").stdout)
        assert [k["name"] for k in listed] == ["ingest-bot"]
        assert secret not in json.dumps(listed)
        assert run(env, "keys", "revoke", str(listed[0]["id"])).returncode == 0
        assert json.loads(run(env, "keys", "list", "--format", "json").stdout) == []
        assert len(json.loads(run(env, "keys", "list", "--all", "--format", "json").stdout)) == 1
    finally:
        db.dispose()


def test_usage_errors_exit_2(env: dict[str, str]) -> None:
    assert run(env, "keys", "create", "--role", "superuser", "--name", "x").returncode == 2
    assert run(env, "keys", "revoke", "12345").returncode == 2
    env["VIGIL_RETENTION_DAYS"] = "zero"
    bad_env = run(env, "db", "check")
    assert bad_env.returncode == 2 and "VIGIL_RETENTION_DAYS" in bad_env.stderr

"""`vigil db backup` / `vigil db restore` on SQLite and PostgreSQL, run as real processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.support import create_pg_database, drop_pg_database, pg_url_for
from vigil.config import Settings
from vigil.core.ingest import SeriesInput
from vigil.services.ingest import ingest
from vigil.storage.database import open_database
from vigil.storage.migrate import upgrade

pytestmark = pytest.mark.xdist_group("backup")


def vigil(url: str, *args: str, env: dict[str, str] | None = None
          ) -> subprocess.CompletedProcess[str]:
    """Run the `vigil` CLI in its own process against `url`."""
    full_env = {**os.environ, "VIGIL_DATABASE_URL": url, **(env or {})}
    return subprocess.run([sys.executable, "-m", "vigil.cli.main", *args], env=full_env,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture
def new_database(db_url: str, tmp_path: Path) -> Iterator[str]:
    """A second, empty (never migrated) database of the same dialect."""
    if db_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored' / 'vigil.db'}"
        return
    name = create_pg_database()
    try:
        yield pg_url_for(name)
    finally:
        drop_pg_database(name)


def stored_ts(url: str, name: str = "cpu") -> list[float]:
    """Timestamps stored for one series name."""
    db = open_database(Settings(database_url=url))
    try:
        with db.engine.connect() as conn:
            return [float(t) for t in conn.execute(text(
                "SELECT s.ts FROM samples s JOIN series r ON r.id = s.series_id "
                "WHERE r.name = :n ORDER BY s.ts"), {"n": name}).scalars()]
    finally:
        db.dispose()


def put(url: str, ts: list[float], name: str = "cpu") -> None:
    """Ingest points through Vigil's ingest service."""
    settings = Settings(database_url=url, scheduler_enabled=False)
    db = open_database(settings)
    try:
        report = ingest(db, settings,
                        [SeriesInput(name, {"host": "a"}, [(t, 1.0) for t in ts])], now=2e9)
        assert not report.rejected, report.rejected
    finally:
        db.dispose()


def test_backup_while_ingest_runs_keeps_every_acknowledged_point(
        db_url: str, new_database: str, tmp_path: Path) -> None:
    settings = Settings(database_url=db_url, scheduler_enabled=False)
    db = open_database(settings)
    acked: list[float] = []
    lock = threading.Lock()
    stop = threading.Event()

    errors: list[BaseException] = []

    def writer() -> None:
        ts = 1_700_000_000.0
        try:
            while not stop.is_set():
                batch = [ts + i for i in range(50)]
                ingest(db, settings, [SeriesInput("cpu", {"host": "a"},
                                                  [(t, 0.5) for t in batch])], now=2e9)
                with lock:  # ingest returned: these points are acknowledged
                    acked.extend(batch)
                ts += 50
        except BaseException as exc:  # surfaced by the main thread
            errors.append(exc)

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 120
        while not errors and time.monotonic() < deadline:
            with lock:
                if len(acked) >= 500:
                    break
            time.sleep(0.01)
        assert not errors, errors
        with lock:
            acked_before = list(acked)
        out = tmp_path / "backups" / "vigil.backup"
        result = vigil(db_url, "db", "backup", "--out", str(out), "--format", "json")
        with lock:
            acked_after_backup = len(acked)
    finally:
        stop.set()
        thread.join(timeout=30)
        db.dispose()
    assert not errors, errors
    assert result.returncode == 0, result.stderr
    manifest = json.loads(result.stdout)
    assert manifest["row_counts"]["samples"] >= len(acked_before)
    assert acked_after_backup > len(acked_before), "ingest did not run during the backup"

    restored = vigil(new_database, "db", "restore", str(out))
    assert restored.returncode == 0, restored.stderr
    points = stored_ts(new_database)
    assert set(acked_before) <= set(points)
    assert len(points) == manifest["row_counts"]["samples"]
    check = vigil(new_database, "db", "check")
    assert check.returncode == 0, check.stderr


def test_restore_onto_data_needs_yes_and_then_replaces_it(
        db_url: str, tmp_path: Path) -> None:
    put(db_url, [1.0e9, 1.0e9 + 60])
    out = tmp_path / "b.backup"
    assert vigil(db_url, "db", "backup", "--out", str(out)).returncode == 0
    put(db_url, [1.0e9 + 120], name="later")

    refused = vigil(db_url, "db", "restore", str(out))
    assert refused.returncode == 2
    assert "--yes" in refused.stderr
    assert stored_ts(db_url, "later") == [1.0e9 + 120]

    replaced = vigil(db_url, "db", "restore", str(out), "--yes")
    assert replaced.returncode == 0, replaced.stderr
    assert stored_ts(db_url, "later") == []
    assert stored_ts(db_url) == [1.0e9, 1.0e9 + 60]


def _rewrite(archive: Path, target: Path, edit_manifest: dict[str, object] | None = None,
             flip_payload_byte: bool = False) -> None:
    """Copy a backup, optionally changing its manifest (checksum kept) or payload bytes."""
    with tarfile.open(archive) as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
        payload_name = manifest["payload"]
        payload = bytearray(tar.extractfile(payload_name).read())  # type: ignore[union-attr]
    if flip_payload_byte:
        payload[len(payload) // 2] ^= 0xFF
    manifest.update(edit_manifest or {})
    import io

    with tarfile.open(target, "w") as tar:
        for name, body in (("manifest.json", json.dumps(manifest).encode()),
                           (payload_name, bytes(payload))):
            info = tarfile.TarInfo(name)
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))


def test_restore_refuses_corrupt_and_newer_files_leaving_the_target_alone(
        db_url: str, tmp_path: Path) -> None:
    put(db_url, [1.0e9])
    good = tmp_path / "good.backup"
    assert vigil(db_url, "db", "backup", "--out", str(good)).returncode == 0
    put(db_url, [1.0e9 + 60])

    flipped = tmp_path / "flipped.backup"
    _rewrite(good, flipped, flip_payload_byte=True)
    truncated = tmp_path / "truncated.backup"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 3])
    newer = tmp_path / "newer.backup"
    _rewrite(good, newer, edit_manifest={"schema_revision": ["9999_from_the_future"]})
    for bad, words in ((flipped, "checksum"), (truncated, "corrupt"), (newer, "newer")):
        result = vigil(db_url, "db", "restore", str(bad), "--yes")
        assert result.returncode == 2, (bad.name, result.stdout, result.stderr)
        assert words in result.stderr, result.stderr
    assert stored_ts(db_url) == [1.0e9, 1.0e9 + 60]


def test_a_restore_that_fails_its_checks_changes_nothing(db_url: str, tmp_path: Path) -> None:
    put(db_url, [1.0e9, 1.0e9 + 60])
    good = tmp_path / "good.backup"
    assert vigil(db_url, "db", "backup", "--out", str(good)).returncode == 0
    with tarfile.open(good) as tar:
        counts = json.loads(tar.extractfile("manifest.json").read())["row_counts"]  # type: ignore[union-attr]
    lying = tmp_path / "lying.backup"
    _rewrite(good, lying, edit_manifest={"row_counts": {**counts, "samples": 3}})
    put(db_url, [1.0e9 + 120])

    result = vigil(db_url, "db", "restore", str(lying), "--yes")
    assert result.returncode != 0
    assert "samples" in result.stderr or "row counts" in result.stderr, result.stderr
    assert stored_ts(db_url) == [1.0e9, 1.0e9 + 60, 1.0e9 + 120]


def test_backup_of_a_database_that_is_not_vigils_exits_2(db_url: str, new_database: str,
                                                         tmp_path: Path) -> None:
    if new_database.startswith("sqlite"):
        path = Path(new_database.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True)
        import sqlite3

        with sqlite3.connect(path) as conn:
            conn.execute("CREATE TABLE customers (id INTEGER)")
    result = vigil(new_database, "db", "backup", "--out", str(tmp_path / "x.backup"))
    assert result.returncode == 2, result.stderr
    assert "not a Vigil database" in result.stderr
    assert not (tmp_path / "x.backup").exists()


@pytest.mark.postgres
def test_backup_without_pg_dump_says_what_to_install(pg_database: str, tmp_path: Path) -> None:
    upgrade(pg_database)
    result = vigil(pg_database, "db", "backup", "--out", str(tmp_path / "x.backup"),
                   env={"PATH": str(tmp_path / "empty-bin")})
    assert result.returncode == 2
    assert "pg_dump not found" in result.stderr and "postgresql-client" in result.stderr


def test_maintain_applies_retention_and_reports_table_sizes(db_url: str) -> None:
    old = time.time() - 90 * 86_400
    put(db_url, [old, time.time() - 60])
    result = vigil(db_url, "db", "maintain", "--format", "json",
                   env={"VIGIL_RETENTION_DAYS": "30"})
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["retention_deleted_samples"] == 1
    tables = {t["name"]: t for t in report["tables"]}
    assert tables["samples"]["rows"] == 1
    assert report["index_problems"] == [] and report["database_bytes"] > 0


def test_require_healthy_raises_while_the_database_is_down(tmp_path: Path) -> None:
    from vigil.storage.database import DatabaseUnavailable, require_healthy

    down = Settings(database_url="postgresql+psycopg://nobody@127.0.0.1:1/none")
    with pytest.raises(DatabaseUnavailable):
        require_healthy(down)
    script = ("from vigil.storage.database import require_healthy; require_healthy()")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            env={**os.environ, "VIGIL_DATABASE_URL": down.database_url},
                            timeout=60)
    assert result.returncode == 1 and "DatabaseUnavailable" in result.stderr

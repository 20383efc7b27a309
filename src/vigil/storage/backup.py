"""Backup and restore of Vigil's database: one tar file holding a manifest and a snapshot.

SQLite is copied with the online backup API in one step (a consistent snapshot while the
service writes, WAL keeps writers going). PostgreSQL is dumped with `pg_dump -Fc` inside an
exported snapshot, so the manifest's row counts describe exactly the dumped data.
A restore checks the file (checksum, schema revision known to this Vigil, row counts) before
touching the target, then replaces the target in one step: SQLite through the backup API
(one write transaction), PostgreSQL through `psql --single-transaction`.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, text
from sqlalchemy.engine import URL, make_url

from vigil import __version__
from vigil.storage.engine import make_engine

FORMAT = "vigil-backup"
FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"
SQLITE_PAYLOAD = "database.sqlite"
PG_PAYLOAD = "database.pgdump"
VERSION_TABLE = "alembic_version"
MARKER_TABLE = "series"  # every Vigil schema has it; a database without it is not Vigil's


class BackupInputError(ValueError):
    """Bad input the operator can fix (not Vigil's database, corrupt file, missing tool)."""


@dataclass
class Manifest:
    """What a backup holds: where from, schema revision, row counts, payload checksum."""

    dialect: str
    schema_revision: list[str]
    row_counts: dict[str, int]
    payload: str
    sha256: str
    size_bytes: int
    created_at: str
    vigil_version: str = __version__
    format: str = FORMAT
    format_version: int = FORMAT_VERSION
    tool: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: bytes) -> Manifest:
        """Parse a manifest, raising BackupInputError when it is not one of ours."""
        try:
            raw = json.loads(data)
            if raw.get("format") != FORMAT:
                raise BackupInputError("not a Vigil backup (manifest format is not "
                                       f"{FORMAT!r})")
            if int(raw.get("format_version", 0)) > FORMAT_VERSION:
                raise BackupInputError(
                    f"backup format {raw['format_version']} is newer than this Vigil reads "
                    f"({FORMAT_VERSION}); restore it with Vigil {raw.get('vigil_version')}")
            return cls(**{k: raw[k] for k in cls.__dataclass_fields__ if k in raw})
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            if isinstance(exc, BackupInputError):
                raise
            raise BackupInputError(f"the backup's manifest is unreadable: {exc}") from None


@dataclass
class RestoreResult:
    """What a restore did: the manifest restored and whether migrations are pending."""

    manifest: Manifest
    upgrade_needed: bool


# --------------------------------------------------------------------------- helpers

def known_revisions() -> set[str]:
    """Every revision id this version of Vigil ships (not only the heads)."""
    from alembic.script import ScriptDirectory

    from vigil.storage.migrate import alembic_config

    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return {rev.revision for rev in script.walk_revisions()}


def dialect_of(url: str) -> str:
    """`sqlite` or `postgresql` for a database URL."""
    return make_url(url).get_backend_name()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _write_archive(out: Path, manifest: Manifest, payload: Path) -> None:
    """Write manifest + payload to `out` through a temporary file, renamed at the end."""
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    body = json.dumps(asdict(manifest), indent=2, sort_keys=True).encode()
    with tarfile.open(partial, "w") as tar:
        info = tarfile.TarInfo(MANIFEST_NAME)
        info.size = len(body)
        info.mtime = int(datetime.now(UTC).timestamp())
        tar.addfile(info, io.BytesIO(body))
        tar.add(payload, arcname=manifest.payload)
    os.replace(partial, out)


@contextmanager
def _unpacked(archive: Path) -> Iterator[tuple[Manifest, Path]]:
    """Open a backup file, check its checksum and yield the manifest and the payload path."""
    if not archive.is_file():
        raise BackupInputError(f"{archive}: no such backup file")
    with tempfile.TemporaryDirectory(prefix="vigil-restore-") as tmp:
        try:
            with tarfile.open(archive, "r") as tar:
                try:
                    member = tar.extractfile(MANIFEST_NAME)
                except KeyError:
                    raise BackupInputError(f"{archive}: not a Vigil backup (no manifest)") \
                        from None
                if member is None:
                    raise BackupInputError(f"{archive}: not a Vigil backup (no manifest)")
                manifest = Manifest.from_json(member.read())
                if manifest.payload not in (SQLITE_PAYLOAD, PG_PAYLOAD):
                    raise BackupInputError(f"{archive}: unknown payload {manifest.payload!r}")
                tar.extract(manifest.payload, tmp, filter="data")
        except (tarfile.TarError, EOFError, OSError, KeyError) as exc:
            raise BackupInputError(f"{archive}: corrupt or truncated backup ({exc}); "
                                   "take a new backup or use an older one") from None
        payload = Path(tmp) / manifest.payload
        actual = _sha256(payload)
        if actual != manifest.sha256:
            raise BackupInputError(f"{archive}: corrupt backup: checksum {actual[:12]}… does "
                                   f"not match the manifest's {manifest.sha256[:12]}…")
        unknown = set(manifest.schema_revision) - known_revisions()
        if unknown:
            raise BackupInputError(
                f"{archive}: schema revision {','.join(sorted(unknown))} is newer than this "
                f"Vigil {__version__} knows; restore with the Vigil version that made it "
                f"({manifest.vigil_version}) or newer")
        yield manifest, payload


def read_manifest(archive: Path) -> Manifest:
    """The manifest of a backup file, after checking the payload's checksum."""
    with _unpacked(archive) as (manifest, _payload):
        return manifest


# --------------------------------------------------------------------------- SQLite

def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupInputError("an in-memory SQLite database cannot be backed up or restored")
    return Path(database)


def _sqlite_tables(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute("SELECT name FROM sqlite_master WHERE type='table' "
                        "AND name NOT LIKE 'sqlite_%' ORDER BY name").fetchall()
    return [str(r[0]) for r in rows]


def _sqlite_counts(conn: sqlite3.Connection) -> dict[str, int]:
    return {t: int(conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0])
            for t in _sqlite_tables(conn)}


def _sqlite_revisions(conn: sqlite3.Connection, where: str) -> list[str]:
    tables = set(_sqlite_tables(conn))
    if VERSION_TABLE not in tables or MARKER_TABLE not in tables:
        raise BackupInputError(f"{where} is not a Vigil database (no {VERSION_TABLE} or "
                               f"{MARKER_TABLE} table); check VIGIL_DATABASE_URL, or run "
                               "`vigil db upgrade` to create Vigil's schema")
    return sorted(str(r[0]) for r in conn.execute(f"SELECT version_num FROM {VERSION_TABLE}"))


def _sqlite_connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=30)
    conn.execute("PRAGMA busy_timeout=30000")
    return conn


def _backup_sqlite(url: str, out: Path) -> Manifest:
    source_path = _sqlite_path(url)
    if not source_path.is_file():
        raise BackupInputError(f"no SQLite database at {source_path}; check VIGIL_DATABASE_URL "
                               "or VIGIL_DATA_DIR")
    with tempfile.TemporaryDirectory(prefix="vigil-backup-", dir=out.parent) as tmp:
        copy = Path(tmp) / SQLITE_PAYLOAD
        try:
            source = _sqlite_connect(source_path)
            try:
                _sqlite_revisions(source, str(source_path))
                target = sqlite3.connect(copy)
                try:
                    source.backup(target)  # pages=-1: one step, one read snapshot
                    target.execute("PRAGMA journal_mode=DELETE")  # the payload is one file
                    revisions = _sqlite_revisions(target, str(source_path))
                    counts = _sqlite_counts(target)
                finally:
                    target.close()
            finally:
                source.close()
        except sqlite3.DatabaseError as exc:
            raise BackupInputError(f"{source_path} is not a readable SQLite database: {exc}") \
                from None
        manifest = Manifest("sqlite", revisions, counts, SQLITE_PAYLOAD, _sha256(copy),
                            copy.stat().st_size, _now(), tool={"sqlite": sqlite3.sqlite_version})
        _write_archive(out, manifest, copy)
        return manifest


def _sqlite_has_data(path: Path) -> bool:
    if not path.is_file() or path.stat().st_size == 0:
        return False
    conn = _sqlite_connect(path)
    try:
        counts = _sqlite_counts(conn)
    finally:
        conn.close()
    return any(n for t, n in counts.items() if t != VERSION_TABLE)


def _restore_sqlite(manifest: Manifest, payload: Path, url: str, replace: bool) -> None:
    target_path = _sqlite_path(url)
    staged = _sqlite_connect(payload)
    try:
        check = staged.execute("PRAGMA integrity_check").fetchone()
        if not check or check[0] != "ok":
            raise BackupInputError(f"the backup's database fails its integrity check: {check}")
        if _sqlite_counts(staged) != manifest.row_counts:
            raise BackupInputError("the backup's row counts do not match its manifest")
        if _sqlite_has_data(target_path) and not replace:
            raise BackupInputError(f"{target_path} already holds data; pass --yes to replace "
                                   "it, or restore into a new database")
        target_path.parent.mkdir(parents=True, exist_ok=True)
        target = _sqlite_connect(target_path)
        try:
            staged.backup(target)  # one write transaction on the target: all or nothing
        finally:
            target.close()
    except sqlite3.DatabaseError as exc:
        raise BackupInputError(f"cannot restore SQLite: {exc}") from None
    finally:
        staged.close()


# --------------------------------------------------------------------------- PostgreSQL

def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupInputError(
            f"{name} not found on PATH; install PostgreSQL's client tools (Debian: "
            "apt-get install postgresql-client, matching the server's major version)")
    return found


def _tool_major(binary: str) -> int:
    out = subprocess.run([binary, "--version"], capture_output=True, text=True, check=True)
    match = re.search(r"(\d+)(?:\.\d+)?", out.stdout)
    return int(match.group(1)) if match else 0


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """A libpq connection string (password in PGPASSWORD, not on a command line)."""
    parsed: URL = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _pg_counts(conn: Connection) -> dict[str, int]:
    tables = conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                               "ORDER BY tablename")).scalars().all()
    return {t: int(conn.execute(text(f'SELECT count(*) FROM public."{t}"')).scalar_one())
            for t in tables}


def _pg_revisions(conn: Connection, counts: dict[str, int], where: str) -> list[str]:
    if VERSION_TABLE not in counts or MARKER_TABLE not in counts:
        raise BackupInputError(f"{where} is not a Vigil database (no {VERSION_TABLE} or "
                               f"{MARKER_TABLE} table); check VIGIL_DATABASE_URL, or run "
                               "`vigil db upgrade` to create Vigil's schema")
    rows = conn.execute(text(f"SELECT version_num FROM public.{VERSION_TABLE}")).scalars()
    return sorted(str(r) for r in rows)


def _check_client_version(binary: str, conn: Connection) -> str:
    server = int(conn.execute(text("SHOW server_version_num")).scalar_one()) // 10000
    client = _tool_major(binary)
    if client < server:
        raise BackupInputError(
            f"{Path(binary).name} {client} cannot handle a PostgreSQL {server} server; install "
            f"postgresql-client-{server} and put its bin directory first on PATH")
    return str(client)


def _backup_postgres(url: str, out: Path) -> Manifest:
    pg_dump = _pg_tool("pg_dump")
    dsn, env = _libpq(url)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                conn.execute(text("SET TRANSACTION READ ONLY"))
                snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
                client = _check_client_version(pg_dump, conn)
                counts = _pg_counts(conn)
                revisions = _pg_revisions(conn, counts, make_url(url).database or "database")
                with tempfile.TemporaryDirectory(prefix="vigil-backup-",
                                                 dir=out.parent) as tmp:
                    dump = Path(tmp) / PG_PAYLOAD
                    done = subprocess.run(
                        [pg_dump, "-Fc", "--no-owner", "--no-privileges", "--schema=public",
                         f"--snapshot={snapshot}", "-f", str(dump), "-d", dsn],
                        env=env, capture_output=True, text=True, check=False)
                    if done.returncode != 0:
                        raise RuntimeError(f"pg_dump failed: {done.stderr.strip()}")
                    manifest = Manifest("postgresql", revisions, counts, PG_PAYLOAD,
                                        _sha256(dump), dump.stat().st_size, _now(),
                                        tool={"pg_dump": client})
                    _write_archive(out, manifest, dump)
                    return manifest
    finally:
        engine.dispose()


def _pg_has_data(conn: Connection) -> bool:
    return any(n for t, n in _pg_counts(conn).items() if t != VERSION_TABLE)


def _count_guard(counts: dict[str, int]) -> str:
    """A PL/pgSQL block that aborts the restore's transaction on any row-count mismatch."""
    checks = "\n".join(
        f"  IF (SELECT count(*) FROM public.\"{t}\") <> {n} THEN RAISE EXCEPTION "
        f"'restore check: table {t} does not hold {n} rows'; END IF;"
        for t, n in sorted(counts.items()))
    return f"DO $vigil$\nBEGIN\n{checks}\nEND\n$vigil$;\n"


def _restore_postgres(manifest: Manifest, payload: Path, url: str, replace: bool) -> None:
    pg_restore = _pg_tool("pg_restore")
    psql = _pg_tool("psql")
    dsn, env = _libpq(url)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            _check_client_version(pg_restore, conn)
            has_data = _pg_has_data(conn)
            conn.rollback()
    finally:
        engine.dispose()
    if has_data and not replace:
        raise BackupInputError(f"database {make_url(url).database} already holds data; pass "
                               "--yes to replace it, or restore into a new database")
    workdir = payload.parent
    script = workdir / "restore.sql"
    listed = subprocess.run([pg_restore, "--no-owner", "--no-privileges", "-f", str(script),
                             str(payload)], capture_output=True, text=True, check=False)
    if listed.returncode != 0:
        raise BackupInputError(f"the backup's dump is unreadable: {listed.stderr.strip()}")
    prelude = workdir / "prelude.sql"
    creates_schema = "CREATE SCHEMA public;" in script.read_text(errors="replace")
    prelude.write_text("DROP SCHEMA IF EXISTS public CASCADE;\n"
                       + ("" if creates_schema else "CREATE SCHEMA public;\n"))
    guard = workdir / "guard.sql"
    guard.write_text(_count_guard(manifest.row_counts))
    done = subprocess.run(
        [psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction",
         "-f", str(prelude), "-f", str(script), "-f", str(guard), "-d", dsn],
        env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines() or ["psql failed"]
        error = next((line for line in lines if "ERROR:" in line), lines[-1])
        raise RuntimeError(f"restore rolled back, the database is unchanged: {error}")


# --------------------------------------------------------------------------- entry points

def backup(url: str, out: Path) -> Manifest:
    """Snapshot the database at `url` into the backup file `out` and return its manifest."""
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    if dialect_of(url) == "sqlite":
        return _backup_sqlite(url, out)
    return _backup_postgres(url, out)


def restore(archive: Path, url: str, replace: bool = False) -> RestoreResult:
    """Replace the database at `url` with a backup, all or nothing.

    Refuses (BackupInputError) a corrupt file, a schema newer than this Vigil, a backup of
    the other dialect, or a target that holds data unless `replace` is True.
    """
    from vigil.storage.migrate import expected_revisions

    with _unpacked(archive) as (manifest, payload):
        dialect = dialect_of(url)
        if manifest.dialect != dialect:
            raise BackupInputError(f"{archive} is a {manifest.dialect} backup; it cannot be "
                                   f"restored into {dialect}")
        if dialect == "sqlite":
            _restore_sqlite(manifest, payload, url, replace)
        else:
            _restore_postgres(manifest, payload, url, replace)
    return RestoreResult(manifest, set(manifest.schema_revision) != expected_revisions())


def describe(manifest: Manifest) -> dict[str, Any]:
    """The manifest as plain data, for JSON output."""
    return asdict(manifest)

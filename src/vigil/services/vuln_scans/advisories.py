"""Advisory import (OSV files, directories and archives, incrementally) and the parsed cache.

Documents are decoded and stored in batches inside one transaction; a long-running server
re-parses only the advisories an import changed.
"""

from __future__ import annotations

import lzma
import os
import tarfile
import time
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from vigil.security.advisory_import import index_keys, plan_import
from vigil.security.model import Extraction
from vigil.security.osv import Advisory, AdvisoryError, decode_document, parse_advisory
from vigil.security.scanner import index_advisories, package_keys
from vigil.services.vuln_scans.errors import ScanInputError
from vigil.storage import security_repo as repo
from vigil.storage.database import Database

_ADVISORY_SUFFIXES = (".json", ".yaml", ".yml")
IMPORT_BATCH = 2000


@dataclass(slots=True)
class ImportResult:
    """What an import did."""

    stored: int = 0
    deleted: int = 0
    unchanged: int = 0
    withdrawn: int = 0
    not_osv: int = 0
    errors: list[str] = field(default_factory=list)
    total: int = 0
    seconds: float = 0.0


def iter_advisory_files(path: Path) -> Iterator[tuple[str, bytes]]:
    """(name, bytes) of every JSON/YAML file in a directory, a .zip, a .tar(.gz) or one file."""
    if path.is_dir():
        for root, dirs, files in os.walk(path):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(files):
                if name.lower().endswith(_ADVISORY_SUFFIXES):
                    full = Path(root) / name
                    yield str(full.relative_to(path)), full.read_bytes()
        return
    lower = path.name.lower()
    if lower.endswith(".zip"):
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                if not info.is_dir() and info.filename.lower().endswith(_ADVISORY_SUFFIXES):
                    yield info.filename, zf.read(info)
        return
    if lower.endswith((".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz")):
        with tarfile.open(path) as tf:
            for member in tf:
                if member.isfile() and member.name.lower().endswith(_ADVISORY_SUFFIXES):
                    handle = tf.extractfile(member)
                    if handle is not None:
                        yield member.name, handle.read()
        return
    yield path.name, path.read_bytes()


def _decoded(path: Path, errors: list[str]) -> Iterator[tuple[str, Any]]:
    for name, data in iter_advisory_files(path):
        try:
            yield name, decode_document(data, name)
        except AdvisoryError as exc:
            errors.append(str(exc))


def _batches(items: Iterator[tuple[str, Any]], size: int) -> Iterator[list[tuple[str, Any]]]:
    batch: list[tuple[str, Any]] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def import_advisories(db: Database, path: Path, now: datetime | None = None,
                      batch_size: int = IMPORT_BATCH) -> ImportResult:
    """Import OSV advisories incrementally (by `modified`), skipping withdrawn ones.

    Documents are decoded and written in batches (memory stays flat on osv.dev's large
    exports) inside one transaction: an import that fails half-way changes nothing.
    """
    started = time.perf_counter()
    now = now or datetime.now(UTC)
    if not path.exists():
        raise ScanInputError(f"{path}: no such file or directory")
    result = ImportResult()
    decode_errors: list[str] = []
    stored_ids: set[str] = set()
    deleted_ids: set[str] = set()
    try:
        with db.session() as session:
            known = repo.advisory_modified(session)
            original = set(known)
            for batch in _batches(_decoded(path, decode_errors), batch_size):
                plan = plan_import(batch, known)
                records = [
                    repo.AdvisoryRecord(
                        id=adv.id, modified=adv.modified, aliases=list(adv.aliases),
                        summary=adv.title, packages=index_keys(adv),
                        document=orjson.dumps(doc, default=str).decode(),
                    )
                    for adv, doc in plan.store.values()
                ]
                repo.delete_advisories(session, sorted(plan.delete))
                repo.store_advisories(session, records, now)
                for rec in records:
                    known[rec.id] = rec.modified
                    stored_ids.add(rec.id)
                    deleted_ids.discard(rec.id)
                for adv_id in plan.delete:
                    known.pop(adv_id, None)
                    stored_ids.discard(adv_id)
                    if adv_id in original:
                        deleted_ids.add(adv_id)
                result.unchanged += plan.unchanged
                result.withdrawn += plan.withdrawn
                result.not_osv += plan.not_osv
                result.errors.extend(plan.errors)
            result.total = repo.count_advisories(session)
    except (OSError, EOFError, zlib.error, lzma.LZMAError, zipfile.BadZipFile,
            tarfile.TarError) as exc:  # EOFError: a truncated .tar.gz
        raise ScanInputError(f"{path}: cannot read advisories: {exc}") from exc
    result.stored, result.deleted = len(stored_ids), len(deleted_ids)
    result.errors[:0] = decode_errors
    result.seconds = time.perf_counter() - started
    return result


def advisory_count(db: Database) -> int:
    """How many advisories the database holds (0 when its tables do not exist yet)."""
    if not repo.tables_exist(db.engine):
        return 0
    with db.session() as session:
        return repo.count_advisories(session)


# Parsed advisories by id, with the `modified` they were parsed at: a long-running server or
# scheduler re-parses only what an import changed.
_PARSED: dict[str, tuple[str, Advisory]] = {}
_PARSED_LIMIT = 200_000


def load_advisories(db: Database, extraction: Extraction) -> dict[tuple[str, str], list[Advisory]]:
    """The stored advisories that may affect the extraction's packages, indexed by name."""
    with db.session() as session:
        wanted = repo.advisory_versions_for(session, package_keys(extraction.packages))
        stale = [i for i, mod in wanted.items() if _PARSED.get(i, ("",))[0] != mod]
        docs = repo.advisory_documents(session, stale) if stale else {}
    if len(_PARSED) + len(docs) > _PARSED_LIMIT:
        _PARSED.clear()
    for adv_id, doc in docs.items():
        _PARSED[adv_id] = (wanted[adv_id], parse_advisory(orjson.loads(doc)))
    return index_advisories(_PARSED[i][1] for i in wanted if i in _PARSED)


def clear_parsed_advisories() -> None:
    """Forget the parsed advisories (a fresh process's state; benchmarks measure it)."""
    _PARSED.clear()

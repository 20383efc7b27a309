"""Vulnerability scanning application service: advisory import, scans, findings history.

It does the I/O the pure `vigil.security` package does not: reading advisory archives and
inventories from disk, the Python environment, and the database (through the repository).
"""

from __future__ import annotations

import codecs
import lzma
import os
import tarfile
import time
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import yaml

from vigil.config import OperatorConfig, Settings
from vigil.security import extractors
from vigil.security.advisory_import import index_keys, plan_import
from vigil.security.extractors import python_env
from vigil.security.ignore import IgnoreFileError, IgnoreRule, parse_ignore
from vigil.security.model import ExtractError, Extraction, VulnerabilityFinding
from vigil.security.osv import Advisory, AdvisoryError, decode_document, parse_advisory
from vigil.security.scanner import ScanReport, index_advisories, package_keys, scan
from vigil.security.trend import TrendDay, finding_trend
from vigil.storage import security_repo as repo
from vigil.storage.database import Database
from vigil.telemetry.logging import log_event
from vigil.telemetry.security_metrics import (
    SCAN_FAILURES,
    count_new_findings,
    set_open_findings,
)

_ADVISORY_SUFFIXES = (".json", ".yaml", ".yml")
_SKIP_DIRS = {".git", "node_modules", ".venv", "venv", "__pycache__", ".tox", ".mypy_cache",
              ".ruff_cache", ".pytest_cache", "site-packages", ".hg", ".svn"}
MAX_INVENTORY_BYTES = 64 * 1024 * 1024
IMPORT_BATCH = 2000


class ScanInputError(ValueError):
    """Input that cannot be scanned or imported (missing, unreadable, malformed)."""


class NoAdvisories(RuntimeError):
    """The advisory database is empty: `vigil advisories import` has not been run."""


# ---------------------------------------------------------------- advisory import


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


# ---------------------------------------------------------------- inventories


def decode_inventory(data: bytes, shown: str) -> str:
    """Inventory bytes as text: UTF-8 (BOM allowed), or UTF-16 with a BOM as Windows
    PowerShell's ``pip freeze > requirements.txt`` writes it."""
    try:
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return data.decode("utf-16")
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ExtractError(shown, f"not UTF-8 text: {exc.reason}") from exc


def _read_text(path: Path, shown: str) -> str:
    try:
        if path.stat().st_size > MAX_INVENTORY_BYTES:
            raise ExtractError(shown, f"larger than {MAX_INVENTORY_BYTES} bytes")
        return decode_inventory(path.read_bytes(), shown)
    except OSError as exc:
        raise ExtractError(shown, f"cannot read: {exc.strerror or exc}") from exc


def _read_include(including: str, ref: str) -> tuple[str, str]:
    """Resolve `-r other.txt` relative to the including file's directory."""
    shown = os.path.normpath(os.path.join(os.path.dirname(including), ref))
    return shown, _read_text(Path(shown), shown)


def unknown_kind(kind: str) -> str:
    """The message for a --kind / kind= that names no extractor, listing the known ones."""
    known = ", ".join(ex.KIND for ex in extractors.EXTRACTORS)
    return f"unknown inventory kind {kind!r}; known kinds: {known}"


def extract_file(path: Path, kind: str | None = None, shown: str | None = None) -> Extraction:
    """Extract one inventory file; the kind comes from its name, or its content for JSON SBOMs."""
    shown = shown or str(path)
    if kind:
        extractor = extractors.by_kind(kind)
        if extractor is None:
            raise ScanInputError(unknown_kind(kind))
    else:
        extractor = extractors.detect(shown) or extractors.detect(path.name)
    text = _read_text(path, shown)
    if extractor is None and path.name.lower().endswith(".json"):
        try:
            extractor = extractors.sniff_json(orjson.loads(text))
        except orjson.JSONDecodeError:
            extractor = None
    if extractor is None:
        raise ScanInputError(
            f"{shown}: unknown inventory kind; name it like requirements.txt, poetry.lock, "
            "uv.lock, Pipfile.lock, pylock.toml, package-lock.json, yarn.lock, *.cdx.json, "
            "*.spdx.json or dpkg/status, or pass --kind")
    result: Extraction = extractor.extract(text, shown, _read_include)
    return result


def extract_path(path: Path, kind: str | None = None) -> Extraction:
    """Extract a file, or every recognised inventory under a directory (skipping vendored dirs).

    For a directory, `kind` selects which of the recognised files are scanned (only the
    package-lock.json files, say); it never re-reads a poetry.lock as something else.
    """
    if not path.exists():
        raise ScanInputError(f"{path}: no such file or directory")
    if path.is_file():
        return extract_file(path, kind)
    wanted = extractors.by_kind(kind) if kind else None
    if kind and wanted is None:
        raise ScanInputError(unknown_kind(kind))
    combined = Extraction("directory")
    found = 0
    for root, dirs, files in os.walk(path):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS)
        for name in sorted(files):
            full = Path(root) / name
            rel = str(full)
            detected = extractors.detect(rel)
            if detected is None or (wanted is not None and detected is not wanted):
                continue
            found += 1
            combined.extend(extract_file(full, None, rel))
    if not found:
        what = f"{kind} file" if kind else "lockfile, requirements file, SBOM or dpkg status"
        raise ScanInputError(f"{path}: no {what} found")
    return combined


def extract_environment() -> Extraction:
    """The distributions installed in the running Python environment."""
    from importlib import metadata

    dists = []
    for dist in metadata.distributions():
        name = dist.metadata["Name"] or ""
        where = str(getattr(dist, "_path", "") or "env")
        dists.append((name, dist.version or "", where))
    return python_env.extract_distributions(dists)


def load_ignore_file(path: Path | None) -> list[IgnoreRule]:
    """Rules of a .vigilignore.yaml (none when the path is None or, for the default, absent)."""
    if path is None:
        return []
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ScanInputError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise ScanInputError(f"{path}: not UTF-8 text: {exc.reason}") from exc
    except yaml.YAMLError as exc:
        raise ScanInputError(f"{path}: invalid YAML: {exc}") from exc
    try:
        return parse_ignore(doc, str(path))
    except IgnoreFileError as exc:
        raise ScanInputError(str(exc)) from exc


# ---------------------------------------------------------------- scans


def scan_extraction(db: Database, target: str, extraction: Extraction,
                    ignores: list[IgnoreRule] | None = None,
                    today: date | None = None) -> ScanReport:
    """Match an extraction against the stored advisories; NoAdvisories when none are stored."""
    if advisory_count(db) == 0:
        raise NoAdvisories("no advisories imported: run `vigil advisories import PATH` first")
    advisories = load_advisories(db, extraction)
    return scan(target, extraction, advisories, ignores, today)


def _finding_record(f: VulnerabilityFinding, rule: IgnoreRule | None = None) -> repo.FindingRecord:
    return repo.FindingRecord(
        package=f.package, version=f.version, ecosystem=f.ecosystem, vuln_id=f.id,
        aliases=list(f.aliases), severity=f.severity, score=f.score, summary=f.summary,
        fixed=list(f.fixed), location=str(f.location),
        suppressed_reason=rule.reason if rule is not None else None,
        suppressed_until=rule.expires if rule is not None else None)


def record_scan(db: Database, report: ScanReport, trigger: str,
                now: datetime | None = None) -> list[repo.FindingRecord]:
    """Store a scan's findings (first seen / fixed at), log new ones, update the metrics.

    Suppressed findings are stored too, as suppressed: they are present, so never marked
    fixed, and neither logged nor counted as new nor counted in the open-findings gauge.
    New critical findings are counted in `vigil_security_new_critical_findings_total` (the
    NewCriticalVulnerability rule) after the transaction committed. Returns the new
    findings (first seen, or back after a fix; never suppressed ones).
    """
    now = now or datetime.now(UTC)
    records = [_finding_record(f) for f in report.findings]
    records += [_finding_record(f, rule) for f, rule in report.suppressed]
    with db.session() as session:
        scan_id = repo.start_scan(session, report.target, trigger, now)
        new = repo.sync_findings(session, report.target, records, scan_id, now)
        repo.finish_scan(session, scan_id, now, "ok", packages=report.packages,
                         findings=len(report.findings), unchecked=len(report.unchecked))
        counts = repo.open_counts_by_severity(session)
    for rec in new:
        log_event("VULNERABILITY", "WARNING", target=report.target, package=rec.package,
                  version=rec.version, ecosystem=rec.ecosystem, id=rec.vuln_id,
                  aliases=rec.aliases, severity=rec.severity, fixed=rec.fixed,
                  location=rec.location)
    count_new_findings(rec.severity for rec in new)
    set_open_findings(counts)
    return new


def publish_findings_metrics(db: Database) -> None:
    """Set the open-findings gauge from the database (e.g. at start-up)."""
    with db.session() as session:
        set_open_findings(repo.open_counts_by_severity(session))


def record_failure(db: Database, target: str, trigger: str, error: str) -> None:
    """Count and log a failed scan, and store it when the database is reachable."""
    SCAN_FAILURES.inc()
    log_event("ERROR", "ERROR", component="vulnerability_scan", target=target, error=error)
    now = datetime.now(UTC)
    try:
        with db.session() as session:
            scan_id = repo.start_scan(session, target, trigger, now)
            repo.finish_scan(session, scan_id, now, "failed", error=error)
    except Exception as exc:  # the failure is already counted; the DB may be the cause
        log_event("ERROR", "ERROR", component="vulnerability_scan",
                  error=f"cannot record failed scan: {exc}")


def scan_upload(db: Database, filename: str, content: bytes, kind: str | None = None,
                trigger: str = "api", target: str | None = None) -> ScanReport:
    """Scan an uploaded lockfile or SBOM (named by its file name) and record the findings.

    Findings are kept per target (default ``upload:<file name>``): a later upload to the same
    target that no longer has a finding marks it fixed. No ignore file applies to uploads, so
    every finding the report lists is stored open (one an earlier scan of the target stored
    as suppressed is active again, not new).
    """
    target = target or f"upload:{os.path.basename(filename) or 'upload'}"
    try:
        text = decode_inventory(content, filename)
        name = os.path.basename(filename)
        if kind:
            extractor = extractors.by_kind(kind)
            if extractor is None:
                raise ScanInputError(unknown_kind(kind))
        else:  # the whole name first: `var/lib/dpkg/status` is told by its directory
            extractor = extractors.detect(filename) or extractors.detect(name)
        if extractor is None and name.lower().endswith(".json"):
            try:
                extractor = extractors.sniff_json(orjson.loads(text))
            except orjson.JSONDecodeError:
                extractor = None
        if extractor is None:
            raise ScanInputError(f"{name}: unknown inventory kind; pass kind or a known file name")
        extraction: Extraction = extractor.extract(text, name, None)
        report = scan_extraction(db, target, extraction)
    except (ExtractError, ScanInputError) as exc:
        record_failure(db, target, trigger, str(exc))
        raise
    record_scan(db, report, trigger)
    return report


def list_findings(db: Database, *, target: str | None = None, severity: str | None = None,
                  include_fixed: bool = False, include_suppressed: bool = False,
                  after_id: int = 0, limit: int = 100) -> list[dict[str, Any]]:
    """Stored findings as plain data, oldest first, after a cursor id.

    Suppressed findings are left out unless `include_suppressed`; their ``suppressed`` item
    holds the ignore entry's reason and expiry (None for findings that are not suppressed).
    """
    with db.session() as session:
        rows = repo.list_findings(session, target=target, severity=severity,
                                  include_fixed=include_fixed,
                                  include_suppressed=include_suppressed, after_id=after_id,
                                  limit=limit)
        return [
            {"id": r.id, "target": r.target, "package": r.package, "version": r.version,
             "ecosystem": r.ecosystem, "vuln_id": r.vuln_id, "aliases": r.aliases,
             "severity": r.severity, "score": r.score, "summary": r.summary, "fixed": r.fixed,
             "location": r.location, "first_seen": r.first_seen, "last_seen": r.last_seen,
             "fixed_at": r.fixed_at,
             "suppressed": None if r.suppressed_reason is None else {
                 "reason": r.suppressed_reason, "expires": r.suppressed_until}}
            for r in rows
        ]


def list_scans(db: Database, *, target: str | None = None, status: str | None = None,
               before_id: int | None = None, limit: int = 100) -> list[dict[str, Any]]:
    """Recorded scans as plain data, newest first, before a cursor id."""
    with db.session() as session:
        return [
            {"id": r.id, "target": r.target, "trigger": r.trigger, "started_at": r.started_at,
             "finished_at": r.finished_at, "status": r.status, "packages": r.packages,
             "findings": r.findings, "unchecked": r.unchecked, "error": r.error}
            for r in repo.list_scans(session, target=target, status=status,
                                     before_id=before_id, limit=limit)
        ]


def findings_trend(db: Database, *, target: str | None, days: int,
                   now: datetime | None = None) -> list[TrendDay]:
    """The last `days` UTC days (today included) of a target's findings, oldest first."""
    today = (now or datetime.now(UTC)).astimezone(UTC).date()
    first_day = today - timedelta(days=days - 1)
    since = datetime.combine(first_day, datetime.min.time(), UTC)
    with db.session() as session:
        lifetimes = repo.finding_lifetimes(session, target=target, since=since,
                                           until=since + timedelta(days=days))
    return finding_trend(lifetimes, first_day, days)


def run_scheduled_scans(db: Database, settings: Settings, config: OperatorConfig) -> dict[str, Any]:
    """Scan every configured path and record findings; failures are counted, never raised."""
    section = config.vulnerability_scanning
    summary: dict[str, Any] = {"scanned": 0, "failed": 0, "findings": 0}
    if not section.paths:
        publish_findings_metrics(db)  # keeps the gauge right after restarts and API uploads
        return summary
    try:
        ignores = load_ignore_file(Path(section.ignore_file) if section.ignore_file else None)
    except ScanInputError as exc:
        record_failure(db, section.ignore_file or "", "scheduled", str(exc))
        summary["failed"] = len(section.paths)
        return summary
    for raw in section.paths:
        path = Path(raw)
        try:
            extraction = extract_path(path)
            report = scan_extraction(db, str(path), extraction, ignores)
        except (ExtractError, ScanInputError, NoAdvisories, OSError) as exc:
            record_failure(db, str(path), "scheduled", str(exc))
            summary["failed"] += 1
            continue
        record_scan(db, report, "scheduled")
        summary["scanned"] += 1
        summary["findings"] += len(report.findings)
    return summary


def scheduled_scan_job(db: Database, settings: Settings,
                       config: OperatorConfig) -> Callable[[datetime], str]:
    """A scheduler job (``func(now) -> detail``) running `run_scheduled_scans`.

    Register it with ``config.vulnerability_scanning.interval_minutes * 60`` seconds.
    """

    def job(now: datetime) -> str:
        """Run one round of scheduled scans and describe it for the job log."""
        summary = run_scheduled_scans(db, settings, config)
        return (f"scanned {summary['scanned']} paths, {summary['failed']} failed, "
                f"{summary['findings']} findings")

    return job

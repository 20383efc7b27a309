"""Vulnerability scanner repository: advisories, scans, findings (SQLite and PostgreSQL)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TypeVar

from sqlalchemy import Engine, delete, func, insert, inspect, select, tuple_, update
from sqlalchemy.orm import Session

from vigil.storage.models_security import AdvisoryPackageRow, AdvisoryRow, FindingRow, ScanRow

_CHUNK = 500
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class AdvisoryRecord:
    """An advisory ready to store: its index keys and the serialised document."""

    id: str
    modified: str
    aliases: list[str]
    summary: str
    document: str
    packages: list[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class FindingRecord:
    """A finding to record for a target; ``suppressed_reason`` set when an ignore entry hides it."""

    package: str
    version: str
    ecosystem: str
    vuln_id: str
    aliases: list[str]
    severity: str
    score: float | None
    summary: str
    fixed: list[str]
    location: str
    suppressed_reason: str | None = None
    suppressed_until: date | None = None

    @property
    def suppressed(self) -> bool:
        """True when an ignore entry suppresses this finding."""
        return self.suppressed_reason is not None


def _chunks(items: Sequence[_T], size: int = _CHUNK) -> Iterable[Sequence[_T]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def tables_exist(engine: Engine) -> bool:
    """True when the scanner's tables exist (the 0002_security migration has run)."""
    names = set(inspect(engine).get_table_names())
    return {"security_advisories", "security_findings", "security_scans"} <= names


def advisory_modified(session: Session) -> dict[str, str]:
    """Every stored advisory id with its `modified` timestamp."""
    return dict(session.execute(select(AdvisoryRow.id, AdvisoryRow.modified)).tuples().all())


def delete_advisories(session: Session, ids: Sequence[str]) -> None:
    """Remove advisories (and their package index) by id."""
    for chunk in _chunks(list(ids)):
        session.execute(delete(AdvisoryPackageRow).where(AdvisoryPackageRow.advisory_id.in_(chunk)))
        session.execute(delete(AdvisoryRow).where(AdvisoryRow.id.in_(chunk)))


def store_advisories(session: Session, records: Sequence[AdvisoryRecord], now: datetime) -> None:
    """Insert or replace advisories with their package index."""
    delete_advisories(session, [r.id for r in records])
    for chunk in _chunks(list(records)):
        session.execute(insert(AdvisoryRow), [
            {"id": r.id, "modified": r.modified, "aliases": r.aliases, "summary": r.summary,
             "document": r.document, "imported_at": now}
            for r in chunk
        ])
        index = {(r.id, eco, name) for r in chunk for eco, name in r.packages}
        if index:
            session.execute(insert(AdvisoryPackageRow), [
                {"advisory_id": a, "ecosystem": e, "name": n} for a, e, n in sorted(index)
            ])


def count_advisories(session: Session) -> int:
    """How many advisories are stored."""
    return int(session.scalar(select(func.count()).select_from(AdvisoryRow)) or 0)


def advisory_versions_for(session: Session, keys: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Id -> `modified` of the advisories affecting any (ecosystem, normalised name) key."""
    key_list = sorted(set(keys))
    out: dict[str, str] = {}
    for chunk in _chunks(key_list):
        rows = session.execute(
            select(AdvisoryRow.id, AdvisoryRow.modified)
            .join(AdvisoryPackageRow, AdvisoryPackageRow.advisory_id == AdvisoryRow.id)
            .where(tuple_(AdvisoryPackageRow.ecosystem, AdvisoryPackageRow.name).in_(chunk))
        ).tuples().all()
        out.update(rows)
    return out


def advisory_documents(session: Session, ids: Iterable[str]) -> dict[str, str]:
    """Stored documents by advisory id."""
    docs: dict[str, str] = {}
    for chunk in _chunks(sorted(set(ids))):
        docs.update(session.execute(
            select(AdvisoryRow.id, AdvisoryRow.document).where(AdvisoryRow.id.in_(chunk))
        ).tuples().all())
    return docs


def start_scan(session: Session, target: str, trigger: str, now: datetime) -> int:
    """Record the start of a scan and return its id."""
    row = ScanRow(target=target, trigger=trigger, started_at=now, status="running",
                  packages=0, findings=0, unchecked=0)
    session.add(row)
    session.flush()
    return row.id


def finish_scan(session: Session, scan_id: int, now: datetime, status: str, *, packages: int = 0,
                findings: int = 0, unchecked: int = 0, error: str | None = None) -> None:
    """Record how a scan ended."""
    session.execute(update(ScanRow).where(ScanRow.id == scan_id).values(
        finished_at=now, status=status, packages=packages, findings=findings,
        unchecked=unchecked, error=error))


def fingerprint(target: str, rec: FindingRecord) -> str:
    """Stable identity of a finding: target, ecosystem, package, version, vulnerability."""
    raw = "\x1f".join([target, rec.ecosystem, rec.package.lower(), rec.version, rec.vuln_id])
    return hashlib.sha256(raw.encode()).hexdigest()


def _same_vulnerability(ecosystem: str, package: str, vuln_id: str) -> tuple[str, str, str]:
    """The identity of a finding across versions of its package."""
    return (ecosystem, package.lower(), vuln_id)


def sync_findings(session: Session, target: str, records: Sequence[FindingRecord], scan_id: int,
                  now: datetime) -> list[FindingRecord]:
    """Upsert a target's findings; mark the ones no longer present fixed. Returns the new ones.

    `records` holds every finding the scan saw, suppressed ones included (flagged by
    ``suppressed_reason``). A suppressed finding is still present: it keeps its first-seen
    time, is never marked fixed, and is not new; when its suppression ends (expired or
    removed) it is open again, still not new, since it was never fixed. Only a finding that
    is absent from the scan is fixed. New means first seen, or back after a fix, unsuppressed.

    A version bump that is still affected (django 2.2.5 -> 2.2.6, same vulnerability) moves
    the open finding to the new version: it keeps its first-seen time and is neither fixed
    nor new.
    """
    existing = {row.fingerprint: row for row in session.execute(
        select(FindingRow).where(FindingRow.target == target)).scalars()}
    incoming = {fingerprint(target, rec) for rec in records}
    vanishing: dict[tuple[str, str, str], list[FindingRow]] = {}
    for old_fp, old in existing.items():
        if old_fp not in incoming and old.fixed_at is None:
            vanishing.setdefault(_same_vulnerability(old.ecosystem, old.package, old.vuln_id),
                                 []).append(old)
    seen: set[str] = set()
    new: list[FindingRecord] = []
    for rec in records:
        fp = fingerprint(target, rec)
        if fp in seen:
            continue
        seen.add(fp)
        row = existing.get(fp)
        moved = vanishing.get(_same_vulnerability(rec.ecosystem, rec.package, rec.vuln_id))
        if row is None and moved:
            row = moved.pop(0)
            row.fingerprint, row.package, row.version = fp, rec.package, rec.version
        if row is None:
            session.add(FindingRow(
                fingerprint=fp, target=target, package=rec.package, version=rec.version,
                ecosystem=rec.ecosystem, vuln_id=rec.vuln_id, aliases=rec.aliases,
                severity=rec.severity, score=rec.score, summary=rec.summary, fixed=rec.fixed,
                location=rec.location, first_seen=now, last_seen=now, fixed_at=None,
                last_scan_id=scan_id, suppressed_reason=rec.suppressed_reason,
                suppressed_until=rec.suppressed_until))
            if not rec.suppressed:
                new.append(rec)
        else:
            if row.fixed_at is not None and not rec.suppressed:
                new.append(rec)
            row.last_seen, row.fixed_at, row.last_scan_id = now, None, scan_id
            row.severity, row.score, row.aliases = rec.severity, rec.score, rec.aliases
            row.fixed, row.summary, row.location = rec.fixed, rec.summary, rec.location
            row.suppressed_reason, row.suppressed_until = (rec.suppressed_reason,
                                                           rec.suppressed_until)
    for old in existing.values():
        if old.fingerprint not in seen and old.fixed_at is None:
            # Really gone from the scan: fixed, whether or not it was suppressed before.
            old.fixed_at, old.suppressed_reason, old.suppressed_until = now, None, None
    session.flush()
    return new


def list_findings(session: Session, *, target: str | None = None, severity: str | None = None,
                  include_fixed: bool = False, include_suppressed: bool = False,
                  after_id: int = 0, limit: int = 100) -> list[FindingRow]:
    """Findings ordered by id, filtered, after a cursor id (suppressed ones only if asked)."""
    stmt = select(FindingRow).where(FindingRow.id > after_id)
    if target is not None:
        stmt = stmt.where(FindingRow.target == target)
    if severity is not None:
        stmt = stmt.where(FindingRow.severity == severity.upper())
    if not include_fixed:
        stmt = stmt.where(FindingRow.fixed_at.is_(None))
    if not include_suppressed:
        stmt = stmt.where(FindingRow.suppressed_reason.is_(None))
    return list(session.execute(stmt.order_by(FindingRow.id).limit(limit)).scalars())


def open_counts_by_severity(session: Session) -> dict[str, int]:
    """Number of open findings (neither fixed nor suppressed) per severity."""
    rows = session.execute(
        select(FindingRow.severity, func.count())
        .where(FindingRow.fixed_at.is_(None), FindingRow.suppressed_reason.is_(None))
        .group_by(FindingRow.severity)).tuples().all()
    return {sev: int(n) for sev, n in rows}


def list_scans(session: Session, *, target: str | None = None, status: str | None = None,
               before_id: int | None = None, limit: int = 100) -> list[ScanRow]:
    """Scans newest first, filtered, before a cursor id."""
    stmt = select(ScanRow)
    if target is not None:
        stmt = stmt.where(ScanRow.target == target)
    if status is not None:
        stmt = stmt.where(ScanRow.status == status)
    if before_id is not None:
        stmt = stmt.where(ScanRow.id < before_id)
    return list(session.execute(stmt.order_by(ScanRow.id.desc()).limit(limit)).scalars())


def finding_lifetimes(session: Session, *, target: str | None, since: datetime,
                      until: datetime) -> list[tuple[str, datetime, datetime | None]]:
    """(severity, first_seen, fixed_at) of the findings present at some time in [since, until)."""
    stmt = select(FindingRow.severity, FindingRow.first_seen, FindingRow.fixed_at).where(
        FindingRow.first_seen < until,
        (FindingRow.fixed_at.is_(None)) | (FindingRow.fixed_at >= since))
    if target is not None:
        stmt = stmt.where(FindingRow.target == target)
    return [(sev, first, fixed) for sev, first, fixed in session.execute(stmt).tuples()]

"""Repository of detected threats."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vigil.core.types import Priority
from vigil.storage.models_threats import ThreatRow


@dataclass(frozen=True, slots=True)
class StoredThreat:
    """A threat as stored, with its id and detection time."""

    id: int
    data: dict[str, Any]
    source: str
    detected_at: datetime


def _stored(row: ThreatRow) -> StoredThreat:
    data = {"type": row.type, "source_ip": row.source_ip,
            "first_seen": row.first_seen.isoformat(),
            "last_seen": row.last_seen.isoformat(), "count": row.count,
            "technique": row.technique, "priority": Priority(row.priority).value, "rule": row.rule,
            "targets": list(row.targets or []), "evidence": list(row.evidence or []),
            "details": dict(row.details or {})}
    return StoredThreat(row.id, data, row.source, row.detected_at)


def upsert_threats(session: Session, threats: Iterable[dict[str, Any]], source: str,
                   now: datetime | None = None) -> tuple[int, int]:
    """Insert new threats or extend stored ones (same type, source, first_seen).

    Returns (inserted, updated).
    """
    now = now or datetime.now(UTC)
    inserted = updated = 0
    for t in threats:
        # Sigma titles and JSON events' source fields are the sender's: fit the columns.
        t = {**t, "type": str(t["type"])[:128], "source_ip": str(t["source_ip"])[:255],
             "rule": str(t["rule"])[:255], "technique": str(t["technique"])[:32]}
        first = datetime.fromisoformat(t["first_seen"])
        last = datetime.fromisoformat(t["last_seen"])
        row = session.scalar(select(ThreatRow).where(
            ThreatRow.type == t["type"], ThreatRow.source_ip == t["source_ip"],
            ThreatRow.first_seen == first))
        if row is None:
            session.add(ThreatRow(
                type=t["type"], source_ip=t["source_ip"], first_seen=first, last_seen=last,
                count=t["count"], technique=t["technique"], priority=t["priority"],
                rule=t["rule"], targets=t["targets"], evidence=t["evidence"],
                details=t["details"], source=source, detected_at=now))
            inserted += 1
        else:
            if last > row.last_seen:
                row.last_seen = last
            row.count = max(row.count, int(t["count"]))
            row.priority = min(row.priority, Priority(t["priority"]))  # "P1" < "P2": most urgent
            row.targets, row.evidence, row.details = t["targets"], t["evidence"], t["details"]
            updated += 1
    session.flush()
    return inserted, updated


def list_threats(session: Session, limit: int = 100, after_id: int | None = None,
                 priority: str | None = None, source_ip: str | None = None,
                 type_: str | None = None) -> list[StoredThreat]:
    """Threats newest first (by id), with optional filters and keyset pagination."""
    query = select(ThreatRow).order_by(ThreatRow.id.desc()).limit(limit)
    if after_id is not None:
        query = query.where(ThreatRow.id < after_id)
    if priority:
        query = query.where(ThreatRow.priority == priority)
    if source_ip:
        query = query.where(ThreatRow.source_ip == source_ip)
    if type_:
        query = query.where(ThreatRow.type == type_)
    return [_stored(r) for r in session.scalars(query)]


def count_threats(session: Session) -> int:
    """How many threats are stored."""
    return int(session.scalar(select(func.count()).select_from(ThreatRow)) or 0)

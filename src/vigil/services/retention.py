"""Retention: delete samples older than VIGIL_RETENTION_DAYS in bounded batches."""

from __future__ import annotations

from datetime import datetime, timedelta

from vigil.storage.database import Database
from vigil.storage.series_repo import delete_samples_before
from vigil.telemetry.logging import log_event

MAX_BATCHES_PER_RUN = 1000


def apply_retention(db: Database, days: int, batch_size: int, now: datetime) -> int:
    """Delete expired samples, one short transaction per batch; returns how many went."""
    cutoff = (now - timedelta(days=days)).timestamp()
    total = 0
    for _ in range(MAX_BATCHES_PER_RUN):
        with db.session() as session:
            deleted = delete_samples_before(session, cutoff, batch_size)
        total += deleted
        if deleted < batch_size:
            break
    if total:
        log_event("retention_applied", deleted=total, cutoff=cutoff, days=days)
    return total

"""Retention: delete samples (and the scaling recommendation history) older than
VIGIL_RETENTION_DAYS in bounded batches."""

from __future__ import annotations

from datetime import datetime, timedelta

from vigil.storage import scaling_repo
from vigil.storage.database import Database
from vigil.storage.series_repo import delete_samples_before, series_ids_with_samples_before
from vigil.telemetry.logging import log_event

MAX_BATCHES_PER_RUN = 1000


def apply_retention(db: Database, days: int, batch_size: int, now: datetime) -> int:
    """Delete expired samples series by series, one short transaction per batch.

    Returns the number of samples deleted; the recommendation history expires too.
    """
    try:
        cutoff = (now - timedelta(days=days)).timestamp()
    except OverflowError:  # a retention longer than the calendar: nothing is old enough
        return 0
    with db.session() as session:
        series_ids = series_ids_with_samples_before(session, cutoff)
    total = 0
    batches = 0
    for series_id in series_ids:
        while batches < MAX_BATCHES_PER_RUN:
            with db.session() as session:
                deleted = delete_samples_before(session, series_id, cutoff, batch_size)
            total += deleted
            batches += 1
            if deleted < batch_size:
                break
    if total:
        log_event("retention_applied", deleted=total, cutoff=cutoff, days=days)
    _expire_recommendations(db, cutoff, batch_size)
    return total


def _expire_recommendations(db: Database, cutoff: float, batch_size: int) -> None:
    """Delete scaling recommendations older than the cutoff, one short transaction a batch."""
    deleted = 0
    for _ in range(MAX_BATCHES_PER_RUN):
        with db.session() as session:
            batch = scaling_repo.delete_before(session, cutoff, batch_size)
        deleted += batch
        if batch < batch_size:
            break
    if deleted:
        log_event("retention_applied", table="scaling_recommendations", deleted=deleted,
                  cutoff=cutoff)

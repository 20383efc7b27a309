"""The ingest pipeline: validate a batch, resolve series, append points in one transaction."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from vigil.config import Settings
from vigil.core.ingest import IngestLimits, Rejection, SeriesInput, validate_batch
from vigil.services.ingest_stats import record_ingest_stats
from vigil.storage.database import Database
from vigil.storage.per_engine import PerEngine
from vigil.storage.series_repo import SeriesIdCache, append_samples, resolve_series_ids

_caches: PerEngine[SeriesIdCache] = PerEngine(SeriesIdCache)


@dataclass(slots=True)
class IngestReport:
    """What happened to a batch: stored, already stored, rejected with reasons."""

    accepted: int
    duplicates: int
    rejected: list[Rejection] = field(default_factory=list)
    series_ids: list[int] = field(default_factory=list)


def limits_from(settings: Settings) -> IngestLimits:
    """The ingest limits configured in the settings."""
    return IngestLimits(max_labels=settings.max_labels_per_series,
                        max_label_length=settings.max_label_length,
                        future_tolerance_seconds=float(settings.future_tolerance_seconds))


def series_cache(db: Database) -> SeriesIdCache:
    """The series-id cache of this database's engine; it goes when the engine goes."""
    return _caches.get(db.engine)


def ingest(db: Database, settings: Settings, batch: list[SeriesInput],
           now: float | None = None) -> IngestReport:
    """Store the valid points of a batch atomically and report the rejected ones."""
    now = time.time() if now is None else now
    validated = validate_batch(batch, now, limits_from(settings))
    if not validated.series:
        return IngestReport(0, 0, validated.rejected)
    cache = series_cache(db)
    with db.session() as session:
        ids = resolve_series_ids(
            session, [(s.name, s.labels_key, s.labels) for s in validated.series], cache)
        flat_ids: list[int] = []
        flat_ts: list[float] = []
        flat_values: list[float] = []
        for sid, series in zip(ids, validated.series, strict=True):
            flat_ids.extend([sid] * len(series.ts))
            flat_ts.extend(series.ts)
            flat_values.extend(series.values)
        record_ingest_stats(session, batch, validated, ids, now)  # before: it counts late points
        inserted = append_samples(session, flat_ids, flat_ts, flat_values)
    total = validated.point_count
    return IngestReport(inserted, total - inserted, validated.rejected, ids)

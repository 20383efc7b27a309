"""Per-series ingest counts for data quality: points received, late, rejected (per hour).

Late = a duplicate or out-of-order point: at or before the newest timestamp the series
already had (stored, or earlier in the same batch). Counted before the points are
appended, in the ingest transaction.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from vigil.core.ingest import SeriesInput, ValidatedBatch
from vigil.storage import detection_repo, lifecycle_repo


def _key(name: str, labels: dict[str, str]) -> tuple[str, tuple[tuple[str, str], ...]]:
    return name, tuple(sorted(labels.items()))


def record_ingest_stats(session: Session, batch: Sequence[SeriesInput],
                        validated: ValidatedBatch, ids: Sequence[int], now: float) -> None:
    """Add this batch's received / late / rejected counts per series (call before appending)."""
    newest = detection_repo.latest_ts(session, sorted(set(ids)))
    counts: dict[int, list[int]] = {}
    for sid, series in zip(ids, validated.series, strict=True):
        mark = newest.get(sid, float("-inf"))
        late = 0
        for t in series.ts:
            if t <= mark:
                late += 1
            else:
                mark = t
        newest[sid] = mark
        entry = counts.setdefault(sid, [0, 0, 0])
        entry[0] += len(series.ts)
        entry[1] += late
    by_key = {_key(s.name, s.labels): sid for sid, s in zip(ids, validated.series, strict=True)}
    for rejection in validated.rejected:
        if rejection.point is None or not 0 <= rejection.series < len(batch):
            continue
        source = batch[rejection.series]
        owner = by_key.get(_key(source.name, source.labels)) \
            if isinstance(source.labels, dict) else None
        if owner is not None:
            counts.setdefault(owner, [0, 0, 0])[2] += 1
    hour = float(int(now // 3600) * 3600)
    lifecycle_repo.add_ingest_stats(session, [(sid, hour, c[0], c[1], c[2])
                                              for sid, c in counts.items()])

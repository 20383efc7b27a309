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
from vigil.storage.per_engine import PerEngine


def _key(name: str, labels: dict[str, str]) -> tuple[str, tuple[tuple[str, str], ...]]:
    return name, tuple(sorted(labels.items()))


class NewestCache:
    """The newest timestamp seen per series by this process (read from the database once).

    Another replica's newer points are not seen here, so with several ingest replicas a
    late point may go uncounted; never is an in-order point counted late.
    """

    def __init__(self, limit: int = 1_000_000) -> None:
        self._newest: dict[int, float] = {}
        self._limit = limit

    def lookup(self, session: Session, ids: Sequence[int]) -> dict[int, float]:
        """The newest timestamp of each series (missing: no point yet)."""
        unknown = [sid for sid in set(ids) if sid not in self._newest]
        if unknown:
            if len(self._newest) + len(unknown) > self._limit:
                self._newest.clear()
            for sid in unknown:
                found = detection_repo.newest_ts(session, sid)
                self._newest[sid] = float("-inf") if found is None else found
        return {sid: self._newest[sid] for sid in set(ids)}

    def update(self, newest: dict[int, float]) -> None:
        """Remember the newest timestamps after a batch."""
        for sid, ts in newest.items():
            if ts > self._newest.get(sid, float("-inf")):
                self._newest[sid] = ts


_caches: PerEngine[NewestCache] = PerEngine(NewestCache)


def _newest_cache(session: Session) -> NewestCache:
    """The newest-timestamp cache of the engine the session is bound to."""
    return _caches.get(session.get_bind().engine)


def record_ingest_stats(session: Session, batch: Sequence[SeriesInput],
                        validated: ValidatedBatch, ids: Sequence[int], now: float) -> None:
    """Add this batch's received / late / rejected counts per series (call before appending)."""
    cache = _newest_cache(session)
    newest = cache.lookup(session, ids)
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
    cache.update(newest)
    hour = float(int(now // 3600) * 3600)
    lifecycle_repo.add_ingest_stats(session, [(sid, hour, c[0], c[1], c[2])
                                              for sid, c in counts.items()])

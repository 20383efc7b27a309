"""What alert rules read: the latest sample of each watched series and open anomalies."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from vigil.alerting.rules import AnomalySignal, LatestSample
from vigil.core.types import Severity
from vigil.storage.alerting_repo._utc import required
from vigil.storage.models import AnomalyRow, SampleRow, SeriesRow


class SeriesLabels:
    """Process-local cache of series id → (name, labels); a series' identity never changes."""

    def __init__(self, max_entries: int = 500_000) -> None:
        """An empty cache holding at most `max_entries` series."""
        self._known: dict[int, tuple[str, dict[str, str]]] = {}
        self._max = max_entries

    def get(self, session: Session, ids: Iterable[int]) -> dict[int, tuple[str, dict[str, str]]]:
        """Name and labels of these series, reading only the ones not seen before."""
        wanted = set(ids)
        missing = [i for i in wanted if i not in self._known]
        if len(self._known) + len(missing) > self._max:
            self._known.clear()
            missing = list(wanted)
        for start in range(0, len(missing), 5000):
            chunk = missing[start:start + 5000]
            for sid, name, labels in session.execute(
                    select(SeriesRow.id, SeriesRow.name, SeriesRow.labels)
                    .where(SeriesRow.id.in_(chunk))):
                self._known[int(sid)] = (name, dict(labels or {}))
        return {i: self._known[i] for i in wanted if i in self._known}


def latest_samples(session: Session, metrics: Iterable[str], since_ts: float,
                   cache: SeriesLabels | None = None) -> list[LatestSample]:
    """The newest sample since `since_ts` of every series whose name is in `metrics`."""
    names = sorted(set(metrics))
    if not names:
        return []
    cache = cache or SeriesLabels()
    newest = (
        select(SampleRow.series_id, func.max(SampleRow.ts).label("mts"))
        .join(SeriesRow, SeriesRow.id == SampleRow.series_id)
        .where(SeriesRow.name.in_(names), SampleRow.ts >= since_ts)
        .group_by(SampleRow.series_id)
        .subquery()
    )
    stmt = (
        select(SampleRow.series_id, SampleRow.ts, SampleRow.value)
        .join(newest, and_(SampleRow.series_id == newest.c.series_id,
                           SampleRow.ts == newest.c.mts))
    )
    rows = session.execute(stmt).all()
    known = cache.get(session, (int(r[0]) for r in rows))
    out = []
    for sid, ts, value in rows:
        ident = known.get(int(sid))
        if ident is not None:
            out.append(LatestSample(int(sid), ident[0], ident[1], float(ts), float(value)))
    return out


def anomaly_signals(session: Session, since: datetime) -> list[AnomalySignal]:
    """Per series, the strongest open anomaly detection since `since`."""
    stmt = (
        select(AnomalyRow.series_id, SeriesRow.name, SeriesRow.labels, AnomalyRow.timestamp,
               AnomalyRow.score, AnomalyRow.severity)
        .join(SeriesRow, SeriesRow.id == AnomalyRow.series_id)
        .where(AnomalyRow.timestamp >= since, AnomalyRow.status == "open")
    )
    best: dict[int, AnomalySignal] = {}
    for sid, name, labels, ts, score, sev in session.execute(stmt):
        try:
            severity = Severity(sev)
        except ValueError:
            severity = Severity.WARNING
        sig = AnomalySignal(int(sid), name, dict(labels or {}), required(ts).timestamp(),
                            float(score), severity)
        cur = best.get(sig.series_id)
        if cur is None or (sig.severity.rank, sig.score) > (cur.severity.rank, cur.score):
            best[sig.series_id] = sig
    return list(best.values())

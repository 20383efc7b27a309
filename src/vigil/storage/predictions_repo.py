"""Latest time-to-breach predictions: upsert per (target, series), read the active ones."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from vigil.storage.models_forecasting import PredictedBreachRow


@dataclass(frozen=True, slots=True)
class StoredPrediction:
    """One stored prediction."""

    target: str
    series_id: int
    computed_at: float
    valid_until: float
    active: bool
    priority: str | None
    probability: float
    seconds_to_breach: float | None
    details: dict[str, Any]


def _record(row: PredictedBreachRow) -> StoredPrediction:
    return StoredPrediction(row.target, row.series_id, row.computed_at, row.valid_until,
                            row.active, row.priority, row.probability, row.seconds_to_breach,
                            dict(row.details or {}))


def active_keys(session: Session) -> set[tuple[str, int]]:
    """(target, series_id) of the predictions that are active (alerting) now."""
    rows = session.execute(select(PredictedBreachRow.target, PredictedBreachRow.series_id)
                           .where(PredictedBreachRow.active.is_(True)))
    return {(t, int(s)) for t, s in rows}


def replace_all(session: Session, items: list[StoredPrediction]) -> None:
    """Store these predictions as the current ones (others are removed)."""
    existing = {(r.target, r.series_id): r for r in session.scalars(select(PredictedBreachRow))}
    keep = {(i.target, i.series_id) for i in items}
    for key, row in existing.items():
        if key not in keep:
            session.delete(row)
    for i in items:
        found = existing.get((i.target, i.series_id))
        if found is None:
            row = PredictedBreachRow(target=i.target, series_id=i.series_id)
            session.add(row)
        else:
            row = found
        row.computed_at, row.valid_until, row.active = i.computed_at, i.valid_until, i.active
        row.priority, row.probability = i.priority, i.probability
        row.seconds_to_breach, row.details = i.seconds_to_breach, i.details


def active_predictions(session: Session, now: float) -> list[StoredPrediction]:
    """Active predictions not yet stale at `now`."""
    rows = session.scalars(select(PredictedBreachRow).where(
        PredictedBreachRow.active.is_(True), PredictedBreachRow.valid_until >= now)
        .order_by(PredictedBreachRow.id))
    return [_record(r) for r in rows]


def clear(session: Session) -> None:
    """Forget every prediction (no targets configured any more)."""
    session.execute(delete(PredictedBreachRow))

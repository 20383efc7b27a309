"""Operator feedback: true/false positive verdicts on anomalies, and missed-anomaly ranges.

Every change is written to the audit log with the previous verdict, so the history of a
label survives its changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from vigil.storage import keys_repo, lifecycle_repo, series_repo
from vigil.storage.database import Database
from vigil.storage.lifecycle_repo import Feedback, MissedRange


class NotFound(LookupError):
    """The anomaly or series does not exist."""


class InvalidRange(ValueError):
    """A missed range that is empty, reversed or longer than the retention."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def label_anomaly(db: Database, anomaly_id: int, verdict: bool, actor: str,
                  now: datetime) -> Feedback:
    """Store (or change) whether an anomaly was real; NotFound for an unknown anomaly."""
    with db.session() as session:
        result = lifecycle_repo.set_feedback(session, anomaly_id, verdict, actor, now)
        if result is None:
            raise NotFound(f"there is no anomaly {anomaly_id}")
        feedback, previous = result
        keys_repo.record_audit(session, actor, "anomaly.feedback", f"anomaly:{anomaly_id}",
                               {"verdict": _word(verdict),
                                "previous": None if previous is None else _word(previous),
                                "series_id": feedback.series_id})
        return feedback


def feedback_of(db: Database, anomaly_ids: Sequence[int]) -> dict[int, Feedback]:
    """The feedback of the given anomalies (those that have some)."""
    with db.session() as session:
        return lifecycle_repo.feedback_for(session, anomaly_ids)


def mark_missed(db: Database, series_id: int, start: datetime, end: datetime,
                note: str | None, actor: str, retention_days: int, now: datetime) -> MissedRange:
    """Record that the detector missed an anomaly of a series in [start, end]."""
    if start > end:
        raise InvalidRange("from", "'from' must not be after 'to'")
    if end - start > timedelta(days=retention_days):
        raise InvalidRange("to", f"the range is longer than the retention ({retention_days} days)")
    with db.session() as session:
        if series_repo.get_series(session, series_id) is None:
            raise NotFound(f"there is no series {series_id}")
        missed = lifecycle_repo.add_missed(session, series_id, start, end, note, actor, now)
        keys_repo.record_audit(session, actor, "series.missed_anomaly", f"series:{series_id}",
                               {"id": missed.id, "from": start.isoformat(),
                                "to": end.isoformat(), "note": note})
        return missed


def missed_ranges(db: Database, series_id: int) -> list[MissedRange]:
    """The missed ranges recorded for a series, oldest first."""
    with db.session() as session:
        if series_repo.get_series(session, series_id) is None:
            raise NotFound(f"there is no series {series_id}")
        return lifecycle_repo.list_missed(session, series_id)


def feedback_json(feedback: Feedback) -> dict[str, object]:
    """Feedback as JSON."""
    return {"verdict": _word(feedback.verdict), "true_positive": feedback.verdict,
            "by": feedback.actor, "at": feedback.updated_at.isoformat(),
            "first_at": feedback.created_at.isoformat()}


def missed_json(missed: MissedRange) -> dict[str, object]:
    """A missed range as JSON."""
    return {"id": missed.id, "series_id": missed.series_id, "from": missed.start.isoformat(),
            "to": missed.end.isoformat(), "note": missed.note, "by": missed.actor,
            "at": missed.created_at.isoformat()}


def _word(verdict: bool) -> str:
    return "true_positive" if verdict else "false_positive"

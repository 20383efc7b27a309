"""Replica recommendation history: append, read newest first, highest proposal in a window."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from vigil.storage.models_scaling import ScalingRecommendationRow


@dataclass(frozen=True, slots=True)
class StoredRecommendation:
    """One recommendation as stored."""

    target: str
    computed_at: float
    replicas: int
    proposal: int
    winner: str
    fallback: str | None
    details: dict[str, Any]


def add(session: Session, rec: StoredRecommendation) -> None:
    """Append a recommendation to the history."""
    session.add(ScalingRecommendationRow(
        target=rec.target, computed_at=rec.computed_at, replicas=rec.replicas,
        proposal=rec.proposal, winner=rec.winner, fallback=rec.fallback, details=rec.details))


def highest_proposal_since(session: Session, target: str, since: float) -> int | None:
    """The highest raw proposal for `target` after `since` (scale-down stabilisation)."""
    value = session.scalar(select(func.max(ScalingRecommendationRow.proposal)).where(
        ScalingRecommendationRow.target == target,
        ScalingRecommendationRow.computed_at > since))
    return None if value is None else int(value)


def history(session: Session, target: str, limit: int,
            before: float | None = None) -> list[StoredRecommendation]:
    """Newest first, at most `limit`, optionally only those before `before`."""
    q = select(ScalingRecommendationRow).where(ScalingRecommendationRow.target == target)
    if before is not None:
        q = q.where(ScalingRecommendationRow.computed_at < before)
    rows = session.scalars(q.order_by(ScalingRecommendationRow.computed_at.desc(),
                                      ScalingRecommendationRow.id.desc()).limit(limit))
    return [StoredRecommendation(r.target, r.computed_at, r.replicas, r.proposal, r.winner,
                                 r.fallback, dict(r.details or {})) for r in rows]


def delete_before(session: Session, cutoff: float, limit: int) -> int:
    """Delete at most `limit` recommendations computed before `cutoff`; return how many."""
    ids = list(session.scalars(select(ScalingRecommendationRow.id).where(
        ScalingRecommendationRow.computed_at < cutoff).limit(limit)))
    if ids:
        session.execute(delete(ScalingRecommendationRow).where(
            ScalingRecommendationRow.id.in_(ids)))
    return len(ids)

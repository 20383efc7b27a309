"""Model versions of a series: list, show, roll back (instant, audited)."""

from __future__ import annotations

from datetime import datetime

from vigil.storage import keys_repo, lifecycle_repo, series_repo
from vigil.storage.database import Database
from vigil.storage.lifecycle_repo import ActiveModel, ModelVersion


class VersionNotFound(LookupError):
    """The series or the version does not exist."""


def versions(db: Database, series_id: int) -> tuple[list[ModelVersion], ActiveModel | None]:
    """A series' versions (newest first) and which one is active."""
    with db.session() as session:
        if series_repo.get_series(session, series_id) is None:
            raise VersionNotFound(f"there is no series {series_id}")
        return (lifecycle_repo.list_versions(session, series_id),
                lifecycle_repo.active_model(session, series_id))


def version(db: Database, series_id: int, number: int) -> tuple[ModelVersion, bool]:
    """One version of a series and whether it is the active one."""
    with db.session() as session:
        found = lifecycle_repo.get_version(session, series_id, number)
        if found is None:
            raise VersionNotFound(f"series {series_id} has no model version {number}")
        active = lifecycle_repo.active_model(session, series_id)
        return found, active is not None and active.version == number


def rollback(db: Database, series_id: int, number: int, actor: str,
             now: datetime) -> ActiveModel:
    """Make an earlier version active again; the worker restores its exact state bytes."""
    with db.session() as session:
        found = lifecycle_repo.get_version(session, series_id, number)
        if found is None:
            raise VersionNotFound(f"series {series_id} has no model version {number}")
        previous = lifecycle_repo.active_model(session, series_id)
        active = lifecycle_repo.set_active(session, series_id, number, found.threshold, now)
        keys_repo.record_audit(session, actor, "model.rollback", f"series:{series_id}",
                               {"to_version": number,
                                "from_version": None if previous is None else previous.version,
                                "threshold": found.threshold})
        return active


def version_json(v: ModelVersion, active: bool, with_state: bool = False) -> dict[str, object]:
    """A model version as JSON (its state only as a size and SHA-256)."""
    import hashlib

    body: dict[str, object] = {
        "series_id": v.series_id, "version": v.version, "active": active,
        "detector": v.detector, "detector_version": v.detector_version,
        "parameters": v.parameters, "threshold": v.threshold,
        "trained_from": None if v.trained_from is None else v.trained_from.isoformat(),
        "trained_to": None if v.trained_to is None else v.trained_to.isoformat(),
        "quality": v.quality, "promoted": v.promoted, "reason": v.reason,
        "created_at": v.created_at.isoformat()}
    if with_state:
        body["state_bytes"] = len(v.state)
        body["state_sha256"] = hashlib.sha256(v.state).hexdigest()
    return body

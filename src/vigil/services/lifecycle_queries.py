"""Read-side services of the model lifecycle: data quality of a series."""

from __future__ import annotations

from typing import Any

from vigil.storage import lifecycle_repo, series_repo
from vigil.storage.database import Database


def data_quality_of(db: Database, series_id: int) -> dict[str, Any]:
    """The latest data-quality score of a series with its components; LookupError if none."""
    with db.session() as session:
        if series_repo.get_series(session, series_id) is None:
            raise LookupError(f"there is no series {series_id}")
        found = lifecycle_repo.get_quality(session, series_id)
    if found is None:
        raise LookupError(f"series {series_id} has no data-quality score yet (is it watched?)")
    score, components, at = found
    return {"series_id": series_id, "data_quality_score": score, "computed_at": at.isoformat(),
            "cadence_seconds": components.get("cadence_seconds"),
            "components": components.get("components", {})}

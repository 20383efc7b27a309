"""Read stored report runs (for the API and the CLI)."""

from __future__ import annotations

import json
from typing import Any

from vigil.storage import reports_repo
from vigil.storage.database import Database


def run_json(run: reports_repo.ReportRun) -> dict[str, Any]:
    """A stored run's metadata as JSON-ready data."""
    return {"id": run.id, "kind": run.kind, "period": run.period_label,
            "period_start": run.period_start.isoformat(),
            "period_end": run.period_end.isoformat(),
            "generated_at": run.generated_at.isoformat(), "receiver": run.receiver,
            "delivery": run.delivery, "delivery_error": run.delivery_error,
            "delivery_attempts": run.delivery_attempts,
            "delivery_next_at": (run.delivery_next_at.isoformat()
                                 if run.delivery_next_at is not None else None)}


def list_report_runs(db: Database, kind: str | None = None, limit: int = 50
                     ) -> list[dict[str, Any]]:
    """Stored runs, newest first."""
    with db.session() as s:
        return [run_json(r) for r in reports_repo.list_runs(s, kind, limit)]


def stored_report(db: Database, run_id: int) -> tuple[dict[str, Any], str] | None:
    """A stored run's JSON document and HTML, or None when there is no such run."""
    with db.session() as s:
        found = reports_repo.run_content(s, run_id)
    if found is None:
        return None
    _, document, html = found
    loaded: dict[str, Any] = json.loads(document)
    return loaded, html

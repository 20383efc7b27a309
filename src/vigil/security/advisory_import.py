"""Decide what an advisory import changes: new or newer advisories, withdrawn ones, errors.

Pure: it takes decoded documents and the stored `modified` times, and returns a plan the
application service writes to the database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from vigil.security.names import normalize_name
from vigil.security.osv import Advisory, AdvisoryError, parse_advisory
from vigil.security.versions import base_ecosystem


@dataclass(slots=True)
class ImportPlan:
    """Advisories to store (with their documents), ids to delete, and what was skipped."""

    store: dict[str, tuple[Advisory, Any]] = field(default_factory=dict)
    delete: set[str] = field(default_factory=set)
    unchanged: int = 0
    withdrawn: int = 0
    not_osv: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def seen(self) -> int:
        """Advisory documents considered (stored, unchanged or withdrawn)."""
        return len(self.store) + self.unchanged + self.withdrawn


def parse_time(value: str) -> datetime:
    """An RFC 3339 timestamp as an aware datetime (the epoch when unparsable)."""
    text = value.strip().replace(" ", "T")
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return datetime(1970, 1, 1, tzinfo=UTC)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def looks_like_osv(doc: Any) -> bool:
    """True for a mapping with an id and a modified time (OSV's two required fields)."""
    return isinstance(doc, Mapping) and "id" in doc and "modified" in doc


def index_keys(adv: Advisory) -> list[tuple[str, str]]:
    """(lower-case base ecosystem, normalised name) of every affected package."""
    keys = {
        (base_ecosystem(a.ecosystem).lower(), normalize_name(a.ecosystem, a.name))
        for a in adv.affected
    }
    return sorted(keys)


def plan_import(documents: Iterable[tuple[str, Any]], stored: Mapping[str, str]) -> ImportPlan:
    """Plan an incremental import of (source name, decoded document) pairs.

    An advisory is stored when it is new or its `modified` is later than the stored one;
    a withdrawn advisory is skipped and removed if it was stored before.
    """
    plan = ImportPlan()
    for source, doc in documents:
        if not looks_like_osv(doc):
            plan.not_osv += 1
            continue
        try:
            adv = parse_advisory(doc)
        except AdvisoryError as exc:
            plan.errors.append(f"{source}: {exc}")
            continue
        if adv.withdrawn:
            plan.withdrawn += 1
            plan.store.pop(adv.id, None)
            if adv.id in stored:
                plan.delete.add(adv.id)
            continue
        modified = parse_time(adv.modified)
        pending = plan.store.get(adv.id)
        if pending is not None and parse_time(pending[0].modified) >= modified:
            plan.unchanged += 1
            continue
        old = stored.get(adv.id)
        if old is not None and parse_time(old) >= modified:
            plan.unchanged += 1
            continue
        plan.store[adv.id] = (adv, doc)
    return plan

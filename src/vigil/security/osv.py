"""The OSV advisory model and its parsing from OSV-schema documents (JSON or YAML data).

Only what matching and reporting need is kept as typed fields; the raw document is
stored alongside so nothing is lost.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

EVENT_KINDS = ("introduced", "fixed", "last_affected", "limit")


class AdvisoryError(ValueError):
    """A document that is not a valid OSV advisory; the message says what is wrong."""


@dataclass(frozen=True, slots=True)
class RangeEvent:
    """One range event: `kind` is introduced, fixed, last_affected or limit."""

    kind: str
    version: str


@dataclass(frozen=True, slots=True)
class Range:
    """An affected range: ECOSYSTEM, SEMVER or GIT, with its events in document order."""

    type: str
    events: tuple[RangeEvent, ...]


@dataclass(frozen=True, slots=True)
class Affected:
    """The affected versions of one package in one ecosystem."""

    ecosystem: str
    name: str
    ranges: tuple[Range, ...] = ()
    versions: tuple[str, ...] = ()
    severity: tuple[tuple[str, str], ...] = ()
    database_severity: str | None = None


@dataclass(frozen=True, slots=True)
class Advisory:
    """An OSV advisory: identity, aliases, text, severity and affected packages."""

    id: str
    modified: str
    published: str | None = None
    withdrawn: str | None = None
    aliases: tuple[str, ...] = ()
    summary: str = ""
    details: str = ""
    severity: tuple[tuple[str, str], ...] = ()
    database_severity: str | None = None
    affected: tuple[Affected, ...] = ()
    references: tuple[str, ...] = field(default=(), compare=False)

    @property
    def title(self) -> str:
        """The summary, or the first sentence of the details when there is no summary."""
        if self.summary:
            return self.summary
        first = re.split(r"(?<=\.)\s", self.details.strip(), maxsplit=1)[0]
        return first[:200]


def _str(value: Any) -> str:
    """YAML turns some versions into numbers (``1.0``); OSV versions are strings."""
    if value is None:
        return ""
    return str(value)


def _severity(items: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(items, list):
        return ()
    out = []
    for item in items:
        if isinstance(item, Mapping) and item.get("type") and item.get("score"):
            out.append((_str(item["type"]), _str(item["score"])))
    return tuple(out)


def _db_severity(doc: Mapping[str, Any]) -> str | None:
    for key in ("database_specific", "ecosystem_specific"):
        section = doc.get(key)
        if isinstance(section, Mapping) and isinstance(section.get("severity"), str):
            return str(section["severity"])
    return None


def _range(doc: Any, where: str) -> Range:
    if not isinstance(doc, Mapping) or not doc.get("type"):
        raise AdvisoryError(f"{where}: a range needs a type")
    events = []
    for i, evt in enumerate(doc.get("events") or []):
        if not isinstance(evt, Mapping) or len(evt) != 1:
            raise AdvisoryError(f"{where}.events[{i}]: an event has exactly one key")
        ((kind, version),) = evt.items()
        if kind not in EVENT_KINDS:
            raise AdvisoryError(f"{where}.events[{i}]: unknown event {kind!r}")
        events.append(RangeEvent(str(kind), _str(version)))
    return Range(_str(doc["type"]).upper(), tuple(events))


def _affected(doc: Any, where: str) -> Affected:
    if not isinstance(doc, Mapping):
        raise AdvisoryError(f"{where}: must be a mapping")
    pkg = doc.get("package") or {}
    if not isinstance(pkg, Mapping) or not pkg.get("ecosystem") or not pkg.get("name"):
        raise AdvisoryError(f"{where}.package: needs ecosystem and name")
    ranges = tuple(_range(r, f"{where}.ranges[{i}]") for i, r in enumerate(doc.get("ranges") or []))
    versions = tuple(map(str, doc.get("versions") or ()))
    return Affected(
        ecosystem=_str(pkg["ecosystem"]),
        name=_str(pkg["name"]),
        ranges=ranges,
        versions=versions,
        severity=_severity(doc.get("severity")),
        database_severity=_db_severity(doc),
    )


def parse_advisory(doc: Any) -> Advisory:
    """Build an Advisory from a decoded OSV document; raises AdvisoryError when invalid."""
    if not isinstance(doc, Mapping):
        raise AdvisoryError("an advisory must be a mapping")
    adv_id = doc.get("id")
    if not adv_id or not isinstance(adv_id, str):
        raise AdvisoryError("an advisory needs a string id")
    if not doc.get("modified"):
        raise AdvisoryError(f"{adv_id}: missing modified")
    affected = tuple(
        _affected(a, f"{adv_id}.affected[{i}]") for i, a in enumerate(doc.get("affected") or [])
    )
    refs = tuple(
        _str(r.get("url")) for r in doc.get("references") or [] if isinstance(r, Mapping)
    )
    return Advisory(
        id=adv_id,
        modified=_str(doc["modified"]),
        published=_str(doc.get("published")) or None,
        withdrawn=_str(doc.get("withdrawn")) or None,
        aliases=tuple(_str(a) for a in doc.get("aliases") or [] if a),
        summary=_str(doc.get("summary")).strip(),
        details=_str(doc.get("details")).strip(),
        severity=_severity(doc.get("severity")),
        database_severity=_db_severity(doc),
        affected=affected,
        references=refs,
    )


def decode_document(data: bytes, name: str) -> Any:
    """Decode one advisory file: JSON when it ends in .json, YAML otherwise."""
    if name.lower().endswith(".json"):
        import orjson

        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            raise AdvisoryError(f"{name}: invalid JSON: {exc}") from exc
    import yaml

    from vigil.security.yamltext import load_text_yaml

    try:
        return load_text_yaml(data)
    except yaml.YAMLError as exc:
        raise AdvisoryError(f"{name}: invalid YAML: {exc}") from exc

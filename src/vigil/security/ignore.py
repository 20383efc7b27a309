"""`.vigilignore.yaml`: suppress findings by id (or alias), optionally per package, until expiry.

    ignore:
      - id: PYSEC-2021-66
        package: django          # optional; PEP 503 names match loosely
        reason: not reachable, admin only
        expires: 2027-01-31      # optional; after this date the entry stops suppressing

Expired entries do not suppress anything and are reported so they get reviewed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from vigil.security.model import VulnerabilityFinding
from vigil.security.names import normalize_name


class IgnoreFileError(ValueError):
    """The ignore file is malformed; the message names the entry."""


@dataclass(frozen=True, slots=True)
class IgnoreRule:
    """One suppression: which vulnerability, optionally which package, why, until when."""

    id: str
    reason: str
    package: str | None = None
    expires: date | None = None

    def expired(self, today: date) -> bool:
        """True once the expiry date has passed (the expiry day itself still suppresses)."""
        return self.expires is not None and today > self.expires

    def matches(self, finding: VulnerabilityFinding) -> bool:
        """True when the rule names the finding's id or an alias (and its package, if given)."""
        if self.id not in finding.ids:
            return False
        if self.package is None:
            return True
        return normalize_name(finding.ecosystem, self.package) == normalize_name(
            finding.ecosystem, finding.package)


def parse_ignore(doc: Any, source: str = ".vigilignore.yaml") -> list[IgnoreRule]:
    """Rules from the decoded YAML (a mapping with an ``ignore`` list, or the list itself)."""
    if doc is None:
        return []
    entries = doc.get("ignore", []) if isinstance(doc, dict) else doc
    if isinstance(doc, dict) and set(doc) - {"ignore"}:
        raise IgnoreFileError(f"{source}: unknown keys {sorted(set(doc) - {'ignore'})}")
    if not isinstance(entries, list):
        raise IgnoreFileError(f"{source}: 'ignore' must be a list")
    rules = []
    for i, entry in enumerate(entries):
        where = f"{source}: ignore[{i}]"
        if not isinstance(entry, dict):
            raise IgnoreFileError(f"{where}: must be a mapping with id and reason")
        unknown = set(entry) - {"id", "package", "reason", "expires"}
        if unknown:
            raise IgnoreFileError(f"{where}: unknown keys {sorted(unknown)}")
        if not entry.get("id") or not entry.get("reason"):
            raise IgnoreFileError(f"{where}: id and reason are required")
        for key in ("id", "package", "reason"):
            if isinstance(entry.get(key), (list, dict)):
                raise IgnoreFileError(f"{where}: {key} must be a single value, not a list or map")
        expires = entry.get("expires")
        if isinstance(expires, datetime):  # YAML reads 2027-01-31T00:00:00Z as a datetime
            expires = expires.date()
        if isinstance(expires, str):
            try:
                expires = date.fromisoformat(expires)
            except ValueError as exc:
                raise IgnoreFileError(f"{where}: expires must be YYYY-MM-DD") from exc
        if expires is not None and not isinstance(expires, date):
            raise IgnoreFileError(f"{where}: expires must be YYYY-MM-DD")
        rules.append(IgnoreRule(str(entry["id"]), str(entry["reason"]),
                                str(entry["package"]) if entry.get("package") else None,
                                expires))
    return rules


@dataclass(slots=True)
class Suppression:
    """Findings split into reported and suppressed, plus the rules that have expired."""

    reported: list[VulnerabilityFinding]
    suppressed: list[tuple[VulnerabilityFinding, IgnoreRule]]
    expired: list[IgnoreRule]
    unused: list[IgnoreRule] = field(default_factory=list)


def apply_ignores(findings: Iterable[VulnerabilityFinding], rules: list[IgnoreRule],
                  today: date) -> Suppression:
    """Suppress findings matched by an unexpired rule; list expired and unused rules."""
    active = [r for r in rules if not r.expired(today)]
    result = Suppression([], [], [r for r in rules if r.expired(today)])
    used: set[int] = set()
    for f in findings:
        rule = next((r for r in active if r.matches(f)), None)
        if rule is None:
            result.reported.append(f)
        else:
            used.add(id(rule))
            result.suppressed.append((f, rule))
    result.unused = [r for r in active if id(r) not in used]
    return result

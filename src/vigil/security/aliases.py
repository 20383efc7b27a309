"""Merge findings that are the same vulnerability under different ids (CVE, GHSA, PYSEC ...).

Two advisories are the same vulnerability when one names the other (or a shared id) in
its aliases; each connected group is reported once per package occurrence.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from vigil.core.severity import vuln_rank
from vigil.security.model import VulnerabilityFinding
from vigil.security.versions import sort_versions

# Preferred primary ids: the ecosystem's own database first, then GHSA, then CVE.
_PREFIX_PREFERENCE = ("PYSEC-", "RUSTSEC-", "GO-", "DSA-", "DLA-", "DEBIAN-", "USN-", "GHSA-",
                      "CVE-")


def _preference(vuln_id: str) -> tuple[int, str]:
    for i, prefix in enumerate(_PREFIX_PREFERENCE):
        if vuln_id.startswith(prefix):
            return (i, vuln_id)
    return (len(_PREFIX_PREFERENCE), vuln_id)


def _merge_group(group: list[VulnerabilityFinding]) -> VulnerabilityFinding:
    primary = min(group, key=lambda f: _preference(f.id))
    ids: set[str] = set()
    fixed: dict[str, None] = {}
    refs: dict[str, None] = {}
    for f in group:
        ids.update(f.ids)
        fixed.update(dict.fromkeys(f.fixed))
        refs.update(dict.fromkeys(f.references))
    worst = max(group, key=lambda f: (vuln_rank(f.severity), f.score or 0.0))
    summary = primary.summary or next((f.summary for f in group if f.summary), "")
    return VulnerabilityFinding(
        package=primary.package, version=primary.version, ecosystem=primary.ecosystem,
        id=primary.id, aliases=tuple(sorted(ids - {primary.id}, key=_preference)),
        summary=summary, severity=worst.severity, score=worst.score,
        fixed=sort_versions(primary.ecosystem, fixed),
        location=primary.location, references=tuple(refs),
    )


def _find(parent: dict[str, str], x: str) -> str:
    """Union-find root of `x`, with path halving."""
    while parent.setdefault(x, x) != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


def merge_findings(findings: Iterable[VulnerabilityFinding]) -> list[VulnerabilityFinding]:
    """One finding per vulnerability per package occurrence, aliases unioned, worst severity."""
    by_occurrence: dict[tuple[str, str, str, str], list[VulnerabilityFinding]] = defaultdict(list)
    for f in findings:
        by_occurrence[(f.ecosystem, f.package, f.version, str(f.location))].append(f)
    merged: list[VulnerabilityFinding] = []
    for group in by_occurrence.values():
        parent: dict[str, str] = {}
        for f in group:
            for alias in f.ids:
                parent[_find(parent, alias)] = _find(parent, f.id)
        components: dict[str, list[VulnerabilityFinding]] = defaultdict(list)
        for f in group:
            components[_find(parent, f.id)].append(f)
        merged.extend(_merge_group(c) for c in components.values())
    merged.sort(key=lambda f: (f.location.file, f.location.line or 0, f.package.lower(), f.id))
    return merged

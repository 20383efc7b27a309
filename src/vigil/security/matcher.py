"""Packages x advisories, evaluated exactly as the OSV schema specifies.

A version is affected by an `affected` entry when it is listed in `versions[]` or falls
in one of its ECOSYSTEM/SEMVER ranges. Range events are sorted in the ecosystem's order
first (advisories often list them out of order); `introduced: "0"` is the beginning of
time; `fixed` is excluded, `last_affected` included; `limit` caps the range. GIT ranges
cannot be evaluated against package versions and are skipped and counted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from vigil.security.model import Package, VulnerabilityFinding
from vigil.security.names import normalize_name
from vigil.security.osv import Advisory, Affected, Range, RangeEvent
from vigil.security.severity import assess
from vigil.security.versions import (
    SEMVER,
    InvalidVersion,
    VersionOrder,
    base_ecosystem,
    order_for,
    sort_versions,
)

# At equal versions a `fixed` closes the previous range before an `introduced` opens the
# next, so adjacent ranges ([0, 3.1.1) + [3.1.1, 3.2.0)) leave no gap.
_KIND_ORDER = {"fixed": 0, "introduced": 1, "last_affected": 2, "limit": 3}


@dataclass(slots=True)
class MatchStats:
    """Counters a user may want to see: what could not be evaluated and why."""

    git_ranges_skipped: int = 0
    unparsable_ranges: int = 0
    unordered_ecosystems: set[str] = field(default_factory=set)


def _sorted_events(events: Sequence[RangeEvent],
                   order: VersionOrder) -> list[tuple[Any, RangeEvent]]:
    """Events with their keys, sorted in version order; ``introduced: "0"`` first."""
    keyed: list[tuple[int, Any, int, RangeEvent]] = []
    for evt in events:
        if evt.kind == "introduced" and evt.version == "0":
            keyed.append((0, None, 0, evt))
        elif evt.kind == "limit" and evt.version == "*":
            keyed.append((2, None, 0, evt))
        else:
            keyed.append((1, order.key(evt.version), _KIND_ORDER[evt.kind], evt))
    first = [k for k in keyed if k[0] == 0]
    middle = sorted((k for k in keyed if k[0] == 1), key=lambda k: (k[1], k[2]))
    last = [k for k in keyed if k[0] == 2]
    return [(k[1], k[3]) for k in (*first, *middle, *last)]


def in_range(version_key: Any, rng: Range, order: VersionOrder) -> bool:
    """True when a version (given as its key) is affected by one ECOSYSTEM/SEMVER range."""
    events = _sorted_events(rng.events, order)
    limits = [key for key, evt in events if evt.kind == "limit"]
    if limits and not any(key is None or version_key < key for key in limits):
        return False
    affected = False
    for key, evt in events:
        if evt.kind == "introduced":
            if key is None or version_key >= key:
                affected = True
        elif evt.kind == "fixed":
            if version_key >= key:
                affected = False
        elif evt.kind == "last_affected" and version_key > key:
            affected = False
    return affected


def is_affected(version: str, affected: Affected, stats: MatchStats | None = None) -> bool:
    """True when `version` is in `affected.versions` or one of its evaluable ranges."""
    stats = stats if stats is not None else MatchStats()
    stats.git_ranges_skipped += sum(1 for rng in affected.ranges if rng.type == "GIT")
    if version in affected.versions:
        return True
    order = order_for(affected.ecosystem)
    for rng in affected.ranges:
        # SEMVER ranges are SemVer 2.0 whatever the ecosystem (OSV spec); ECOSYSTEM ranges
        # use the ecosystem's own order.
        rng_order = SEMVER if rng.type == "SEMVER" else order
        if rng.type not in ("ECOSYSTEM", "SEMVER"):
            continue
        if rng_order is None:
            stats.unordered_ecosystems.add(base_ecosystem(affected.ecosystem))
            continue
        try:
            version_key = rng_order.key(version)
        except InvalidVersion:
            continue
        try:
            if in_range(version_key, rng, rng_order):
                return True
        except InvalidVersion:
            stats.unparsable_ranges += 1
    # `versions[]` spelled differently (``2.0rc1`` vs ``2.0.0rc1``) is the same version.
    if not affected.versions or order is None:
        if order is None and not affected.ranges:
            stats.unordered_ecosystems.add(base_ecosystem(affected.ecosystem))
        return False
    try:
        version_key = order.key(version)
    except InvalidVersion:
        return False
    return version_key in _listed_keys(affected.ecosystem, affected.versions)


@lru_cache(maxsize=4096)
def _listed_keys(ecosystem: str, versions: tuple[str, ...]) -> frozenset[Any]:
    """The keys of an entry's `versions[]` that parse, as a set."""
    order = order_for(ecosystem)
    keys: set[Any] = set()
    if order is None:
        return frozenset()
    for listed in versions:
        try:
            keys.add(order.key(listed))
        except (InvalidVersion, TypeError):
            continue
    return frozenset(keys)


def fixed_versions(affected: Affected) -> tuple[str, ...]:
    """Every `fixed` version named by the entry's ranges, in document order, de-duplicated."""
    seen: dict[str, None] = {}
    for rng in affected.ranges:
        if rng.type == "GIT":
            continue
        for evt in rng.events:
            if evt.kind == "fixed":
                seen.setdefault(evt.version, None)
    return tuple(seen)


def _ecosystem_matches(package_eco: str, advisory_eco: str) -> bool:
    """`Debian` matches `Debian:12` advisories; `Ubuntu:22.04` matches `Ubuntu:22.04:LTS`."""
    if ":" in package_eco:
        pkg, adv = package_eco.lower(), advisory_eco.lower()
        return adv == pkg or adv.startswith(pkg + ":")
    return base_ecosystem(advisory_eco).lower() == package_eco.lower()


def match_package(
    package: Package, advisories: Iterable[Advisory], stats: MatchStats | None = None
) -> list[VulnerabilityFinding]:
    """Findings for one package against candidate advisories (not yet alias-merged)."""
    stats = stats if stats is not None else MatchStats()
    name = normalize_name(package.ecosystem, package.name)
    findings = []
    for adv in advisories:
        if adv.withdrawn:
            continue
        hits = [
            aff for aff in adv.affected
            if _ecosystem_matches(package.ecosystem, aff.ecosystem)
            and normalize_name(aff.ecosystem, aff.name) == name
            and is_affected(package.version, aff, stats)
        ]
        if not hits:
            continue
        fixed: dict[str, None] = {}
        for aff in hits:
            fixed.update(dict.fromkeys(fixed_versions(aff)))
        fixed_sorted = sort_versions(package.ecosystem, fixed)
        vectors = [*adv.severity, *(s for aff in hits for s in aff.severity)]
        words = [adv.database_severity, *(aff.database_severity for aff in hits)]
        level, score = assess(vectors, words)
        findings.append(VulnerabilityFinding(
            package=package.name, version=package.version, ecosystem=package.ecosystem,
            id=adv.id, aliases=tuple(a for a in adv.aliases if a != adv.id),
            summary=adv.title, severity=level, score=score, fixed=fixed_sorted,
            location=package.location, references=adv.references,
        ))
    return findings


def match_all(
    packages: Iterable[Package],
    advisories_by_name: Mapping[tuple[str, str], Sequence[Advisory]],
    stats: MatchStats | None = None,
) -> list[VulnerabilityFinding]:
    """Match every package against the advisories indexed by (base ecosystem, normalised name)."""
    from vigil.security.aliases import merge_findings

    stats = stats if stats is not None else MatchStats()
    raw: list[VulnerabilityFinding] = []
    for pkg in packages:
        eco = base_ecosystem(pkg.ecosystem)
        key = (eco.lower(), normalize_name(eco, pkg.name))
        raw.extend(match_package(pkg, advisories_by_name.get(key, ()), stats))
    return merge_findings(raw)

"""A scan: extracted packages x advisories -> findings, after suppressions."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from vigil.core.severity import effective_vuln_level, vuln_rank
from vigil.security.ignore import IgnoreRule, Suppression, apply_ignores
from vigil.security.matcher import MatchStats, match_all
from vigil.security.model import Extraction, Package, Unchecked, VulnerabilityFinding
from vigil.security.names import normalize_name
from vigil.security.osv import Advisory
from vigil.security.versions import base_ecosystem


@dataclass(slots=True)
class ScanReport:
    """Everything a reporter shows: findings, suppressed ones, unchecked entries, counters."""

    target: str
    packages: int
    findings: list[VulnerabilityFinding]
    suppressed: list[tuple[VulnerabilityFinding, IgnoreRule]] = field(default_factory=list)
    expired_ignores: list[IgnoreRule] = field(default_factory=list)
    unused_ignores: list[IgnoreRule] = field(default_factory=list)
    unchecked: list[Unchecked] = field(default_factory=list)
    stats: MatchStats = field(default_factory=MatchStats)
    advisories: int = 0

    def worst(self) -> str | None:
        """The highest severity among reported findings, or None when clean."""
        if not self.findings:
            return None
        return max((f.severity for f in self.findings), key=vuln_rank)

    @property
    def unknown_severity(self) -> int:
        """How many reported findings have no severity (UNKNOWN)."""
        return sum(1 for f in self.findings if f.severity == "UNKNOWN")

    def fails(self, threshold: str, unknown_as: str = "UNKNOWN") -> bool:
        """True when a reported finding is at or above the threshold (``any`` = any finding);
        findings without a severity count as `unknown_as`."""
        if threshold.lower() == "any":
            return bool(self.findings)
        floor = vuln_rank(threshold)
        return any(vuln_rank(effective_vuln_level(f.severity, unknown_as)) >= floor
                   for f in self.findings)


def package_keys(packages: Iterable[Package]) -> set[tuple[str, str]]:
    """The (lower-case base ecosystem, normalised name) lookup keys of packages."""
    return {
        (base_ecosystem(p.ecosystem).lower(), normalize_name(p.ecosystem, p.name))
        for p in packages
    }


def index_advisories(advisories: Iterable[Advisory]) -> dict[tuple[str, str], list[Advisory]]:
    """Advisories indexed by every (base ecosystem, normalised name) they affect."""
    index: dict[tuple[str, str], list[Advisory]] = defaultdict(list)
    for adv in advisories:
        keys = {(base_ecosystem(a.ecosystem).lower(), normalize_name(a.ecosystem, a.name))
                for a in adv.affected}
        for key in keys:
            index[key].append(adv)
    return index


def scan(target: str, extraction: Extraction,
         advisories: Mapping[tuple[str, str], Sequence[Advisory]],
         ignores: list[IgnoreRule] | None = None, today: date | None = None) -> ScanReport:
    """Match an extraction against indexed advisories and apply the ignore rules."""
    stats = MatchStats()
    findings = match_all(extraction.packages, advisories, stats)
    suppression = (apply_ignores(findings, ignores, today or date.today()) if ignores
                   else Suppression(findings, [], []))
    return ScanReport(
        target=target, packages=len(extraction.packages), findings=suppression.reported,
        suppressed=suppression.suppressed, expired_ignores=suppression.expired,
        unused_ignores=suppression.unused,
        unchecked=list(extraction.unchecked), stats=stats,
        advisories=len({a.id for advs in advisories.values() for a in advs}),
    )


def unknown_severity_note(unknown: int, total: int) -> str:
    """What a scan says when findings have no severity, and how to get them."""
    return (f"{unknown} of {total} findings have no severity (UNKNOWN): their advisories carry "
            "no CVSS vector or severity word, so `--fail-on` and the alert rules cannot rank "
            "them. Import the osv.dev ecosystem export (e.g. https://osv-vulnerabilities"
            ".storage.googleapis.com/PyPI/all.zip): its GitHub advisories carry CVSS vectors, "
            "and aliases merge them into these findings. Meanwhile `--unknown-as HIGH` (or "
            "`vulnerability_scanning.unknown_as` in the config) decides how they count.")

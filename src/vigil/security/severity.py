"""Severity of an advisory: from its CVSS v3/v4 vector when given, else the database's word."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

LEVELS = ("UNKNOWN", "LOW", "MEDIUM", "HIGH", "CRITICAL")
_RANK = {name: i for i, name in enumerate(LEVELS)}
_WORDS = {
    "CRITICAL": "CRITICAL",
    "HIGH": "HIGH",
    "IMPORTANT": "HIGH",
    "MODERATE": "MEDIUM",
    "MEDIUM": "MEDIUM",
    "LOW": "LOW",
    "NEGLIGIBLE": "LOW",
    "UNIMPORTANT": "LOW",
}


def rank(level: str) -> int:
    """Order of a level: UNKNOWN 0 < LOW < MEDIUM < HIGH < CRITICAL 4."""
    return _RANK.get(level.upper(), 0)


def level_of_score(score: float) -> str:
    """The CVSS qualitative rating of a base score (0.0 counts as LOW, never as clean)."""
    if score >= 9.0:
        return "CRITICAL"
    if score >= 7.0:
        return "HIGH"
    if score >= 4.0:
        return "MEDIUM"
    return "LOW"


@lru_cache(maxsize=8192)
def cvss_score(kind: str, vector: str) -> float | None:
    """The base score of a CVSS v3 or v4 vector, or None when it is not one we can score."""
    from cvss import CVSS3, CVSS4

    try:
        if kind.upper() == "CVSS_V4" or vector.startswith("CVSS:4"):
            return float(CVSS4(vector).base_score)
        if kind.upper() == "CVSS_V3" or vector.startswith("CVSS:3"):
            return float(CVSS3(vector).scores()[0])
    except Exception:  # the cvss library raises its own errors for malformed vectors
        return None
    return None


def assess(
    vectors: Iterable[tuple[str, str]], database: Iterable[str | None]
) -> tuple[str, float | None]:
    """(level, score): the highest CVSS-scored level, else the worst database word, else UNKNOWN."""
    best: float | None = None
    for kind, vector in vectors:
        score = cvss_score(kind, vector)
        if score is not None and (best is None or score > best):
            best = score
    if best is not None:
        return level_of_score(best), best
    words = [_WORDS.get(w.strip().upper(), "") for w in database if w]
    words = [w for w in words if w]
    if words:
        return max(words, key=rank), None
    return "UNKNOWN", None

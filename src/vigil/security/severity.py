"""Severity of an advisory: from its CVSS v3/v4 vector when given, else the database's word."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from vigil.core.severity import vuln_level_of_score, vuln_level_of_word, vuln_rank


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
        return vuln_level_of_score(best), best
    words = [level for w in database if w and (level := vuln_level_of_word(w)) is not None]
    if words:
        return max(words, key=vuln_rank), None
    return "UNKNOWN", None

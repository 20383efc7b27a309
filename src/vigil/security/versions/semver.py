"""SemVer 2.0 order (npm, crates.io, Go, ...), lenient like osv-scalibr.

A leading ``v`` is allowed, missing minor/patch count as 0, components after the third
are ignored like build metadata, and build metadata never affects the order.
"""

from __future__ import annotations

import re
from functools import lru_cache

from vigil.security.versions.base import InvalidVersion

_SEMVER = re.compile(
    r"^\s*[vV]?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:\.[0-9A-Za-z.]*)?"
    r"(?:-([0-9A-Za-z.-]*))?(?:\+[0-9A-Za-z.+-]*)?\s*$"
)

SemverKey = tuple[int, int, int, tuple[tuple[int, int | str], ...]]


@lru_cache(maxsize=65536)
def _key(version: str) -> SemverKey:
    match = _SEMVER.match(version)
    if match is None:
        raise InvalidVersion(f"not a SemVer version: {version!r}")
    major, minor, patch, pre = match.groups()
    if pre is None:
        # A release sorts after all of its pre-releases: (1,) > (0, ...).
        pre_key: tuple[tuple[int, int | str], ...] = ((2, 0),)
    else:
        parts: list[tuple[int, int | str]] = []
        for ident in pre.split("."):
            parts.append((0, int(ident)) if ident.isdigit() else (1, ident))
        pre_key = ((1, 0), *parts)
    return (int(major), int(minor or 0), int(patch or 0), pre_key)


class SemverOrder:
    """SemVer 2.0 precedence: numeric identifiers numerically, others in ASCII order."""

    name = "semver"

    def key(self, version: str) -> SemverKey:
        """A key in SemVer precedence order; raises InvalidVersion if not SemVer-like."""
        return _key(version)


SEMVER = SemverOrder()

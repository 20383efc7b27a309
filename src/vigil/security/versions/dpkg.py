"""Debian (dpkg) order: epochs, upstream version, revision, and ``~`` sorting first."""

from __future__ import annotations

from functools import lru_cache

from univers.debian import Version

from vigil.security.versions.base import InvalidVersion


@lru_cache(maxsize=65536)
def _key(version: str) -> Version:
    try:
        parsed: Version = Version.from_string(version.strip())  # type: ignore[no-untyped-call]
        return parsed
    except Exception as exc:  # univers raises ValueError and others on junk
        raise InvalidVersion(f"not a Debian version: {version!r}") from exc


class DpkgOrder:
    """The order `dpkg --compare-versions` uses, via univers."""

    name = "dpkg"

    def key(self, version: str) -> Version:
        """A key comparing like dpkg; raises InvalidVersion for malformed versions."""
        return _key(version)


DPKG = DpkgOrder()

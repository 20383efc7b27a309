"""Version orders per ecosystem: parse a version string into a sortable key.

`order_for(ecosystem)` returns the order of an OSV ecosystem (``PyPI``, ``npm``,
``Debian:12`` ...) or None when Vigil cannot order its versions, in which case only
exact ``versions[]`` matches are possible.
"""

from __future__ import annotations

from vigil.security.versions.base import InvalidVersion, VersionOrder
from vigil.security.versions.dpkg import DPKG
from vigil.security.versions.pypi import PYPI
from vigil.security.versions.semver import SEMVER

__all__ = ["DPKG", "PYPI", "SEMVER", "InvalidVersion", "VersionOrder", "base_ecosystem",
           "order_for"]

_BY_ECOSYSTEM: dict[str, VersionOrder] = {
    "pypi": PYPI,
    "npm": SEMVER,
    "crates.io": SEMVER,
    "go": SEMVER,
    "hex": SEMVER,
    "pub": SEMVER,
    "debian": DPKG,
    "ubuntu": DPKG,
}


def base_ecosystem(ecosystem: str) -> str:
    """The ecosystem without its release suffix: ``Debian:12`` -> ``Debian``."""
    return ecosystem.split(":", 1)[0].strip()


def order_for(ecosystem: str) -> VersionOrder | None:
    """The version order of an OSV ecosystem, or None when it is not supported."""
    return _BY_ECOSYSTEM.get(base_ecosystem(ecosystem).lower())

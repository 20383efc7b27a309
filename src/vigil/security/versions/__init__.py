"""Version orders per ecosystem: parse a version string into a sortable key.

`order_for(ecosystem)` returns the order of an OSV ecosystem (``PyPI``, ``npm``,
``Debian:12`` ...) or None when Vigil cannot order its versions, in which case only
exact ``versions[]`` matches are possible.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from vigil.security.versions.base import InvalidVersion, VersionOrder
from vigil.security.versions.dpkg import DPKG
from vigil.security.versions.pypi import PYPI
from vigil.security.versions.semver import SEMVER

__all__ = ["DPKG", "PYPI", "SEMVER", "InvalidVersion", "VersionOrder", "base_ecosystem",
           "order_for", "sort_versions"]

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


def sort_versions(ecosystem: str, versions: Iterable[str]) -> tuple[str, ...]:
    """Distinct versions in the ecosystem's order (unparsable ones last, as given)."""
    order = order_for(ecosystem)
    distinct = list(dict.fromkeys(versions))
    if order is None:
        return tuple(distinct)
    good: list[tuple[Any, str]] = []
    bad: list[str] = []
    for v in distinct:
        try:
            good.append((order.key(v), v))
        except InvalidVersion:
            bad.append(v)
    good.sort(key=lambda kv: kv[0])
    return (*(v for _, v in good), *bad)


def order_for(ecosystem: str) -> VersionOrder | None:
    """The version order of an OSV ecosystem, or None when it is not supported."""
    return _BY_ECOSYSTEM.get(base_ecosystem(ecosystem).lower())

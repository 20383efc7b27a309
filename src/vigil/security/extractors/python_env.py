"""The running Python environment: installed distributions, passed in by the caller."""

from __future__ import annotations

from collections.abc import Iterable

from vigil.security.model import Extraction, Location, Package

KIND = "python-env"
ECOSYSTEM = "PyPI"


def extract_distributions(dists: Iterable[tuple[str, str, str]]) -> Extraction:
    """Packages from (name, version, location) triples, e.g. from importlib.metadata."""
    result = Extraction(KIND)
    seen: set[tuple[str, str]] = set()
    for name, version, where in dists:
        if not name or not version or (name.lower(), version) in seen:
            continue
        seen.add((name.lower(), version))
        result.packages.append(Package(name, version, ECOSYSTEM, Location(where),
                                       f"pkg:pypi/{name.lower()}@{version}"))
    return result

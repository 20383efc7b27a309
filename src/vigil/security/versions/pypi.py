"""PyPI order: PEP 440 via `packaging`, legacy non-PEP 440 strings via `packaging-legacy`.

Legacy versions sort before every PEP 440 version, as setuptools and pip always did.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from packaging.version import InvalidVersion as _PepInvalid
from packaging.version import Version
from packaging_legacy.version import LegacyVersion


@lru_cache(maxsize=65536)
def _key(version: str) -> tuple[int, Any]:
    text = version.strip()
    if not text:
        from vigil.security.versions.base import InvalidVersion

        raise InvalidVersion("empty version")
    try:
        return (1, Version(text))
    except _PepInvalid:
        return (0, LegacyVersion(text))


class PypiOrder:
    """PEP 440 order with a legacy fallback, so no PyPI version string is ever rejected."""

    name = "pypi"

    def key(self, version: str) -> tuple[int, Any]:
        """A key ordering PEP 440 versions by PEP 440 and legacy ones before them."""
        return _key(version)


PYPI = PypiOrder()

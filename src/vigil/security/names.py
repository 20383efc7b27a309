"""Package-name normalisation per ecosystem, so lockfile and advisory names meet."""

from __future__ import annotations

import re

from vigil.security.versions import base_ecosystem

_PEP503 = re.compile(r"[-_.]+")


def normalize_name(ecosystem: str, name: str) -> str:
    """The canonical name: PEP 503 for PyPI, lower-case for Debian, unchanged otherwise."""
    eco = base_ecosystem(ecosystem).lower()
    if eco == "pypi":
        return _PEP503.sub("-", name.strip()).lower()
    if eco in ("debian", "ubuntu", "npm"):
        return name.strip().lower()
    return name.strip()

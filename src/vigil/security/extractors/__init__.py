"""Extractors: read one kind of inventory (lockfile, SBOM, package database) into packages.

Each extractor is a module with `KIND`, `matches(path) -> bool` (by file name) and
`extract(text, source, read=None) -> Extraction`.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from vigil.security.extractors import (
    cyclonedx,
    dpkg_status,
    npm_lock,
    pipfile_lock,
    poetry_lock,
    pylock,
    requirements,
    spdx,
    uv_lock,
    yarn_lock,
)

EXTRACTORS: tuple[ModuleType, ...] = (
    requirements, poetry_lock, uv_lock, pipfile_lock, pylock, npm_lock, yarn_lock,
    cyclonedx, spdx, dpkg_status,
)


def detect(path: str) -> ModuleType | None:
    """The extractor for a file, chosen by its name, or None."""
    return next((ex for ex in EXTRACTORS if ex.matches(path)), None)


def sniff_json(doc: Any) -> ModuleType | None:
    """The SBOM extractor for a decoded JSON document whose name said nothing."""
    if cyclonedx.sniff(doc):
        return cyclonedx
    if spdx.sniff(doc):
        return spdx
    return None


def by_kind(kind: str) -> ModuleType | None:
    """The extractor with this KIND (e.g. ``poetry.lock``), or None."""
    return next((ex for ex in EXTRACTORS if kind in (ex.KIND, ex.__name__.rsplit(".", 1)[-1])),
                None)

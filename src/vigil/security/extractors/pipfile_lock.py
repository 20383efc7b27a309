"""Pipfile.lock: the ``default`` and ``develop`` sections, pinned as ``==version``."""

from __future__ import annotations

from vigil.security.extractors.base import LineFinder, Reader, load_json, require_mapping
from vigil.security.model import ExtractError, Extraction, Location, Package, Unchecked

KIND = "Pipfile.lock"
ECOSYSTEM = "PyPI"


def matches(path: str) -> bool:
    """The file is named Pipfile.lock."""
    return path.replace("\\", "/").rsplit("/", 1)[-1] == "Pipfile.lock"


def extract(text: str, source: str, read: Reader | None = None) -> Extraction:
    """Packages of both sections; entries without an exact pin are unchecked."""
    doc = require_mapping(load_json(text, source), source, "a Pipfile.lock object")
    if "default" not in doc and "develop" not in doc:
        raise ExtractError(source, "no default/develop sections: not a Pipfile.lock")
    lines = LineFinder(text)
    result = Extraction(KIND)
    for section in ("default", "develop"):
        entries = doc.get(section) or {}
        if not isinstance(entries, dict):
            raise ExtractError(source, f"{section} must be an object")
        for name, info in entries.items():
            where = Location(source, lines.find(f'"{name}"'))
            version = str(info.get("version", "")) if isinstance(info, dict) else ""
            if version.startswith("==") and "*" not in version:
                v = version[2:]
                result.packages.append(Package(name, v, ECOSYSTEM, where,
                                               f"pkg:pypi/{name.lower()}@{v}"))
            else:
                result.unchecked.append(Unchecked(
                    name, version or "(no version)", ECOSYSTEM, where,
                    "no exact version (path, git or editable)"))
    return result

"""pylock.toml (PEP 751): ``[[packages]]`` with name and version."""

from __future__ import annotations

import re

from vigil.security.extractors.base import LineFinder, Reader, load_toml
from vigil.security.model import ExtractError, Extraction, Location, Package, Unchecked

KIND = "pylock.toml"
ECOSYSTEM = "PyPI"
_NAME = re.compile(r"^pylock\.([^.]+\.)?toml$")


def matches(path: str) -> bool:
    """pylock.toml or pylock.<name>.toml."""
    return bool(_NAME.match(path.replace("\\", "/").rsplit("/", 1)[-1]))


def extract(text: str, source: str, read: Reader | None = None) -> Extraction:
    """Locked packages; those without a version (VCS, directories) are unchecked."""
    doc = load_toml(text, source)
    if "lock-version" not in doc or not isinstance(doc.get("packages"), list):
        raise ExtractError(source, "no lock-version or [[packages]]: not a pylock.toml")
    lines = LineFinder(text)
    result = Extraction(KIND)
    for i, pkg in enumerate(doc["packages"]):
        if not isinstance(pkg, dict) or not pkg.get("name"):
            raise ExtractError(source, f"packages #{i + 1} lacks a name")
        name = str(pkg["name"])
        where = Location(source, lines.find(f'name = "{name}"'))
        version = pkg.get("version")
        if not version:
            kind = next((k for k in ("vcs", "directory", "archive") if k in pkg), "unknown")
            result.unchecked.append(Unchecked(name, name, ECOSYSTEM, where,
                                              f"no version ({kind} source)"))
            continue
        result.packages.append(Package(name, str(version), ECOSYSTEM, where,
                                       f"pkg:pypi/{name.lower()}@{version}"))
    return result

"""poetry.lock: every locked package (``[[package]]`` name and version)."""

from __future__ import annotations

from vigil.security.extractors.base import LineFinder, Reader, load_toml
from vigil.security.model import ExtractError, Extraction, Location, Package, Unchecked

KIND = "poetry.lock"
ECOSYSTEM = "PyPI"


def matches(path: str) -> bool:
    """The file is named poetry.lock."""
    return path.replace("\\", "/").rsplit("/", 1)[-1] == "poetry.lock"


def extract(text: str, source: str, read: Reader | None = None) -> Extraction:
    """Packages locked by Poetry; directory/git sources are reported as unchecked."""
    doc = load_toml(text, source)
    packages = doc.get("package")
    if not isinstance(packages, list):
        raise ExtractError(source, "no [[package]] tables: not a poetry.lock")
    lines = LineFinder(text)
    result = Extraction(KIND)
    for i, pkg in enumerate(packages):
        if not isinstance(pkg, dict) or not pkg.get("name") or not pkg.get("version"):
            raise ExtractError(source, f"package #{i + 1} lacks a name or version")
        name, version = str(pkg["name"]), str(pkg["version"])
        where = Location(source, lines.find(f'name = "{name}"'))
        src = pkg.get("source") or {}
        if isinstance(src, dict) and src.get("type") in ("directory", "file", "git", "url"):
            result.unchecked.append(Unchecked(name, f"{name} {version}", ECOSYSTEM, where,
                                              f"{src.get('type')} source"))
            continue
        result.packages.append(Package(name, version, ECOSYSTEM, where,
                                       f"pkg:pypi/{name.lower()}@{version}"))
    return result

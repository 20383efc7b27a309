"""uv.lock: every locked package from a registry; the project itself and local sources unchecked."""

from __future__ import annotations

from vigil.security.extractors.base import LineFinder, Reader, load_toml
from vigil.security.model import ExtractError, Extraction, Location, Package, Unchecked

KIND = "uv.lock"
ECOSYSTEM = "PyPI"
_LOCAL = ("editable", "virtual", "directory", "path", "git", "url")


def matches(path: str) -> bool:
    """The file is named uv.lock."""
    return path.replace("\\", "/").rsplit("/", 1)[-1] == "uv.lock"


def extract(text: str, source: str, read: Reader | None = None) -> Extraction:
    """Registry packages locked by uv."""
    doc = load_toml(text, source)
    packages = doc.get("package")
    if not isinstance(packages, list):
        raise ExtractError(source, "no [[package]] tables: not a uv.lock")
    lines = LineFinder(text)
    result = Extraction(KIND)
    for i, pkg in enumerate(packages):
        if not isinstance(pkg, dict) or not pkg.get("name"):
            raise ExtractError(source, f"package #{i + 1} lacks a name")
        name = str(pkg["name"])
        version = str(pkg.get("version") or "")
        where = Location(source, lines.find(f'name = "{name}"'))
        src = pkg.get("source") or {}
        local = next((k for k in _LOCAL if isinstance(src, dict) and k in src), None)
        if local or not version:
            reason = f"{local} source" if local else "no version"
            result.unchecked.append(Unchecked(name, f"{name} {version}".strip(), ECOSYSTEM,
                                              where, reason))
            continue
        result.packages.append(Package(name, version, ECOSYSTEM, where,
                                       f"pkg:pypi/{name.lower()}@{version}"))
    return result

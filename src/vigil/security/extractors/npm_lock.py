"""package-lock.json / npm-shrinkwrap.json, lockfile versions 1, 2 and 3."""

from __future__ import annotations

from typing import Any

from vigil.security.extractors.base import LineFinder, Reader, load_json, require_mapping
from vigil.security.model import ExtractError, Extraction, Location, Package, Unchecked

KIND = "package-lock.json"
ECOSYSTEM = "npm"


def matches(path: str) -> bool:
    """package-lock.json or npm-shrinkwrap.json (not inside node_modules)."""
    norm = path.replace("\\", "/")
    return norm.rsplit("/", 1)[-1] in ("package-lock.json", "npm-shrinkwrap.json")


def _name_from_path(key: str) -> str:
    return key.rsplit("node_modules/", 1)[-1]


def extract(text: str, source: str, read: Reader | None = None) -> Extraction:
    """Installed packages: the ``packages`` map (v2/v3) or nested ``dependencies`` (v1)."""
    doc = require_mapping(load_json(text, source), source, "a package-lock object")
    lines = LineFinder(text)
    result = Extraction(KIND)
    packages = doc.get("packages")
    if isinstance(packages, dict):
        for key, info in packages.items():
            if key == "" or not isinstance(info, dict):
                continue
            name = str(info.get("name") or _name_from_path(key))
            where = Location(source, lines.find(f'"{key}"'))
            version = str(info.get("version") or "")
            if info.get("link") or "node_modules/" not in key:
                result.unchecked.append(Unchecked(name, key, ECOSYSTEM, where, "workspace or link"))
                continue
            if not version or version.startswith(("file:", "git", "http")):
                result.unchecked.append(Unchecked(name, version or key, ECOSYSTEM, where,
                                                  "no registry version"))
                continue
            result.packages.append(Package(name, version, ECOSYSTEM, where,
                                           f"pkg:npm/{name.replace('@', '%40')}@{version}"))
        return result
    deps = doc.get("dependencies")
    if isinstance(deps, dict) and doc.get("lockfileVersion", 1) == 1:
        _v1(deps, source, lines, result)
        return result
    raise ExtractError(source, "no packages or dependencies: not a package-lock.json")


def _v1(deps: dict[str, Any], source: str, lines: LineFinder, result: Extraction) -> None:
    for name, info in deps.items():
        if not isinstance(info, dict):
            continue
        where = Location(source, lines.find(f'"{name}"'))
        version = str(info.get("version") or "")
        if version.startswith("npm:") and "@" in version[5:]:
            # An alias: "string-width-cjs": {"version": "npm:string-width@4.2.3"}.
            at = version.rindex("@")
            name, version = version[4:at], version[at + 1:]
        if not version or ":" in version or "/" in version:
            result.unchecked.append(Unchecked(name, version, ECOSYSTEM, where,
                                              "no registry version"))
        else:
            result.packages.append(Package(name, version, ECOSYSTEM, where,
                                           f"pkg:npm/{name.replace('@', '%40')}@{version}"))
        nested = info.get("dependencies")
        if isinstance(nested, dict):
            _v1(nested, source, lines, result)

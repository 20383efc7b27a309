"""yarn.lock: v1 (classic) ``name@range:`` blocks, and v2+ (Berry) YAML with ``resolution``."""

from __future__ import annotations

import re
from typing import Any

import yaml

from vigil.security.extractors.base import LineFinder, Reader
from vigil.security.model import ExtractError, Extraction, Location, Package, Unchecked

KIND = "yarn.lock"
ECOSYSTEM = "npm"
_VERSION = re.compile(r'^\s+version:?\s+"?([^"\s]+)"?\s*$')


def matches(path: str) -> bool:
    """The file is named yarn.lock."""
    return path.replace("\\", "/").rsplit("/", 1)[-1] == "yarn.lock"


def _name_of(spec: str) -> str:
    """``@scope/pkg@^1.0`` -> ``@scope/pkg``; an alias ``pkg@npm:other@^1`` installs, and so
    is checked as, ``other``."""
    spec = spec.strip().strip('"')
    at = spec.find("@", 1)
    if at < 0:
        return spec
    target = spec[at + 1:]
    if target.startswith("npm:") and len(target) > 4:
        real = target[4:]
        real_at = real.find("@", 1)
        return real if real_at < 0 else real[:real_at]
    return spec[:at]


def extract(text: str, source: str, read: Reader | None = None) -> Extraction:
    """One package per block; a block's several ranges resolve to one version."""
    if "__metadata:" in text:
        return _berry(text, source)
    result = Extraction(KIND)
    current: tuple[str, int, str] | None = None
    for no, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[0].isspace():
            if current is not None:
                result.unchecked.append(Unchecked(current[0], current[2], ECOSYSTEM,
                                                  Location(source, current[1]), "no version"))
            if not line.rstrip().endswith(":"):
                raise ExtractError(source, f"expected a package entry ending in ':': {line!r}", no)
            specs = line.rstrip()[:-1]
            current = (_name_of(specs.split(",")[0]), no, specs)
            continue
        found = _VERSION.match(line)
        if found and current is not None:
            name, line_no, specs = current
            version = found.group(1)
            if "file:" in specs or "link:" in specs or "git" in specs.split("@", 1)[-1][:4]:
                result.unchecked.append(Unchecked(name, specs, ECOSYSTEM,
                                                  Location(source, line_no), "non-registry source"))
            else:
                result.packages.append(Package(name, version, ECOSYSTEM, Location(source, line_no),
                                               f"pkg:npm/{name.replace('@', '%40')}@{version}"))
            current = None
    if current is not None:
        result.unchecked.append(Unchecked(current[0], current[2], ECOSYSTEM,
                                          Location(source, current[1]), "no version"))
    return result


_NPM_RESOLUTION = re.compile(r"^(@?[^@]+)@npm:([^#]+)$")


def _berry(text: str, source: str) -> Extraction:
    """yarn v2+ lockfile: entries resolved from npm are packages; workspaces, patches, links,
    git and file sources are reported as not checked."""
    from vigil.security.yamltext import load_text_yaml

    try:
        doc: Any = load_text_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ExtractError(source, f"invalid yarn.lock (YAML): {getattr(exc, 'problem', exc)}",
                           mark.line + 1 if mark is not None else None) from exc
    if not isinstance(doc, dict):
        raise ExtractError(source, "expected a mapping of package entries")
    lines = LineFinder(text)
    result = Extraction(KIND)
    for key, entry in doc.items():
        if key == "__metadata":
            continue
        first_spec = str(key).split(",")[0].strip()
        where = Location(source, lines.find(first_spec))
        if not isinstance(entry, dict) or "resolution" not in entry:
            raise ExtractError(source, f"entry {first_spec!r} has no resolution", where.line)
        resolution = str(entry["resolution"])
        found = _NPM_RESOLUTION.match(resolution)
        if found is None:
            result.unchecked.append(Unchecked(_name_of(first_spec), resolution, ECOSYSTEM, where,
                                              "non-registry source (workspace, patch, git, file)"))
            continue
        name, version = found.group(1), found.group(2)
        result.packages.append(Package(name, version, ECOSYSTEM, where,
                                       f"pkg:npm/{name.replace('@', '%40')}@{version}"))
    return result

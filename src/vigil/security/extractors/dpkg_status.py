"""Debian's /var/lib/dpkg/status: installed binary packages, reported as their source package.

Debian advisories name source packages, so ``Source: openssl (3.0.11-1)`` on the binary
``libssl3`` is matched as ``openssl 3.0.11-1``. The release comes from the same root's
``etc/os-release`` when it can be read (``Debian:12``, ``Ubuntu:22.04``), so only that
release's advisories apply; without it, advisories of any Debian release match.
"""

from __future__ import annotations

import re

from vigil.security.extractors.base import Reader
from vigil.security.model import ExtractError, Extraction, Location, Package

KIND = "dpkg-status"
ECOSYSTEM = "Debian"
_SOURCE = re.compile(r"^(\S+)(?:\s+\(([^)]+)\))?$")


def matches(path: str) -> bool:
    """A file named ``status`` inside a ``dpkg`` directory."""
    norm = path.replace("\\", "/")
    return norm.endswith("dpkg/status")


def _paragraphs(text: str) -> list[tuple[int, dict[str, str]]]:
    out: list[tuple[int, dict[str, str]]] = []
    fields: dict[str, str] = {}
    start = 0
    last = ""
    for no, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            if fields:
                out.append((start, fields))
            fields, last = {}, ""
            continue
        if line[0] in " \t":
            if not last:
                raise ExtractError("", "continuation line before any field", no)
            fields[last] += "\n" + line.strip()
            continue
        key, sep, value = line.partition(":")
        if not sep:
            raise ExtractError("", f"expected 'Field: value', got {line[:60]!r}", no)
        if not fields:
            start = no
        last = key.strip()
        fields[last] = value.strip()
    if fields:
        out.append((start, fields))
    return out


def parse_os_release(text: str) -> str | None:
    """``Debian:12`` / ``Ubuntu:22.04`` from an os-release file, or None for other systems."""
    fields = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            fields[key.strip()] = value.strip().strip('"').strip("'")
    distro = fields.get("ID", "").lower()
    version = fields.get("VERSION_ID", "")
    names = {"debian": "Debian", "ubuntu": "Ubuntu"}
    if distro not in names:
        return None
    return f"{names[distro]}:{version}" if version else names[distro]


def _ecosystem(source: str, read: Reader | None) -> str:
    """The ecosystem with release, from ``<root>/etc/os-release`` next to ``var/lib/dpkg``."""
    if read is None:
        return ECOSYSTEM
    for ref in ("../../../etc/os-release", "../../../usr/lib/os-release"):
        try:
            _, text = read(source, ref)
        except (OSError, ExtractError):
            continue
        return parse_os_release(text) or ECOSYSTEM
    return ECOSYSTEM


def extract(text: str, source: str, read: Reader | None = None) -> Extraction:
    """Installed packages (status ``install ok installed``) as Debian source packages."""
    try:
        paragraphs = _paragraphs(text)
    except ExtractError as exc:
        raise ExtractError(source, exc.reason, exc.line) from exc
    result = Extraction(KIND)
    ecosystem = _ecosystem(source, read)
    distro = ecosystem.split(":", 1)[0].lower()
    seen: set[tuple[str, str]] = set()
    for line, fields in paragraphs:
        if "Package" not in fields:
            raise ExtractError(source, "paragraph without a Package field", line)
        if not fields.get("Status", "").endswith(" installed") or "Version" not in fields:
            continue
        name, version = fields["Package"], fields["Version"]
        src = _SOURCE.match(fields.get("Source", "").strip())
        if src:
            name = src.group(1)
            version = src.group(2) or version
        if (name, version) in seen:
            continue
        seen.add((name, version))
        result.packages.append(Package(name, version, ecosystem, Location(source, line),
                                       f"pkg:deb/{distro}/{name}@{version}"))
    return result

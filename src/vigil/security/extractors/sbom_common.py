"""Turning a purl from an SBOM into a Package (or an Unchecked entry saying why not)."""

from __future__ import annotations

from vigil.security.model import Extraction, Location, Package, Unchecked
from vigil.security.purl import parse_purl


def add_unique(result: Extraction, item: Package | Unchecked,
               seen: set[tuple[str, str, str]]) -> None:
    """Append a package once per (ecosystem, name, version).

    SBOMs may list one component per module or subpath (``pkg:pypi/pillow@13.0.0#c-ext/...``)
    of what is one installed package.
    """
    if isinstance(item, Unchecked):
        result.unchecked.append(item)
        return
    key = (item.ecosystem, item.name.lower(), item.version)
    if key not in seen:
        seen.add(key)
        result.packages.append(item)


def from_purl(purl: str | None, name: str, version: str, where: Location) -> Package | Unchecked:
    """A Package when the purl names a known ecosystem and a version, else Unchecked."""
    if not purl:
        return Unchecked(name, f"{name} {version}".strip(), "", where, "no purl")
    try:
        parsed = parse_purl(purl)
    except ValueError:
        return Unchecked(name, purl, "", where, "invalid purl")
    eco = parsed.ecosystem
    if eco is None:
        return Unchecked(parsed.full_name, purl, parsed.type, where,
                         f"unsupported package type {parsed.type!r}")
    release = parsed.qualifiers.get("distro", "")
    if eco in ("Debian", "Ubuntu") and release:
        # distro=debian-12 -> Debian:12 (OSV's ecosystem spelling); keep it loose otherwise.
        suffix = release.rsplit("-", 1)[-1]
        eco = f"{eco}:{suffix}" if suffix.replace(".", "").isdigit() else eco
    pkg_name = parsed.full_name
    pkg_version = parsed.version or version
    if eco.startswith(("Debian", "Ubuntu")) and parsed.qualifiers.get("upstream"):
        pkg_name = parsed.qualifiers["upstream"]
    if not pkg_version:
        return Unchecked(pkg_name, purl, eco, where, "no version")
    return Package(pkg_name, pkg_version, eco, where, purl)

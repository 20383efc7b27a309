"""Package URLs (purl) as found in SBOMs: type, namespace, name, version, qualifiers."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote

# purl type -> OSV ecosystem
ECOSYSTEMS = {"pypi": "PyPI", "npm": "npm", "deb": "Debian", "cargo": "crates.io",
              "golang": "Go", "hex": "Hex", "pub": "Pub", "gem": "RubyGems",
              "maven": "Maven", "nuget": "NuGet", "composer": "Packagist"}


@dataclass(frozen=True, slots=True)
class PackageURL:
    """The parts of a purl that matching needs."""

    type: str
    namespace: str
    name: str
    version: str
    qualifiers: dict[str, str]

    @property
    def ecosystem(self) -> str | None:
        """The OSV ecosystem of the purl type (Debian/Ubuntu from the namespace), or None."""
        if self.type == "deb":
            return "Ubuntu" if self.namespace.lower() == "ubuntu" else "Debian"
        return ECOSYSTEMS.get(self.type)

    @property
    def full_name(self) -> str:
        """The package name as its ecosystem spells it (``@scope/name`` for npm)."""
        if self.type == "npm" and self.namespace:
            return f"{self.namespace}/{self.name}"
        if self.type in ("maven",) and self.namespace:
            return f"{self.namespace}:{self.name}"
        if self.type == "golang" and self.namespace:
            return f"{self.namespace}/{self.name}"
        return self.name


def parse_purl(text: str) -> PackageURL:
    """Parse ``pkg:type/namespace/name@version?qualifiers#subpath``; raises ValueError."""
    if not text.startswith("pkg:"):
        raise ValueError(f"not a purl: {text!r}")
    rest = text[4:].split("#", 1)[0]
    rest, _, query = rest.partition("?")
    qualifiers = {}
    for pair in query.split("&") if query else []:
        key, _, value = pair.partition("=")
        qualifiers[key.lower()] = unquote(value)
    ptype, _, path = rest.lstrip("/").partition("/")
    if not ptype or not path:
        raise ValueError(f"purl lacks a type or name: {text!r}")
    path, _, version = path.rpartition("@") if "@" in path.split("/")[-1] else (path, "", "")
    segments = [unquote(s) for s in path.strip("/").split("/") if s]
    if not segments:
        raise ValueError(f"purl lacks a name: {text!r}")
    return PackageURL(ptype.lower(), "/".join(segments[:-1]), segments[-1], unquote(version),
                      qualifiers)

"""CycloneDX JSON SBOMs: every component (nested ones too) identified by its purl."""

from __future__ import annotations

from typing import Any

from vigil.security.extractors.base import LineFinder, Reader, load_json, require_mapping
from vigil.security.extractors.sbom_common import add_unique, from_purl
from vigil.security.model import ExtractError, Extraction, Location

KIND = "cyclonedx"


def matches(path: str) -> bool:
    """bom.json, *.cdx.json, *.cyclonedx.json."""
    name = path.replace("\\", "/").rsplit("/", 1)[-1].lower()
    return name == "bom.json" or name.endswith((".cdx.json", ".cyclonedx.json"))


def sniff(doc: Any) -> bool:
    """True for a decoded CycloneDX document."""
    return isinstance(doc, dict) and doc.get("bomFormat") == "CycloneDX"


def extract(text: str, source: str, read: Reader | None = None) -> Extraction:
    """Components with a purl of a known ecosystem; the rest reported as unchecked."""
    doc = require_mapping(load_json(text, source), source, "a CycloneDX object")
    if not sniff(doc):
        raise ExtractError(source, 'bomFormat is not "CycloneDX"')
    lines = LineFinder(text)
    result = Extraction(KIND)
    seen: set[tuple[str, str, str]] = set()
    stack = _components(doc, source, "components")
    meta = doc.get("metadata")
    meta = meta.get("component") if isinstance(meta, dict) else None
    if isinstance(meta, dict):
        stack.extend(_components(meta, source, "metadata.component.components"))
    while stack:
        comp = stack.pop(0)
        if not isinstance(comp, dict):
            raise ExtractError(source, f"a component must be an object, got {comp!r:.60}")
        stack.extend(_components(comp, source, f"components of {comp.get('name')!r}"))
        purl = comp.get("purl")
        if purl is not None and not isinstance(purl, str):
            raise ExtractError(source, f"purl must be a string, got {purl!r:.60}",
                               lines.find('"purl"'))
        line = lines.find(f'"{purl}"') if purl else lines.find(f'"{comp.get("name", "")}"')
        item = from_purl(purl, str(comp.get("name", "")), str(comp.get("version", "")),
                         Location(source, line))
        add_unique(result, item, seen)
    return result


def _components(holder: dict[str, Any], source: str, where: str) -> list[Any]:
    """The ``components`` list of a BOM or component (empty when absent)."""
    comps = holder.get("components")
    if comps is None:
        return []
    if not isinstance(comps, list):
        raise ExtractError(source, f"{where} must be a list")
    return list(comps)

"""SPDX 2.x JSON SBOMs: packages identified by their purl external reference."""

from __future__ import annotations

from typing import Any

from vigil.security.extractors.base import LineFinder, Reader, load_json, require_mapping
from vigil.security.extractors.sbom_common import add_unique, from_purl
from vigil.security.model import ExtractError, Extraction, Location

KIND = "spdx"


def matches(path: str) -> bool:
    """*.spdx.json."""
    return path.replace("\\", "/").rsplit("/", 1)[-1].lower().endswith(".spdx.json")


def sniff(doc: Any) -> bool:
    """True for a decoded SPDX JSON document."""
    return isinstance(doc, dict) and str(doc.get("spdxVersion", "")).startswith("SPDX-")


def extract(text: str, source: str, read: Reader | None = None) -> Extraction:
    """Packages with a purl; packages without one are reported as unchecked."""
    doc = require_mapping(load_json(text, source), source, "an SPDX object")
    if not sniff(doc):
        raise ExtractError(source, "spdxVersion missing: not an SPDX JSON document")
    lines = LineFinder(text)
    result = Extraction(KIND)
    seen: set[tuple[str, str, str]] = set()
    packages = doc.get("packages") or []
    if not isinstance(packages, list):
        raise ExtractError(source, "packages must be a list")
    for i, pkg in enumerate(packages):
        if not isinstance(pkg, dict):
            raise ExtractError(source, f"packages[{i}] must be an object")
        refs = pkg.get("externalRefs") or []
        if not isinstance(refs, list):
            raise ExtractError(source, f"packages[{i}].externalRefs must be a list")
        purl = next((ref.get("referenceLocator") for ref in refs
                     if isinstance(ref, dict) and ref.get("referenceType") == "purl"), None)
        if purl is not None and not isinstance(purl, str):
            raise ExtractError(source, f"packages[{i}]: the purl must be a string")
        spdx_id = pkg.get("SPDXID")
        spdx_id = spdx_id if isinstance(spdx_id, str) else ""
        line = lines.find(f'"{spdx_id}"') if spdx_id else None
        if spdx_id.startswith("SPDXRef-DOCUMENT"):
            continue
        item = from_purl(purl, str(pkg.get("name", "")), str(pkg.get("versionInfo", "")),
                         Location(source, line))
        add_unique(result, item, seen)
    return result

"""Inventories on disk: decode, pick an extractor, walk a directory, read an ignore file.

Reads lockfiles, requirements files, SBOMs and dpkg status files (skipping vendored
directories) and the running Python environment into `Extraction`s for the matcher.
"""

from __future__ import annotations

import codecs
import os
from pathlib import Path

import orjson
import yaml

from vigil.security import extractors
from vigil.security.extractors import python_env
from vigil.security.ignore import IgnoreFileError, IgnoreRule, parse_ignore
from vigil.security.model import ExtractError, Extraction
from vigil.services.vuln_scans.errors import ScanInputError

_SKIP_DIRS = {".git", "node_modules", ".venv", "venv", "__pycache__", ".tox", ".mypy_cache",
              ".ruff_cache", ".pytest_cache", "site-packages", ".hg", ".svn"}
MAX_INVENTORY_BYTES = 64 * 1024 * 1024


def decode_inventory(data: bytes, shown: str) -> str:
    """Inventory bytes as text: UTF-8 (BOM allowed), or UTF-16 with a BOM as Windows
    PowerShell's ``pip freeze > requirements.txt`` writes it."""
    try:
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return data.decode("utf-16")
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ExtractError(shown, f"not UTF-8 text: {exc.reason}") from exc


def _read_text(path: Path, shown: str) -> str:
    try:
        if path.stat().st_size > MAX_INVENTORY_BYTES:
            raise ExtractError(shown, f"larger than {MAX_INVENTORY_BYTES} bytes")
        return decode_inventory(path.read_bytes(), shown)
    except OSError as exc:
        raise ExtractError(shown, f"cannot read: {exc.strerror or exc}") from exc


def _read_include(including: str, ref: str) -> tuple[str, str]:
    """Resolve `-r other.txt` relative to the including file's directory."""
    shown = os.path.normpath(os.path.join(os.path.dirname(including), ref))
    return shown, _read_text(Path(shown), shown)


def unknown_kind(kind: str) -> str:
    """The message for a --kind / kind= that names no extractor, listing the known ones."""
    known = ", ".join(ex.KIND for ex in extractors.EXTRACTORS)
    return f"unknown inventory kind {kind!r}; known kinds: {known}"


def extract_file(path: Path, kind: str | None = None, shown: str | None = None) -> Extraction:
    """Extract one inventory file; the kind comes from its name, or its content for JSON SBOMs."""
    shown = shown or str(path)
    if kind:
        extractor = extractors.by_kind(kind)
        if extractor is None:
            raise ScanInputError(unknown_kind(kind))
    else:
        extractor = extractors.detect(shown) or extractors.detect(path.name)
    text = _read_text(path, shown)
    if extractor is None and path.name.lower().endswith(".json"):
        try:
            extractor = extractors.sniff_json(orjson.loads(text))
        except orjson.JSONDecodeError:
            extractor = None
    if extractor is None:
        raise ScanInputError(
            f"{shown}: unknown inventory kind; name it like requirements.txt, poetry.lock, "
            "uv.lock, Pipfile.lock, pylock.toml, package-lock.json, yarn.lock, *.cdx.json, "
            "*.spdx.json or dpkg/status, or pass --kind")
    result: Extraction = extractor.extract(text, shown, _read_include)
    return result


def extract_upload(filename: str, content: bytes, kind: str | None = None) -> Extraction:
    """Extract an uploaded inventory; the kind comes from `kind`, the name or JSON content."""
    text = decode_inventory(content, filename)
    name = os.path.basename(filename)
    if kind:
        extractor = extractors.by_kind(kind)
        if extractor is None:
            raise ScanInputError(unknown_kind(kind))
    else:  # the whole name first: `var/lib/dpkg/status` is told by its directory
        extractor = extractors.detect(filename) or extractors.detect(name)
    if extractor is None and name.lower().endswith(".json"):
        try:
            extractor = extractors.sniff_json(orjson.loads(text))
        except orjson.JSONDecodeError:
            extractor = None
    if extractor is None:
        raise ScanInputError(f"{name}: unknown inventory kind; pass kind or a known file name")
    result: Extraction = extractor.extract(text, name, None)
    return result


def extract_path(path: Path, kind: str | None = None) -> Extraction:
    """Extract a file, or every recognised inventory under a directory (skipping vendored dirs).

    For a directory, `kind` selects which of the recognised files are scanned (only the
    package-lock.json files, say); it never re-reads a poetry.lock as something else.
    """
    if not path.exists():
        raise ScanInputError(f"{path}: no such file or directory")
    if path.is_file():
        return extract_file(path, kind)
    wanted = extractors.by_kind(kind) if kind else None
    if kind and wanted is None:
        raise ScanInputError(unknown_kind(kind))
    combined = Extraction("directory")
    found = 0
    for root, dirs, files in os.walk(path):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS)
        for name in sorted(files):
            full = Path(root) / name
            rel = str(full)
            detected = extractors.detect(rel)
            if detected is None or (wanted is not None and detected is not wanted):
                continue
            found += 1
            combined.extend(extract_file(full, None, rel))
    if not found:
        what = f"{kind} file" if kind else "lockfile, requirements file, SBOM or dpkg status"
        raise ScanInputError(f"{path}: no {what} found")
    return combined


def extract_environment() -> Extraction:
    """The distributions installed in the running Python environment."""
    from importlib import metadata

    dists = []
    for dist in metadata.distributions():
        name = dist.metadata["Name"] or ""
        where = str(getattr(dist, "_path", "") or "env")
        dists.append((name, dist.version or "", where))
    return python_env.extract_distributions(dists)


def load_ignore_file(path: Path | None) -> list[IgnoreRule]:
    """Rules of a .vigilignore.yaml (none when the path is None or, for the default, absent)."""
    if path is None:
        return []
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ScanInputError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise ScanInputError(f"{path}: not UTF-8 text: {exc.reason}") from exc
    except yaml.YAMLError as exc:
        raise ScanInputError(f"{path}: invalid YAML: {exc}") from exc
    try:
        return parse_ignore(doc, str(path))
    except IgnoreFileError as exc:
        raise ScanInputError(str(exc)) from exc

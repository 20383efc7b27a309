"""Helpers shared by extractors: the reader type and line lookup in lockfiles."""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Callable
from typing import Any

from vigil.security.model import ExtractError

# Reads another file named relative to the one being extracted (for `-r` includes):
# given (including file, referenced path) it returns (resolved name, text).
Reader = Callable[[str, str], tuple[str, str]]


def load_json(text: str, source: str) -> Any:
    """Decode JSON, turning syntax errors into an ExtractError naming the line."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ExtractError(source, f"invalid JSON: {exc.msg}", exc.lineno) from exc


def load_toml(text: str, source: str) -> dict[str, Any]:
    """Decode TOML, turning syntax errors into an ExtractError."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = None
        found = re.search(r"line (\d+)", str(exc))
        if found:
            line = int(found.group(1))
        raise ExtractError(source, f"invalid TOML: {exc}", line) from exc


class LineFinder:
    """Finds the line of the next occurrence of a needle, scanning forward."""

    def __init__(self, text: str) -> None:
        """Index the text's lines."""
        self._lines = text.splitlines()
        self._pos = 0

    def find(self, *needles: str) -> int | None:
        """1-based line of the next line holding every needle, from where the last match ended."""
        for start in (self._pos, 0):
            for i in range(start, len(self._lines)):
                line = self._lines[i]
                if all(n in line for n in needles):
                    self._pos = i + 1
                    return i + 1
        return None


def require_mapping(doc: Any, source: str, what: str) -> dict[str, Any]:
    """The document as a dict, or an ExtractError saying what was expected."""
    if not isinstance(doc, dict):
        raise ExtractError(source, f"expected {what} (a JSON/TOML object at the top level)")
    return doc

"""YAML loading that keeps scalars as text: ``1.10`` stays ``"1.10"``, dates stay strings.

Version numbers in YAML advisories and lockfiles must never become floats or dates.
"""

from __future__ import annotations

from typing import Any

import yaml

_BASE: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class TextLoader(_BASE):  # type: ignore[misc]
    """A safe (C-accelerated when available) loader resolving only booleans and nulls."""


_KEEP = {"tag:yaml.org,2002:bool", "tag:yaml.org,2002:null"}
TextLoader.yaml_implicit_resolvers = {
    ch: [(tag, rx) for tag, rx in resolvers if tag in _KEEP]
    for ch, resolvers in _BASE.yaml_implicit_resolvers.items()
}


def load_text_yaml(data: bytes | str) -> Any:
    """Decode YAML with scalars kept as strings; raises yaml.YAMLError on bad input."""
    return yaml.load(data, Loader=TextLoader)

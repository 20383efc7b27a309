"""Threat detection in auth and access logs: parsers, detections as data, Sigma rules.

Pure domain: callers pass lines or parsed events in and get `Threat` objects back.

The engine and the Sigma support (pySigma) load on first use of their names, so that
`vigil.config`, which needs only the `threats:` models of `.config`, stays light.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from vigil.security.threats.config import ThreatsConfig
from vigil.security.threats.jsonlines import auth_failed_event, event_from_record
from vigil.security.threats.model import AuthEvent, HttpEvent, ParseStats, Threat
from vigil.security.threats.response import suggest

if TYPE_CHECKING:
    from vigil.security.threats.engine import ThreatEngine, scan_lines, summary
    from vigil.security.threats.sigma import SigmaRuleError, SigmaRuleSet, load_sigma

# name -> submodule, imported by __getattr__ when the name is first used
_LAZY = {"ThreatEngine": "engine", "scan_lines": "engine", "summary": "engine",
         "SigmaRuleError": "sigma", "SigmaRuleSet": "sigma", "load_sigma": "sigma"}

__all__ = [
    "AuthEvent",
    "HttpEvent",
    "ParseStats",
    "SigmaRuleError",
    "SigmaRuleSet",
    "Threat",
    "ThreatEngine",
    "ThreatsConfig",
    "auth_failed_event",
    "event_from_record",
    "load_sigma",
    "scan_lines",
    "suggest",
    "summary",
]


def __getattr__(name: str) -> Any:
    """Import the engine or the Sigma module when one of their names is first asked for."""
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{_LAZY[name]}"), name)
    globals()[name] = value
    return value

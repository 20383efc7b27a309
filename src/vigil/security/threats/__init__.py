"""Threat detection in auth and access logs: parsers, detections as data, Sigma rules.

Pure domain: callers pass lines or parsed events in and get `Threat` objects back.
"""

from vigil.security.threats.config import ThreatsConfig
from vigil.security.threats.engine import ThreatEngine, scan_lines, summary
from vigil.security.threats.jsonlines import auth_failed_event, event_from_record
from vigil.security.threats.model import AuthEvent, HttpEvent, ParseStats, Threat
from vigil.security.threats.response import suggest
from vigil.security.threats.sigma import SigmaRuleError, SigmaRuleSet, load_sigma

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

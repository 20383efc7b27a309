"""Compliance audits: Kubernetes manifests and Vigil's own configuration.

Pure domain: callers pass manifest texts and settings in, and get findings back.
"""

from vigil.security.audit.config_audit import ConfigFacts, audit_config
from vigil.security.audit.findings import Finding, worst
from vigil.security.audit.k8s import CHECKS, audit_manifests, load_manifests
from vigil.security.audit.sarif import to_sarif

__all__ = [
    "CHECKS",
    "ConfigFacts",
    "Finding",
    "audit_config",
    "audit_manifests",
    "load_manifests",
    "to_sarif",
    "worst",
]

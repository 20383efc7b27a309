"""Compliance audits: Kubernetes manifests and Vigil's own configuration.

Pure domain: callers pass manifest texts and settings in, and get findings back.
"""

from vigil.security.audit.config_audit import ConfigFacts, audit_config
from vigil.security.audit.findings import ComplianceFinding, worst
from vigil.security.audit.k8s import CHECKS, audit_manifests, load_manifests

__all__ = [
    "CHECKS",
    "ComplianceFinding",
    "ConfigFacts",
    "audit_config",
    "audit_manifests",
    "load_manifests",
    "worst",
]

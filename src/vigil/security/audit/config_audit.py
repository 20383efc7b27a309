"""Audit of Vigil's own deployment settings: the bootstrap admin key, TLS, and secrets
written inline in the operator YAML.

There is no check that API authentication is on: Vigil has no setting to turn it off
(every `/api/v1` route requires a key), so such a check could never fail. The id CFG001
it had is retired, not reused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml

from vigil.core.types import Severity
from vigil.security.audit.findings import ComplianceFinding

CONFIG_CHECKS: dict[str, tuple[Severity, str]] = {
    "CFG002": (Severity.CRITICAL, "the bootstrap admin key has not been rotated"),
    "CFG003": (Severity.CRITICAL, "no TLS: neither tls_cert_file nor a TLS-terminating proxy"),
    "CFG004": (Severity.CRITICAL, "secret written inline in the operator YAML"),
    "CFG005": (Severity.WARNING, "TLS certificate or key file is missing"),
    "CFG006": (Severity.WARNING, "key state unknown: no readable database"),
}
_SECRET_KEY = re.compile(
    r"(pass(word|wd)?|secret|token|api[_-]?key|private[_-]?key|credential|auth)$", re.I)
# `smtp_auth: true`, `token: null`: switches and empty values are not secrets.
_NOT_SECRETS = frozenset({"tag:yaml.org,2002:bool", "tag:yaml.org,2002:null"})
_REFERENCE = re.compile(r"^\$\{?[A-Z_][A-Z0-9_]*\}?$|^(env|file|vault|secret)[:/]", re.I)


@dataclass(frozen=True, slots=True)
class ConfigFacts:
    """Facts about a deployment, gathered by the caller (settings, files, database)."""

    tls_proxy: bool
    tls_cert_file: str | None
    tls_files_exist: bool
    bootstrap_exists: bool | None
    bootstrap_revoked: bool | None
    other_active_admins: int | None
    config_file: str | None = None
    config_text: str | None = None


def audit_config(facts: ConfigFacts) -> list[ComplianceFinding]:
    """Findings for every failed setting check."""
    out: list[ComplianceFinding] = []
    if facts.bootstrap_exists is None:
        out.append(_f("CFG006", "api_keys", "bootstrap"))
    elif facts.bootstrap_exists and not (facts.bootstrap_revoked
                                         and (facts.other_active_admins or 0) > 0):
        why = ("revoke it after creating another admin key" if (facts.other_active_admins or 0)
               else "create another admin key, then revoke the bootstrap key")
        out.append(_f("CFG002", "api_keys", "bootstrap", why))
    if not facts.tls_proxy and not facts.tls_cert_file:
        out.append(_f("CFG003", "settings", "VIGIL_TLS_PROXY / VIGIL_TLS_CERT_FILE"))
    elif facts.tls_cert_file and not facts.tls_files_exist:
        out.append(_f("CFG005", "settings", "VIGIL_TLS_CERT_FILE", facts.tls_cert_file))
    if facts.config_text:
        out.extend(inline_secrets(facts.config_text, facts.config_file or "config.yaml"))
    return out


def inline_secrets(text: str, file: str) -> list[ComplianceFinding]:
    """Keys that look like secrets with literal values (not ${ENV} or file: references)."""
    try:
        roots = list(yaml.compose_all(text))
    except yaml.YAMLError:
        return []
    out: list[ComplianceFinding] = []

    def walk(node: Any, path: str) -> None:
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                key = str(k.value)
                sub = f"{path}.{key}" if path else key
                if isinstance(v, yaml.ScalarNode) and v.tag not in _NOT_SECRETS \
                        and _SECRET_KEY.search(key.replace("-", "_")) \
                        and v.value and not _REFERENCE.match(str(v.value)) \
                        and not key.lower().endswith(("_file", "_env", "_path")):
                    out.append(ComplianceFinding("CFG004", Severity.CRITICAL,
                                       f"{CONFIG_CHECKS['CFG004'][1]}: {sub}", file, sub, file,
                                       k.start_mark.line + 1))
                walk(v, sub)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                walk(item, f"{path}[{i}]")

    for root in roots:
        walk(root, "")
    return out


def _f(cid: str, resource: str, path: str, detail: str = "") -> ComplianceFinding:
    severity, text = CONFIG_CHECKS[cid]
    return ComplianceFinding(cid, severity, f"{text}: {detail}" if detail else text, resource, path)

"""Application service of the compliance audits (`vigil audit k8s|config`, the runbook's job).

Reads what the pure checks in `vigil.security.audit` need (manifest files, the operator
YAML, TLS files, the API-key table) and returns their findings with check descriptions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml
from sqlalchemy.exc import SQLAlchemyError

from vigil.config import Settings
from vigil.security.audit import (
    CHECKS,
    ComplianceFinding,
    ConfigFacts,
    audit_config,
    audit_manifests,
    load_manifests,
)
from vigil.security.audit.config_audit import CONFIG_CHECKS
from vigil.storage import keys_repo
from vigil.storage.database import Database

KEY_CHECK = "CFG006"
"""The config check that needs the API-key table (skipped without a database)."""


class AuditInputError(ValueError):
    """A manifest or the operator YAML cannot be read or holds nothing to audit."""


@dataclass(frozen=True, slots=True)
class AuditReport:
    """Findings of one audit and the descriptions of the checks it ran (for SARIF)."""

    findings: list[ComplianceFinding]
    descriptions: dict[str, str]


def read_manifest_sources(path: Path) -> list[tuple[str, str]]:
    """(file, text) of a manifest file or of every *.yaml / *.yml under a directory."""
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
    elif path.is_file():
        files = [path]
    else:
        raise AuditInputError(f"{path}: no such file or directory")
    out = []
    for f in files:
        try:
            out.append((str(f), f.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError) as exc:
            raise AuditInputError(f"{f}: cannot read: {exc}") from exc
    return out


def audit_kubernetes(path: Path, skip: Iterable[str] = ()) -> AuditReport:
    """Audit the Kubernetes manifests at `path` (file or directory), minus skipped checks."""
    sources = read_manifest_sources(path)
    if not sources:
        raise AuditInputError(f"{path}: no .yaml or .yml files")
    manifests, errors = load_manifests(sources)
    if not manifests and not errors:
        raise AuditInputError(
            f"{path}: no Kubernetes objects (YAML documents with apiVersion and kind)")
    skipped = set(skip)
    findings = [f for f in errors + audit_manifests(manifests) if f.check_id not in skipped]
    return AuditReport(findings, {k: v[1] for k, v in CHECKS.items()})


def audit_vigil_config(settings: Settings, db: Database | None, config_path: Path | None = None,
                       check_keys: bool = True) -> AuditReport:
    """Audit Vigil's own settings; `check_keys=False` leaves the API-key check out.

    With `check_keys` and no readable database, the key check reports that the state of
    the bootstrap key is unknown.
    """
    findings = audit_config(gather_config_facts(settings, db, config_path))
    if not check_keys:
        findings = [f for f in findings if f.check_id != KEY_CHECK]
    return AuditReport(findings, {k: v[1] for k, v in CONFIG_CHECKS.items()})


def gather_config_facts(settings: Settings, db: Database | None,
                        config_path: Path | None = None) -> ConfigFacts:
    """Collect what the config audit checks: settings, TLS files, YAML text, bootstrap key."""
    cfg_path = config_path or settings.config
    text = None
    if cfg_path is not None:
        try:
            text = cfg_path.read_text(encoding="utf-8")
            list(yaml.compose_all(text))
        except (OSError, UnicodeDecodeError) as exc:
            raise AuditInputError(f"{cfg_path}: cannot read: "
                                  f"{getattr(exc, 'strerror', None) or exc}") from exc
        except yaml.YAMLError as exc:
            raise AuditInputError(f"{cfg_path}: not valid YAML: {_yaml_problem(exc)}") from exc
    cert = settings.tls_cert_file
    key = settings.tls_key_file
    files_ok = bool(cert and cert.is_file() and (key is None or key.is_file()))
    boot_exists = boot_revoked = None
    others = None
    if db is not None:
        try:
            with db.session() as session:
                state = keys_repo.bootstrap_key_state(session)
            boot_exists, boot_revoked = state.bootstrap_exists, state.bootstrap_revoked
            others = state.other_active_admins
        except SQLAlchemyError:
            pass
    return ConfigFacts(settings.tls_proxy, str(cert) if cert else None, files_ok,
                       boot_exists, boot_revoked, others,
                       str(cfg_path) if cfg_path else None, text)


def _yaml_problem(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    where = f" (line {mark.line + 1})" if mark is not None else ""
    return f"{getattr(exc, 'problem', None) or exc}{where}"

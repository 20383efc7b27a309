"""Audit of Vigil's own settings."""

from __future__ import annotations

from pathlib import Path

from vigil.security.audit import ConfigFacts, audit_config
from vigil.security.audit.config_audit import CONFIG_CHECKS, inline_secrets


def _facts(**over: object) -> ConfigFacts:
    base: dict[str, object] = dict(tls_proxy=True, tls_cert_file=None,
                                   tls_files_exist=False, bootstrap_exists=True,
                                   bootstrap_revoked=True, other_active_admins=1)
    base.update(over)
    return ConfigFacts(**base)  # type: ignore[arg-type]


def test_a_hardened_deployment_passes() -> None:
    assert audit_config(_facts()) == []


def test_bootstrap_key_must_be_revoked_and_replaced() -> None:
    assert [f.check_id for f in audit_config(_facts(bootstrap_revoked=False))] == ["CFG002"]
    assert [f.check_id for f in audit_config(_facts(other_active_admins=0))] == ["CFG002"]
    assert audit_config(_facts(bootstrap_exists=False)) == []
    assert [f.check_id for f in audit_config(_facts(bootstrap_exists=None))] == ["CFG006"]


def test_tls() -> None:
    assert [f.check_id for f in audit_config(_facts(tls_proxy=False))] == ["CFG003"]
    assert [f.check_id for f in audit_config(_facts(tls_proxy=False, tls_cert_file="/c.pem"))] \
        == ["CFG005"]
    assert audit_config(_facts(tls_proxy=False, tls_cert_file="/c.pem",
                               tls_files_exist=True)) == []
    assert "CFG001" not in CONFIG_CHECKS  # retired: authentication cannot be switched off


def test_inline_secrets_are_found_with_their_line() -> None:
    text = ("notifiers:\n  slack:\n    webhook_token: xoxb-123\n    password: ${SLACK_PASS}\n"
            "  smtp:\n    password_file: /run/secrets/smtp\n    api_key: env:SMTP_KEY\n"
            "  pagerduty:\n    - routing_key: abc\n      secret: hunter2\n")
    found = inline_secrets(text, "vigil.yaml")
    assert [(f.path, f.line) for f in found] == [
        ("notifiers.slack.webhook_token", 3), ("notifiers.pagerduty[0].secret", 10)]
    findings = audit_config(_facts(config_text=text, config_file="vigil.yaml"))
    assert {f.check_id for f in findings} == {"CFG004"}


def test_switches_are_not_secrets_and_every_document_is_read() -> None:
    text = ("notifiers:\n  - name: mail\n    smtp_auth: true\n    token: null\n"
            "    password: hunter2\n---\nwebhook:\n  secret: s3cr3t\n")
    assert [f.path for f in inline_secrets(text, "v.yaml")] == [
        "notifiers[0].password", "webhook.secret"]


def test_audit_config_on_a_file_that_is_not_yaml_is_a_usage_error(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from vigil.cli.audit import app

    broken = tmp_path / "vigil.yaml"
    broken.write_text("threats: [\n")
    result = CliRunner().invoke(app, ["config", "--no-db", "--config", str(broken)],
                                env={"VIGIL_DATA_DIR": str(tmp_path), "VIGIL_TLS_PROXY": "true"})
    assert result.exit_code == 2, result.output
    assert "not valid YAML" in result.stderr

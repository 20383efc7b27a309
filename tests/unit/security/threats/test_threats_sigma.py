"""Operator Sigma rules: single-event detections and event_count correlations."""

from __future__ import annotations

from pathlib import Path

import pytest

from vigil.core.types import Priority
from vigil.security.threats import SigmaRuleError, ThreatEngine, load_sigma

FIXTURES = Path(__file__).parents[3] / "fixtures" / "threats"


def _sigma_threats() -> dict[str, list[object]]:
    rules = load_sigma([(FIXTURES / "sigma_rules.yml").read_text()])
    engine = ThreatEngine(sigma=rules)
    engine.feed_lines((FIXTURES / "sigma_access.log").read_text().splitlines())
    out: dict[str, list[object]] = {}
    for t in engine.finish():
        if t.type.startswith("sigma:"):
            out.setdefault(t.type, []).append(t)
    return out


def test_single_event_rule_with_filter() -> None:
    hits = _sigma_threats()["sigma:Sqlmap user agent"]
    # 10.9.9.9 is excluded by the rule's cidr filter.
    assert [t.source_ip for t in hits] == ["192.0.2.50"]  # type: ignore[attr-defined]
    assert hits[0].technique == "T1190"  # type: ignore[attr-defined]
    assert hits[0].priority is Priority.P2  # type: ignore[attr-defined]


def test_event_count_correlation_groups_and_windows() -> None:
    found = _sigma_threats()
    hits = found["sigma:Many admin 404s from one client"]
    # 192.0.2.51 has 3 within a minute; 192.0.2.52 has 2, five minutes apart.
    assert [t.source_ip for t in hits] == ["192.0.2.51"]  # type: ignore[attr-defined]
    assert hits[0].count == 3  # type: ignore[attr-defined]
    # The base rule only feeds the correlation (generate is false): no own threats.
    assert "sigma:Admin page not found" not in found


def test_keywords_match_raw_lines() -> None:
    rules = load_sigma(["""
title: passwd probe
id: 11111111-2222-4333-8444-555555555555
logsource: {category: webserver}
detection:
  keywords: ['/etc/passwd']
  condition: keywords
level: critical
"""])
    engine = ThreatEngine(sigma=rules)
    engine.feed_line('192.0.2.9 - - [10/Mar/2024:11:00:00 +0000] "GET /x?f=/etc/passwd HTTP/1.1" '
                     '200 1 "-" "curl"')
    threats = [t for t in engine.finish() if t.type.startswith("sigma:")]
    assert [(t.source_ip, t.priority) for t in threats] == [("192.0.2.9", Priority.P1)]


def test_invalid_rules_are_reported() -> None:
    with pytest.raises(SigmaRuleError):
        load_sigma(["title: broken\nlogsource: {}\ndetection: {condition: nothing}\n"])


def test_sigmahq_style_sshd_keyword_rule_on_syslog_lines() -> None:
    # Shaped like SigmaHQ's lnx_sshd_susp_ssh.yml (product linux, service sshd, keywords).
    rules = load_sigma(["""
title: Suspicious OpenSSH Daemon Error
id: e76b413a-83d0-4b94-8e4c-85db4a5b8bdc
status: test
logsource: {product: linux, service: sshd}
detection:
  keywords:
    - 'unexpected internal error'
    - 'unknown or unsupported key type'
    - 'error in libcrypto'
  condition: keywords
level: medium
tags: [attack.initial-access, attack.t1190]
"""])
    engine = ThreatEngine(sigma=rules)
    engine.feed_lines([
        "Dec 10 06:55:46 h sshd[1]: error: Received disconnect from 192.0.2.61 port 2: "
        "unexpected internal error [preauth]",
        "Dec 10 06:55:47 h sshd[2]: Connection closed by 192.0.2.62 port 3 [preauth]",
        "Dec 10 06:55:48 h CRON[3]: unexpected internal error in a cron job",
    ])
    threats = [t for t in engine.finish() if t.type.startswith("sigma:")]
    assert [(t.source_ip, t.count, t.priority) for t in threats] == [
        ("192.0.2.61", 1, Priority.P3)]
    assert threats[0].technique == "T1190"


def test_logsource_scopes_rules_to_their_events() -> None:
    rules = load_sigma(["""
title: sudo to root shell
id: 9f3c0b9e-1111-4222-8333-444455556666
logsource: {product: linux}
detection:
  selection:
    program: sudo
  keywords: ['COMMAND=/bin/bash']
  condition: selection and keywords
level: high
"""])
    engine = ThreatEngine(sigma=rules)
    engine.feed_lines([
        "Dec 10 06:55:46 h sudo[9]: bob : TTY=pts/0 ; PWD=/home/bob ; USER=root ; "
        "COMMAND=/bin/bash",
        '192.0.2.9 - - [10/Mar/2024:11:00:00 +0000] "GET /?x=COMMAND=/bin/bash HTTP/1.1" 200 1 '
        '"-" "curl"',
    ])
    threats = [t for t in engine.finish() if t.type.startswith("sigma:")]
    assert [(t.type, t.count) for t in threats] == [("sigma:sudo to root shell", 1)]


def test_a_rule_file_that_is_not_yaml_is_a_usage_error_naming_the_file(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from vigil.cli.threats import app

    broken = tmp_path / "broken.yml"
    broken.write_text("title: x\ndetection: [unclosed\n")
    binary = tmp_path / "binary.yml"
    binary.write_bytes(b"\xff\xfe\x00")
    log = tmp_path / "auth.log"
    log.write_text("Mar 10 10:00:00 h sshd[1]: Failed password for root from 192.0.2.1 port 1 "
                   "ssh2\n")
    for rules in (broken, binary):
        result = CliRunner().invoke(app, ["scan", str(log), "--sigma", str(rules)])
        assert result.exit_code == 2, result.output
        assert str(rules) in result.stderr
    with pytest.raises(SigmaRuleError, match="not valid YAML"):
        load_sigma([broken.read_text()])


def test_rules_configured_in_the_operator_yaml_apply_to_cli_scans(tmp_path: Path) -> None:
    import json

    from typer.testing import CliRunner

    from vigil.cli.threats import app

    config = tmp_path / "vigil.yaml"
    config.write_text(f"threats:\n  sigma_rules: [{FIXTURES / 'sigma_rules.yml'}]\n")
    result = CliRunner().invoke(app, ["scan", str(FIXTURES / "sigma_access.log"), "--format",
                                      "json", "--config", str(config)],
                                env={"VIGIL_DATA_DIR": str(tmp_path)})
    assert result.exit_code == 1, result.output
    types = {t["type"] for t in json.loads(result.stdout)["threats"]}
    assert "sigma:Sqlmap user agent" in types

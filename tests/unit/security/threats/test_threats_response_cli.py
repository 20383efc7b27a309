"""Suggested responses and the `vigil threats scan` command (offline, no database)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import yaml
from typer.testing import CliRunner

from vigil.cli.threats import app
from vigil.core.types import Priority
from vigil.security.threats import Threat, suggest

FIXTURES = Path(__file__).parents[3] / "fixtures" / "threats"
NOW = datetime(2025, 1, 1, tzinfo=UTC)
runner = CliRunner()


def _threat(ip: str) -> Threat:
    return Threat("ssh_brute_force", ip, NOW, NOW, 5, "T1110.001", Priority.P2, "ssh_bruteforce")


def test_deny_lists_in_three_formats() -> None:
    threats = [_threat("192.0.2.1"), _threat("2001:db8::1"), _threat("host.example"),
               _threat("192.0.2.1")]
    assert suggest(threats, "nginx").splitlines()[1:] == [
        "# not included, resolve before blocking: host.example",
        "deny 192.0.2.1;", "deny 2001:db8::1;"]
    ipt = suggest(threats, "iptables")
    assert "iptables -I INPUT -s 192.0.2.1 -j DROP" in ipt
    assert "ip6tables -I INPUT -s 2001:db8::1 -j DROP" in ipt
    assert "host.example" not in ipt.replace("resolve before blocking: host.example", "")
    k8s = suggest(threats, "k8s")
    assert "podSelector to the attacked workload" in k8s and "host.example" in k8s
    policy = yaml.safe_load(k8s)
    assert policy["kind"] == "NetworkPolicy"
    blocks = [f["ipBlock"] for f in policy["spec"]["ingress"][0]["from"]]
    assert blocks[0] == {"cidr": "0.0.0.0/0", "except": ["192.0.2.1/32"]}
    assert blocks[1] == {"cidr": "::/0", "except": ["2001:db8::1/128"]}


def test_scan_json_lists_threats_and_events() -> None:
    result = runner.invoke(app, ["scan", str(FIXTURES / "auth.log"), "--format", "json",
                                 "--events", "--year", "2024"])
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    first = data["threats"][0]
    assert {"type", "source_ip", "count", "first_seen", "last_seen"} <= set(first)
    assert first["type"] == "login_after_brute_force" and first["priority"] == "P1"
    assert len(data["events"]) == 22  # `Invalid user` and `Failed password` both count
    assert {"time", "source_ip", "user"} <= set(data["events"][0])
    assert data["stats"]["unparseable"] == 1


def test_fail_on_decides_the_exit_code() -> None:
    path = str(FIXTURES / "access.log")
    assert runner.invoke(app, ["scan", path, "--fail-on", "P1", "--format", "json"]).exit_code == 0
    assert runner.invoke(app, ["scan", path, "--fail-on", "P3", "--format", "json"]).exit_code == 1


def test_no_threats_exits_zero_and_unreadable_input_exits_two(tmp_path: Path) -> None:
    quiet = tmp_path / "quiet.log"
    quiet.write_text("Jan  1 00:00:00 h sshd[1]: Connection closed by 192.0.2.1 port 2\n")
    result = runner.invoke(app, ["scan", str(quiet), "--format", "json"])
    assert result.exit_code == 0 and json.loads(result.stdout)["threats"] == []
    assert runner.invoke(app, ["scan", str(tmp_path / "missing.log")]).exit_code == 2


def test_suggest_prints_a_deny_list() -> None:
    result = runner.invoke(app, ["scan", str(FIXTURES / "access.log"), "--suggest", "nginx"])
    assert "deny 192.0.2.10;" in result.stdout and "deny 10.1.2.3;" not in result.stdout


def test_table_format_and_bad_config(tmp_path: Path) -> None:
    result = runner.invoke(app, ["scan", str(FIXTURES / "access.log")])
    assert "http_credential_stuffing" in result.stdout and "unparseable" in result.stdout
    bad = tmp_path / "vigil.yaml"
    bad.write_text("threats:\n  ssh_bruteforce:\n    maxretries: 3\n")
    result = runner.invoke(app, ["scan", str(FIXTURES / "auth.log"), "--config", str(bad)])
    assert result.exit_code == 2


def test_nginx_deny_file_merge_keeps_entries_and_respects_priority() -> None:
    from vigil.security.threats.response import merge_nginx_denylist

    p1 = Threat("login_after_brute_force", "192.0.2.7", NOW, NOW, 6, "T1078", Priority.P1, "r")
    p3 = Threat("web_vulnerability_scan", "192.0.2.8", NOW, NOW, 9, "T1595.002", Priority.P3,
                "r")
    text = merge_nginx_denylist("deny 10.0.0.1;\n", [p1, p3, _threat("192.0.2.9")], Priority.P2)
    assert text.splitlines() == ["deny 10.0.0.1;", "deny 192.0.2.7;", "deny 192.0.2.9;"]
    assert merge_nginx_denylist(text, [p1], Priority.P2) == text


def test_an_impossible_year_is_a_usage_error(tmp_path: Path) -> None:
    log = tmp_path / "auth.log"
    log.write_text("Mar 10 10:00:00 h sshd[1]: Failed password for root from 192.0.2.1 port 1 "
                   "ssh2\n")
    result = CliRunner().invoke(app, ["scan", str(log), "--year", "0"])
    assert result.exit_code == 2 and not isinstance(result.exception, ValueError)


def test_log_text_that_looks_like_rich_markup_is_shown_literally(tmp_path: Path) -> None:
    """Users and paths come from the attacker: `[/red]` in one crashed the table output."""
    log = tmp_path / "auth.log"
    log.write_text("".join(f"Mar 10 10:00:0{i} h sshd[{i}]: Failed password for invalid user "
                           f"[/red]x[bold] from 192.0.2.7 port 1 ssh2\n" for i in range(6)))
    result = runner.invoke(app, ["scan", str(log)])
    assert result.exit_code == 1, result.output
    assert "[/red]x[bold]" in result.stdout


def test_mode_decides_whether_pre_auth_noise_counts(tmp_path: Path) -> None:
    log = tmp_path / "auth.log"
    log.write_text("".join(f"Mar  1 10:15:{i:02d} srv sshd[{100 + i}]: Did not receive "
                           f"identification string from 192.0.2.29 port {i}\n"
                           for i in range(6)))
    normal = runner.invoke(app, ["scan", str(log), "--format", "json", "--events",
                                 "--year", "2025"])
    assert normal.exit_code == 0 and json.loads(normal.stdout)["events"] == []
    ddos = runner.invoke(app, ["scan", str(log), "--format", "json", "--events",
                               "--year", "2025", "--mode", "ddos"])
    assert ddos.exit_code == 1, ddos.output
    data = json.loads(ddos.stdout)
    assert len(data["events"]) == 6
    assert [t["type"] for t in data["threats"]] == ["ssh_brute_force"]


def test_score_prints_recall_and_precision_of_an_annotated_log() -> None:
    result = runner.invoke(app, ["score", str(FIXTURES / "annotated" / "sshd.log"),
                                 "--year", "2025"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["recall"] == 1.0 and data["precision"] == 1.0 and data["wrong_hosts"] == 0
    missing = runner.invoke(app, ["score", str(FIXTURES / "no-such.log")])
    assert missing.exit_code == 2

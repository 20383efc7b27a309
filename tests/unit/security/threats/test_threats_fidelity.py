"""Auth-log fidelity: annotated logs per service scored for recall, precision and
injected addresses; sshd sessions; fail2ban's modes."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from vigil.security.threats import ThreatsConfig
from vigil.security.threats.fidelity import score_lines
from vigil.security.threats.syslog import SyslogAuthParser

ANNOTATED = Path(__file__).parents[3] / "fixtures" / "threats" / "annotated"
REFERENCE = datetime(2025, 12, 1, tzinfo=UTC)


@pytest.mark.parametrize("name", sorted(p.name for p in ANNOTATED.glob("*.log")))
def test_each_service_log_is_recognised_as_annotated(name: str) -> None:
    result = score_lines((ANNOTATED / name).read_text().splitlines(), reference=REFERENCE)
    assert result.expected >= 4, "the fixture must hold matches to score"
    assert result.wrong_hosts == 0, result.as_dict()
    assert result.recall >= 0.95 and result.precision >= 0.98, result.as_dict()


def _feed(lines: list[str], mode: str = "normal") -> list[tuple[str, str]]:
    parser = SyslogAuthParser(REFERENCE, mode=mode)  # type: ignore[arg-type]
    out = []
    for line in lines:
        out.extend((ev.source_ip, ev.kind) for ev in parser.feed(line) or [])
    return out


def test_an_injected_address_in_the_user_name_is_never_blamed() -> None:
    events = _feed(["Mar  1 10:02:00 srv sshd[7]: Failed password for invalid user test from "
                    "10.10.1.2 port 55555 ssh2 from 127.0.0.1 port 58946 ssh2"])
    assert events == [("127.0.0.1", "failure")]


def test_failed_keys_before_a_success_are_forgotten_but_count_when_the_session_fails() -> None:
    keys = ["Mar  1 10:03:00 srv sshd[{pid}]: Failed publickey for alice from 192.0.2.13 "
            "port 5 ssh2: RSA SHA256:x"] * 2
    ok = _feed([k.format(pid=1) for k in keys]
               + ["Mar  1 10:03:01 srv sshd[1]: Accepted publickey for alice from 192.0.2.13 "
                  "port 5 ssh2: ED25519 SHA256:y",
                  "Mar  1 10:09:00 srv sshd[1]: Disconnected from user alice 192.0.2.13 port 5"])
    assert ok == [("192.0.2.13", "success")]
    failed = _feed([k.format(pid=2) for k in keys]
                   + ["Mar  1 10:03:04 srv sshd[2]: Connection closed by authenticating user "
                      "alice 192.0.2.13 port 5 [preauth]"])
    assert failed == [("192.0.2.13", "failure")] * 2


def test_too_many_failures_is_blamed_on_the_session_host() -> None:
    events = _feed(["Mar  1 10:00:00 srv sshd[3]: Connection from 198.51.100.3 port 4 on "
                    "203.0.113.1 port 22",
                    "Mar  1 10:00:09 srv sshd[3]: Disconnecting: Too many authentication "
                    "failures [preauth]"])
    assert events == [("198.51.100.3", "failure")]


@pytest.mark.parametrize(("mode", "counted"), [("normal", 0), ("ddos", 2), ("aggressive", 3)])
def test_pre_auth_noise_counts_only_in_ddos_and_aggressive_modes(mode: str, counted: int) -> None:
    events = _feed(["Mar  1 10:15:00 srv sshd[9]: Did not receive identification string from "
                    "192.0.2.29 port 1",
                    "Mar  1 10:15:01 srv sshd[10]: Connection closed by 192.0.2.29 port 2 "
                    "[preauth]",
                    "Mar  1 10:15:02 srv sshd[11]: Unable to negotiate with 192.0.2.29 port 3: "
                    "no matching host key type found. Their offer: ssh-dss [preauth]"], mode)
    assert len(events) == counted


def test_an_unknown_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="mode"):
        ThreatsConfig.model_validate({"mode": "paranoid"})

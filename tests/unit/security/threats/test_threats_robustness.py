"""Any input is survivable: bad lines are counted, never fatal; modern ISO syslog works."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from vigil.security.threats import ThreatEngine

FIXTURES = Path(__file__).parents[3] / "fixtures" / "threats"
REAL = [ln for name in ("auth.log", "access.log", "vigil_auth.jsonl", "pam_old.log")
        for ln in (FIXTURES / name).read_text().splitlines()]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(max_size=300), max_size=20))
def test_arbitrary_text_never_raises(lines: list[str]) -> None:
    engine = ThreatEngine()
    engine.feed_lines(lines)
    engine.finish()
    stats = engine.stats
    assert stats.unparseable <= stats.lines <= len(lines)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(REAL), st.integers(min_value=0, max_value=400), st.text(max_size=20))
def test_truncated_or_corrupted_real_lines_never_raise(line: str, cut: int, junk: str) -> None:
    engine = ThreatEngine()
    engine.feed_lines([line[:cut] + junk, junk + line[cut:]])
    engine.finish()
    assert engine.stats.lines <= 2


def test_iso_timestamped_syslog_is_understood() -> None:
    lines = [f"2024-04-25T10:00:0{i}.123456+00:00 web sshd[{100 + i}]: Failed password for root "
             f"from 192.0.2.5 port 22{i} ssh2" for i in range(5)]
    lines.append("2024-04-25T10:00:09+00:00 web sshd[200]: Accepted password for root from "
                 "192.0.2.5 port 1 ssh2")
    engine = ThreatEngine()
    engine.feed_lines(lines)
    threats = engine.finish()
    assert [t.type for t in threats] == ["login_after_brute_force", "ssh_brute_force"]
    assert threats[1].first_seen.isoformat() == "2024-04-25T10:00:00.123456+00:00"
    assert engine.stats.unparseable == 0

"""sshd / PAM syslog parsing: attempts not lines, year inference and rollover."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from vigil.security.threats import ThreatEngine
from vigil.security.threats.syslog import SyslogAuthParser, YearInference

FIXTURES = Path(__file__).parents[3] / "fixtures" / "threats"


def _engine(name: str, reference: datetime) -> ThreatEngine:
    engine = ThreatEngine(reference=reference, keep_events=True)
    engine.feed_lines((FIXTURES / name).read_text().splitlines())
    engine.finish()
    return engine


def test_failures_count_as_fail2ban_counts_them() -> None:
    engine = _engine("auth.log", datetime(2025, 1, 2, tzinfo=UTC))
    per_source: dict[str, int] = {}
    for ev in engine.events:
        per_source[ev.source_ip] = per_source.get(ev.source_ip, 0) + 1
    # 203.0.113.7: 6 attempts (PAM failure, Failed password: the PAM line is pending and
    # the Failed line stands for it); 198.51.100.9: 6 attempts, each an `Invalid user` and a
    # `Failed password for invalid user` line, both failures in fail2ban's normal mode.
    assert per_source == {"203.0.113.7": 6, "198.51.100.9": 12, "192.0.2.44": 4}
    enumerated = [e for e in engine.events if e.source_ip == "198.51.100.9"]
    assert all(e.invalid_user for e in enumerated)
    assert {e.user for e in enumerated} == {"admin", "oracle", "test", "guest", "ubuntu", "pi"}


def test_year_rolls_over_at_new_year() -> None:
    engine = _engine("auth.log", datetime(2025, 1, 2, tzinfo=UTC))
    years = {e.time.year for e in engine.events if e.source_ip == "203.0.113.7"}
    assert years == {2024}
    assert {e.time.year for e in engine.events if e.source_ip == "198.51.100.9"} == {2025}


def test_dates_in_the_future_belong_to_the_previous_year() -> None:
    years = YearInference(datetime(2026, 3, 1, tzinfo=UTC))
    assert years.year_for(12, 10) == 2025
    assert YearInference(datetime(2026, 12, 31, tzinfo=UTC)).year_for(12, 10) == 2026


def test_message_repeated_counts_each_repetition() -> None:
    engine = _engine("repeated.log", datetime(2025, 1, 1, tzinfo=UTC))
    assert len(engine.events) == 6
    assert {e.user for e in engine.events} == {"root"}


def test_old_pam_only_format_is_understood() -> None:
    engine = _engine("pam_old.log", datetime(2025, 1, 1, tzinfo=UTC))
    assert len(engine.events) == 5
    assert {e.source_ip for e in engine.events} == {"218.188.2.4"}
    assert all(e.invalid_user for e in engine.events)


def test_unparseable_lines_are_counted_not_fatal() -> None:
    engine = _engine("auth.log", datetime(2025, 1, 2, tzinfo=UTC))
    assert engine.stats.unparseable == 1
    assert engine.stats.unparseable_samples == ["this line is garbage"]
    assert engine.stats.lines == 62


def test_other_programs_are_ignored() -> None:
    parser = SyslogAuthParser(datetime(2025, 1, 2, tzinfo=UTC))
    line = ("Jan  1 02:10:00 web1 CRON[7100]: pam_unix(cron:session): session opened for user "
            "root by (uid=0)")
    assert parser.feed(line) == []
    assert parser.feed("no syslog here") is None


def test_invalid_user_without_password_is_still_an_attempt() -> None:
    parser = SyslogAuthParser(datetime(2025, 1, 2, tzinfo=UTC))
    events = parser.feed("Jan  1 00:00:01 h sshd[9]: Invalid user bob from 192.0.2.8 port 1")
    assert events is not None and len(events) == 1
    assert (events[0].user, events[0].source_ip, events[0].invalid_user) == ("bob", "192.0.2.8",
                                                                             True)
    assert parser.feed("Jan  1 00:00:02 h sshd[9]: Connection closed by invalid user bob "
                       "192.0.2.8 port 1 [preauth]") == []


def test_a_late_december_line_after_new_year_does_not_push_the_year_on() -> None:
    years = YearInference(datetime(2027, 1, 2, tzinfo=UTC))
    assert [years.year_for(m, d) for m, d in [(12, 31), (1, 1), (12, 31), (1, 1), (2, 1)]] == [
        2026, 2027, 2026, 2027, 2027]

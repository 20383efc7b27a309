"""Built-in detections: fail2ban semantics, enumeration, P1 login after brute force, API keys."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from vigil.core.types import Priority
from vigil.security.threats import AuthEvent, ThreatEngine, ThreatsConfig
from vigil.security.threats.model import AUTH_SUCCESS

FIXTURES = Path(__file__).parents[3] / "fixtures" / "threats"
T0 = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)


def _fail(ip: str, seconds: float, user: str = "root") -> AuthEvent:
    return AuthEvent(T0 + timedelta(seconds=seconds), ip, user, lines=[f"fail {ip} {seconds}"])


def _run(events: list[AuthEvent], config: ThreatsConfig | None = None) -> list:  # type: ignore[type-arg]
    engine = ThreatEngine(config)
    for ev in events:
        engine.observe_auth(ev)
    return engine.finish()


def test_maxretry_failures_within_findtime_is_a_brute_force() -> None:
    threats = _run([_fail("192.0.2.1", i * 60) for i in range(5)])
    assert [(t.type, t.count, t.technique) for t in threats] == [
        ("ssh_brute_force", 5, "T1110.001")]
    assert threats[0].first_seen == T0 and threats[0].last_seen == T0 + timedelta(minutes=4)


def test_fewer_than_maxretry_or_spread_beyond_findtime_is_not() -> None:
    assert _run([_fail("192.0.2.1", i * 60) for i in range(4)]) == []
    # 6 failures, 3 minutes apart: never 5 inside 10 minutes.
    assert _run([_fail("192.0.2.1", i * 180) for i in range(6)]) == []


def test_thresholds_are_tunable() -> None:
    config = ThreatsConfig.model_validate({"ssh_bruteforce": {"maxretry": 3, "findtime": 60}})
    threats = _run([_fail("192.0.2.1", i * 20) for i in range(3)], config)
    assert [t.type for t in threats] == ["ssh_brute_force"]
    assert _run([_fail("192.0.2.1", i * 40) for i in range(3)], config) == []


def test_events_out_of_order_are_sorted_before_windows() -> None:
    events = [_fail("192.0.2.1", s) for s in (240, 0, 180, 60, 120)]
    threats = _run(events)
    assert threats[0].count == 5 and threats[0].first_seen == T0


def test_success_right_after_a_burst_is_p1() -> None:
    events = [_fail("192.0.2.2", i * 10) for i in range(6)]
    events.append(AuthEvent(T0 + timedelta(seconds=70), "192.0.2.2", "root", AUTH_SUCCESS,
                            lines=["Accepted password for root"]))
    threats = _run(events)
    assert threats[0].type == "login_after_brute_force"
    assert threats[0].priority is Priority.P1
    assert threats[0].details["failures_before_success"] == 6
    assert "Accepted password for root" in threats[0].evidence


def test_success_without_burst_is_quiet() -> None:
    events = [_fail("192.0.2.2", 0), AuthEvent(T0 + timedelta(seconds=5), "192.0.2.2", "root",
                                               AUTH_SUCCESS)]
    assert _run(events) == []


def test_password_spraying_many_users_few_attempts_each() -> None:
    users = ["alice", "bob", "carol", "dave", "erin"]
    threats = _run([_fail("192.0.2.3", i * 400, u) for i, u in enumerate(users)])
    assert [t.type for t in threats] == ["password_spraying"]
    assert threats[0].technique == "T1110.003"
    assert sorted(threats[0].targets) == users


def test_allowlisted_sources_are_dropped() -> None:
    config = ThreatsConfig.model_validate({"allowlist": ["192.0.2.0/24"]})
    assert _run([_fail("192.0.2.1", i) for i in range(10)], config) == []
    per_rule = ThreatsConfig.model_validate(
        {"ssh_bruteforce": {"allowlist": ["192.0.2.1/32"]}})
    assert _run([_fail("192.0.2.1", i) for i in range(10)], per_rule) == []
    assert len(_run([_fail("192.0.2.9", i) for i in range(10)], per_rule)) == 1


def test_disabled_rule_finds_nothing() -> None:
    config = ThreatsConfig.model_validate({"ssh_bruteforce": {"enabled": False}})
    assert _run([_fail("192.0.2.1", i) for i in range(10)], config) == []


def test_evidence_is_bounded() -> None:
    config = ThreatsConfig.model_validate({"evidence_limit": 3})
    threats = _run([_fail("192.0.2.1", i) for i in range(50)], config)
    assert len(threats[0].evidence) == 3 and threats[0].count == 50


def test_vigil_auth_failed_events_find_api_key_brute_force() -> None:
    engine = ThreatEngine()
    engine.feed_lines((FIXTURES / "vigil_auth.jsonl").read_text().splitlines())
    threats = engine.finish()
    assert [(t.type, t.source_ip, t.count) for t in threats] == [
        ("api_key_brute_force", "198.51.100.77", 12)]
    assert threats[0].details["distinct_key_prefixes"] == 12
    assert engine.stats.unparseable == 1


def test_fixture_auth_log_end_to_end() -> None:
    engine = ThreatEngine(reference=datetime(2025, 1, 2, tzinfo=UTC))
    engine.feed_lines((FIXTURES / "auth.log").read_text().splitlines())
    threats = engine.finish()
    kinds = {(t.type, t.source_ip) for t in threats}
    assert ("login_after_brute_force", "203.0.113.7") in kinds
    assert ("ssh_user_enumeration", "198.51.100.9") in kinds
    assert not any(t.source_ip == "192.0.2.44" for t in threats)
    assert threats[0].priority is Priority.P1


def test_each_burst_carries_its_own_evidence_and_ban_time() -> None:
    early = [_fail("192.0.2.5", i * 10) for i in range(5)]
    late = [_fail("192.0.2.5", 7200 + i * 10) for i in range(5)]
    threats = sorted(_run(early + late), key=lambda t: t.first_seen)
    assert [t.count for t in threats] == [5, 5]
    assert threats[1].evidence[0] == "fail 192.0.2.5 7200"
    assert threats[0].details["ban_until"] == (T0 + timedelta(seconds=40 + 600)).isoformat()


def test_prune_forgets_idle_sources_only() -> None:
    engine = ThreatEngine()
    for ev in [_fail("192.0.2.1", i) for i in range(5)] + [_fail("192.0.2.2", 5000 + i)
                                                          for i in range(5)]:
        engine.observe_auth(ev)
    assert engine.latest == (T0 + timedelta(seconds=5004)).timestamp()
    assert engine.horizon() == 3600
    engine.prune(engine.latest - engine.horizon())
    assert [t.source_ip for t in engine.finish()] == ["192.0.2.2"]


def test_distinct_users_must_fall_within_the_window_not_a_whole_day() -> None:
    """An office NAT: six people mistype their password, one every 50 minutes. The gaps
    chain into one run, but no hour holds five users: no spraying, no enumeration."""
    users = ["alice", "bob", "carol", "dave", "erin", "frank"]
    assert _run([_fail("192.0.2.4", i * 3000, u) for i, u in enumerate(users)]) == []
    assert [t.type for t in _run([_fail("192.0.2.4", i * 600, u)
                                  for i, u in enumerate(users)])] == ["password_spraying"]


def test_auth_failed_without_a_key_or_for_a_role_is_not_a_key_guess() -> None:
    """A scraper whose key was never set, a dashboard with a viewer key on an operator
    route: many AUTH_FAILED, no brute force (the live monitor agrees)."""
    lines = [f'{{"ts": "2026-11-26T10:00:{i:02d}+00:00", "event": "AUTH_FAILED", '
             f'"client_ip": "198.51.100.78", "reason": "{reason}"}}'
             for i in range(20) for reason in ("missing", "forbidden")]
    engine = ThreatEngine()
    engine.feed_lines(lines)
    assert engine.finish() == [] and engine.stats.unparseable == 0


def test_an_invalid_login_path_regex_is_a_config_error() -> None:
    import pytest
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="not a valid regular expression"):
        ThreatsConfig.model_validate({"credential_stuffing": {"paths": ["(unclosed"]}})

"""Escalation timelines with a fake clock: the runbook matrix, repeat, ack, restart catch-up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from vigil.alerting.config import AlertingConfig
from vigil.alerting.escalation import advance, choose_policy, plan
from vigil.alerting.lifecycle import Escalation
from vigil.alerting.schedules import resolve_targets

T0 = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)  # a Thursday; week of 2026-11-23 hand-off
CFG = AlertingConfig.model_validate({})


def run(policy_name: str, minutes: int, step_s: int = 30,
        stop_at: int | None = None) -> list[tuple[int, int, int, tuple[str, ...]]]:
    """Advance the clock in steps; return (minute, level, cycle, targets) for every page."""
    policy = CFG.escalation_policies[policy_name]
    state = Escalation(policy_name)
    pages = []
    t = T0
    while t <= T0 + timedelta(minutes=minutes):
        if stop_at is not None and t >= T0 + timedelta(minutes=stop_at):
            break
        state, page = advance(policy, state, T0, t)
        if page is not None:
            pages.append((int((t - T0).total_seconds() // 60), page.level, page.cycle,
                          page.targets))
        t += timedelta(seconds=step_s)
    return pages


def test_runbook_matrix_with_one_repeat() -> None:
    pages = run("default", minutes=8 * 60)
    assert [(m, lvl, c) for m, lvl, c, _ in pages] == [
        (0, 0, 0), (15, 1, 0), (45, 2, 0), (105, 3, 0),      # 15 min, 30 min, 1 h
        (225, 0, 1), (240, 1, 1), (270, 2, 1), (330, 3, 1),  # after 2 h: repeat once
    ]
    assert pages[0][3] == ("schedule:primary",)
    assert pages[3][3] == ("user:erin",)


def test_acknowledged_alert_stops_paging() -> None:
    # The service stops calling advance once acknowledged: the timeline ends with level 1.
    pages = run("default", minutes=600, stop_at=20)
    assert [lvl for _, lvl, _, _ in pages] == [0, 1]


def test_restart_after_downtime_pages_only_newest_due_level() -> None:
    policy = CFG.escalation_policies["default"]
    state, page = advance(policy, Escalation("default"), T0, T0)
    assert page is not None and page.level == 0
    # Vigil is down from minute 1 to minute 50: levels 1 (due 15) and 2 (due 45) fell due.
    state, page = advance(policy, state, T0, T0 + timedelta(minutes=50))
    assert page is not None and (page.level, page.skipped) == (2, 1)
    assert state.next_at == T0 + timedelta(minutes=45 + 60)
    state2, page2 = advance(policy, state, T0, T0 + timedelta(minutes=51))
    assert page2 is None and state2 == state


def test_policy_done_after_repeats() -> None:
    policy = CFG.escalation_policies["security"]
    state = Escalation("security")
    state, _ = advance(policy, state, T0, T0)
    state, page = advance(policy, state, T0, T0 + timedelta(days=1))
    assert page is not None and (page.level, page.cycle) == (1, 1)
    state, page = advance(policy, state, T0, T0 + timedelta(days=2))
    assert page is None and state.done


def test_security_and_data_loss_routing_and_contacts() -> None:
    routes = CFG.escalation_routes or []
    assert choose_policy(routes, {"category": "security", "priority": "P1"}) == "security"
    # a security warning (e.g. authentication failure rate) pages the Security Team first,
    # not the Engineering Manager at once
    assert choose_policy(routes, {"category": "security", "priority": "P3"}) == "security_team"
    first = resolve_targets(CFG.escalation_policies["security_team"].levels[0].targets, CFG, T0)
    assert {c.role for c in first} == {"Security Engineer"}
    assert choose_policy(routes, {"category": "data_loss", "priority": "P1"}) == "data_loss"
    assert choose_policy(routes, {"category": "resource", "priority": "P3"}) == "default"
    assert choose_policy(routes, {"category": "resource", "priority": "P4"}) is None
    sec = resolve_targets(CFG.escalation_policies["security"].levels[0].targets, CFG, T0)
    assert {c.role for c in sec} == {"Security Engineer", "Engineering Manager"}
    dl = resolve_targets(CFG.escalation_policies["data_loss"].levels[0].targets, CFG, T0)
    assert {c.role for c in dl} == {"Database Administrator", "Backup Engineer",
                                   "Engineering Manager"}
    assert all(c.phone.startswith("+1-555-01") for c in dl)


@settings(max_examples=60, deadline=None)
@given(steps=st.lists(st.integers(min_value=1, max_value=90 * 60), min_size=1, max_size=40))
def test_any_clock_pages_in_order_and_never_too_often(steps: list[int]) -> None:
    """Whatever the gaps between evaluations, pages move forward and stay within the policy."""
    policy = CFG.escalation_policies["default"]
    state = Escalation("default")
    t = T0
    seen: list[tuple[int, int]] = []
    state, page = advance(policy, state, T0, t)
    assert page is not None
    seen.append((page.cycle, page.level))
    for gap in steps:
        t += timedelta(seconds=gap)
        state, page = advance(policy, state, T0, t)
        if page is not None:
            assert page.due_at <= t
            seen.append((page.cycle, page.level))
    assert seen == sorted(seen) and len(seen) == len(set(seen))
    assert len(seen) <= len(policy.levels) * (policy.repeat + 1)


def test_plan_lists_the_pages_still_to_come() -> None:
    policy = CFG.escalation_policies["default"]
    state, _ = advance(policy, Escalation("default"), T0, T0)
    state, _ = advance(policy, state, T0, T0 + timedelta(minutes=15))
    upcoming = plan(policy, state)
    assert [(p.cycle, p.level, int((p.due_at - T0).total_seconds() // 60)) for p in upcoming] == [
        (0, 2, 45), (0, 3, 105), (1, 0, 225), (1, 1, 240), (1, 2, 270), (1, 3, 330)]
    assert plan(policy, Escalation("default")) == []

"""Escalation: who to page next, and when, for a firing alert nobody has acknowledged.

Level 0 is paged when the alert fires; each level waits `timeout` for an acknowledgement
before the next one is paged; after the last level the policy starts over `repeat` times.
When several levels fell due at once (e.g. Vigil was down), only the newest is paged and
the skipped ones are reported, so a restart never sends a burst of stale pages.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from vigil.alerting.config import EscalationPolicyConfig, EscalationRouteConfig
from vigil.alerting.lifecycle import Escalation
from vigil.alerting.matchers import matches_all, parse_matchers


@dataclass(frozen=True)
class Page:
    """Page these targets for this level and cycle; `due_at` is when it fell due."""

    level: int
    cycle: int
    targets: tuple[str, ...]
    due_at: datetime
    skipped: int = 0


def choose_policy(routes: list[EscalationRouteConfig], labels: dict[str, str]) -> str | None:
    """The first escalation route matching the labels names the policy (None: no paging)."""
    for route in routes:
        if matches_all(parse_matchers(route.matchers), labels):
            return route.policy
    return None


def advance(policy: EscalationPolicyConfig, state: Escalation, fired_at: datetime,
            now: datetime) -> tuple[Escalation, Page | None]:
    """Move the escalation forward to `now`; return the new state and the page due, if any."""
    if state.done:
        return state, None
    levels = policy.levels
    if state.level < 0:
        level, cycle, due = 0, 0, fired_at
    elif state.next_at is not None and state.next_at <= now:
        level, cycle, due = state.level + 1, state.cycle, state.next_at
        if level >= len(levels):
            level, cycle = 0, cycle + 1
    else:
        return state, None
    if cycle > policy.repeat:
        return replace(state, next_at=None, done=True), None
    skipped = 0
    while True:
        next_at = due + levels[level].timeout
        if next_at > now:
            break
        nxt_level, nxt_cycle = level + 1, cycle
        if nxt_level >= len(levels):
            nxt_level, nxt_cycle = 0, cycle + 1
        if nxt_cycle > policy.repeat:
            break
        level, cycle, due, skipped = nxt_level, nxt_cycle, next_at, skipped + 1
    new = Escalation(state.policy, level, cycle, due + levels[level].timeout, False)
    return new, Page(level, cycle, tuple(levels[level].targets), due, skipped)


def resume(policy: EscalationPolicyConfig, state: Escalation, now: datetime) -> Escalation:
    """After a mute ends, give the current level its full acknowledgement timeout again."""
    if state.done or state.level < 0:
        return state
    return replace(state, next_at=now + policy.levels[state.level].timeout)


def plan(policy: EscalationPolicyConfig, state: Escalation) -> list[Page]:
    """The pages still to come if nobody acknowledges: level, cycle, due time and targets."""
    if state.done or state.level < 0 or state.next_at is None:
        return []
    out: list[Page] = []
    level, cycle, due = state.level, state.cycle, state.next_at
    while True:
        level += 1
        if level >= len(policy.levels):
            level, cycle = 0, cycle + 1
        if cycle > policy.repeat:
            return out
        out.append(Page(level, cycle, tuple(policy.levels[level].targets), due))
        due = due + policy.levels[level].timeout

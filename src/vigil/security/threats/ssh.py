"""SSH detections: brute force (fail2ban semantics), user enumeration and password
spraying, and a successful login right after a burst of failures (P1).

Attempts are grouped per (service, source): sshd gives `ssh_*` types, other services
(generic JSON auth events) `auth_*` types.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime

from vigil.security.threats.config import ThreatsConfig
from vigil.security.threats.model import AUTH_SUCCESS, AuthEvent, Threat
from vigil.security.threats.windows import clusters, count_in_window, max_in_window

T_BRUTE = "T1110.001"
T_SPRAY = "T1110.003"
T_ENUM = "T1087"
T_VALID = "T1078"


@dataclass(slots=True)
class _Source:
    """Per-source history: attempts as (ts, user, invalid, lines) and successes."""

    attempts: list[tuple[float, str, bool, list[str]]] = field(default_factory=list)
    successes: list[tuple[float, str, list[str]]] = field(default_factory=list)


class SshDetector:
    """Accumulates SSH (and generic) authentication attempts; `finish` yields threats."""

    def __init__(self, config: ThreatsConfig) -> None:
        """Use the rules of `config`."""
        self.config = config
        self._sources: dict[tuple[str, str], _Source] = defaultdict(_Source)
        self.evidence_limit = config.evidence_limit

    def observe(self, ev: AuthEvent) -> None:
        """Record one attempt."""
        src = self._sources[(ev.service, ev.source_ip)]
        ts = ev.time.timestamp()
        if ev.kind == AUTH_SUCCESS:
            src.successes.append((ts, ev.user, ev.lines[:1]))
            return
        src.attempts.append((ts, ev.user, ev.invalid_user, ev.lines))

    def prune(self, cutoff: float) -> None:
        """Forget sources whose last attempt is older than `cutoff` (Unix seconds)."""
        stale = [k for k, src in self._sources.items()
                 if max([a[0] for a in src.attempts[-1:]] + [x[0] for x in src.successes[-1:]],
                        default=0.0) < cutoff]
        for key in stale:
            del self._sources[key]

    def finish(self) -> list[Threat]:
        """Evaluate every rule over what was observed."""
        out: list[Threat] = []
        for (service, ip), src in self._sources.items():
            src.attempts.sort(key=_first)
            prefix = "ssh" if service == "sshd" else "auth"
            out.extend(self._brute_force(ip, src, prefix))
            out.extend(self._enumeration(ip, src, prefix))
            out.extend(self._success_after(ip, src))
        return out

    def _evidence(self, attempts: list[tuple[float, str, bool, list[str]]],
                  reserve: int = 0) -> list[str]:
        """The lines of the first attempts, at most `evidence_limit - reserve` lines."""
        limit = max(0, self.evidence_limit - reserve)
        out: list[str] = []
        for attempt in attempts:
            out.extend(attempt[3][: limit - len(out)])
            if len(out) >= limit:
                break
        return out

    def _brute_force(self, ip: str, src: _Source, prefix: str) -> list[Threat]:
        rule = self.config.ssh_bruteforce
        if not rule.enabled:
            return []
        times = [a[0] for a in src.attempts]
        out = []
        for lo, hi in clusters(times, rule.findtime):
            if hi - lo < rule.maxretry:
                continue
            if max_in_window(times, rule.findtime, lo, hi) < rule.maxretry:
                continue
            users = sorted({a[1] for a in src.attempts[lo:hi] if a[1]})
            out.append(Threat(f"{prefix}_brute_force", ip, _dt(times[lo]), _dt(times[hi - 1]),
                              hi - lo, T_BRUTE, rule.priority, "ssh_bruteforce", users[:50],
                              self._evidence(src.attempts[lo:hi]),
                              {"maxretry": rule.maxretry, "findtime": rule.findtime,
                               "ban_until": _dt(times[hi - 1] + rule.bantime).isoformat(),
                               "distinct_users": len(users)}))
        return out

    def _enumeration(self, ip: str, src: _Source, prefix: str) -> list[Threat]:
        rule = self.config.ssh_enumeration
        if not rule.enabled:
            return []
        times = [a[0] for a in src.attempts]
        out = []
        for lo, hi in clusters(times, rule.window):
            chunk = src.attempts[lo:hi]
            per_user: dict[str, int] = defaultdict(int)
            invalid = 0
            for _, user, bad, _lines in chunk:
                per_user[user] += 1
                invalid += bad
            if len(per_user) < rule.min_users or \
                    _max_distinct_users(chunk, rule.window) < rule.min_users:
                continue
            if invalid * 2 >= len(chunk):
                kind, tech = f"{prefix}_user_enumeration", T_ENUM
            elif max(per_user.values()) <= rule.max_attempts_per_user:
                kind, tech = "password_spraying", T_SPRAY
            else:
                continue
            users = sorted(per_user)
            out.append(Threat(kind, ip, _dt(times[lo]), _dt(times[hi - 1]), len(chunk), tech,
                              rule.priority, "ssh_enumeration", users[:50], self._evidence(chunk),
                              {"distinct_users": len(users), "invalid_user_attempts": invalid}))
        return out

    def _success_after(self, ip: str, src: _Source) -> list[Threat]:
        rule = self.config.success_after_failures
        if not rule.enabled or not src.successes:
            return []
        times = [a[0] for a in src.attempts]
        out = []
        for ts, user, lines in sorted(src.successes, key=lambda s: s[0]):
            failures = count_in_window(times, ts, rule.window)
            if failures < rule.min_failures:
                continue
            lo = _index_after(times, ts - rule.window)
            hi = lo + failures
            first = times[lo]
            out.append(Threat("login_after_brute_force", ip, _dt(first), _dt(ts), failures + 1,
                              T_VALID, rule.priority, "success_after_failures", [user],
                              self._evidence(src.attempts[lo:hi], 1) + lines,
                              {"failures_before_success": failures, "user": user}))
        return out


def _max_distinct_users(attempts: list[tuple[float, str, bool, list[str]]],
                        window: float) -> int:
    """Most distinct users among sorted attempts falling in any span of `window` seconds."""
    counts: dict[str, int] = defaultdict(int)
    best = left = 0
    for ts, user, _bad, _lines in attempts:
        counts[user] += 1
        while ts - attempts[left][0] > window:
            old = attempts[left][1]
            counts[old] -= 1
            if not counts[old]:
                del counts[old]
            left += 1
        best = max(best, len(counts))
    return best


def _first(item: tuple[float, str, bool, list[str]]) -> float:
    return item[0]


def _index_after(times: list[float], t: float) -> int:
    from bisect import bisect_left

    return bisect_left(times, t)


def _dt(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)

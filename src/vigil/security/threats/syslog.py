"""OpenSSH sshd and PAM lines in syslog format, correlated into authentication attempts.

Syslog timestamps carry no year: the year is inferred from a reference time (a date
more than a day in the future belongs to the previous year) and advanced when the
month wraps from December to January inside one stream. One attempt writes several
lines (`Invalid user`, PAM `check pass`, PAM `authentication failure`, `Failed
password`); they are joined per (host, sshd pid) so attempts, not lines, are counted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from vigil.security.threats.model import AUTH_FAILURE, AUTH_SUCCESS, AuthEvent

_MONTHS = {m: i + 1 for i, m in enumerate(
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"])}
_HEADER = re.compile(
    r"([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d\d):(\d\d):(\d\d) (\S+) ([^\s\[:]+)(?:\[(\d+)\])?: ?(.*)")
_ANY_STAMP = re.compile(r"[A-Z][a-z]{2} {1,2}\d{1,2} \d\d:\d\d:\d\d \S+ +\S")
# RFC 3339 timestamps (rsyslog's high-precision format, `journalctl -o short-iso`).
_ISO_HEADER = re.compile(
    r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?) (\S+) "
    r"([^\s\[:]+)(?:\[(\d+)\])?: ?(.*)")
_FAILED = re.compile(r"Failed (\S+) for (invalid user )?(.*?) from (\S+) port \d+")
_REPEATED = re.compile(
    r"message repeated (\d+) times: \[ ?Failed (\S+) for (invalid user )?(.*?) from (\S+) port")
_INVALID = re.compile(r"Invalid user (.*?) from (\S+)")
_ACCEPTED = re.compile(r"Accepted (\S+) for (.*?) from (\S+) port")
_PAM_FAIL = re.compile(r"authentication failure;.*?rhost=(\S*)(?:\s+user=(\S+))?")
_CLOSE_MARKERS = ("Connection closed", "Received disconnect", "Disconnected from",
                  "Disconnecting", "Connection reset")
CORRELATION_SECONDS = 30.0


@dataclass(slots=True)
class _Pending:
    """Lines of one attempt seen so far for a (host, pid)."""

    time: datetime
    ip: str = ""
    user: str = ""
    invalid: bool = False
    pam: bool = False
    named: bool = False
    lines: list[str] = field(default_factory=list)


class YearInference:
    """Assign years to syslog timestamps relative to a reference time, with rollover."""

    def __init__(self, reference: datetime | None = None) -> None:
        """Start from `reference` (default: now, UTC)."""
        self.reference = reference or datetime.now(UTC)
        self.year: int | None = None
        self.last_month = 0

    def year_for(self, month: int, day: int) -> int:
        """The year of a (month, day) seen next in the stream."""
        if self.year is None:
            year = self.reference.year
            try:
                candidate = datetime(year, month, day, tzinfo=UTC)
            except ValueError:  # Feb 29 of a non-leap reference year
                candidate = datetime(year, month, 28, tzinfo=UTC)
            if candidate > self.reference + timedelta(days=1):
                year -= 1
            self.year = year
        elif month < self.last_month and self.last_month - month >= 6:
            self.year += 1
        elif month == 12 and self.last_month == 1:
            # A late December line after the new year (lines from several hosts interleave):
            # it belongs to the old year and must not make the next January a year later.
            return self.year - 1
        self.last_month = month
        return self.year


class SyslogAuthParser:
    """Stateful parser: feed lines, get completed authentication attempts back."""

    def __init__(self, reference: datetime | None = None, evidence_lines: int = 5) -> None:
        """Create a parser; `reference` anchors the year inference."""
        self.years = YearInference(reference)
        self.evidence_lines = evidence_lines
        self._pending: dict[tuple[str, str], _Pending] = {}
        self._last_failed: dict[tuple[str, str], AuthEvent] = {}
        self._time_cache: dict[tuple[int, str], datetime] = {}
        self._last_sweep: datetime | None = None
        self._last: re.Match[str] | None = None

    def is_syslog(self, line: str) -> bool:
        """True when the line starts like a syslog line."""
        return _HEADER.match(line) is not None or _ISO_HEADER.match(line) is not None

    def feed(self, line: str) -> list[AuthEvent] | None:
        """Parse one line: None when it is not syslog, else the attempts it completes."""
        m = _HEADER.match(line)
        if m is not None:
            host, prog, pid, msg = m.group(6, 7, 8, 9)
        else:
            m = _ISO_HEADER.match(line) if line[:1].isdigit() else None
            if m is None:
                # A syslog line whose tag is unusual (e.g. "syslogd 1.4.1: restart."): not ours.
                return [] if _ANY_STAMP.match(line) else None
            host, prog, pid, msg = m.group(2, 3, 4, 5)
        self._last = m
        if not prog.startswith("sshd"):
            return []
        first = msg[:1]
        if not first or first not in "FmIAapcCRD":
            return []
        when = self._time(m) if m.re is _HEADER else self._iso_time(m.group(1))
        out: list[AuthEvent] = []
        if self._last_sweep is None:
            self._last_sweep = when
        elif (when - self._last_sweep).total_seconds() > CORRELATION_SECONDS:
            out.extend(self._sweep(when))
            self._last_sweep = when
        key = (host, pid or "")
        if first == "F" and msg.startswith("Failed "):
            fm = _FAILED.match(msg)
            if fm is not None:
                pend = self._pending.pop(key, None)
                lines = (pend.lines if pend else [])
                ev = AuthEvent(when, fm.group(4), fm.group(3).strip(), AUTH_FAILURE, "sshd",
                               bool(fm.group(2)) or bool(pend and pend.invalid),
                               self._keep(lines, line))
                self._last_failed[key] = ev
                out.append(ev)
        elif first == "m" and msg.startswith("message repeated"):
            rm = _REPEATED.match(msg)
            if rm is not None:
                n = int(rm.group(1))
                user = rm.group(4).strip()
                for _ in range(n):
                    out.append(AuthEvent(when, rm.group(5), user, AUTH_FAILURE, "sshd",
                                         bool(rm.group(3)), [line]))
        elif first == "I" and msg.startswith("Invalid user"):
            im = _INVALID.match(msg)
            if im is not None:
                pend = self._pending.get(key)
                if pend is not None and pend.named:
                    out.append(self._emit(key))
                    pend = None
                if pend is None:
                    pend = self._pending[key] = _Pending(when)
                pend.ip, pend.user, pend.invalid, pend.named = (
                    im.group(2), im.group(1).strip(), True, True)
                pend.lines.append(line)
        elif first == "A" and msg.startswith("Accepted "):
            am = _ACCEPTED.match(msg)
            if am is not None:
                self._pending.pop(key, None)
                out.append(AuthEvent(when, am.group(3), am.group(2), AUTH_SUCCESS, "sshd",
                                     False, [line]))
        elif "authentication failure;" in msg and not msg.startswith("PAM "):
            pm = _PAM_FAIL.search(msg)
            if pm is not None:
                pend = self._pending.get(key)
                if pend is not None and pend.pam:
                    out.append(self._emit(key))
                    pend = None
                if pend is None:
                    pend = self._pending[key] = _Pending(when)
                pend.pam = True
                if not pend.ip:
                    pend.ip = pm.group(1)
                if pm.group(2) and not pend.user:
                    pend.user = pm.group(2)
                pend.lines.append(line)
        elif "check pass; user unknown" in msg:
            pend = self._pending.get(key)
            if pend is not None and pend.pam:
                out.append(self._emit(key))
                pend = None
            if pend is None:
                pend = self._pending[key] = _Pending(when)
            pend.invalid = True
            pend.lines.append(line)
        elif msg.startswith(_CLOSE_MARKERS):
            self._last_failed.pop(key, None)
            if key in self._pending:
                out.append(self._emit(key))
        return out

    def last_line(self) -> tuple[datetime | None, str]:
        """Time and program of the last syslog line fed (for Sigma rules on raw lines)."""
        m = self._last
        if m is None:
            return None, ""
        if m.re is _HEADER:
            return self._time(m), m.group(7)
        return self._iso_time(m.group(1)), m.group(3)

    def flush(self) -> list[AuthEvent]:
        """Emit every attempt still waiting for more lines (end of input)."""
        return [self._emit(k) for k in list(self._pending)]

    def _sweep(self, now: datetime) -> list[AuthEvent]:
        limit = now - timedelta(seconds=CORRELATION_SECONDS)
        old = [k for k, p in self._pending.items() if p.time < limit]
        if len(self._last_failed) > 10_000:
            self._last_failed.clear()
        return [self._emit(k) for k in old]

    def _emit(self, key: tuple[str, str]) -> AuthEvent:
        pend = self._pending.pop(key)
        user = pend.user or ("(unknown)" if pend.invalid else "")
        return AuthEvent(pend.time, pend.ip or "(unknown)", user, AUTH_FAILURE, "sshd",
                         pend.invalid, pend.lines[-self.evidence_lines:])

    def _keep(self, lines: list[str], line: str) -> list[str]:
        lines.append(line)
        return lines[-self.evidence_lines:]

    def _iso_time(self, stamp: str) -> datetime:
        cached = self._time_cache.get((0, stamp))
        if cached is None:
            value = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
            cached = value if value.tzinfo else value.replace(tzinfo=UTC)
            if len(self._time_cache) > 4096:
                self._time_cache.clear()
            self._time_cache[(0, stamp)] = cached
        return cached

    def _time(self, m: re.Match[str]) -> datetime:
        month = _MONTHS.get(m.group(1), 1)
        year = self.years.year_for(month, int(m.group(2)))
        stamp = m.group(0)[:15]
        cached = self._time_cache.get((year, stamp))
        if cached is not None:
            return cached
        if len(self._time_cache) > 4096:
            self._time_cache.clear()
        try:
            value = datetime(year, month, int(m.group(2)), int(m.group(3)), int(m.group(4)),
                             int(m.group(5)), tzinfo=UTC)
        except ValueError:
            value = datetime(year, month, 1, tzinfo=UTC)
        self._time_cache[(year, stamp)] = value
        return value

"""Syslog framings of auth logs, dispatched to the daemon that wrote each line.

Framings: BSD syslog (`Jan  2 03:04:05 host prog[pid]: msg`), RFC 3339 stamps (rsyslog's
high-precision format, `journalctl -o short-iso`), RFC 5424 (`<38>1 2019-07-08T17:40:16-04:00
host sshd 57915 - - msg`), systemd-journal JSON records (`journalctl -o json`, fed by the
engine through `feed_message`) and Solaris' `[ID 800047 auth.info]` message prefix.

Daemons: OpenSSH sshd (session-aware, `vigil.security.threats.sshd`), Dropbear, and PAM
failures of any other service (pam-generic).

BSD timestamps carry no year: it is inferred from a reference time (a date more than a
day in the future belongs to the previous year) and advanced when the month wraps from
December to January inside one stream.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from vigil.security.threats.dropbear import dropbear_events
from vigil.security.threats.model import AuthEvent
from vigil.security.threats.pam import PamFailures
from vigil.security.threats.sshd import SSHD_FIRSTS, Mode, SshdSessions

_MONTHS = {m: i + 1 for i, m in enumerate(
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"])}
_HEADER = re.compile(
    r"([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d\d):(\d\d):(\d\d) (\S+) ([^\s\[:]+)(?:\[(\d+)\])?: ?(.*)")
_ANY_STAMP = re.compile(r"[A-Z][a-z]{2} {1,2}\d{1,2} \d\d:\d\d:\d\d \S+ +\S")
_ISO_HEADER = re.compile(
    r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?) (\S+) "
    r"([^\s\[:]+)(?:\[(\d+)\])?: ?(.*)")
_RFC5424 = re.compile(
    r"<\d{1,3}>1 (\d{4}-\d\d-\d\dT\S+) (\S+) (\S+) (\S+) \S+ (?:-|(?:\[(?:[^\]\\]|\\.)*\])+)"
    r"(?: \ufeff?(.*))?$")
SWEEP_SECONDS = 30.0


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
    """Stateful parser: feed lines, get the authentication events they count back."""

    def __init__(self, reference: datetime | None = None, mode: Mode = "normal") -> None:
        """Create a parser; `reference` anchors the year inference, `mode` what counts."""
        self.years = YearInference(reference)
        self.sshd = SshdSessions(mode)
        self.pam = PamFailures()
        self._time_cache: dict[tuple[int, str], datetime] = {}
        self._last_sweep: datetime | None = None
        self._last: tuple[datetime | None, str] = (None, "")
        self._last_match: re.Match[str] | None = None
        self._prev_stamp = ""
        self._prev_time = datetime.min.replace(tzinfo=UTC)

    def feed(self, line: str) -> list[AuthEvent] | None:
        """Parse one line: None when it is not syslog, else the events it counts."""
        m = _HEADER.match(line)
        self._last_match = m
        if m is not None:
            host, prog, pid, msg = m.group(6, 7, 8, 9)
            if prog == "sshd":
                if msg[:1] not in SSHD_FIRSTS:
                    self._last = (None, prog)
                    return []
            elif not _wanted(prog, msg):
                self._last = (None, prog)
                return []
            when = self._time(m)
        elif line[:1] == "<":
            m = _RFC5424.match(line)
            self._last_match = m
            if m is None:
                return None
            host, prog, pid, msg = m.group(2), m.group(3), m.group(4), m.group(5) or ""
            if pid == "-":
                pid = ""
            if not _wanted(prog, msg):
                self._last = (None, prog)
                return []
            when = self._iso_time(m.group(1))
        else:
            m = _ISO_HEADER.match(line) if line[:1].isdigit() else None
            self._last_match = m
            if m is None:
                # A syslog line whose tag is unusual (e.g. "syslogd 1.4.1: restart."): not ours.
                return [] if _ANY_STAMP.match(line) else None
            host, prog, pid, msg = m.group(2, 3, 4, 5)
            if not _wanted(prog, msg):
                self._last = (None, prog)
                return []
            when = self._iso_time(m.group(1))
        return self.feed_message(when, host, prog, pid or "", msg, line)

    def feed_message(self, when: datetime, host: str, prog: str, pid: str, msg: str,
                     line: str) -> list[AuthEvent]:
        """One message already split from its framing (syslog header, journal record)."""
        self._last = (when, prog)
        if self._last_sweep is None:
            self._last_sweep = when
        elif (when - self._last_sweep).total_seconds() > SWEEP_SECONDS:
            self.sshd.sweep(when)
            self._last_sweep = when
        key = (host, pid)
        if prog == "sshd" or prog.startswith("sshd-"):
            return self.sshd.feed(when, key, msg, line)
        if prog == "dropbear":
            return dropbear_events(when, msg, line)
        if "authentication failure;" in msg or "check pass;" in msg:
            return self.pam.feed(when, key, prog.split("(", 1)[0], msg, line)
        return []

    def last_line(self) -> tuple[datetime | None, str]:
        """Time and program of the last syslog line fed (for Sigma rules on raw lines)."""
        when, prog = self._last
        m = self._last_match
        if when is None and m is not None:
            when = self._time(m) if m.re is _HEADER else self._iso_time(m.group(1))
            self._last = (when, prog)
        return when, prog

    def flush(self) -> list[AuthEvent]:
        """End of input: sessions still open have no known outcome and count nothing."""
        return []

    def _iso_time(self, stamp: str) -> datetime:
        cached = self._time_cache.get((0, stamp))
        if cached is None:
            try:
                value = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
            except ValueError:
                value = self.years.reference
            cached = value if value.tzinfo else value.replace(tzinfo=UTC)
            if len(self._time_cache) > 4096:
                self._time_cache.clear()
            self._time_cache[(0, stamp)] = cached
        return cached

    def _time(self, m: re.Match[str]) -> datetime:
        stamp = m.string[:15]
        if stamp == self._prev_stamp:  # lines of one second share their stamp
            return self._prev_time
        value = self._new_time(m)
        self._prev_stamp, self._prev_time = stamp, value
        return value

    def _new_time(self, m: re.Match[str]) -> datetime:
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


def _wanted(prog: str, msg: str) -> bool:
    """Cheap filter: a program and message this parser may count."""
    if prog.startswith("sshd") or prog == "dropbear":
        return True
    return "authentication failure;" in msg or "check pass;" in msg

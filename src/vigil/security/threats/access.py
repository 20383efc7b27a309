"""nginx / Apache combined (and common) access log lines into HTTP events."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from vigil.security.threats.model import HttpEvent

_MONTHS = {m: i + 1 for i, m in enumerate(
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"])}


class AccessLogParser:
    """Parse combined-format lines; `feed` returns None for lines that are not access logs."""

    def __init__(self) -> None:
        """Create a parser with a small timestamp cache."""
        self._time_cache: dict[str, tuple[datetime, float]] = {}

    def feed(self, line: str) -> HttpEvent | None:
        """Parse one line into an HttpEvent, or None when it does not match."""
        start = 1 if line[:1] == '"' else 0
        sp = line.find(" ", start)
        lb = line.find(" [", sp)
        rb = line.find('] "', lb)
        if sp < 0 or lb < 0 or rb < 0:
            return None
        stamp = line[lb + 2:rb]
        # The request may hold raw quotes: its end is the first `" NNN ` after it.
        q = rb + 3
        while True:
            q = line.find('" ', q)
            if q < 0:
                return None
            status = line[q + 2:q + 5]
            if status.isdigit() and line[q + 5:q + 6] in (" ", ""):
                break
            q += 1
        timed = self._time_cache.get(stamp) or self._time(stamp)
        if timed is None:
            return None
        request = line[rb + 3:q]
        tail = line[q + 6:]
        ua = ""
        if tail.endswith('"'):
            quoted = tail.rstrip('"')
            cut = quoted.rfind('" "')
            ua = quoted[cut + 3:] if cut >= 0 else ""
        method, _, rest = request.partition(" ")
        target, sep, proto = rest.rpartition(" ")
        if not sep or not proto.startswith("HTTP/"):
            target = rest
        path, _, query = target.partition("?")
        source = line[start:sp]
        if line.count(" ", sp, lb) == 3:  # Apache vhost_combined: "host:port client - user ["
            source = line[sp + 1:line.find(" ", sp + 1)]
        return HttpEvent(timed[0], source, method, path, query, int(status), ua, line, timed[1])

    def _time(self, stamp: str) -> tuple[datetime, float] | None:
        try:
            day, mon, rest = stamp.split("/", 2)
            year, hh, mm, rest2 = rest.split(":", 3)
            ss, _, tz = rest2.partition(" ")
            offset = timedelta(0)
            if tz:
                sign = -1 if tz[0] == "-" else 1
                offset = sign * timedelta(hours=int(tz[1:3]), minutes=int(tz[3:5]))
            value = datetime(int(year), _MONTHS[mon], int(day), int(hh), int(mm), int(ss),
                             tzinfo=timezone(offset))
        except (ValueError, KeyError, IndexError):
            return None
        if len(self._time_cache) > 4096:
            self._time_cache.clear()
        timed = self._time_cache[stamp] = (value, value.timestamp())
        return timed

"""The threat engine: reads lines of any supported format, feeds the detections and
returns threats (allowlists applied, most urgent first) with parse statistics."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from vigil.core.severity import priority_rank
from vigil.security.threats.access import AccessLogParser
from vigil.security.threats.apikey import ApiKeyDetector
from vigil.security.threats.config import ThreatsConfig, allowed
from vigil.security.threats.jsonlines import VIGIL_SERVICE, journal_message, parse_json_line
from vigil.security.threats.model import (
    AUTH_FAILURE,
    AuthEvent,
    HttpEvent,
    ParseStats,
    Threat,
)
from vigil.security.threats.sigma import SigmaDetector, SigmaRuleSet
from vigil.security.threats.ssh import SshDetector
from vigil.security.threats.syslog import SyslogAuthParser
from vigil.security.threats.web import WebDetector
from vigil.security.threats.web_auth import WebAuthErrorParser

# Events later than this cannot be reasoned about (windows and ban ends would pass the
# year 9999): they are counted as unparseable.
LATEST_TS = datetime(9000, 1, 1, tzinfo=UTC).timestamp()


class ThreatEngine:
    """Feed lines (or parsed events), then call `finish` once for the threats."""

    def __init__(self, config: ThreatsConfig | None = None, reference: datetime | None = None,
                 sigma: SigmaRuleSet | None = None, keep_events: bool = False) -> None:
        """Create an engine; `reference` anchors syslog year inference (default now)."""
        self.config = config or ThreatsConfig()
        self.stats = ParseStats()
        self.syslog = SyslogAuthParser(reference, mode=self.config.mode)
        self.web_auth = WebAuthErrorParser(self.config.mode)
        self.access = AccessLogParser()
        self.ssh = SshDetector(self.config)
        self.api = ApiKeyDetector(self.config)
        self.web = WebDetector(self.config)
        self.sigma = SigmaDetector(sigma, self.config.evidence_limit) if sigma else None
        self.keep_events = keep_events
        self.events: list[AuthEvent] = []
        self.last_http: HttpEvent | None = None
        self.latest = 0.0

    def feed_lines(self, lines: Iterable[str]) -> None:
        """Parse and observe many lines."""
        for line in lines:
            self.feed_line(line)

    def feed_line(self, line: str) -> None:
        """Parse one line of any supported format and observe what it holds."""
        line = line.rstrip("\r\n")
        stats = self.stats
        stats.lines += 1
        if not line.strip():
            stats.lines -= 1
            return
        head = line[:1]
        if head == "{":
            if '"MESSAGE"' in line:
                journal = journal_message(line)
                if journal is not None:
                    for ev in self.syslog.feed_message(*journal, line):
                        self.observe_auth(ev)
                    return
            parsed = parse_json_line(line)
            if parsed is False:
                stats.bad(line)
            elif isinstance(parsed, AuthEvent):
                self.observe_auth(parsed)
            elif isinstance(parsed, HttpEvent):
                self.observe_http(parsed)
            return
        if (head.isalpha() and head.isupper()) or (head.isdigit() and line[4:5] == "-") \
                or head == "<":
            events = self.syslog.feed(line)
            if events is not None:
                for ev in events:
                    self.observe_auth(ev)
                if self.sigma is not None:
                    self.sigma.observe_line(line, *self.syslog.last_line())
                return
        if head == "[" or (head.isdigit() and line[4:5] == "/"):
            auth = self.web_auth.feed(line)
            if auth is not None:
                for ev in auth:
                    self.observe_auth(ev)
                return
        http = self.access.feed(line)
        if http is not None:
            self.observe_http(http)
            return
        stats.bad(line)

    def observe_auth(self, ev: AuthEvent) -> None:
        """Observe one authentication attempt (parsed elsewhere, e.g. the API)."""
        ts = ev.time.timestamp()
        if ts > LATEST_TS:
            self.stats.bad(ev.lines[-1] if ev.lines else ev.time.isoformat())
            return
        self.stats.auth_events += 1
        if ts > self.latest:
            self.latest = ts
        if self.keep_events and ev.kind == AUTH_FAILURE:
            self.events.append(ev)
        if ev.service == VIGIL_SERVICE:
            self.api.observe(ev)
        else:
            self.ssh.observe(ev)
        if self.sigma is not None:
            self.sigma.observe_auth(ev)

    def observe_http(self, ev: HttpEvent) -> None:
        """Observe one HTTP request."""
        if ev.ts > LATEST_TS:
            self.stats.bad(ev.line)
            return
        self.stats.http_events += 1
        self.last_http = ev
        if ev.ts > self.latest:
            self.latest = ev.ts
        self.web.observe(ev)
        if self.sigma is not None:
            self.sigma.observe_http(ev)

    def prune(self, cutoff: float) -> None:
        """Forget sources idle since `cutoff` (Unix seconds): keeps `--follow` bounded."""
        self.ssh.prune(cutoff)
        self.api.prune(cutoff)
        self.web.prune(cutoff)
        if self.sigma is not None:
            self.sigma.prune(cutoff)

    def horizon(self) -> float:
        """The longest window any rule looks back over, in seconds."""
        c = self.config
        return max(c.ssh_bruteforce.findtime, c.ssh_enumeration.window,
                   c.success_after_failures.window, c.credential_stuffing.window,
                   c.api_key_bruteforce.window, c.web_scan.window,
                   *(corr.timespan for corr in (self.sigma.ruleset.correlations
                                                if self.sigma else [])))

    def finish(self, flush: bool = True) -> list[Threat]:
        """Evaluate every rule; most urgent threats first.

        `flush` first completes attempts still waiting for more lines (end of input);
        `--follow` evaluates without flushing so an attempt is never split in two.
        """
        if flush:
            for ev in self.syslog.flush():
                self.observe_auth(ev)
        threats = self.ssh.finish() + self.api.finish() + self.web.finish()
        if self.sigma is not None:
            threats += self.sigma.finish()
        kept = [t for t in threats if not self._allowlisted(t)]
        kept.sort(key=lambda t: (priority_rank(t.priority), -t.count, t.source_ip))
        return kept

    def _allowlisted(self, threat: Threat) -> bool:
        rule = getattr(self.config, threat.rule, None)
        extra = list(getattr(rule, "allowlist", None) or [])
        return allowed(threat.source_ip, self.config.networks, extra)


def scan_lines(lines: Iterable[str], config: ThreatsConfig | None = None,
               reference: datetime | None = None) -> tuple[list[Threat], ParseStats]:
    """One-shot helper: threats and parse statistics for some lines."""
    engine = ThreatEngine(config, reference)
    engine.feed_lines(lines)
    return engine.finish(), engine.stats


def summary(threats: list[Threat]) -> dict[str, Any]:
    """Counts by type and priority (for reports and metrics)."""
    by_type: dict[str, int] = {}
    by_priority: dict[str, int] = {}
    for t in threats:
        by_type[t.type] = by_type.get(t.type, 0) + 1
        by_priority[t.priority.value] = by_priority.get(t.priority.value, 0) + 1
    return {"total": len(threats), "by_type": by_type, "by_priority": by_priority}

"""Run the threat engine over an annotated log and score what it recognises, line by line."""

from __future__ import annotations

from datetime import UTC, datetime

from vigil.security.threats.annotations import Score, read_annotated, score
from vigil.security.threats.botsearch import is_bot_search
from vigil.security.threats.config import ThreatsConfig
from vigil.security.threats.engine import ThreatEngine


def score_lines(lines: list[str], config: ThreatsConfig | None = None,
                reference: datetime | None = None) -> Score:
    """Recall and precision of the engine's failures (and bot searches) on annotated lines."""
    engine = ThreatEngine(config, reference or datetime.now(UTC), keep_events=True)

    def hits(line: str) -> list[tuple[datetime, str]]:
        events_before = len(engine.events)
        http_before = engine.stats.http_events
        engine.feed_line(line)
        found = [(ev.time, ev.source_ip) for ev in engine.events[events_before:]]
        last = engine.last_http
        if engine.stats.http_events > http_before and last is not None and is_bot_search(last):
            found.append((last.time, last.source_ip))
        return found

    return score(read_annotated(lines), hits)

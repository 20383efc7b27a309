"""Score the auth-log parsers against annotated logs: recall, precision, injected hosts.

An annotated log has, before a log line, a comment `# failJSON: {...}` (the layout of
fail2ban's test logs, so those can be scored too) with `"match": true|false` and, for a
match, the expected `"time"` (ISO, wall clock of the line) and `"host"`. A line without
an annotation is expected not to match. Other comment lines are skipped.

A line counts as recognised when the parser reports at least one failure (or, for access
logs, a bot search) for it; it is a true positive when one of them names the expected host
(and time, to the second, when given). A reported host on an annotated match that differs
from the annotation is a wrong (possibly injected) address.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

MARKER = "# failJSON:"


@dataclass(frozen=True, slots=True)
class Expectation:
    """What one log line should give."""

    line_no: int
    line: str
    match: bool
    time: str | None = None
    host: str | None = None


@dataclass(slots=True)
class Score:
    """Counts and rates of one scored log."""

    expected: int = 0
    reported: int = 0
    true_positives: int = 0
    wrong_hosts: int = 0
    misses: list[int] = field(default_factory=list)
    false_alarms: list[int] = field(default_factory=list)

    @property
    def recall(self) -> float:
        """Share of expected matches found with the right host (1.0 when none expected)."""
        return self.true_positives / self.expected if self.expected else 1.0

    @property
    def precision(self) -> float:
        """Share of reported lines that were expected, with the right host."""
        return self.true_positives / self.reported if self.reported else 1.0

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form."""
        return {"expected": self.expected, "reported": self.reported,
                "true_positives": self.true_positives, "wrong_hosts": self.wrong_hosts,
                "recall": round(self.recall, 4), "precision": round(self.precision, 4),
                "missed_lines": self.misses[:20], "false_alarm_lines": self.false_alarms[:20]}


def read_annotated(lines: Iterable[str]) -> list[Expectation]:
    """The log lines of an annotated log with what each should give."""
    out: list[Expectation] = []
    pending: dict[str, Any] | None = None
    for no, raw in enumerate(lines, 1):
        line = raw.rstrip("\r\n")
        if line.startswith(MARKER):
            pending = json.loads(line[len(MARKER):])
            continue
        if line.startswith("#") or not line.strip():
            continue
        note = pending or {}
        pending = None
        out.append(Expectation(no, line, bool(note.get("match", False)), note.get("time"),
                               note.get("host")))
    return out


def score(expectations: list[Expectation],
          hits: Callable[[str], list[tuple[datetime, str]]]) -> Score:
    """Score `hits` (line → (time, host) of what it counts) over the expectations, in order."""
    result = Score()
    for exp in expectations:
        found = hits(exp.line)
        if exp.match:
            result.expected += 1
        if not found:
            if exp.match:
                result.misses.append(exp.line_no)
            continue
        result.reported += 1
        if not exp.match:
            result.false_alarms.append(exp.line_no)
            continue
        if any(_same(exp, when, host) for when, host in found):
            result.true_positives += 1
        else:
            result.wrong_hosts += 1
            result.misses.append(exp.line_no)
    return result


def _same(exp: Expectation, when: datetime, host: str) -> bool:
    if exp.host is not None and host != exp.host:
        return False
    if exp.time is None:
        return True
    wanted = datetime.fromisoformat(exp.time)
    got = when.replace(tzinfo=None) if wanted.tzinfo is None else when
    if wanted.tzinfo is not None:
        return abs((got - wanted).total_seconds()) < 1.0
    return (got.month, got.day, got.hour, got.minute, got.second) == (
        wanted.month, wanted.day, wanted.hour, wanted.minute, wanted.second)

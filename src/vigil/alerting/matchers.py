"""Label matchers in Alertmanager syntax: `name="v"`, `name!="v"`, `name=~"re"`, `name!~"re"`."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

_MATCHER = re.compile(
    r'^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*(?:"((?:[^"\\]|\\.)*)"|(\S*))\s*$')


@dataclass(frozen=True)
class Matcher:
    """One label condition; regexes are fully anchored, a missing label is the empty string."""

    name: str
    op: str
    value: str
    _regex: re.Pattern[str] | None = field(default=None, compare=False, repr=False)

    @classmethod
    def parse(cls, text: str, strict: bool = True) -> Matcher:
        """Parse `name op "value"`; raise ValueError with the reason when it is not valid.

        `strict=False` reads matchers stored before a check was added (an unquoted value
        with a stray quote) as they were read then, so old silences keep working.
        """
        m = _MATCHER.match(text)
        if m is None:
            raise ValueError(f"invalid matcher {text!r}: expected name=\"value\" (=, !=, =~, !~)")
        name, op = m.group(1), m.group(2)
        if strict and m.group(4) is not None and '"' in m.group(4):
            raise ValueError(f"invalid matcher {text!r}: unbalanced quotes in the value")
        value = m.group(3) if m.group(3) is not None else (m.group(4) or "")
        value = value.replace('\\"', '"')
        return cls.of(name, op, value)

    @classmethod
    def of(cls, name: str, op: str, value: str) -> Matcher:
        """Build a matcher, compiling its regex (ValueError when the regex is invalid)."""
        regex = None
        if op in ("=~", "!~"):
            try:
                regex = re.compile(f"(?:{value})\\Z")
            except re.error as exc:
                raise ValueError(f"invalid regex in matcher {name}{op}{value!r}: {exc}") from exc
        elif op not in ("=", "!="):
            raise ValueError(f"invalid matcher operator {op!r}")
        return cls(name, op, value, regex)

    def matches(self, labels: Mapping[str, str]) -> bool:
        """True when the labels satisfy this condition."""
        actual = labels.get(self.name, "")
        if self.op == "=":
            return actual == self.value
        if self.op == "!=":
            return actual != self.value
        assert self._regex is not None
        found = self._regex.match(actual) is not None
        return found if self.op == "=~" else not found

    def __str__(self) -> str:
        """The matcher in its text form."""
        escaped = self.value.replace('"', '\\"')
        return f'{self.name}{self.op}"{escaped}"'


def parse_matchers(texts: Iterable[str], strict: bool = True) -> tuple[Matcher, ...]:
    """Parse several matcher strings."""
    return tuple(Matcher.parse(t, strict) for t in texts)


def matches_all(matchers: Iterable[Matcher], labels: Mapping[str, str]) -> bool:
    """True when every matcher matches (an empty list matches everything)."""
    return all(m.matches(labels) for m in matchers)

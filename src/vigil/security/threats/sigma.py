"""Operator Sigma rules, parsed with pySigma and evaluated by Vigil itself.

Single-event rules match parsed events through a field view (webserver taxonomy for
HTTP: `c-ip`, `cs-method`, `cs-uri-stem`, `cs-uri-query`, `sc-status`,
`cs-user-agent`; for authentication: `source_ip`, `user`, `service`, `outcome`);
keywords (values without a field) match the raw line. `event_count` correlations
count matches of the referenced rules per `group-by` within `timespan`.
"""

from __future__ import annotations

import ipaddress
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import yaml
from sigma.collection import SigmaCollection
from sigma.conditions import (
    ConditionAND,
    ConditionFieldEqualsValueExpression,
    ConditionNOT,
    ConditionOR,
    ConditionValueExpression,
)
from sigma.correlations import (
    SigmaCorrelationCondition,
    SigmaCorrelationConditionOperator,
    SigmaCorrelationRule,
)
from sigma.exceptions import SigmaError
from sigma.rule import SigmaRule
from sigma.types import (
    SigmaBool,
    SigmaCIDRExpression,
    SigmaNull,
    SigmaNumber,
    SigmaRegularExpression,
    SigmaString,
    SpecialChars,
)

from vigil.core.severity import priority_of_level
from vigil.core.types import Priority
from vigil.security.threats.model import AuthEvent, HttpEvent, Threat

Fields = dict[str, Any]
Matcher = Callable[[Fields, str], bool]
_OPS: dict[SigmaCorrelationConditionOperator, Callable[[int, int], bool]] = {
    SigmaCorrelationConditionOperator.GTE: lambda a, b: a >= b,
    SigmaCorrelationConditionOperator.GT: lambda a, b: a > b,
    SigmaCorrelationConditionOperator.LTE: lambda a, b: a <= b,
    SigmaCorrelationConditionOperator.LT: lambda a, b: a < b,
    SigmaCorrelationConditionOperator.EQ: lambda a, b: a == b,
}


_LINE_SOURCE = re.compile(r"\bfrom ([0-9a-fA-F:.]+[0-9a-fA-F])\b|\brhost=(\S+)")


class SigmaRuleError(ValueError):
    """A Sigma rule file is invalid or uses a feature Vigil does not evaluate."""


@dataclass
class CompiledRule:
    """A single-event rule: its identity, priority, technique and matcher."""

    title: str
    ident: str
    name: str
    priority: Priority
    technique: str
    matcher: Matcher
    scope: str = "any"


@dataclass
class CompiledCorrelation:
    """An `event_count` correlation over some single-event rules."""

    title: str
    rules: list[str]
    group_by: list[str]
    timespan: float
    op: Callable[[int, int], bool]
    count: int
    priority: Priority
    technique: str
    generate: bool = False


@dataclass
class SigmaRuleSet:
    """Compiled rules ready to evaluate."""

    rules: list[CompiledRule] = field(default_factory=list)
    correlations: list[CompiledCorrelation] = field(default_factory=list)


def load_sigma(texts: list[str]) -> SigmaRuleSet:
    """Parse Sigma YAML documents (one string per file) into a rule set."""
    out = SigmaRuleSet()
    try:
        collection = SigmaCollection.merge([SigmaCollection.from_yaml(t) for t in texts])
        collection.resolve_rule_references()
    except SigmaError as exc:
        raise SigmaRuleError(str(exc)) from exc
    except yaml.YAMLError as exc:
        raise SigmaRuleError(f"Sigma rule is not valid YAML: {exc}") from exc
    for rule in collection.rules:
        if isinstance(rule, SigmaRule):
            out.rules.append(_compile_rule(rule))
    for rule in collection.rules:
        if isinstance(rule, SigmaCorrelationRule):
            out.correlations.append(_compile_correlation(rule))
    return out


def _technique(tags: list[Any]) -> str:
    for tag in tags:
        if tag.namespace == "attack" and tag.name.lower().startswith("t"):
            return str(tag.name).upper()
    return ""


def _priority(level: Any) -> Priority:
    name = getattr(level, "name", str(level or "medium")).lower()
    return priority_of_level(name, Priority.P3)


def _compile_rule(rule: SigmaRule) -> CompiledRule:
    conditions = rule.detection.parsed_condition
    try:
        matchers = [_node(c.parse()) for c in conditions]
    except SigmaError as exc:
        raise SigmaRuleError(f"{rule.title}: {exc}") from exc

    def matcher(fields: Fields, line: str) -> bool:
        return any(m(fields, line) for m in matchers)

    return CompiledRule(rule.title, str(rule.id or rule.title), rule.name or str(rule.id or ""),
                        _priority(rule.level), _technique(rule.tags), matcher,
                        _scope(rule.logsource))


def _scope(logsource: Any) -> str:
    """Which events a rule sees: `web` (HTTP), `sshd`, `syslog` (any program) or `any`."""
    category = str(getattr(logsource, "category", None) or "").lower()
    service = str(getattr(logsource, "service", None) or "").lower()
    product = str(getattr(logsource, "product", None) or "").lower()
    if category in ("webserver", "proxy") or service in ("apache", "nginx"):
        return "web"
    if service in ("sshd", "ssh"):
        return "sshd"
    if product == "linux" or service in ("auth", "syslog"):
        return "syslog"
    return "any"


def _compile_correlation(rule: SigmaCorrelationRule) -> CompiledCorrelation:
    if rule.type.name.lower() != "event_count":
        raise SigmaRuleError(f"{rule.title}: only event_count correlations are supported")
    cond = rule.condition
    if not isinstance(cond, SigmaCorrelationCondition):
        raise SigmaRuleError(f"{rule.title}: only simple count conditions are supported")
    names = []
    for ref in rule.rules or []:
        target = ref.rule
        names.append(str(target.name or target.id or target.title))
    return CompiledCorrelation(rule.title, names, list(rule.group_by or []),
                               float(rule.timespan.seconds), _OPS[cond.op], int(cond.count),
                               _priority(rule.level), _technique(rule.tags),
                               bool(getattr(rule, "generate", False)))


def _node(node: Any) -> Matcher:
    if isinstance(node, ConditionAND):
        parts = [_node(a) for a in node.args]
        return lambda f, line: all(p(f, line) for p in parts)
    if isinstance(node, ConditionOR):
        parts = [_node(a) for a in node.args]
        return lambda f, line: any(p(f, line) for p in parts)
    if isinstance(node, ConditionNOT):
        inner = _node(node.args[0])
        return lambda f, line: not inner(f, line)
    if isinstance(node, ConditionFieldEqualsValueExpression):
        name = node.field
        test = _value(node.value)
        return lambda f, line: name in f and test(f[name])
    if isinstance(node, ConditionValueExpression):
        test = _value(node.value, keyword=True)
        return lambda f, line: test(line)
    raise SigmaRuleError(f"unsupported condition element {type(node).__name__}")


def _value(value: Any, keyword: bool = False) -> Callable[[Any], bool]:
    """A test of one field value; keywords (no field) match anywhere in the raw line."""
    if isinstance(value, SigmaString):
        pattern = "".join(
            ".*" if p is SpecialChars.WILDCARD_MULTI else "." if p is SpecialChars.WILDCARD_SINGLE
            else re.escape(str(p)) if isinstance(p, str) else "" for p in value.s)
        rx = re.compile(pattern, re.IGNORECASE | re.DOTALL)
        if keyword:
            return lambda v: v is not None and rx.search(str(v)) is not None
        return lambda v: v is not None and rx.fullmatch(str(v)) is not None
    if isinstance(value, SigmaRegularExpression):
        flags = 0
        for flag in value.flags:
            flags |= {"IGNORECASE": re.I, "MULTILINE": re.M, "DOTALL": re.S}.get(flag.name, 0)
        rx = re.compile(str(value.regexp.to_plain()), flags)
        return lambda v: v is not None and rx.search(str(v)) is not None
    if isinstance(value, SigmaNumber):
        number = value.number
        return lambda v: _num_eq(v, number)
    if isinstance(value, SigmaCIDRExpression):
        net = value.network
        return lambda v: _in_net(v, net)
    if isinstance(value, SigmaNull):
        return lambda v: v is None or v == ""
    if isinstance(value, SigmaBool):
        want = value.boolean
        return lambda v: bool(v) is want
    raise SigmaRuleError(f"unsupported value type {type(value).__name__}")


def _num_eq(v: Any, number: Any) -> bool:
    try:
        return float(v) == float(number)
    except (TypeError, ValueError):
        return False


def _in_net(v: Any, net: Any) -> bool:
    try:
        return ipaddress.ip_address(str(v)) in net
    except ValueError:
        return False


def auth_fields(ev: AuthEvent) -> Fields:
    """The field view of an authentication attempt."""
    return {"source_ip": ev.source_ip, "c-ip": ev.source_ip, "user": ev.user,
            "service": ev.service, "outcome": ev.kind, "invalid_user": ev.invalid_user}


class SigmaDetector:
    """Evaluates compiled rules on each event; threats per (rule, source)."""

    def __init__(self, ruleset: SigmaRuleSet, evidence_limit: int = 20) -> None:
        """Evaluate `ruleset`, keeping up to `evidence_limit` lines per threat."""
        self.ruleset = ruleset
        self.limit = evidence_limit
        self._hits: dict[tuple[str, str], list[float]] = defaultdict(list)
        self._evidence: dict[tuple[str, str], list[str]] = defaultdict(list)
        self._groups: dict[tuple[str, str], list[tuple[float, str]]] = defaultdict(list)
        self._group_lines: dict[tuple[str, str], list[str]] = defaultdict(list)

    def observe_http(self, ev: HttpEvent) -> None:
        """Match HTTP request fields (and the raw line for keywords)."""
        self._match(ev.as_fields(), ev.line, ev.time, ev.source_ip, ("web", "any"))

    def observe_auth(self, ev: AuthEvent) -> None:
        """Match authentication attempt fields (raw syslog lines go to `observe_line`)."""
        if ev.service == "sshd":
            self._match(auth_fields(ev), "", ev.time, ev.source_ip, ("sshd", "syslog", "any"))
        else:
            self._match(auth_fields(ev), "\n".join(ev.lines), ev.time, ev.source_ip, ("any",))

    def observe_line(self, line: str, when: datetime | None, program: str) -> None:
        """Match one raw syslog line: keywords, plus `source_ip` and `program` fields."""
        if not self.ruleset.rules or when is None:
            return
        m = _LINE_SOURCE.search(line)
        ip = (m.group(1) or m.group(2) or "") if m else ""
        fields: Fields = {"program": program}
        if ip:
            fields["source_ip"] = fields["c-ip"] = ip
        scopes = ("sshd", "syslog", "any") if program.startswith("sshd") else ("syslog", "any")
        self._match(fields, line, when, ip, scopes)

    def _match(self, fields: Fields, line: str, when: datetime | None, ip: str,
               scopes: tuple[str, ...]) -> None:
        for rule in self.ruleset.rules:
            if rule.scope not in scopes or when is None or not rule.matcher(fields, line):
                continue
            key = (rule.name, ip)
            self._hits[key].append(when.timestamp())
            if len(self._evidence[key]) < self.limit:
                self._evidence[key].append(line)
            for corr in self.ruleset.correlations:
                if rule.name in corr.rules:
                    group = "|".join(str(fields.get(g, "")) for g in corr.group_by)
                    self._groups[(corr.title, group)].append((when.timestamp(), ip))
                    kept = self._group_lines[(corr.title, group)]
                    if len(kept) < self.limit:
                        kept.append(line)

    def prune(self, cutoff: float) -> None:
        """Forget matches of sources and groups idle since `cutoff` (Unix seconds)."""
        for key in [k for k, times in self._hits.items() if max(times) < cutoff]:
            self._hits.pop(key, None)
            self._evidence.pop(key, None)
        for gkey in [k for k, hits in self._groups.items() if max(h[0] for h in hits) < cutoff]:
            self._groups.pop(gkey, None)
            self._group_lines.pop(gkey, None)

    def finish(self) -> list[Threat]:
        """Threats for single-event matches and satisfied correlations."""
        by_name = {r.name: r for r in self.ruleset.rules}
        quiet = {n for c in self.ruleset.correlations if not c.generate for n in c.rules}
        out = []
        for (name, ip), times in self._hits.items():
            rule = by_name[name]
            if name in quiet:
                continue
            out.append(Threat(f"sigma:{rule.title}", ip, _dt(min(times)), _dt(max(times)),
                              len(times), rule.technique, rule.priority, f"sigma:{rule.ident}",
                              [], list(self._evidence[(name, ip)]), {"sigma_id": rule.ident}))
        for corr in self.ruleset.correlations:
            for (title, group), hits in self._groups.items():
                if title != corr.title:
                    continue
                hits.sort()
                best, left = 0, 0
                for right in range(len(hits)):
                    while hits[right][0] - hits[left][0] > corr.timespan:
                        left += 1
                    best = max(best, right - left + 1)
                if corr.op(best, corr.count):
                    out.append(Threat(f"sigma:{corr.title}", hits[0][1], _dt(hits[0][0]),
                                      _dt(hits[-1][0]), len(hits), corr.technique, corr.priority,
                                      f"sigma-correlation:{corr.title}", [],
                                      list(self._group_lines[(title, group)]),
                                      {"group": group, "max_in_timespan": best}))
        return out


def _dt(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)

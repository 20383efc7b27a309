"""Application service of threat detection: read log files, run the engine, report,
store and list threats, and watch Vigil's own AUTH_FAILED events."""

from __future__ import annotations

import gzip
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

import yaml
from sqlalchemy.exc import SQLAlchemyError

from vigil.config import Settings, load_operator_config
from vigil.core.severity import log_level_of_priority, priority_rank
from vigil.core.types import Priority
from vigil.security.threats import (
    AuthEvent,
    ParseStats,
    SigmaRuleSet,
    Threat,
    ThreatEngine,
    ThreatsConfig,
    auth_failed_event,
    event_from_record,
    load_sigma,
)
from vigil.security.threats.fidelity import score_lines
from vigil.security.threats.jsonlines import NOT_GUESSES
from vigil.security.threats.model import HttpEvent
from vigil.security.threats.response import merge_nginx_denylist
from vigil.storage import threats_repo
from vigil.storage.database import Database
from vigil.telemetry.logging import log_event
from vigil.telemetry.threat_metrics import count_threat


class InputError(ValueError):
    """A log file or rule file cannot be read; the message names it."""


@dataclass
class ScanResult:
    """Threats found in some input, with parse statistics and (optionally) events."""

    threats: list[Threat]
    stats: ParseStats
    events: list[AuthEvent] = field(default_factory=list)

    def as_dict(self, with_events: bool = False) -> dict[str, Any]:
        """JSON-friendly form printed by `vigil threats scan --format json`."""
        out: dict[str, Any] = {"threats": [t.as_dict() for t in self.threats],
                               "stats": self.stats.as_dict()}
        if with_events:
            out["events"] = [e.as_dict() for e in self.events]
        return out


def threats_config(settings: Settings, config_path: Path | None = None) -> ThreatsConfig:
    """The `threats:` section of the operator YAML (VIGIL_CONFIG or an explicit file)."""
    return load_operator_config(config_path or settings.config).threats


def load_sigma_paths(paths: Iterable[str | Path]) -> SigmaRuleSet | None:
    """Read Sigma YAML files (directories: every *.yml / *.yaml inside); None if no paths."""
    texts = []
    for raw in paths:
        path = Path(raw)
        files = sorted([*path.rglob("*.yml"), *path.rglob("*.yaml")]) if path.is_dir() else [path]
        for f in files:
            try:
                text = f.read_text(encoding="utf-8")
                list(yaml.safe_load_all(text))
            except (OSError, UnicodeDecodeError) as exc:
                raise InputError(f"{f}: cannot read Sigma rule: "
                                 f"{getattr(exc, 'strerror', None) or exc}") from exc
            except yaml.YAMLError as exc:
                raise InputError(f"{f}: Sigma rule is not valid YAML: {_yaml_problem(exc)}") \
                    from exc
            texts.append(text)
    return load_sigma(texts) if texts else None


def _yaml_problem(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    where = f" (line {mark.line + 1})" if mark is not None else ""
    return f"{getattr(exc, 'problem', None) or exc}{where}"


def _reference(path: Path) -> datetime:
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, UTC)
    except OSError:
        return datetime.now(UTC)


def _open_text(path: Path) -> IO[str]:
    """Open a log for reading as text; rotated `.gz` files are decompressed on the fly."""
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8", errors="replace")
    return path.open("r", encoding="utf-8", errors="replace")


def scan_files(paths: list[Path], config: ThreatsConfig, sigma: SigmaRuleSet | None = None,
               keep_events: bool = False, reference: datetime | None = None,
               on_bytes: Callable[[int], None] | None = None) -> ScanResult:
    """Scan log files offline; syslog years are inferred from each file's mtime by default."""
    for path in paths:
        if not path.is_file() or not os.access(path, os.R_OK):
            raise InputError(f"{path}: not a readable file")
    engine = ThreatEngine(config, reference or _reference(paths[0]), sigma, keep_events)
    for path in paths:
        if reference is None:
            engine.syslog.years.reference = _reference(path)
            engine.syslog.years.year = None
        try:
            with _open_text(path) as fh:
                for line in fh:
                    engine.feed_line(line)
                    if on_bytes is not None:
                        on_bytes(len(line))
        except (OSError, EOFError) as exc:
            raise InputError(f"{path}: cannot read: {getattr(exc, 'strerror', None) or exc}") \
                from exc
    threats = engine.finish()
    return ScanResult(threats, engine.stats, engine.events)


def score_annotated(path: Path, mode: str = "normal",
                    reference: datetime | None = None) -> dict[str, Any]:
    """Recall and precision of the parsers on one annotated log (`vigil threats score`)."""
    if not path.is_file() or not os.access(path, os.R_OK):
        raise InputError(f"{path}: not a readable file")
    try:
        with _open_text(path) as fh:
            lines = fh.read().splitlines()
    except (OSError, EOFError) as exc:
        raise InputError(f"{path}: cannot read: {getattr(exc, 'strerror', None) or exc}") \
            from exc
    config = ThreatsConfig.model_validate({"mode": mode})
    try:
        return score_lines(lines, config, reference or _reference(path)).as_dict()
    except ValueError as exc:  # a `# failJSON:` comment that is not JSON
        raise InputError(f"{path}: bad annotation: {exc}") from exc


def at_or_above(threats: list[Threat], floor: Priority) -> list[Threat]:
    """Threats whose priority is `floor` or more urgent."""
    return [t for t in threats if priority_rank(t.priority) <= priority_rank(floor)]


def report_threats(threats: Iterable[Threat], origin: str) -> None:
    """Log THREAT_DETECTED (CRITICAL for P1, else WARNING) and count the metric."""
    for t in threats:
        log_event("THREAT_DETECTED", log_level_of_priority(t.priority), type=t.type,
                  source_ip=t.source_ip,
                  priority=t.priority.value, technique=t.technique, count=t.count,
                  first_seen=t.first_seen.isoformat(), last_seen=t.last_seen.isoformat(),
                  targets=t.targets[:10], origin=origin,
                  response_target=str(t.priority.response_target))
        count_threat(t.type, t.priority.value)


def apply_response(config: ThreatsConfig, threats: list[Threat]) -> Path | None:
    """Add urgent sources to the nginx deny file when `threats.response.apply` is on.

    Nothing else is ever applied: iptables rules and NetworkPolicies are only suggested.
    Returns the file written, or None when the response is off or there was nothing to add.
    """
    response = config.response
    if not response.apply or not response.nginx_deny_file or not threats:
        return None
    path = Path(response.nginx_deny_file)
    try:
        existing = path.read_text(encoding="utf-8") if path.exists() else ""
        updated = merge_nginx_denylist(existing, threats, response.min_priority)
        if updated == existing:
            return None
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(updated, encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:
        log_event("THREAT_RESPONSE_FAILED", "ERROR", file=str(path), error=str(exc))
        return None
    log_event("THREAT_RESPONSE_APPLIED", "WARNING", file=str(path),
              sources=sorted({t.source_ip for t in threats}))
    return path


def store_threats(db: Database, threats: list[Threat], origin: str) -> tuple[int, int]:
    """Upsert threats; returns (inserted, updated)."""
    with db.session() as session:
        return threats_repo.upsert_threats(session, [t.as_dict() for t in threats], origin)


# How far in the future an event's time may be (clock skew); later ones are rejected.
FUTURE_TOLERANCE = timedelta(days=1)


def ingest_lines(db: Database, lines: list[str], config: ThreatsConfig,
                 records: list[dict[str, Any]] | None = None,
                 sigma: SigmaRuleSet | None = None) -> dict[str, Any]:
    """Analyse raw lines and/or JSON event objects, store and report the threats found."""
    now = datetime.now(UTC)
    latest = now + FUTURE_TOLERANCE
    engine = ThreatEngine(config, now, sigma)
    engine.feed_lines(lines)
    rejected: list[dict[str, Any]] = []
    for i, record in enumerate(records or []):
        ev = event_from_record(record, "")
        if isinstance(ev, (AuthEvent, HttpEvent)) and ev.time > latest:
            rejected.append({"index": i, "path": f"events.{i}", "invalid": True,
                             "reason": f"time {ev.time.isoformat()} is more than "
                                       f"{FUTURE_TOLERANCE} in the future"})
        elif isinstance(ev, AuthEvent):
            engine.observe_auth(ev)
        elif isinstance(ev, HttpEvent):
            engine.observe_http(ev)
        elif record.get("event") == "AUTH_FAILED" and record.get("reason") in NOT_GUESSES:
            rejected.append({"index": i, "reason": "AUTH_FAILED without a key or for a missing "
                                                   "role is not a key guess"})
        else:
            rejected.append({"index": i, "reason": "not a recognised auth or HTTP event"})
    threats = engine.finish()
    inserted, updated = store_threats(db, threats, "api")
    report_threats(threats, "api")
    apply_response(config, threats)
    return {"threats": [t.as_dict() for t in threats], "stats": engine.stats.as_dict(),
            "rejected_events": rejected, "stored": {"inserted": inserted, "updated": updated}}


def list_threats(db: Database, limit: int = 100, after_id: int | None = None,
                 priority: str | None = None, source_ip: str | None = None,
                 type_: str | None = None) -> list[threats_repo.StoredThreat]:
    """Stored threats, newest first."""
    with db.session() as session:
        return threats_repo.list_threats(session, limit, after_id, priority, source_ip, type_)


class AuthFailureMonitor:
    """Called by the API for each AUTH_FAILED event; flags API-key brute force live.

    Keeps the recent failures per client (the `api_key_bruteforce` rule's window); when a
    client crosses the threshold the threat is logged and counted once per burst, and
    stored, then stored again on every further failure of the burst so its count, key
    prefixes and evidence grow while the attack goes on. The threat is built from each
    failure (its time, key prefix and line). Only rejected keys count (`invalid`,
    `revoked`): a request with no key or a valid key lacking the role is a misconfigured
    client, not a guess. A failure to store the threat is logged and never turns the
    caller's 401 into a 500.
    """

    IGNORED_REASONS = NOT_GUESSES
    MAX_BURST_EVENTS = 10_000

    def __init__(self, db: Database | None, config: ThreatsConfig | None = None) -> None:
        """Watch with `config` (defaults), storing threats in `db` when given."""
        self.db = db
        self.config = config or ThreatsConfig()
        self._lock = threading.Lock()
        self._events: dict[str, list[AuthEvent]] = {}
        self._bursts: set[str] = set()

    def __call__(self, context: dict[str, Any]) -> Threat | None:
        """Record one failure (the AUTH_FAILED context); returns a threat when one starts."""
        rule = self.config.api_key_bruteforce
        record = {"ts": context.get("ts") or datetime.now(UTC).isoformat(), **context}
        ev = auth_failed_event(record)
        if ev is None or not rule.enabled or context.get("reason") in self.IGNORED_REASONS:
            return None
        now = ev.time.timestamp()
        ip = ev.source_ip
        with self._lock:
            recent = self._events.get(ip, [])
            if recent and now - recent[-1].time.timestamp() > rule.window:
                recent = []  # the previous burst (if any) is over
                self._bursts.discard(ip)
            if ip not in self._bursts:
                recent = [e for e in recent if now - e.time.timestamp() <= rule.window]
            if len(recent) < self.MAX_BURST_EVENTS:
                recent.append(ev)
            self._events[ip] = recent
            if len(self._events) > 100_000:
                self._events = {k: v for k, v in self._events.items()
                                if now - v[-1].time.timestamp() <= rule.window}
                self._bursts &= set(self._events)
            if len(recent) < rule.threshold:
                return None
            starts = ip not in self._bursts
            self._bursts.add(ip)
            window = list(recent)
        engine = ThreatEngine(self.config)
        for past in window:
            engine.observe_auth(past)
        threats = [t for t in engine.finish() if t.type == "api_key_brute_force"][-1:]
        if not threats:
            return None
        if starts:
            report_threats(threats, "api-auth")
        if self.db is not None:
            try:
                store_threats(self.db, threats, "api-auth")
            except SQLAlchemyError as exc:
                log_event("THREAT_STORE_FAILED", "ERROR", origin="api-auth",
                          source_ip=ip, error=str(getattr(exc, "orig", exc)))
        if not starts:
            return None
        apply_response(self.config, threats)
        return threats[0]


def follow(paths: list[Path], poll: float = 1.0, stop: Callable[[], bool] = lambda: False,
           idle_ticks: bool = False) -> Iterator[str]:
    """Yield lines appended to files, like `tail -F`: reopens a file after rotation.

    With `idle_ticks`, an empty string is yielded after each idle poll so the caller can
    do periodic work while no line arrives.
    """
    handles: dict[Path, Any] = {}
    inodes: dict[Path, int] = {}
    for p in paths:
        try:
            handles[p] = p.open("rb")
            inodes[p] = os.fstat(handles[p].fileno()).st_ino
        except OSError as exc:
            raise InputError(f"{p}: cannot read: {exc.strerror or exc}") from exc
    try:
        while not stop():
            got = False
            for p in paths:
                fh = handles.get(p)
                if fh is not None:
                    for raw in iter(fh.readline, b""):
                        if not raw.endswith(b"\n"):
                            fh.seek(fh.tell() - len(raw))
                            break
                        got = True
                        yield raw.decode("utf-8", "replace")
                try:
                    st = p.stat()
                except OSError:
                    continue
                if fh is None or st.st_ino != inodes.get(p) or st.st_size < fh.tell():
                    if fh is not None:
                        for raw in iter(fh.readline, b""):
                            yield raw.decode("utf-8", "replace")
                        fh.close()
                    try:
                        handles[p] = p.open("rb")
                        inodes[p] = st.st_ino
                        got = True
                    except OSError:
                        handles.pop(p, None)
            if not got:
                time.sleep(poll)
                if idle_ticks:
                    yield ""
    finally:
        for fh in handles.values():
            fh.close()
